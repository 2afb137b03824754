package snapshot

import (
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// healthyRequestRate: four pods serve about 20 requests per second each,
// the target, so the HPA stays at 4.
func healthyRequestRate() *gather.State {
	f := newFixture("storefront", "checkout-api", "7d9f8b6c5", 4)
	f.podsMetric("http_requests_per_second", "20")
	f.customMetricsAPI("pods/http_requests_per_second", "pods/http_request_duration_seconds_p99", "namespaces/http_requests_per_second")
	for _, suffix := range []string{"2xkqp", "8mzvd", "c4lht", "rw7nb"} {
		f.addPod(suffix, 26*time.Hour, true, "250m")
	}
	f.state.Metrics[0].APIVersion = customMetricsV1beta2
	f.state.Metrics[0].Values = f.customValues("http_requests_per_second", map[string]int64{
		"checkout-api-7d9f8b6c5-2xkqp": 19600, "checkout-api-7d9f8b6c5-8mzvd": 20800,
		"checkout-api-7d9f8b6c5-c4lht": 21200, "checkout-api-7d9f8b6c5-rw7nb": 19900,
	})
	f.rescale(4, "pods metric http_requests_per_second above target", 3*time.Hour, 1)
	f.currentPods("http_requests_per_second", "20375m")
	return f.state
}

// metricNotServed: the HPA requests queue_messages_ready, but the adapter's
// rules expose the series as rabbitmq_queue_messages_ready.
func metricNotServed() *gather.State {
	f := newFixture("orders", "order-worker", "5c8d7f9b4", 3)
	f.state.HPA.Spec.MaxReplicas = 20
	f.podsMetric("queue_messages_ready", "30")
	f.customMetricsAPI("pods/rabbitmq_queue_messages_ready", "pods/rabbitmq_queue_consumers", "namespaces/rabbitmq_queue_messages_ready")
	for _, suffix := range []string{"h2x9c", "kq4ts", "w8v3m"} {
		f.addPod(suffix, 50*time.Hour, true, "500m")
	}
	f.state.HPA.Status.Conditions[1] = autoscalingv2.HorizontalPodAutoscalerCondition{
		Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: "FailedGetPodsMetric",
		Message:            `the HPA was unable to compute the replica count: unable to get metric queue_messages_ready: unable to fetch metrics from custom metrics API: the server could not find the metric queue_messages_ready for pods`,
		LastTransitionTime: metav1.NewTime(capturedAt.Add(-26 * time.Hour)),
	}
	f.currentFailed()
	m := &f.state.Metrics[0]
	m.APIVersion = customMetricsV1beta2
	m.Error = notFound("GET custom.metrics.k8s.io/v1beta2 namespaces/orders/pods/*/queue_messages_ready?labelSelector=app.kubernetes.io/name=order-worker",
		"the server could not find the metric queue_messages_ready for pods")
	m.UnselectedError = notFound("GET custom.metrics.k8s.io/v1beta2 namespaces/orders/pods/*/queue_messages_ready",
		"the server could not find the metric queue_messages_ready for pods")
	return f.state
}

// partialPodValues: a rollout 40 seconds ago started two pods that
// Prometheus has not scraped yet, so the scale-up the other three ask for
// is cancelled out.
func partialPodValues() *gather.State {
	f := newFixture("search", "search-api", "6b7c9d8f4", 5)
	f.podsMetric("http_requests_per_second", "100")
	f.customMetricsAPI("pods/http_requests_per_second", "namespaces/http_requests_per_second")
	for _, suffix := range []string{"9tq2w", "fx8kd", "nz4rb"} {
		f.addPod(suffix, 9*time.Hour, true, "1")
	}
	for _, suffix := range []string{"p7l2s", "v5jhc"} {
		f.addPod(suffix, 40*time.Second, true, "1")
	}
	values := map[string]int64{"search-api-6b7c9d8f4-9tq2w": 151000, "search-api-6b7c9d8f4-fx8kd": 163000, "search-api-6b7c9d8f4-nz4rb": 139000}
	m := &f.state.Metrics[0]
	m.APIVersion = customMetricsV1beta2
	m.Values = f.customValues("http_requests_per_second", values)
	m.Unselected = f.customValues("http_requests_per_second", values)
	f.rescale(5, "pods metric http_requests_per_second above target", 70*time.Minute, 1)
	f.currentPods("http_requests_per_second", "151")
	return f.state
}

// overlappingSelector: the canary Deployment's pods carry the stable
// Deployment's app label, so the HPA averages the canary's load in.
func overlappingSelector() *gather.State {
	f := newFixture("payments", "payments-api", "84f6d5c7b9", 3)
	f.podsMetric("http_requests_per_second", "50")
	f.customMetricsAPI("pods/http_requests_per_second")
	for _, suffix := range []string{"d2m8x", "jq6vt", "s9k4p"} {
		f.addPod(suffix, 30*time.Hour, true, "500m")
	}
	canaryRS := "payments-api-canary-5f9b8c7d6"
	canaryRSID := uid("payments", "replicaset", canaryRS)
	canaryID := uid("payments", "deployment", "payments-api-canary")
	f.state.ReplicaSets = append(f.state.ReplicaSets, f.replicaSet(canaryRS, canaryRSID, "payments-api-canary", canaryID))
	canaryLabels := map[string]string{"app.kubernetes.io/name": "payments-api", "track": "canary"}
	f.addPodOf(canaryRS, canaryRSID, canaryLabels, "xw3bn", 2*time.Hour, true, "500m")

	m := &f.state.Metrics[0]
	m.APIVersion = customMetricsV1beta2
	m.Values = f.customValues("http_requests_per_second", map[string]int64{
		"payments-api-84f6d5c7b9-d2m8x": 41000, "payments-api-84f6d5c7b9-jq6vt": 44500,
		"payments-api-84f6d5c7b9-s9k4p": 39800, "payments-api-canary-5f9b8c7d6-xw3bn": 118000,
	})
	f.state.HPA.Status.DesiredReplicas = 5
	f.rescale(3, "All metrics below target", 5*time.Hour, 1)
	f.currentPods("http_requests_per_second", "58100m")
	return f.state
}

// scaleDownStabilization: cpu fell after the evening peak, so the metrics
// propose 3 replicas. The controller scaled to 6 three minutes ago, and the
// 5-minute window keeps that recommendation.
func scaleDownStabilization() *gather.State {
	f := newFixture("media", "thumbnailer", "7f5d9c6b8", 6)
	f.cpuMetric(60)
	f.resourceMetricsAPI()
	suffixes := []string{"4gq8z", "9bn2k", "hx7wd", "m3c5t", "rp6vl", "zt2qf"}
	usage := map[string]int64{}
	for i, suffix := range suffixes {
		pod := f.addPod(suffix, 3*time.Hour, true, "500m")
		usage[pod.Name] = 96 + int64(i)*7
	}
	rm := f.podMetrics(usage)
	f.state.ResourceMetrics = rm
	f.state.Metrics[0].APIVersion = rm.APIVersion
	f.state.HPA.Status.Conditions[0] = autoscalingv2.HorizontalPodAutoscalerCondition{
		Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ScaleDownStabilized",
		Message:            "recent recommendations were higher than current one, applying the highest recent recommendation",
		LastTransitionTime: metav1.NewTime(capturedAt.Add(-150 * time.Second)),
	}
	f.syncSpecs()
	f.rescale(4, "cpu resource utilization (percentage of request) above target", 95*time.Minute, 1)
	f.rescale(6, "cpu resource utilization (percentage of request) above target", 3*time.Minute, 1)
	f.currentCPU(23, "114m")
	return f.state
}

// missingRequests: a logging sidecar added to the pods has no cpu
// request, so cpu utilization cannot be computed.
func missingRequests() *gather.State {
	f := newFixture("accounts", "profile-service", "b6c4d8f7a5", 3)
	f.state.HPA.Spec.MaxReplicas = 8
	f.cpuMetric(70)
	f.resourceMetricsAPI()
	usage := map[string]int64{}
	for i, suffix := range []string{"5kz9r", "gw2mt", "x8d4q"} {
		pod := f.addPod(suffix, 4*time.Hour, true, "400m")
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{
			Name:  "log-shipper",
			Image: "registry.example.com/platform/fluent-bit:3.2",
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
			},
		})
		usage[pod.Name] = 310 + int64(i)*25
	}
	rm := f.podMetrics(usage)
	for i := range rm.List.Items {
		rm.List.Items[i].Containers = append(rm.List.Items[i].Containers, metricsv1beta1ContainerLogShipper())
	}
	f.state.ResourceMetrics = rm
	f.state.Metrics[0].APIVersion = rm.APIVersion
	f.state.HPA.Status.Conditions[1] = autoscalingv2.HorizontalPodAutoscalerCondition{
		Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: "FailedGetResourceMetric",
		Message:            "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container log-shipper of Pod profile-service-b6c4d8f7a5-5kz9r",
		LastTransitionTime: metav1.NewTime(capturedAt.Add(-4 * time.Hour)),
	}
	f.currentFailed()
	return f.state
}

