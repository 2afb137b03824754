package gather

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
)

func newTestClients(t *testing.T, f *fakeAPIServer, timeout time.Duration) (*Clients, *RequestCounter) {
	t.Helper()
	counter := NewRequestCounter()
	clients, err := NewClients(f.configFlags(counter), counter, Options{RequestTimeout: timeout})
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}
	return clients, counter
}

func gatherWeb(t *testing.T, f *fakeAPIServer, timeout time.Duration) (*State, *RequestCounter) {
	t.Helper()
	clients, counter := newTestClients(t, f, timeout)
	state, err := clients.Gather(context.Background(), testNamespace, "web")
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	return state, counter
}

// requireNoRepeats fails when any request, path and query, was sent twice.
func requireNoRepeats(t *testing.T, counter *RequestCounter) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range counter.Requests() {
		if seen[r] {
			t.Errorf("request sent more than once: %s\nall requests:\n%s", r, strings.Join(counter.Requests(), "\n"))
		}
		seen[r] = true
	}
}

// normalizedRequests returns the counter's requests without the timeout
// query parameter, which client-go adds to some requests and not others.
func normalizedRequests(counter *RequestCounter) []string {
	var out []string
	for _, r := range counter.Requests() {
		path, query, _ := strings.Cut(r, "?")
		var kept []string
		for _, param := range strings.Split(query, "&") {
			if param != "" && !strings.HasPrefix(param, "timeout=") {
				kept = append(kept, param)
			}
		}
		if len(kept) > 0 {
			path += "?" + strings.Join(kept, "&")
		}
		out = append(out, path)
	}
	return out
}

// requestsTo counts requests whose path is path, whatever the query.
func requestsTo(counter *RequestCounter, path string) int {
	n := 0
	for _, r := range normalizedRequests(counter) {
		p, _, _ := strings.Cut(strings.TrimPrefix(r, "GET "), "?")
		if p == path || strings.ReplaceAll(p, "%2A", "*") == path {
			n++
		}
	}
	return n
}

func requireNoUnknownPaths(t *testing.T, f *fakeAPIServer) {
	t.Helper()
	if unknown := f.unknownPaths(); len(unknown) > 0 {
		t.Errorf("requests to paths the fake server does not serve: %v", unknown)
	}
}

func TestGatherHealthyPodsMetric(t *testing.T) {
	f := newHealthyCluster(t)
	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.HPA == nil || state.HPA.Name != "web" {
		t.Fatalf("HPA = %v, want shop/web", state.HPA)
	}
	if got := len(state.NamespaceHPAs); got != 3 {
		t.Errorf("NamespaceHPAs has %d items, want 3", got)
	}

	target := state.Target
	if target.Scale == nil || target.Scale.Spec.Replicas != 3 || target.Problem != "" || target.Error != nil {
		t.Fatalf("Target = %+v, want a scale with 3 replicas and no problem", target)
	}
	if got := target.Resource.String(); got != "apps/v1, Resource=deployments" {
		t.Errorf("Target.Resource = %s, want apps/v1 deployments", got)
	}
	if got := len(state.Pods); got != 3 || state.PodsError != nil {
		t.Errorf("Pods: %d items, error %v; want 3 and no error", got, state.PodsError)
	}
	if got := len(state.ReplicaSets); got != 1 || state.ReplicaSetsError != nil {
		t.Errorf("ReplicaSets: %d items, error %v; want 1 and no error", got, state.ReplicaSetsError)
	}
	if got := len(state.Events); got != 1 || state.EventsError != nil {
		t.Errorf("Events: %d items, error %v; want 1 and no error", got, state.EventsError)
	}

	metric := state.Metrics[0]
	if metric.Error != nil || metric.Values == nil || len(metric.Values.Items) != 3 {
		t.Fatalf("Metrics[0] = %+v, want 3 values and no error", metric)
	}
	if metric.APIVersion != "custom.metrics.k8s.io/v1beta2" {
		t.Errorf("Metrics[0].APIVersion = %q, want custom.metrics.k8s.io/v1beta2", metric.APIVersion)
	}
	if metric.Unselected != nil || metric.UnselectedError != nil {
		t.Errorf("Unselected was fetched although every pod has a value")
	}
	if state.ResourceMetrics != nil {
		t.Errorf("ResourceMetrics was fetched for an HPA without Resource metrics")
	}

	service := state.APIServices["v1beta2.custom.metrics.k8s.io"]
	if service == nil || !service.Found || service.Error != nil {
		t.Fatalf("APIService v1beta2.custom.metrics.k8s.io = %+v, want found", service)
	}
	if service.Service != "monitoring/prometheus-adapter:443" {
		t.Errorf("APIService.Service = %q, want monitoring/prometheus-adapter:443", service.Service)
	}
	if service.Available == nil || service.Available.Status != metav1.ConditionTrue {
		t.Errorf("APIService.Available = %+v, want True", service.Available)
	}
	if state.CustomMetricsResources == nil || len(state.CustomMetricsResources.APIResources) != 1 {
		t.Errorf("CustomMetricsResources = %+v, want one metric", state.CustomMetricsResources)
	}
	if got := state.MetricsAPIVersions["custom.metrics.k8s.io"]; !slices.Equal(got, []string{"v1beta2", "v1beta1"}) {
		t.Errorf("MetricsAPIVersions[custom.metrics.k8s.io] = %v, want [v1beta2 v1beta1]", got)
	}

	requireNoUnknownPaths(t, f)
	requireNoRepeats(t, counter)
	if state.Requests != counter.Count() {
		t.Errorf("State.Requests = %d, counter has %d", state.Requests, counter.Count())
	}
}

