package diagnose

import (
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

func notCaptured(message string) *gather.SourceError {
	return &gather.SourceError{Source: "web.yaml", Reason: ReasonNotCaptured, Message: message}
}

func TestMissingPodsReplaceUnreadable(t *testing.T) {
	state := healthyState()
	state.Pods = nil
	state.PodsError = notCaptured("no Pod objects in namespace shop")
	findings := run(state, nil)

	f := find(t, findings, CodeSnapshotMissingPart)
	assertComplete(t, f)
	if f.Severity != v1alpha1.SeverityError {
		t.Errorf("severity = %s, want error", f.Severity)
	}
	if f.Check != "kubectl get pods -n shop -l 'app=web' -o yaml" {
		t.Errorf("check = %q", f.Check)
	}
	assertAbsent(t, findings, CodePodsUnreadable)
}

func TestMissingMetricValues(t *testing.T) {
	state := healthyState()
	state.Metrics[0].Values = nil
	state.Metrics[0].Error = notCaptured("no MetricValueList for Pods metric http_requests")
	findings := run(state, nil)

	f := find(t, findings, CodeSnapshotMissingPart)
	want := "kubectl get --raw '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/http_requests?labelSelector=app=web'"
	if f.Check != want {
		t.Errorf("check = %q, want %q", f.Check, want)
	}
	if !strings.Contains(f.Message, "Pods metric http_requests") {
		t.Errorf("message = %q, want the metric named", f.Message)
	}
	for _, code := range []string{CodeMetricsAPIError, CodeMetricsAPINotFound, CodeNoPodValues} {
		assertAbsent(t, findings, code)
	}
}

func TestMissingTargetCommand(t *testing.T) {
	state := healthyState()
	state.Target.Scale = nil
	state.Target.Error = notCaptured("no Scale and no Deployment named web")
	findings := run(state, nil)

	f := find(t, findings, CodeSnapshotMissingPart)
	if f.Check != "kubectl get deployment web -n shop -o yaml" {
		t.Errorf("check = %q", f.Check)
	}
	for _, code := range []string{CodeScaleTargetMissing, CodeScaleTargetUnreadable} {
		assertAbsent(t, findings, code)
	}
}

func TestTargetCommandForCustomKind(t *testing.T) {
	ref := autoscalingv2.CrossVersionObjectReference{APIVersion: "example.com/v1", Kind: "Worker", Name: "queue"}
	got := targetCommand(ref, "jobs")
	want := "kubectl get --raw /apis/example.com/v1/namespaces/jobs/workers/queue/scale"
	if got != want {
		t.Errorf("command = %q, want %q", got, want)
	}
}

func TestMissingEventsAreInfo(t *testing.T) {
	state := healthyState()
	state.EventsError = notCaptured("no Event objects")
	f := find(t, run(state, healthyResult(state)), CodeSnapshotMissingPart)
	if f.Severity != v1alpha1.SeverityInfo {
		t.Errorf("severity = %s, want info", f.Severity)
	}
}

func TestUnappliedSkipsNotSynced(t *testing.T) {
	state := healthyState()
	state.HPA.Status = healthyState().HPA.Status
	state.HPA.Status.ObservedGeneration = nil
	state.HPA.Status.Conditions = nil

	find(t, run(state, nil), CodeHPANotSynced)
	findings := Diagnose(Input{State: state, Now: now, Unapplied: true})
	assertAbsent(t, findings, CodeHPANotSynced)
}