// externalTimeout: a queue-length metric served by KEDA's adapter, whose
// APIService fails its availability checks, so the request times out.
func externalTimeout() *gather.State {
	f := newFixture("billing", "invoice-renderer", "c9d8b7f6a4", 2)
	f.externalMetric("s0-rabbitmq-invoices", map[string]string{"scaledobject.keda.sh/name": "invoice-renderer"}, "25")
	f.state.MetricsAPIVersions = map[string][]string{externalMetricsGroup: {"v1beta1"}}
	f.state.APIServices["v1beta1.external.metrics.k8s.io"] = &gather.APIService{
		Name: "v1beta1.external.metrics.k8s.io", Found: true, Service: "keda/keda-operator-metrics-apiserver:443",
		Available: &metav1.Condition{Type: "Available", Status: metav1.ConditionFalse, Reason: "FailedDiscoveryCheck",
			Message:            `failing or missing response from https://10.96.41.7:443/apis/external.metrics.k8s.io/v1beta1: Get "https://10.96.41.7:443/apis/external.metrics.k8s.io/v1beta1": context deadline exceeded`,
			LastTransitionTime: metav1.NewTime(capturedAt.Add(-38 * time.Minute))},
	}
	for _, suffix := range []string{"bq5xz", "t7n4h"} {
		f.addPod(suffix, 20*time.Hour, true, "1")
	}
	m := &f.state.Metrics[0]
	m.APIVersion = externalMetricsV1beta1
	m.Error = &gather.SourceError{
		Source:   "LIST external.metrics.k8s.io/v1beta1 namespaces/billing/s0-rabbitmq-invoices?labelSelector=scaledobject.keda.sh/name=invoice-renderer",
		TimedOut: true,
		Message:  "timed out: no response in time: context deadline exceeded",
	}
	f.state.EventsError = &gather.SourceError{
		Source: "LIST v1 namespaces/billing/events", Code: 403, Reason: metav1.StatusReasonForbidden,
		Message: `events is forbidden: User "oncall@example.com" cannot list resource "events" in API group "" in the namespace "billing"`,
	}
	return f.state
}

