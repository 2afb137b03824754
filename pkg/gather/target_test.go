package gather

import (
	"net/http"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// serveHPA replaces shop/web with hpa.
func serveHPA(f *fakeAPIServer, hpa *autoscalingv2.HorizontalPodAutoscaler) {
	f.serve(hpaPath, hpa)
}

func hpaTargeting(apiVersion, kind, name string) *autoscalingv2.HorizontalPodAutoscaler {
	hpa := podsMetricHPA()
	hpa.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{APIVersion: apiVersion, Kind: kind, Name: name}
	return hpa
}

func TestGatherStatefulSetTarget(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, hpaTargeting("apps/v1", "StatefulSet", "db"))
	f.serve("/apis/apps/v1/namespaces/shop/statefulsets/db/scale", scaleFor("db", "app=web", 2))

	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.Target.Scale == nil || state.Target.Scale.Spec.Replicas != 2 {
		t.Fatalf("Target = %+v, want the StatefulSet's scale with 2 replicas", state.Target)
	}
	if got := state.Target.Resource.Resource; got != "statefulsets" {
		t.Errorf("Target.Resource = %s, want statefulsets", got)
	}
	if got := len(state.Pods); got != 3 {
		t.Errorf("Pods has %d items, want 3", got)
	}
	requireNoUnknownPaths(t, f)
	requireNoRepeats(t, counter)
}

func TestGatherCustomResourceTarget(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, hpaTargeting("example.com/v1", "Widget", "w"))
	f.serve("/apis/example.com/v1/namespaces/shop/widgets/w/scale", scaleFor("w", "app=web", 4))

	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.Target.Scale == nil || state.Target.Scale.Spec.Replicas != 4 || state.Target.Problem != "" {
		t.Fatalf("Target = %+v, want the Widget's scale with 4 replicas", state.Target)
	}
	if got := state.Target.Resource.String(); got != "example.com/v1, Resource=widgets" {
		t.Errorf("Target.Resource = %s, want example.com/v1 widgets", got)
	}
	if state.Metrics[0].Values == nil {
		t.Errorf("Metrics[0] has no values: %+v", state.Metrics[0].Error)
	}
	requireNoUnknownPaths(t, f)
	requireNoRepeats(t, counter)
}

func TestGatherTargetMissing(t *testing.T) {
	f := newHealthyCluster(t)
	f.handle(scalePath, func(w http.ResponseWriter, _ *http.Request) { writeNotFound(w, "apps", "deployments", "web") })
	f.handle("/apis/apps/v1/namespaces/shop/deployments/web", func(w http.ResponseWriter, _ *http.Request) {
		writeNotFound(w, "apps", "deployments", "web")
	})

	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.Target.Problem != TargetNotFound {
		t.Errorf("Target.Problem = %q, want %q", state.Target.Problem, TargetNotFound)
	}
	if state.Target.Error == nil || state.Target.Error.Code != http.StatusNotFound {
		t.Errorf("Target.Error = %+v, want the scale GET's 404", state.Target.Error)
	}
	if state.Pods != nil || state.PodsError != nil {
		t.Errorf("pods were listed without a selector")
	}
	if got := state.Metrics[0].Skipped; got == "" {
		t.Errorf("Metrics[0].Skipped is empty, want the reason the metric was not read")
	}
	if requestsTo(counter, podsMetric) != 0 {
		t.Errorf("the Pods metric was requested without a selector")
	}
	// Sources that do not need the target are still read.
	if len(state.Events) != 1 || state.APIServices["v1beta2.custom.metrics.k8s.io"] == nil {
		t.Errorf("events or APIService missing after a failed target read")
	}
	requireNoRepeats(t, counter)
}

