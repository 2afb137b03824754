package gather

import (
	"net/http"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
)

const (
	resourceMetricsV1Path      = "/apis/metrics.k8s.io/v1/namespaces/shop/pods"
	resourceMetricsV1beta1Path = "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"
)

func resourceMetricHPA() *autoscalingv2.HorizontalPodAutoscaler {
	hpa := podsMetricHPA()
	container := resourceMetricSpec(corev1.ResourceMemory)
	container.Type = autoscalingv2.ContainerResourceMetricSourceType
	container.ContainerResource = &autoscalingv2.ContainerResourceMetricSource{
		Name: corev1.ResourceMemory, Container: "app", Target: container.Resource.Target,
	}
	container.Resource = nil
	hpa.Spec.Metrics = []autoscalingv2.MetricSpec{resourceMetricSpec(corev1.ResourceCPU), container}
	return hpa
}

func TestGatherResourceMetricsV1(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, resourceMetricHPA())
	f.handle(resourceMetricsV1Path, requireSelector("app=web", podMetrics("metrics.k8s.io/v1", "web-1", "web-2", "web-3")))
	f.serve("/apis/apiregistration.k8s.io/v1/apiservices/v1.metrics.k8s.io", apiService("v1.metrics.k8s.io", "kube-system", "metrics-server", "True"))

	state, counter := gatherWeb(t, f, 2*time.Second)

	rm := state.ResourceMetrics
	if rm == nil || rm.Error != nil || rm.List == nil || len(rm.List.Items) != 3 {
		t.Fatalf("ResourceMetrics = %+v, want 3 pod metrics", rm)
	}
	if rm.APIVersion != "metrics.k8s.io/v1" {
		t.Errorf("ResourceMetrics.APIVersion = %q, want metrics.k8s.io/v1", rm.APIVersion)
	}
	if got := rm.List.Items[0].Containers[0].Usage.Cpu().MilliValue(); got != 120 {
		t.Errorf("web-1 CPU usage = %dm, want 120m", got)
	}
	for i, m := range state.Metrics {
		if m.APIVersion != "metrics.k8s.io/v1" || m.Error != nil {
			t.Errorf("Metrics[%d]: APIVersion %q, error %v; want metrics.k8s.io/v1 and no error", i, m.APIVersion, m.Error)
		}
	}
	if got := requestsTo(counter, resourceMetricsV1Path); got != 1 {
		t.Errorf("PodMetrics listed %d times for two resource metrics, want 1", got)
	}
	if s := state.APIServices["v1.metrics.k8s.io"]; s == nil || !s.Found {
		t.Errorf("APIService v1.metrics.k8s.io = %+v, want found", s)
	}
	if _, ok := state.APIServices["v1beta2.custom.metrics.k8s.io"]; ok || requestsTo(counter, customDiscov) != 0 {
		t.Errorf("the custom metrics API was read for an HPA without Pods or Object metrics")
	}
	requireNoUnknownPaths(t, f)
	requireNoRepeats(t, counter)
}

func TestGatherResourceMetricsV1beta1Only(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, resourceMetricHPA())
	f.setGroupVersions("metrics.k8s.io", "v1beta1")
	f.handle(resourceMetricsV1beta1Path, requireSelector("app=web", podMetrics("metrics.k8s.io/v1beta1", "web-1", "web-2")))
	f.serve("/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io", apiService("v1beta1.metrics.k8s.io", "kube-system", "metrics-server", "True"))

	state, counter := gatherWeb(t, f, 2*time.Second)

	rm := state.ResourceMetrics
	if rm == nil || rm.Error != nil || len(rm.List.Items) != 2 {
		t.Fatalf("ResourceMetrics = %+v, want 2 pod metrics", rm)
	}
	if rm.APIVersion != "metrics.k8s.io/v1beta1" {
		t.Errorf("ResourceMetrics.APIVersion = %q, want metrics.k8s.io/v1beta1", rm.APIVersion)
	}
	if got := requestsTo(counter, resourceMetricsV1Path); got != 0 {
		t.Errorf("metrics.k8s.io/v1 requested %d times although not served", got)
	}
	requireNoUnknownPaths(t, f)
}

func TestGatherResourceMetricsNotServed(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, resourceMetricHPA())
	f.removeGroup("metrics.k8s.io")

	state, counter := gatherWeb(t, f, 2*time.Second)

	rm := state.ResourceMetrics
	if rm == nil || rm.Error == nil || rm.Error.Reason != metav1.StatusReasonNotFound {
		t.Fatalf("ResourceMetrics = %+v, want a NotFound error", rm)
	}
	if requestsTo(counter, resourceMetricsV1beta1Path)+requestsTo(counter, resourceMetricsV1Path) != 0 {
		t.Errorf("PodMetrics requested although metrics.k8s.io is not served")
	}
	// The controller's version still gets its APIService read, which shows
	// whether a registration exists at all.
	if s := state.APIServices["v1beta1.metrics.k8s.io"]; s == nil || s.Found || s.Error != nil {
		t.Errorf("APIService v1beta1.metrics.k8s.io = %+v, want read and not found", s)
	}
}

