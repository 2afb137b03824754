package gather

import (
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// With --request-timeout, client-go sends the timeout to the API server as
// ?timeout=, and the server may give up first: it returns 504 with reason
// Timeout. That is as much a timeout as the client's own deadline.
func TestGatherServerTimeoutIsTimedOut(t *testing.T) {
	f := newHealthyCluster(t)
	f.fail(podsMetric, http.StatusGatewayTimeout, metav1.StatusReasonTimeout,
		"the server was unable to return a response in the time allotted, but may still be processing the request")

	state, _ := gatherWeb(t, f, 2*time.Second)

	err := state.Metrics[0].Error
	if err == nil {
		t.Fatal("Metrics[0].Error = nil, want the 504 Timeout")
	}
	if !err.TimedOut {
		t.Errorf("Metrics[0].Error.TimedOut = false for %v, want true", err)
	}
	if err.Code != http.StatusGatewayTimeout {
		t.Errorf("Metrics[0].Error.Code = %d, want 504", err.Code)
	}
}