func TestGatherNoScaleSubresource(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, hpaTargeting("example.com/v1", "Gadget", "g"))
	// kube-apiserver returns a plain 404, without the object's details, for
	// a subresource that the resource lacks.
	f.serve("/apis/example.com/v1/namespaces/shop/gadgets/g", objectMetadata("g"))

	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.Target.Problem != TargetNoScaleSubresource {
		t.Errorf("Target.Problem = %q, want %q", state.Target.Problem, TargetNoScaleSubresource)
	}
	if got := requestsTo(counter, "/apis/example.com/v1/namespaces/shop/gadgets/g/scale"); got != 1 {
		t.Errorf("scale GET sent %d times, want 1", got)
	}
	if got := requestsTo(counter, "/apis/example.com/v1/namespaces/shop/gadgets/g"); got != 1 {
		t.Errorf("metadata GET sent %d times, want 1", got)
	}
	requireNoRepeats(t, counter)
}

func TestGatherMetadataOnlyAfterScale404(t *testing.T) {
	f := newHealthyCluster(t)
	_, counter := gatherWeb(t, f, 2*time.Second)

	if got := requestsTo(counter, "/apis/apps/v1/namespaces/shop/deployments/web"); got != 0 {
		t.Errorf("the target's metadata was read %d times although its scale was found", got)
	}
}

func TestGatherUnknownTargetKind(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, hpaTargeting("example.com/v1", "Sprocket", "s"))

	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.Target.Problem != TargetKindUnknown {
		t.Errorf("Target.Problem = %q (%v), want %q", state.Target.Problem, state.Target.Error, TargetKindUnknown)
	}
	requireNoUnknownPaths(t, f)
	requireNoRepeats(t, counter)
}

func TestGatherInvalidTargetAPIVersion(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, hpaTargeting("apps/v1/extra", "Deployment", "web"))

	state, _ := gatherWeb(t, f, 2*time.Second)

	if state.Target.Problem != TargetRefInvalid {
		t.Errorf("Target.Problem = %q, want %q", state.Target.Problem, TargetRefInvalid)
	}
}

func TestGatherEmptySelector(t *testing.T) {
	f := newHealthyCluster(t)
	f.serve(scalePath, scaleFor("web", "", 3))

	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.Target.Scale == nil {
		t.Fatalf("Target.Scale is nil, want the scale with an empty selector")
	}
	if state.Target.SelectorError == "" {
		t.Errorf("Target.SelectorError is empty for an empty status.selector")
	}
	if state.Pods != nil {
		t.Errorf("Pods = %v, want nil because no pods may be listed without a selector", state.Pods)
	}
	if state.Metrics[0].Skipped == "" || state.Metrics[0].Values != nil {
		t.Errorf("Metrics[0] = %+v, want skipped", state.Metrics[0])
	}
	if got := requestsTo(counter, podsPath); got != 0 {
		t.Errorf("pods listed %d times without a selector", got)
	}
	if got := requestsTo(counter, podsMetric); got != 0 {
		t.Errorf("Pods metric requested %d times without a selector", got)
	}
}

// The scale client parses status.selector while converting the response,
// so an unparsable selector fails the scale GET, as it does for the
// controller.
func TestGatherUnparsableSelector(t *testing.T) {
	f := newHealthyCluster(t)
	f.serve(scalePath, scaleFor("web", "app in (web", 3))

	state, _ := gatherWeb(t, f, 2*time.Second)

	if state.Target.Problem != TargetUnreadable {
		t.Errorf("Target.Problem = %q, want %q", state.Target.Problem, TargetUnreadable)
	}
	if state.Target.Error == nil || !strings.Contains(state.Target.Error.Message, "selector") {
		t.Errorf("Target.Error = %v, want the selector parse error", state.Target.Error)
	}
	if state.Metrics[0].Skipped == "" {
		t.Errorf("Metrics[0].Skipped is empty for an unparsable selector")
	}
}

func TestGatherForbiddenScale(t *testing.T) {
	f := newHealthyCluster(t)
	f.fail(scalePath, http.StatusForbidden, "Forbidden", `deployments.apps "web" is forbidden: User "tester" cannot get resource "deployments/scale"`)

	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.Target.Problem != TargetUnreadable || state.Target.Error == nil || state.Target.Error.Code != http.StatusForbidden {
		t.Errorf("Target = %+v, want Unreadable with a 403", state.Target)
	}
	if got := requestsTo(counter, "/apis/apps/v1/namespaces/shop/deployments/web"); got != 0 {
		t.Errorf("metadata GET sent %d times after a 403, want 0", got)
	}
}
