package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// maxListDepth bounds Lists nested in Lists. kubectl never nests them, so
// deeper nesting means a damaged or hostile file.
const maxListDepth = 3

// rawObject is one Kubernetes object from the input, not yet decoded into
// its type.
type rawObject struct {
	gvk  schema.GroupVersionKind
	meta objectMeta
	raw  []byte
	// where is the object's location in the input for messages, such as
	// "item 3 of the List in the document at line 1".
	where string
	// list is the number of the document the object came from, counting
	// from 1, so items of one List share it.
	list int
}

// envelope is the part of any object read before its kind is known.
type envelope struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   objectMeta      `json:"metadata"`
	Items      json.RawMessage `json:"items"`
}

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	UID         types.UID         `json:"uid"`
	Annotations map[string]string `json:"annotations"`
}

// hugeExponent returns the first number token with an exponent of three or
// more digits, or nil. resource.ParseQuantity rounds 1e-99999999 to nano
// precision through numbers with that many digits, which takes minutes, so
// such input is rejected before any object is decoded. A hand-written scan
// is used because a regular expression made it a third of Load's time.
// NOTE: such a number in free text, like an event message, also rejects the
// input.
func hugeExponent(data []byte) []byte {
	for i := 1; i < len(data); i++ {
		if (data[i] != 'e' && data[i] != 'E') || !isNumberByte(data[i-1]) {
			continue
		}
		end := i + 1
		if end < len(data) && (data[end] == '+' || data[end] == '-') {
			end++
		}
		digits := 0
		for end < len(data) && data[end] >= '0' && data[end] <= '9' {
			end++
			digits++
		}
		if digits < 3 || (end < len(data) && !isTokenBoundary(data[end])) {
			continue
		}
		start := i - 1
		for start > 0 && isNumberByte(data[start-1]) {
			start--
		}
		if start > 0 && (data[start-1] == '+' || data[start-1] == '-') {
			start--
		}
		if start == 0 || isTokenBoundary(data[start-1]) {
			return data[start:end]
		}
	}
	return nil
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '.'
}

func isTokenBoundary(c byte) bool {
	return strings.IndexByte(" \t\r\n:[]{},\"'", c) >= 0
}

// readInput reads at most maxBytes from r.
func readInput(r io.Reader, source string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", source, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%s is larger than the %s limit: capture only the HPA's namespace and workload, for example with kubectl hpametrics snapshot NAME", source, formatBytes(maxBytes))
	}
	if number := hugeExponent(data); number != nil {
		return nil, fmt.Errorf("%s contains the number %s, whose exponent has more than two digits: no API server writes such a quantity, and parsing it can take minutes", source, number)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s is empty: it must hold a snapshot or kubectl output in YAML or JSON", source)
	}
	return data, nil
}

func formatBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// parseObjects splits the input into documents and Lists into their items.
func parseObjects(data []byte, source string) ([]rawObject, error) {
	docs, err := splitDocuments(data, source)
	if err != nil {
		return nil, err
	}
	var objects []rawObject
	for i, doc := range docs {
		where := fmt.Sprintf("the document at line %d", doc.line)
		objects, err = appendObjects(objects, doc.json, where, i+1, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	}
	return objects, nil
}

// appendObjects decodes one JSON document and appends its objects. A List
// is replaced by its items; items of a typed list such as PodList may lack
// apiVersion and kind, which the list then supplies.
func appendObjects(objects []rawObject, doc []byte, where string, list, depth int) ([]rawObject, error) {
	trimmed := bytes.TrimSpace(doc)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("%s is not a Kubernetes object: expected a mapping with apiVersion and kind", where)
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, fmt.Errorf("%s is not a valid Kubernetes object: %v", where, err)
	}
	if env.Kind == "" && len(env.Items) > 0 {
		return nil, fmt.Errorf("%s has items but no kind: the file may be cut short, since kubectl prints a List's kind after its items; copy the whole file", where)
	}
	if env.Kind == "" || env.APIVersion == "" {
		return nil, fmt.Errorf("%s is not a Kubernetes object: it has no kind or apiVersion", where)
	}
	gv, err := schema.ParseGroupVersion(env.APIVersion)
	if err != nil {
		return nil, fmt.Errorf("%s has an invalid apiVersion %q: %v", where, env.APIVersion, err)
	}

	if !isList(env.Kind) {
		return append(objects, rawObject{gvk: gv.WithKind(env.Kind), meta: env.Metadata, raw: trimmed, where: where, list: list}), nil
	}
	if depth >= maxListDepth {
		return nil, fmt.Errorf("%s nests Lists more than %d deep", where, maxListDepth)
	}
	var items []json.RawMessage
	if len(env.Items) > 0 && string(env.Items) != "null" {
		if err := json.Unmarshal(env.Items, &items); err != nil {
			return nil, fmt.Errorf("%s has invalid items: %v", where, err)
		}
	}

	itemKind := strings.TrimSuffix(env.Kind, "List")
	for i, item := range items {
		itemWhere := fmt.Sprintf("item %d of the %s in %s", i+1, env.Kind, where)
		item, err = withTypeMeta(item, env.APIVersion, itemKind)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", itemWhere, err)
		}
		if objects, err = appendObjects(objects, item, itemWhere, list, depth+1); err != nil {
			return nil, err
		}
	}
	return objects, nil
}

// notFlattened are kinds whose name ends in List but which are single
// responses to keep whole.
var notFlattened = map[string]bool{
	"MetricValueList":         true,
	"PodMetricsList":          true,
	"NodeMetricsList":         true,
	"ExternalMetricValueList": true,
	"APIResourceList":         true,
	"APIGroupList":            true,
	"APIVersions":             true,
}

