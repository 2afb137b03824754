package render

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

func TestJSONRoundTrip(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := JSON(&buf, f.e); err != nil {
				t.Fatalf("JSON: %v", err)
			}

			var got v1alpha1.Explanation
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("output is not valid JSON: %v", err)
			}
			checkSameDocument(t, &got, f.e)
		})
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := YAML(&buf, f.e); err != nil {
				t.Fatalf("YAML: %v", err)
			}

			var got v1alpha1.Explanation
			if err := yaml.UnmarshalStrict(buf.Bytes(), &got); err != nil {
				t.Fatalf("output is not valid YAML: %v", err)
			}
			checkSameDocument(t, &got, f.e)
		})
	}
}

// checkSameDocument compares a decoded document with the one encoded. Times
// decode in the local time zone, so they are compared as instants and then
// set equal before the rest is compared field by field.
func checkSameDocument(t *testing.T, got, encoded *v1alpha1.Explanation) {
	t.Helper()
	want, err := document(encoded)
	if err != nil {
		t.Fatalf("document: %v", err)
	}

	// JSON replaces each byte of invalid UTF-8 with U+FFFD. Only a metric
	// error of the hostile fixture has such bytes, a run of two.
	for i := range want.Metrics {
		want.Metrics[i].Error = strings.ToValidUTF8(want.Metrics[i].Error, "\ufffd\ufffd")
	}

	if !got.EvaluatedAt.Equal(&want.EvaluatedAt) {
		t.Errorf("evaluatedAt = %v, want %v", got.EvaluatedAt, want.EvaluatedAt)
	}
	got.EvaluatedAt = want.EvaluatedAt
	for i := range min(len(got.Pods), len(want.Pods)) {
		if !got.Pods[i].Created.Equal(want.Pods[i].Created) {
			t.Errorf("pods[%d].created = %v, want %v", i, got.Pods[i].Created, want.Pods[i].Created)
		}
		got.Pods[i].Created = want.Pods[i].Created
	}
	for i := range min(len(got.Events), len(want.Events)) {
		if !got.Events[i].Last.Equal(want.Events[i].Last) {
			t.Errorf("events[%d].last = %v, want %v", i, got.Events[i].Last, want.Events[i].Last)
		}
		got.Events[i].Last = want.Events[i].Last
	}

	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded document differs from the input:\n got: %+v\nwant: %+v", got, want)
	}
}

func TestStructuredOutputHasNoControlCharacters(t *testing.T) {
	e := hostileStrings()
	for name, encode := range map[string]func(*bytes.Buffer) error{
		"json": func(b *bytes.Buffer) error { return JSON(b, e) },
		"yaml": func(b *bytes.Buffer) error { return YAML(b, e) },
	} {
		var buf bytes.Buffer
		if err := encode(&buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range buf.String() {
			if r == '\n' {
				continue
			}
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
				t.Errorf("%s output contains control character %U", name, r)
			}
		}
	}
}

func TestJSONEscapesInvisibleCharacters(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, hostileStrings()); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	out := buf.String()

	if strings.ContainsRune(out, '\u202e') {
		t.Error("JSON contains a raw right-to-left override")
	}
	for _, want := range []string{`\u202e`, `\u007f`, `\u009b`, `\u001b`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks the escape %s", want)
		}
	}
	if !strings.Contains(out, `"verdict": "Holding at 2 replicas`) {
		t.Error("JSON escapes characters that need no escaping")
	}
}

func TestJSONDocumentDefaults(t *testing.T) {
	e := &v1alpha1.Explanation{}
	var buf bytes.Buffer
	if err := JSON(&buf, e); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	out := buf.String()

	for _, want := range []string{
		`"apiVersion": "hpametrics.io/v1alpha1"`,
		`"kind": "Explanation"`,
		`"metrics": []`,
		`"pods": []`,
		`"steps": []`,
		`"findings": []`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "}\n") {
		t.Error("JSON does not end in a newline")
	}
	if e.APIVersion != "" || e.Metrics != nil {
		t.Error("JSON changed its input")
	}
}

func TestJSONKeepsTypeMeta(t *testing.T) {
	e := healthyPodsMetric()
	e.APIVersion = "hpametrics.io/v1alpha2"
	e.Kind = "Other"

	var buf bytes.Buffer
	if err := JSON(&buf, e); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if !strings.Contains(buf.String(), `"apiVersion": "hpametrics.io/v1alpha2"`) {
		t.Error("JSON replaced a set apiVersion")
	}
	if !strings.Contains(buf.String(), `"kind": "Other"`) {
		t.Error("JSON replaced a set kind")
	}
}

func TestStructuredOutputDropsNonFiniteNumbers(t *testing.T) {
	e := cpuClampedAtMax()
	e.Metrics[0].UsageRatio = ptr(math.Inf(1))
	e.Metrics[0].Current.Value = math.NaN()
	e.Metrics[0].Pods[0].Value = ptr(math.NaN())

	var buf bytes.Buffer
	if err := JSON(&buf, e); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	var got v1alpha1.Explanation
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("output is not valid JSON: %v", err)
	}

	if got.Metrics[0].UsageRatio != nil {
		t.Error("infinite usage ratio was not dropped")
	}
	if got.Metrics[0].Current.Value != 0 {
		t.Errorf("NaN current value became %v, want 0", got.Metrics[0].Current.Value)
	}
	if got.Metrics[0].Pods[0].Value != nil {
		t.Error("NaN pod value was not dropped")
	}
	if !math.IsInf(*e.Metrics[0].UsageRatio, 1) || !math.IsNaN(e.Metrics[0].Current.Value) {
		t.Error("JSON changed its input")
	}

	buf.Reset()
	if err := YAML(&buf, e); err != nil {
		t.Errorf("YAML: %v", err)
	}
}

func TestYAMLEndsInNewline(t *testing.T) {
	var buf bytes.Buffer
	if err := YAML(&buf, healthyPodsMetric()); err != nil {
		t.Fatalf("YAML: %v", err)
	}
	if !strings.HasSuffix(buf.String(), "\n") {
		t.Error("YAML does not end in a newline")
	}
	if !strings.HasPrefix(buf.String(), "apiRequests: 7\napiVersion: hpametrics.io/v1alpha1\n") {
		t.Errorf("YAML starts with %q", buf.String()[:min(60, buf.Len())])
	}
}

func TestStructuredNilExplanation(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, nil); err == nil {
		t.Error("JSON(nil) returned no error")
	}
	if err := YAML(&buf, nil); err == nil {
		t.Error("YAML(nil) returned no error")
	}
}
