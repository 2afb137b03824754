package explain

import (
	"strings"
	"testing"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// A scale subresource without status.selector stops the controller before
// any metric is read, with status.desiredReplicas left as it was.
func TestEmptySelectorRecommendsNothing(t *testing.T) {
	state := podsState(5000, 5000)
	state.Target.Scale.Status.Selector = ""
	state.Pods = nil
	state.HPA.Status.DesiredReplicas = 0

	e := Build(state, Options{Config: replicas.DefaultConfig()})

	if e.Replicas.Recommended != nil {
		t.Errorf("recommended = %d, want none: the controller makes no decision without a selector", *e.Replicas.Recommended)
	}
	if !strings.HasPrefix(e.Verdict, "Cannot scale: stuck at 2 replicas") {
		t.Errorf("verdict = %q, want it to say the HPA cannot scale", e.Verdict)
	}
}