func TestGatherResourceMetricsUnavailable(t *testing.T) {
	f := newHealthyCluster(t)
	serveHPA(f, resourceMetricHPA())
	f.fail(resourceMetricsV1Path, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "the server is currently unable to handle the request")

	state, _ := gatherWeb(t, f, 2*time.Second)

	rm := state.ResourceMetrics
	if rm == nil || rm.Error == nil || rm.Error.Code != http.StatusServiceUnavailable {
		t.Fatalf("ResourceMetrics = %+v, want a 503", rm)
	}
	for i, m := range state.Metrics {
		if m.Error != rm.Error {
			t.Errorf("Metrics[%d].Error = %v, want the shared PodMetrics error", i, m.Error)
		}
	}
}

// customMetricsFailures are the ways a custom metrics adapter fails; each
// must degrade only the Pods metric.
func TestGatherCustomMetricsFailures(t *testing.T) {
	cases := []struct {
		name     string
		handler  http.HandlerFunc
		code     int
		reason   metav1.StatusReason
		timedOut bool
		// unselected is whether the request without the pod selector
		// should follow.
		unselected bool
	}{
		{
			name: "not found",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, `the server could not find the metric http_requests for pods`)
			},
			code: http.StatusNotFound, reason: metav1.StatusReasonNotFound, unselected: true,
		},
		{
			name: "service unavailable with Retry-After",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "1")
				writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "service unavailable")
			},
			code: http.StatusServiceUnavailable, reason: metav1.StatusReasonServiceUnavailable,
		},
		{
			name: "forbidden",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				writeStatus(w, http.StatusForbidden, metav1.StatusReasonForbidden, `pods.custom.metrics.k8s.io "*" is forbidden`)
			},
			code: http.StatusForbidden, reason: metav1.StatusReasonForbidden,
		},
		{
			name:     "slow",
			handler:  slowHandler(10*time.Second, func(w http.ResponseWriter, _ *http.Request) {}),
			timedOut: true,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newHealthyCluster(t)
			f.handle(podsMetric, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("labelSelector") == "" {
					writeJSON(w, http.StatusOK, metricValues("v1beta2", "http_requests", "web-1", "other-1"))
					return
				}
				tc.handler(w, r)
			})

			start := time.Now()
			state, counter := gatherWeb(t, f, 500*time.Millisecond)
			elapsed := time.Since(start)

			err := state.Metrics[0].Error
			if err == nil {
				t.Fatalf("Metrics[0].Error is nil, want the adapter's failure")
			}
			if err.Code != tc.code || err.Reason != tc.reason || err.TimedOut != tc.timedOut {
				t.Errorf("Metrics[0].Error = %+v, want code %d, reason %q, timed out %v", err, tc.code, tc.reason, tc.timedOut)
			}
			if got := requestsTo(counter, podsMetric); got != map[bool]int{true: 2, false: 1}[tc.unselected] {
				t.Errorf("Pods metric path requested %d times, want unselected=%v", got, tc.unselected)
			}
			if tc.unselected && (state.Metrics[0].Unselected == nil || len(state.Metrics[0].Unselected.Items) != 2) {
				t.Errorf("Unselected = %+v, want the 2 values outside the selection", state.Metrics[0].Unselected)
			}

			// Every other source is intact.
			if state.Target.Scale == nil || len(state.Pods) != 3 || len(state.Events) != 1 || state.CustomMetricsResources == nil {
				t.Errorf("another source degraded: target %v, %d pods, %d events, resources %v",
					state.Target.Error, len(state.Pods), len(state.Events), state.CustomMetricsResourcesError)
			}
			if elapsed > 2*time.Second {
				t.Errorf("Gather took %v, want well under 2s with a 500ms request timeout", elapsed)
			}
			requireNoRepeats(t, counter)
		})
	}
}

