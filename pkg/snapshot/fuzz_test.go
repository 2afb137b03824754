package snapshot

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// FuzzLoad feeds arbitrary input to Load, and what loads to the whole
// explanation, as explain --from does: neither may panic, and a load that
// succeeds must give a state with an HPA. CI runs it for a bounded time:
//
//	go test ./pkg/snapshot -run '^$' -fuzz FuzzLoad -fuzztime 30s
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	for _, path := range paths {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	for _, sc := range scenarios() {
		if data, err := Encode(sc.state(), "json"); err == nil {
			f.Add(data)
		}
		f.Add([]byte(kubectlFile{state: sc.state()}.String()))
	}
	for _, seed := range []string{
		minimalHPA,
		minimalHPA + "---\n" + minimalPod,
		"apiVersion: v1\nkind: List\nitems: []\n",
		`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"List","items":[]}]}`,
		minimalHPA + `{"apiVersion":"custom.metrics.k8s.io/v1beta1","kind":"MetricValueList","items":[{"describedObject":{"kind":"Pod","name":"web-1"},"metricName":"x","value":"1"}]}`,
		minimalHPA + "---\napiVersion: v1\nkind: Status\nmetadata: {annotations: {hpametrics.io/part: metric, hpametrics.io/metric-index: \"0\"}}\ncode: 503\n",
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Source: "fuzz.yaml", MaxBytes: 1 << 20}
		loaded, err := Load(bytes.NewReader(data), opts)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Errorf("error does not name the input: %q", err)
			}
		} else {
			if loaded.State == nil || loaded.State.HPA == nil {
				t.Fatal("Load succeeded without an HPA")
			}
			now, source := loaded.EvaluationTime(time.Time{}, time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC))
			loaded.Explain(explain.Options{Config: replicas.DefaultConfig(), Now: now}, source)
		}
		_, _ = ReadManifest(bytes.NewReader(data), opts)
	})
}