func TestGatherHealthyRequestSet(t *testing.T) {
	f := newHealthyCluster(t)
	_, counter := gatherWeb(t, f, 2*time.Second)

	want := []string{
		"GET /api",
		"GET /apis",
		"GET /apis/apiregistration.k8s.io/v1/apiservices/v1beta2.custom.metrics.k8s.io",
		"GET /apis/apps/v1/namespaces/shop/deployments/web/scale",
		"GET /apis/apps/v1/namespaces/shop/replicasets",
		"GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers",
		"GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web",
		"GET /apis/custom.metrics.k8s.io/v1beta2",
		"GET /apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/%2A/http_requests?labelSelector=app%3Dweb",
		"GET /api/v1/namespaces/shop/events?fieldSelector=involvedObject.kind%3DHorizontalPodAutoscaler%2CinvolvedObject.name%3Dweb%2CinvolvedObject.namespace%3Dshop%2CinvolvedObject.uid%3D" + string(hpaUID),
		"GET /api/v1/namespaces/shop/pods?labelSelector=app%3Dweb",
	}
	got := normalizedRequests(counter)
	if len(got) > 0 && got[0] != "GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web" &&
		got[0] != "GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers" {
		t.Errorf("first request = %s, want the HPA GET or its namespace list", got[0])
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGatherSecondRunUsesDiscoveryCache(t *testing.T) {
	f := newHealthyCluster(t)
	clients, counter := newTestClients(t, f, 2*time.Second)

	first, err := clients.Gather(context.Background(), testNamespace, "web")
	if err != nil {
		t.Fatalf("first Gather: %v", err)
	}
	second, err := clients.Gather(context.Background(), testNamespace, "web")
	if err != nil {
		t.Fatalf("second Gather: %v", err)
	}

	t.Logf("first run: %d requests in %v, second run: %d requests in %v",
		first.Requests, first.Duration, second.Requests, second.Duration)
	if first.Requests != 11 {
		t.Errorf("first run sent %d requests, want 11", first.Requests)
	}
	// The second run reads /api and /apis from the discovery cache.
	if second.Requests != first.Requests-2 {
		t.Errorf("second run sent %d requests, want %d", second.Requests, first.Requests-2)
	}
	if got := requestsTo(counter, "/apis"); got != 1 {
		t.Errorf("/apis was read %d times over two runs, want 1", got)
	}
}

// An adapter installed after the discovery cache was written must not look
// absent: a cached group list that lacks a needed metrics group is read
// again from the server.
func TestGatherRefreshesStaleDiscoveryCache(t *testing.T) {
	f := newHealthyCluster(t)
	f.removeGroup("custom.metrics.k8s.io")
	cacheDir := t.TempDir()

	before := NewRequestCounter()
	clients, err := NewClients(configFlagsFor(t, f.server.URL, before, cacheDir), before, Options{})
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}
	state, err := clients.Gather(context.Background(), testNamespace, "web")
	if err != nil {
		t.Fatalf("first Gather: %v", err)
	}
	if state.Metrics[0].Error == nil {
		t.Fatalf("first Gather read the metric although custom.metrics.k8s.io was not served")
	}

	f.resetGroups()
	after := NewRequestCounter()
	clients, err = NewClients(configFlagsFor(t, f.server.URL, after, cacheDir), after, Options{})
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}
	state, err = clients.Gather(context.Background(), testNamespace, "web")
	if err != nil {
		t.Fatalf("second Gather: %v", err)
	}

	if m := state.Metrics[0]; m.Error != nil || m.Values == nil || len(m.Values.Items) != 3 {
		t.Errorf("Metrics[0] = %+v (%v), want 3 values after the cache refresh", m.Values, m.Error)
	}
	if got := requestsTo(after, "/apis"); got != 1 {
		t.Errorf("/apis read %d times in the second run, want 1 (the refresh)", got)
	}
	requireNoRepeats(t, after)
}

func TestGatherBoundsConcurrentRequests(t *testing.T) {
	f := newHealthyCluster(t)
	hpa := podsMetricHPA()
	hpa.Spec.Metrics = nil
	for i := range 12 {
		name := fmt.Sprintf("queue_%d", i)
		hpa.Spec.Metrics = append(hpa.Spec.Metrics, autoscalingv2.MetricSpec{
			Type: autoscalingv2.ExternalMetricSourceType,
			External: &autoscalingv2.ExternalMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: name},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: resource.NewQuantity(1, resource.DecimalSI)},
			},
		})
	}
	serveHPA(f, hpa)

	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	for i := range 12 {
		f.handle(fmt.Sprintf("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_%d", i), func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			inFlight++
			maxInFlight = max(maxInFlight, inFlight)
			mu.Unlock()

			time.Sleep(100 * time.Millisecond)

			mu.Lock()
			inFlight--
			mu.Unlock()
			writeJSON(w, http.StatusOK, &externalmetricsv1beta1.ExternalMetricValueList{
				TypeMeta: metav1.TypeMeta{Kind: "ExternalMetricValueList", APIVersion: "external.metrics.k8s.io/v1beta1"},
			})
		})
	}

	state, _ := gatherWeb(t, f, 2*time.Second)

	for i, m := range state.Metrics {
		if m.Error != nil {
			t.Errorf("Metrics[%d].Error = %v", i, m.Error)
		}
	}
	if maxInFlight > maxConcurrentRequests {
		t.Errorf("%d external metric requests in flight at once, want at most %d", maxInFlight, maxConcurrentRequests)
	}
	if maxInFlight < 2 {
		t.Errorf("external metric requests ran one at a time, want them concurrent")
	}
}