func TestGatherUnselectedForSomePods(t *testing.T) {
	f := newHealthyCluster(t)
	f.handle(podsMetric, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("labelSelector") {
		case "app=web":
			writeJSON(w, http.StatusOK, metricValues("v1beta2", "http_requests", "web-1"))
		case "":
			writeJSON(w, http.StatusOK, metricValues("v1beta2", "http_requests", "web-1", "web-2-old", "web-3-old"))
		default:
			writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "unexpected selector")
		}
	})

	state, counter := gatherWeb(t, f, 2*time.Second)

	m := state.Metrics[0]
	if m.Error != nil || len(m.Values.Items) != 1 {
		t.Fatalf("Metrics[0] = %+v, want 1 value", m)
	}
	if m.Unselected == nil || len(m.Unselected.Items) != 3 || m.UnselectedError != nil {
		t.Errorf("Unselected = %+v (%v), want 3 values", m.Unselected, m.UnselectedError)
	}
	if got := requestsTo(counter, podsMetric); got != 2 {
		t.Errorf("Pods metric path requested %d times, want 2 (selected, then unselected once)", got)
	}
	requireNoRepeats(t, counter)
}

func TestGatherUnselectedSkipsTerminatedPods(t *testing.T) {
	f := newHealthyCluster(t)
	pods := podList("web-1", "web-2", "web-3")
	pods.Items[2].Status.Phase = corev1.PodSucceeded
	f.handle(podsPath, requireSelector("app=web", pods))
	f.handle(podsMetric, requireSelector("app=web", metricValues("v1beta2", "http_requests", "web-1", "web-2")))

	state, counter := gatherWeb(t, f, 2*time.Second)

	if state.Metrics[0].Unselected != nil || requestsTo(counter, podsMetric) != 1 {
		t.Errorf("Unselected fetched although only a terminated pod lacks a value")
	}
}

func TestGatherCustomMetricsV1beta1Only(t *testing.T) {
	f := newHealthyCluster(t)
	f.setGroupVersions("custom.metrics.k8s.io", "v1beta1")
	v1beta1Metric := "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/pods/*/http_requests"
	f.handle(v1beta1Metric, requireSelector("app=web", metricValues("v1beta1", "http_requests", "web-1", "web-2", "web-3")))
	f.serve("/apis/custom.metrics.k8s.io/v1beta1", &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: "custom.metrics.k8s.io/v1beta1",
		APIResources: []metav1.APIResource{{Name: "pods/http_requests", Namespaced: true, Kind: "MetricValueList"}},
	})
	f.serve("/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.custom.metrics.k8s.io", apiService("v1beta1.custom.metrics.k8s.io", "monitoring", "prometheus-adapter", "True"))

	state, counter := gatherWeb(t, f, 2*time.Second)

	m := state.Metrics[0]
	if m.Error != nil || m.Values == nil || len(m.Values.Items) != 3 {
		t.Fatalf("Metrics[0] = %+v, want 3 values", m)
	}
	if m.APIVersion != "custom.metrics.k8s.io/v1beta1" {
		t.Errorf("Metrics[0].APIVersion = %q, want custom.metrics.k8s.io/v1beta1", m.APIVersion)
	}
	// The v1beta1 response is converted to v1beta2.
	if got := m.Values.Items[0].Metric.Name; got != "http_requests" {
		t.Errorf("converted metric name = %q, want http_requests", got)
	}
	if state.CustomMetricsResources == nil || state.CustomMetricsResources.GroupVersion != "custom.metrics.k8s.io/v1beta1" {
		t.Errorf("CustomMetricsResources = %+v, want the v1beta1 list", state.CustomMetricsResources)
	}
	if s := state.APIServices["v1beta1.custom.metrics.k8s.io"]; s == nil || !s.Found {
		t.Errorf("APIService v1beta1.custom.metrics.k8s.io = %+v, want found", s)
	}
	requireNoUnknownPaths(t, f)
	requireNoRepeats(t, counter)
}

func TestGatherCustomMetricsNotServed(t *testing.T) {
	f := newHealthyCluster(t)
	f.removeGroup("custom.metrics.k8s.io")
	f.handle(customService, func(w http.ResponseWriter, _ *http.Request) {
		writeNotFound(w, "apiregistration.k8s.io", "apiservices", "v1beta2.custom.metrics.k8s.io")
	})

	state, counter := gatherWeb(t, f, 2*time.Second)

	m := state.Metrics[0]
	if m.Error == nil || m.Error.Reason != metav1.StatusReasonNotFound || m.Error.Code != 0 {
		t.Fatalf("Metrics[0].Error = %+v, want NotFound without a request", m.Error)
	}
	if !strings.Contains(m.Error.Message, "custom.metrics.k8s.io") {
		t.Errorf("Metrics[0].Error.Message = %q, want it to name the API group", m.Error.Message)
	}
	if got := requestsTo(counter, podsMetric) + requestsTo(counter, customDiscov); got != 0 {
		t.Errorf("custom metrics API requested %d times although not served", got)
	}
	if s := state.APIServices["v1beta2.custom.metrics.k8s.io"]; s == nil || s.Found {
		t.Errorf("APIService = %+v, want read and not found", s)
	}
	if _, ok := state.MetricsAPIVersions["custom.metrics.k8s.io"]; ok {
		t.Errorf("MetricsAPIVersions lists custom.metrics.k8s.io although it is not served")
	}
}

