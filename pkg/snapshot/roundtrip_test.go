package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

func explainAt(state *gather.State) *v1alpha1.Explanation {
	return explain.Build(state, explain.Options{Config: replicas.DefaultConfig(), Now: capturedAt})
}

// comparable drops what legitimately differs after a round trip: the
// request count, because a file is read without requests.
func comparable(e *v1alpha1.Explanation) string {
	c := *e
	c.APIRequests = 0
	data, _ := json.MarshalIndent(c, "", "  ")
	return string(data)
}

func findingCodes(findings []v1alpha1.Finding) []string {
	codes := []string{}
	for _, f := range findings {
		codes = append(codes, f.Code)
	}
	return codes
}

func TestRoundTripGivesSameExplanation(t *testing.T) {
	for _, sc := range scenarios() {
		for _, format := range []string{"yaml", "json"} {
			t.Run(sc.name+"/"+format, func(t *testing.T) {
				state := sc.state()
				want := explainAt(state)

				data, err := Encode(state, format)
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				loaded, err := Load(bytes.NewReader(data), Options{Source: "snapshot." + format})
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if !loaded.Complete {
					t.Error("a whole snapshot loads as incomplete")
				}
				if len(loaded.Notes) != 0 {
					t.Errorf("notes = %v, want none", findingCodes(loaded.Notes))
				}
				if !loaded.CapturedAt.Equal(capturedAt) {
					t.Errorf("captured at %s, want %s", loaded.CapturedAt, capturedAt)
				}

				compareStates(t, loaded.State, state)

				got := explainAt(loaded.State)
				if got.Verdict != want.Verdict {
					t.Errorf("verdict after the round trip:\n got %q\nwant %q", got.Verdict, want.Verdict)
				}
				if !reflect.DeepEqual(findingCodes(got.Findings), findingCodes(want.Findings)) {
					t.Errorf("findings after the round trip: got %v, want %v", findingCodes(got.Findings), findingCodes(want.Findings))
				}
				if g, w := comparable(got), comparable(want); g != w {
					t.Errorf("explanation differs after the round trip:\n%s", lineDiff(w, g))
				}
			})
		}
	}
}

func TestScenarioExplanations(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			e := explainAt(sc.state())
			if sc.verdict != "" && e.Verdict != sc.verdict {
				t.Errorf("verdict:\n got %q\nwant %q", e.Verdict, sc.verdict)
			}
			codes := findingCodes(e.Findings)
			for _, code := range sc.codes {
				if !contains(codes, code) {
					t.Errorf("findings %v lack %s", codes, code)
				}
			}
		})
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	for _, sc := range scenarios() {
		first, err := Encode(sc.state(), "yaml")
		if err != nil {
			t.Fatal(err)
		}
		second, _ := Encode(sc.state(), "yaml")
		if !bytes.Equal(first, second) {
			t.Errorf("%s: two encodings of the same state differ", sc.name)
		}
	}
}

func TestEncodeRedactsPods(t *testing.T) {
	state := healthyRequestRate()
	pod := &state.Pods[0]
	pod.Annotations = map[string]string{"vault.hashicorp.com/agent-inject-secret-db": "database/creds/checkout"}
	pod.Spec.Containers[0].Env = append(pod.Spec.Containers[0].Env, corevEnv("DATABASE_PASSWORD", "hunter2-secret"))
	pod.Spec.Containers[0].Command = []string{"/bin/server", "--token=command-secret"}

	data, err := Encode(state, "yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2-secret", "DATABASE_PASSWORD", "command-secret", "vault.hashicorp.com"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the snapshot contains %q", secret)
		}
	}
	for _, kept := range []string{"cpu: 250m", "registry.example.com/storefront/checkout-api:2026.03.2", "ownerReferences"} {
		if !bytes.Contains(data, []byte(kept)) {
			t.Errorf("the snapshot lacks %q", kept)
		}
	}
}

func TestEncodeRejectsMissingHPA(t *testing.T) {
	if _, err := Encode(&gather.State{Namespace: "shop", Name: "web"}, "yaml"); err == nil {
		t.Fatal("Encode without an HPA succeeded")
	}
	if _, err := Encode(healthyRequestRate(), "xml"); err == nil || !strings.Contains(err.Error(), `invalid snapshot format "xml"`) {
		t.Fatalf("err = %v, want an invalid format error", err)
	}
}

// compareStates checks the parts of the state that a scenario's
// explanation may not show, such as errors hidden behind another finding.
func compareStates(t *testing.T, got, want *gather.State) {
	t.Helper()
	if g, w := sourceErrors(got), sourceErrors(want); !reflect.DeepEqual(g, w) {
		t.Errorf("source errors after the round trip:\n got %s\nwant %s", toJSON(g), toJSON(w))
	}
	if !equality.Semantic.DeepEqual(got.APIServices, want.APIServices) {
		t.Errorf("APIServices after the round trip:\n got %s\nwant %s", toJSON(got.APIServices), toJSON(want.APIServices))
	}
	if !reflect.DeepEqual(got.MetricsAPIVersions, want.MetricsAPIVersions) {
		t.Errorf("metrics API versions = %v, want %v", got.MetricsAPIVersions, want.MetricsAPIVersions)
	}
	if got.Target.Problem != want.Target.Problem || got.Target.Resource != want.Target.Resource || got.Target.SelectorError != want.Target.SelectorError {
		t.Errorf("target = %+v, want %+v", got.Target, want.Target)
	}
	for i := range want.Metrics {
		g, w := got.Metrics[i], want.Metrics[i]
		if g.APIVersion != w.APIVersion || g.Skipped != w.Skipped {
			t.Errorf("metric %d: apiVersion %q skipped %q, want %q and %q", i, g.APIVersion, g.Skipped, w.APIVersion, w.Skipped)
		}
		if (g.Unselected == nil) != (w.Unselected == nil) {
			t.Errorf("metric %d: unselected values present %v, want %v", i, g.Unselected != nil, w.Unselected != nil)
		}
	}
	if len(got.Pods) != len(want.Pods) || len(got.Events) != len(want.Events) || len(got.ReplicaSets) != len(want.ReplicaSets) {
		t.Errorf("pods, events, ReplicaSets = %d, %d, %d; want %d, %d, %d",
			len(got.Pods), len(got.Events), len(got.ReplicaSets), len(want.Pods), len(want.Events), len(want.ReplicaSets))
	}
}

func sourceErrors(state *gather.State) map[string]*gather.SourceError {
	errs := map[string]*gather.SourceError{
		"namespaceHPAs": state.NamespaceHPAsError, "target": state.Target.Error, "pods": state.PodsError,
		"replicaSets": state.ReplicaSetsError, "discovery": state.DiscoveryError,
		"customMetricsResources": state.CustomMetricsResourcesError, "events": state.EventsError,
	}
	if state.ResourceMetrics != nil {
		errs["resourceMetrics"] = state.ResourceMetrics.Error
	}
	for i, m := range state.Metrics {
		errs[fmt.Sprintf("metric %d", i)] = m.Error
		errs[fmt.Sprintf("unselected %d", i)] = m.UnselectedError
	}
	for k, v := range errs {
		if v == nil {
			delete(errs, k)
		}
	}
	return errs
}

func toJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

// lineDiff lists the lines of got that differ from want, with context
// enough to find them.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			out = append(out, "- "+wl, "+ "+gl)
		}
		if len(out) > 40 {
			break
		}
	}
	return strings.Join(out, "\n")
}
