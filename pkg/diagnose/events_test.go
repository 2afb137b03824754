package diagnose

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

func TestEventsUnreadable(t *testing.T) {
	state := healthyState()
	state.EventsError = &gather.SourceError{
		Source:  "LIST v1 namespaces/shop/events",
		Code:    403,
		Reason:  metav1.StatusReasonForbidden,
		Message: `events is forbidden: User "jane" cannot list resource "events" in API group "" in the namespace "shop"`,
	}

	findings := run(state, healthyResult(state))

	f := find(t, findings, CodeEventsUnreadable)
	assertComplete(t, f)
	if len(f.Evidence) == 0 || !strings.Contains(f.Evidence[0], "forbidden") {
		t.Errorf("evidence = %q, want the API server's error", f.Evidence)
	}
	if !strings.Contains(f.Check, "auth can-i list events -n shop") {
		t.Errorf("check = %q, want an access check for events in shop", f.Check)
	}
}

// A file without events is reported as a missing part of the file, not as
// events the cluster refused.
func TestEventsNotCapturedAreNotUnreadable(t *testing.T) {
	state := healthyState()
	state.EventsError = &gather.SourceError{Source: "the file", Reason: ReasonNotCaptured, Message: "no Event objects"}

	findings := run(state, healthyResult(state))

	assertAbsent(t, findings, CodeEventsUnreadable)
	find(t, findings, CodeSnapshotMissingPart)
}