func TestGatherObjectMetrics(t *testing.T) {
	f := newHealthyCluster(t)
	hpa := podsMetricHPA()
	target := autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: resource.NewQuantity(100, resource.DecimalSI)}
	hpa.Spec.Metrics = []autoscalingv2.MetricSpec{
		{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: autoscalingv2.CrossVersionObjectReference{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "main"},
			Metric:          autoscalingv2.MetricIdentifier{Name: "requests_per_second"},
			Target:          target,
		}},
		{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: autoscalingv2.CrossVersionObjectReference{APIVersion: "v1", Kind: "Namespace", Name: "ignored"},
			Metric:          autoscalingv2.MetricIdentifier{Name: "queue_depth"},
			Target:          target,
		}},
	}
	serveHPA(f, hpa)
	f.serve("/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/ingresses.networking.k8s.io/main/requests_per_second",
		metricValues("v1beta2", "requests_per_second", "main"))
	// The controller reads a Namespace's metric root-scoped, named after
	// the HPA's own namespace.
	f.serve("/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/metrics/queue_depth",
		metricValues("v1beta2", "queue_depth", "shop"))

	state, counter := gatherWeb(t, f, 2*time.Second)

	for i, m := range state.Metrics {
		if m.Error != nil || m.Values == nil || len(m.Values.Items) != 1 {
			t.Errorf("Metrics[%d] = %+v (%v), want one value", i, m.Values, m.Error)
		}
	}
	if state.CustomMetricsResources == nil {
		t.Errorf("CustomMetricsResources not read for Object metrics")
	}
	requireNoUnknownPaths(t, f)
	requireNoRepeats(t, counter)
}

func TestGatherExternalMetric(t *testing.T) {
	f := newHealthyCluster(t)
	hpa := podsMetricHPA()
	hpa.Spec.Metrics = []autoscalingv2.MetricSpec{{
		Type: autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{
				Name:     "queue_messages",
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"queue": "jobs"}},
			},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: resource.NewQuantity(30, resource.DecimalSI)},
		},
	}}
	serveHPA(f, hpa)
	f.handle("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_messages", requireSelector("queue=jobs", &externalmetricsv1beta1.ExternalMetricValueList{
		TypeMeta: metav1.TypeMeta{Kind: "ExternalMetricValueList", APIVersion: "external.metrics.k8s.io/v1beta1"},
		Items: []externalmetricsv1beta1.ExternalMetricValue{{
			MetricName: "queue_messages", Timestamp: sampleTime, Value: resource.MustParse("90"),
		}},
	}))
	f.serve("/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io", apiService("v1beta1.external.metrics.k8s.io", "keda", "keda-metrics-apiserver", "False"))

	state, counter := gatherWeb(t, f, 2*time.Second)

	m := state.Metrics[0]
	if m.Error != nil || m.External == nil || len(m.External.Items) != 1 {
		t.Fatalf("Metrics[0] = %+v (%v), want one external value", m.External, m.Error)
	}
	if m.APIVersion != "external.metrics.k8s.io/v1beta1" {
		t.Errorf("Metrics[0].APIVersion = %q, want external.metrics.k8s.io/v1beta1", m.APIVersion)
	}
	s := state.APIServices["v1beta1.external.metrics.k8s.io"]
	if s == nil || s.Available == nil || s.Available.Status != metav1.ConditionFalse {
		t.Errorf("APIService = %+v, want Available=False", s)
	}
	// Neither custom metrics discovery nor its APIService is needed.
	if requestsTo(counter, customDiscov) != 0 || requestsTo(counter, customService) != 0 {
		t.Errorf("custom metrics API read for an HPA with only an External metric")
	}
	requireNoUnknownPaths(t, f)
	requireNoRepeats(t, counter)
}

func TestGatherInvalidMetricSpecs(t *testing.T) {
	f := newHealthyCluster(t)
	hpa := podsMetricHPA()
	hpa.Spec.Metrics = []autoscalingv2.MetricSpec{
		{Type: autoscalingv2.PodsMetricSourceType},
		{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{
				Name: "queue_messages",
				Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "queue", Operator: "Near", Values: []string{"jobs"}},
				}},
			},
		}},
		{Type: "Telepathy"},
	}
	serveHPA(f, hpa)

	state, _ := gatherWeb(t, f, 2*time.Second)

	for i, m := range state.Metrics {
		if m.Error == nil {
			t.Errorf("Metrics[%d].Error is nil for an invalid spec", i)
		}
	}
}