// customMetricsTimeout: the adapter serves discovery, but its query to
// Prometheus exceeds the request timeout.
func customMetricsTimeout() *gather.State {
	f := newFixture("storefront", "cart-api", "f4d7c9b8a6", 3)
	f.podsMetric("http_requests_per_second", "40")
	f.customMetricsAPI("pods/http_requests_per_second")
	for _, suffix := range []string{"j8x2w", "q5m7r", "z3t9k"} {
		f.addPod(suffix, 12*time.Hour, true, "300m")
	}
	m := &f.state.Metrics[0]
	m.APIVersion = customMetricsV1beta2
	m.Error = &gather.SourceError{
		Source:   "GET custom.metrics.k8s.io/v1beta2 namespaces/storefront/pods/*/http_requests_per_second?labelSelector=app.kubernetes.io/name=cart-api",
		TimedOut: true,
		Message:  "timed out: no response in time: context deadline exceeded",
	}
	f.state.ReplicaSetsError = &gather.SourceError{Source: "LIST apps/v1 namespaces/storefront/replicasets (metadata)", Code: 403, Reason: metav1.StatusReasonForbidden, Message: "replicasets.apps is forbidden"}
	f.state.ReplicaSets = nil
	f.state.CustomMetricsResourcesError = &gather.SourceError{Source: "GET /apis/custom.metrics.k8s.io/v1beta2", Code: 503, Reason: metav1.StatusReasonServiceUnavailable, Message: "the server is currently unable to handle the request"}
	f.state.CustomMetricsResources = nil
	return f.state
}

// targetMissing: the HPA points at a Deployment that was renamed.
func targetMissing() *gather.State {
	f := newFixture("catalog", "catalog-sync", "d7c6b5a4f3", 2)
	f.externalMetric("pubsub_subscription_num_undelivered_messages", map[string]string{"subscription": "catalog-updates"}, "200")
	f.state.Target.Scale = nil
	f.state.Target.Problem = gather.TargetNotFound
	f.state.Target.Error = notFound("GET apps/v1 namespaces/catalog/deployments/catalog-sync/scale", `deployments.apps "catalog-sync" not found`)
	f.state.Pods = nil
	f.state.ReplicaSets = []metav1.PartialObjectMetadata{}
	window := int64(60)
	m := &f.state.Metrics[0]
	m.APIVersion = externalMetricsV1beta1
	m.External = &externalmetricsv1beta1.ExternalMetricValueList{Items: []externalmetricsv1beta1.ExternalMetricValue{{
		MetricName:    "pubsub_subscription_num_undelivered_messages",
		MetricLabels:  map[string]string{"subscription": "catalog-updates"},
		Timestamp:     metav1.NewTime(capturedAt.Add(-45 * time.Second)),
		WindowSeconds: &window,
		Value:         resource.MustParse("1843"),
	}}}
	f.state.NamespaceHPAsError = &gather.SourceError{Source: "LIST autoscaling/v2 namespaces/catalog/horizontalpodautoscalers", Code: 500, Reason: metav1.StatusReasonInternalError, Message: "etcdserver: request timed out"}
	f.state.NamespaceHPAs = nil
	f.state.DiscoveryError = &gather.SourceError{Source: "discover API groups", TimedOut: true, Message: "timed out: no response in time: context deadline exceeded"}
	f.state.MetricsAPIVersions = nil
	f.state.APIServices["v1beta1.external.metrics.k8s.io"] = &gather.APIService{Name: "v1beta1.external.metrics.k8s.io"}
	return f.state
}

func metricsv1beta1ContainerLogShipper() metricsv1beta1.ContainerMetrics {
	return metricsv1beta1.ContainerMetrics{Name: "log-shipper", Usage: corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewMilliQuantity(12, resource.DecimalSI),
		corev1.ResourceMemory: resource.MustParse("41Mi"),
	}}
}
