package render

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"unicode/utf16"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// JSON writes the explanation as indented JSON followed by a newline.
// Characters that termtext.Sanitize escapes (controls, bidi overrides,
// invisible characters) are written as \u escapes, so the document prints
// safely on a terminal and decodes to the original strings.
func JSON(w io.Writer, e *v1alpha1.Explanation) error {
	out, err := encodeJSON(e)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// YAML writes the explanation as YAML, which ends in a newline. The YAML
// encoder writes controls, ESC and DEL as escapes in double-quoted strings
// but leaves other format characters, such as bidi overrides, as they are.
func YAML(w io.Writer, e *v1alpha1.Explanation) error {
	// The conversion parses the JSON as YAML, and a YAML parser rejects
	// DEL and C1 controls written as they are, which the JSON encoder
	// leaves unescaped. The escaped JSON carries them as \u escapes.
	j, err := encodeJSON(e)
	if err != nil {
		return err
	}

	out, err := yaml.JSONToYAML(j)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// encodeJSON returns the indented JSON of the document with the characters
// that termtext.NeedsEscape reports written as \u escapes.
func encodeJSON(e *v1alpha1.Explanation) ([]byte, error) {
	doc, err := document(e)
	if err != nil {
		return nil, err
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return escapeJSONInvisible(buf.Bytes()), nil
}

// document returns a copy of e ready to encode. It fills in apiVersion and
// kind, turns nil lists into empty ones so that scripts can iterate over
// them, and drops numbers that JSON cannot represent (NaN and infinities)
// because encoding them would fail the whole document.
func document(e *v1alpha1.Explanation) (*v1alpha1.Explanation, error) {
	if e == nil {
		return nil, errNilExplanation
	}

	doc := *e
	if doc.APIVersion == "" {
		doc.APIVersion = v1alpha1.APIVersion
	}
	if doc.Kind == "" {
		doc.Kind = v1alpha1.Kind
	}

	doc.Metrics = finiteMetrics(e.Metrics)
	if doc.Pods == nil {
		doc.Pods = []v1alpha1.Pod{}
	}
	if doc.Steps == nil {
		doc.Steps = []v1alpha1.Step{}
	}
	if doc.Findings == nil {
		doc.Findings = []v1alpha1.Finding{}
	}
	return &doc, nil
}

// finiteMetrics copies metrics with every NaN or infinite number removed: an
// optional number becomes absent and a required one becomes 0. The
// quantity strings beside the values keep the original.
func finiteMetrics(metrics []v1alpha1.Metric) []v1alpha1.Metric {
	out := make([]v1alpha1.Metric, len(metrics))
	for i, m := range metrics {
		m.Target.Value = finiteOrZero(m.Target.Value)
		if m.Current != nil {
			current := *m.Current
			current.Value = finiteOrZero(current.Value)
			m.Current = &current
		}
		m.UsageRatio = finiteOrNil(m.UsageRatio)

		if m.Pods != nil {
			pods := make([]v1alpha1.PodMetric, len(m.Pods))
			for k, pod := range m.Pods {
				pod.Value = finiteOrNil(pod.Value)
				pod.Request = finiteOrNil(pod.Request)
				pods[k] = pod
			}
			m.Pods = pods
		}
		out[i] = m
	}
	return out
}

func finiteOrZero(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func finiteOrNil(v *float64) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return v
}

// escapeJSONInvisible rewrites the runes that termtext.NeedsEscape reports
// as \u escapes, with surrogate pairs above U+FFFF. The encoder has already
// escaped the ASCII controls except DEL. DEL and every character outside
// ASCII can only occur inside a string, where a \u escape means the same
// rune.
func escapeJSONInvisible(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		r, size := utf8.DecodeRune(in[i:])
		escape := r == 0x7f || (r >= utf8.RuneSelf && termtext.NeedsEscape(r))
		if !escape {
			out = append(out, in[i:i+size]...)
			i += size
			continue
		}

		if r > 0xffff {
			high, low := utf16.EncodeRune(r)
			out = appendUnicodeEscape(out, high)
			out = appendUnicodeEscape(out, low)
		} else {
			out = appendUnicodeEscape(out, r)
		}
		i += size
	}
	return out
}

func appendUnicodeEscape(out []byte, r rune) []byte {
	const hexDigits = "0123456789abcdef"
	return append(out, '\\', 'u',
		hexDigits[(r>>12)&0xf], hexDigits[(r>>8)&0xf], hexDigits[(r>>4)&0xf], hexDigits[r&0xf])
}