func isList(kind string) bool {
	return kind == "List" || (strings.HasSuffix(kind, "List") && !notFlattened[kind])
}

// withTypeMeta fills apiVersion and kind of a typed list's item, which the
// API server leaves out. Items of a v1 List must carry their own.
func withTypeMeta(item json.RawMessage, apiVersion, kind string) (json.RawMessage, error) {
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	trimmed := bytes.TrimSpace(item)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errors.New("not a Kubernetes object: expected a mapping with apiVersion and kind")
	}
	if err := json.Unmarshal(trimmed, &tm); err != nil {
		return nil, fmt.Errorf("not a valid Kubernetes object: %v", err)
	}
	if tm.Kind != "" || kind == "" {
		return trimmed, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return nil, fmt.Errorf("not a valid Kubernetes object: %v", err)
	}
	fields["kind"], _ = json.Marshal(kind)
	if tm.APIVersion == "" {
		fields["apiVersion"], _ = json.Marshal(apiVersion)
	}
	return json.Marshal(fields)
}

// document is one YAML or JSON document of the input, converted to JSON.
type document struct {
	line int
	json []byte
}

// segment is a run of input lines in one syntax, before it is parsed.
type segment struct {
	line   int
	isJSON bool
	text   []byte
	// content is set once a line other than a blank or a comment is added.
	content bool
}

func (s *segment) add(line []byte) {
	s.text = append(s.text, line...)
	if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 && trimmed[0] != '#' {
		s.content = true
	}
}

// splitDocuments splits a stream of YAML documents (separated by "---")
// and JSON values, as produced by appending the output of several kubectl
// commands to one file. A line that starts with "{" or "[" starts JSON, and
// a later line that starts with a YAML key returns to YAML.
func splitDocuments(data []byte, source string) ([]document, error) {
	var segments []segment
	current := segment{line: 1}
	flush := func(nextLine int) {
		if current.content {
			segments = append(segments, current)
		}
		current = segment{line: nextLine}
	}

	lineNumber := 0
	for len(data) > 0 {
		lineNumber++
		end := bytes.IndexByte(data, '\n')
		var line []byte
		if end < 0 {
			line, data = data, nil
		} else {
			line, data = data[:end+1], data[end+1:]
		}
		bare := strings.TrimRight(string(line), "\r\n")

		switch {
		case isDocumentSeparator(bare):
			flush(lineNumber + 1)
			continue
		case strings.HasPrefix(bare, "{") || strings.HasPrefix(bare, "["):
			if !current.isJSON && current.content {
				flush(lineNumber)
			}
			if !current.content {
				current.line = lineNumber
			}
			current.isJSON = true
		case current.isJSON && startsYAMLLine(bare):
			flush(lineNumber)
		}
		if !current.content && !current.isJSON {
			current.line = lineNumber
		}
		current.add(line)
	}
	flush(lineNumber + 1)

	var docs []document
	for _, seg := range segments {
		var err error
		if seg.isJSON {
			docs, err = appendJSONValues(docs, seg)
		} else {
			docs, err = appendYAMLDocument(docs, seg)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s contains no documents: it must contain a snapshot or kubectl output in YAML or JSON", source)
	}
	return docs, nil
}

func isDocumentSeparator(line string) bool {
	if line == "---" || line == "..." {
		return true
	}
	return strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "---\t") || strings.HasPrefix(line, "---#")
}

// startsYAMLLine reports whether a line at column 0 cannot continue a JSON
// value printed by kubectl, whose inner lines are indented.
func startsYAMLLine(line string) bool {
	if line == "" {
		return false
	}
	switch line[0] {
	case ' ', '\t', '}', ']', '{', '[', ',', '"', '#':
		return false
	}
	return true
}

func appendYAMLDocument(docs []document, seg segment) ([]document, error) {
	converted, err := yaml.YAMLToJSON(seg.text)
	if err != nil {
		return nil, fmt.Errorf("the document at line %d is not valid YAML: %v", seg.line, err)
	}
	if trimmed := bytes.TrimSpace(converted); len(trimmed) == 0 || string(trimmed) == "null" {
		return docs, nil
	}
	return append(docs, document{line: seg.line, json: converted}), nil
}

// appendJSONValues decodes one or more JSON values written back to back.
// A top-level array is taken as a list of documents.
func appendJSONValues(docs []document, seg segment) ([]document, error) {
	decoder := json.NewDecoder(bytes.NewReader(seg.text))
	for {
		offset := decoder.InputOffset()
		var value json.RawMessage
		err := decoder.Decode(&value)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		line := seg.line + bytes.Count(seg.text[:offset], []byte("\n"))
		if offset < int64(len(seg.text)) {
			line += leadingNewlines(seg.text[offset:])
		}
		if err != nil {
			return nil, fmt.Errorf("the JSON document at line %d is not valid JSON: %v", line, err)
		}
		trimmed := bytes.TrimSpace(value)
		if len(trimmed) > 0 && trimmed[0] == '[' {
			var elements []json.RawMessage
			if err := json.Unmarshal(trimmed, &elements); err != nil {
				return nil, fmt.Errorf("the JSON document at line %d is not valid JSON: %v", line, err)
			}
			for _, element := range elements {
				docs = append(docs, document{line: line, json: element})
			}
			continue
		}
		if string(trimmed) == "null" {
			continue
		}
		docs = append(docs, document{line: line, json: value})
	}
}

func leadingNewlines(b []byte) int {
	n := 0
	for _, c := range b {
		switch c {
		case '\n':
			n++
		case ' ', '\t', '\r':
		default:
			return n
		}
	}
	return n
}
