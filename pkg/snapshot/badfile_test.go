package snapshot

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

const minimalHPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  maxReplicas: 5
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
`

const minimalPod = `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: app}]}
`

func TestLoadRejectsBadFiles(t *testing.T) {
	cases := []struct {
		name  string
		input string
		max   int64
		want  string
	}{
		{"empty", "", 0, "bad.yaml is empty"},
		{"only comments", "# captured by hand\n---\n# nothing\n", 0, "bad.yaml contains no documents"},
		{"not YAML", "apiVersion: v1\nkind: [List\n", 0, "the document at line 1 is not valid YAML"},
		{"tabs", "apiVersion: v1\nkind: List\nitems:\n\t- kind: Pod\n", 0, "is not valid YAML"},
		{"plain text", "the HPA is broken, please help\n", 0, "is not a Kubernetes object"},
		{"no kind", `{"apiVersion": "v1", "metadata": {"name": "x"}}`, 0, "it has no kind or apiVersion"},
		{"bad apiVersion", "apiVersion: a/b/c\nkind: Pod\n", 0, `invalid apiVersion "a/b/c"`},
		{"truncated JSON", `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod"`, 0, "the JSON document at line 1 is not valid JSON"},
		{"too large", minimalHPA, 64, "bad.yaml is larger than the 64 bytes limit"},
		{"unknown kinds only", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n", 0, "bad.yaml contains no HorizontalPodAutoscaler: add the output of kubectl get hpa"},
		{"unsupported HPA version", "apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n", 0, "apiVersion autoscaling/v2beta1 is not read; use autoscaling/v2"},
		{"wrong field type", minimalHPA + "---\n" + "apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop}\nspec: {containers: 5}\n", 0, "the document at line 8 is not a valid Pod"},
		{"list cut before its kind", "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: web-1}\n", 0, "has items but no kind: the file may be cut short"},
		{"huge exponent", minimalHPA + "  metrics: [{type: Pods, pods: {metric: {name: x}, target: {type: AverageValue, averageValue: \"1e-99999999\"}}}]\n", 0, `contains the number 1e-99999999, whose exponent has more than two digits`},
		{"huge exponent in JSON", minimalHPA + `{"apiVersion":"custom.metrics.k8s.io/v1beta2","kind":"MetricValueList","items":[{"value":2E+1234}]}`, 0, "contains the number 2E+1234"},
		{"items not a list", "apiVersion: v1\nkind: List\nitems: {a: 1}\n", 0, "has invalid items"},
		{"item not an object", "apiVersion: v1\nkind: List\nitems: [5]\n", 0, "item 1 of the List in the document at line 1: not a Kubernetes object"},
		{"nested lists", `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"List","items":[]}]}]}]}`, 0, "nests Lists more than 3 deep"},
		{"different duplicates", minimalHPA + "---\n" + minimalPod + "---\n" + strings.Replace(minimalPod, "app: web", "app: other", 1), 0, "are both Pod shop/web-1 with different content: keep one of them"},
		{"bad capture time", strings.Replace(minimalHPA, "metadata: {name: web, namespace: shop}", "metadata: {name: web, namespace: shop, annotations: {hpametrics.io/captured-at: yesterday}}", 1), 0, `invalid hpametrics.io/captured-at annotation "yesterday"`},
		{"unknown name", minimalHPA, 0, `contains no HPA named "api"; it contains: shop/web`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Source: "bad.yaml", MaxBytes: tc.max}
			if tc.name == "unknown name" {
				opts.Name = "api"
			}
			_, err := Load(strings.NewReader(tc.input), opts)
			if err == nil {
				t.Fatalf("Load succeeded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q\nwant it to contain %q", err, tc.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("err spans several lines: %q", err)
			}
		})
	}
}

