package explain

import (
	"strings"
	"testing"

	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

func TestBuildUnappliedSaysDryRun(t *testing.T) {
	state := podsState(900, 900, 900)
	state.HPA.Status = podsState().HPA.Status
	state.HPA.Status.ObservedGeneration = nil

	e := Build(state, Options{Config: replicas.DefaultConfig(), Unapplied: true})
	if !strings.HasPrefix(e.Verdict, "Dry run of an unapplied HPA: Scaling up from 3 to 6 replicas") {
		t.Errorf("verdict = %q", e.Verdict)
	}
	if hasCode(e, diagnose.CodeHPANotSynced) {
		t.Error("an unapplied HPA is reported as not synced")
	}
}

func TestBuildMissingPartNamedInVerdict(t *testing.T) {
	state := podsState(500, 500)
	state.Metrics[0].Values = nil
	state.Metrics[0].Error = &gather.SourceError{Source: "web.yaml", Reason: diagnose.ReasonNotCaptured, Message: "no MetricValueList for Pods metric http_requests"}

	e := Build(state, Options{Config: replicas.DefaultConfig()})
	want := "Cannot recompute the decision: the file does not contain the values of the Pods metric http_requests."
	if e.Verdict != want {
		t.Errorf("verdict = %q, want %q", e.Verdict, want)
	}
}
