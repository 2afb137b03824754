package snapshot

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

var update = flag.Bool("update", false, "rewrite the files under examples/ from the scenarios")

// examplesDir is the repository's examples directory.
const examplesDir = "../../examples"

// TestGenerateExamples writes, with -update, each scenario's snapshot to
// examples/, and examples/README.md with an excerpt of explain's output for
// each. Without -update, it fails when a file differs from what it would
// write.
func TestGenerateExamples(t *testing.T) {
	files := map[string][]byte{"README.md": examplesReadme(t)}
	for _, sc := range scenarios() {
		if sc.example == "" {
			continue
		}
		data, err := Encode(sc.state(), "yaml")
		if err != nil {
			t.Fatal(err)
		}
		files[sc.example] = data
	}

	for name, data := range files {
		path := filepath.Join(examplesDir, name)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		onDisk, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v: generate it with go test ./pkg/snapshot -run TestGenerateExamples -update", err)
		}
		if !bytes.Equal(onDisk, data) {
			t.Errorf("%s differs from its scenario: regenerate it with go test ./pkg/snapshot -run TestGenerateExamples -update", path)
		}
	}
}

// exampleExpectations pins the verdict's start and the finding codes of
// every file in examples/.
var exampleExpectations = map[string]struct {
	verdict string
	codes   []string
}{
	"healthy-request-rate.yaml": {
		"Stable at 4 replicas: http_requests_per_second is 20.375 against a target of 20",
		[]string{diagnose.CodeWithinTolerance},
	},
	"metric-not-served.yaml": {
		`Cannot scale: stuck at 3 replicas because the custom metrics API does not serve a metric named "queue_messages_ready"`,
		[]string{diagnose.CodeMetricNotServed, diagnose.CodeControllerCondition},
	},
	"partial-pod-values.yaml": {
		"Stable at 5 replicas",
		[]string{diagnose.CodePartialPodValues, diagnose.CodeMissingPodsCounted, diagnose.CodeWithinTolerance},
	},
	"overlapping-selector.yaml": {
		"Scaling up from 3 to 5 replicas",
		[]string{diagnose.CodeOverlappingSelector},
	},
	"scale-down-stabilization.yaml": {
		"Holding at 6 replicas: metrics propose 3, but the scale-down stabilization window keeps the highest recent recommendation",
		[]string{diagnose.CodeStabilizationHold},
	},
	"missing-requests.yaml": {
		"Cannot scale: stuck at 3 replicas because pods lack a cpu request",
		[]string{diagnose.CodeMissingRequests, diagnose.CodeMetricInvalid, diagnose.CodeControllerCondition},
	},
	"captured-demo-pinned-at-max.yaml": {
		"Pinned at maxReplicas 4: cpu is",
		[]string{diagnose.CodeClampedAtMax},
	},
	"external-metric-timeout.yaml": {
		"Cannot scale: stuck at 2 replicas because the APIService v1beta1.external.metrics.k8s.io is registered but not Available",
		[]string{diagnose.CodeAPIServiceUnavailable, diagnose.CodeEventsUnreadable},
	},
}

// TestExamplesExplain loads every file in examples/ as explain --from does
// and checks its verdict and findings.
func TestExamplesExplain(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 6 {
		t.Fatalf("examples/ has %d snapshots, want at least 6", len(paths))
	}
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			want, ok := exampleExpectations[name]
			if !ok {
				t.Fatalf("no expectation for %s: add it to exampleExpectations", name)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			loaded, err := Load(f, Options{Source: name})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !loaded.Complete || len(loaded.Notes) > 0 {
				t.Errorf("complete = %v, notes = %v; want a whole snapshot", loaded.Complete, findingCodes(loaded.Notes))
			}
			set := capturedAt.Add(time.Hour)
			if now, source := loaded.EvaluationTime(set, capturedAt); source != TimeSet || !now.Equal(set) {
				t.Errorf("evaluation time with --now = %s (%v), want %s", now, source, set)
			}
			now, source := loaded.EvaluationTime(zeroTime(), capturedAt.AddDate(10, 0, 0))
			if source != TimeCaptured || loaded.CapturedAt.IsZero() || !now.Equal(loaded.CapturedAt) {
				t.Errorf("evaluation time = %s (%v), want the capture time %s", now, source, loaded.CapturedAt)
			}

			e := loaded.Explain(explain.Options{Config: replicas.DefaultConfig(), Now: now}, source)
			if !strings.HasPrefix(e.Verdict, want.verdict) {
				t.Errorf("verdict:\n got %q\nwant prefix %q", e.Verdict, want.verdict)
			}
			if got := findingCodes(e.Findings); !reflect.DeepEqual(got, want.codes) {
				t.Errorf("findings = %v, want %v", got, want.codes)
			}
			if len(e.Steps) == 0 || !strings.Contains(e.Steps[0].Text, "when the snapshot was captured") {
				t.Errorf("first step = %+v, want the evaluation time's source", e.Steps)
			}
		})
	}
}

func zeroTime() time.Time { return time.Time{} }