func TestLoadReportsFileProblemsAsFindings(t *testing.T) {
	cases := []struct {
		name  string
		input string
		code  string
		want  string
	}{
		{"unknown kind", minimalHPA + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n", "SnapshotIgnoredObjects", "kind not used by explain: Service shop/web"},
		{"other namespace", minimalHPA + "---\n" + strings.Replace(minimalPod, "namespace: shop", "namespace: staging", 1), "SnapshotIgnoredObjects", "in another namespace than the HPA's namespace shop: Pod staging/web-1"},
		{"unmatched response", minimalHPA + `{"apiVersion":"custom.metrics.k8s.io/v1beta2","kind":"MetricValueList","items":[{"describedObject":{"kind":"Pod","name":"web-1"},"metric":{"name":"http_errors"},"value":"1"}]}`, "SnapshotIgnoredObjects", "metric response that matches no metric of the HPA by name"},
		{"status without part", minimalHPA + "---\napiVersion: v1\nkind: Status\ncode: 500\n", "SnapshotIgnoredObjects", "Status without a valid hpametrics.io/part annotation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loaded := loadString(t, tc.input, Options{})
			var found bool
			for _, note := range loaded.Notes {
				if note.Code == tc.code && strings.Contains(strings.Join(note.Evidence, "\n"), tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("notes = %+v, want %s with evidence containing %q", loaded.Notes, tc.code, tc.want)
			}
		})
	}
}

func TestLoadDropsIdenticalDuplicates(t *testing.T) {
	loaded := loadString(t, minimalHPA+"---\n"+minimalPod+"---\n"+minimalPod+"---\n"+minimalHPA, Options{})
	if len(loaded.State.NamespaceHPAs) != 1 {
		t.Errorf("HPAs = %d, want the duplicate dropped", len(loaded.State.NamespaceHPAs))
	}
}

func TestTruncatedSnapshot(t *testing.T) {
	data, err := os.ReadFile(examplesDir + "/healthy-request-rate.yaml")
	if err != nil {
		t.Fatal(err)
	}

	// Cut at an item boundary: the YAML stays valid but items are lost.
	cut := bytes.LastIndex(data, []byte("\n- apiVersion"))
	loaded := loadString(t, string(data[:cut+1]), Options{})
	if loaded.Complete {
		t.Error("a truncated snapshot loads as complete")
	}
	_, codes := explainLoaded(loaded)
	if !contains(codes, "SnapshotTruncated") {
		t.Errorf("findings %v lack SnapshotTruncated", codes)
	}
	if !contains(codes, "SnapshotMissingPart") {
		t.Errorf("findings %v lack SnapshotMissingPart for the lost metric response", codes)
	}

	// Cut in the middle of a line: the last item is damaged.
	for _, at := range []int{len(data) / 3, len(data) / 2, len(data) - 7} {
		loaded, err := Load(bytes.NewReader(data[:at]), Options{Source: "cut.yaml"})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "cut.yaml") {
				t.Errorf("cut at %d: err = %q, want it to name the file", at, err)
			}
			continue
		}
		if loaded.Complete && at < len(data)-7 {
			t.Errorf("cut at %d: loads as a complete snapshot", at)
		}
	}
}

func TestAliasBombIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	_, err := Load(strings.NewReader(b.String()), Options{Source: "bomb.yaml"})
	if err == nil {
		t.Fatal("an alias bomb loaded")
	}
}

func itoa(i int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+i/10)) + string(rune('0'+i%10)))
}

func TestHugeExponentScan(t *testing.T) {
	cases := map[string]string{
		`value: 1e-999`:                     "1e-999",
		`{"value":"2.5E+1234"}`:             "2.5E+1234",
		`[-7e100]`:                          "-7e100",
		`value: 1e99`:                       "",
		`image: app@sha256:3e1234567abcdef`: "",
		`name: release-2e100x`:              "",
		`name: v1e100`:                      "",
		`uid: 0e123-4567`:                   "",
		`message: limit 1e100 reached`:      "1e100",
		`value: "5e100"` + "\n" + `b: 1e-2`: "5e100",
	}
	for input, want := range cases {
		if got := string(hugeExponent([]byte(input))); got != want {
			t.Errorf("hugeExponent(%q) = %q, want %q", input, got, want)
		}
	}
}
