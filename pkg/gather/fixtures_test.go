package gather

import (
	"net/http"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	custommetricsv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

const (
	testNamespace = "shop"
	hpaUID        = types.UID("6f1c2a9e-0000-4000-8000-000000000001")
	hpaPath       = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web"
	hpaListPath   = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers"
	scalePath     = "/apis/apps/v1/namespaces/shop/deployments/web/scale"
	podsPath      = "/api/v1/namespaces/shop/pods"
	rsPath        = "/apis/apps/v1/namespaces/shop/replicasets"
	eventsPath    = "/api/v1/namespaces/shop/events"
	podsMetric    = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/http_requests"
	customDiscov  = "/apis/custom.metrics.k8s.io/v1beta2"
	customService = "/apis/apiregistration.k8s.io/v1/apiservices/v1beta2.custom.metrics.k8s.io"
)

var sampleTime = metav1.NewTime(time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC))

// newHealthyCluster serves HPA shop/web on Deployment web with three
// running pods and a Pods metric http_requests that has a value for each.
func newHealthyCluster(t *testing.T) *fakeAPIServer {
	f := newFakeAPIServer(t)

	hpa := podsMetricHPA()
	f.serve(hpaPath, hpa)
	f.serve(hpaListPath, &autoscalingv2.HorizontalPodAutoscalerList{
		TypeMeta: metav1.TypeMeta{Kind: "HorizontalPodAutoscalerList", APIVersion: "autoscaling/v2"},
		Items:    []autoscalingv2.HorizontalPodAutoscaler{*hpa, *namedHPA("web-canary"), *namedHPA("checkout")},
	})
	f.serve(scalePath, scaleFor("web", "app=web", 3))
	f.handle(podsPath, requireSelector("app=web", podList("web-1", "web-2", "web-3")))
	f.serve(rsPath, replicaSetMetadata("web-5d8f7c"))
	f.handle(eventsPath, func(w http.ResponseWriter, r *http.Request) {
		want := "involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=web,involvedObject.namespace=shop,involvedObject.uid=" + string(hpaUID)
		if got := r.URL.Query().Get("fieldSelector"); got != want {
			writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "unexpected fieldSelector "+got)
			return
		}
		writeJSON(w, http.StatusOK, &corev1.EventList{
			TypeMeta: metav1.TypeMeta{Kind: "EventList", APIVersion: "v1"},
			Items: []corev1.Event{{
				ObjectMeta:     metav1.ObjectMeta{Name: "web.1", Namespace: testNamespace},
				InvolvedObject: corev1.ObjectReference{Kind: "HorizontalPodAutoscaler", Name: "web", Namespace: testNamespace, UID: hpaUID},
				Reason:         "SuccessfulRescale",
				Message:        "New size: 3; reason: pods metric http_requests above target",
				Type:           corev1.EventTypeNormal,
			}},
		})
	})
	f.handle(podsMetric, requireSelector("app=web", metricValues("v1beta2", "http_requests", "web-1", "web-2", "web-3")))
	f.serve(customDiscov, &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: "custom.metrics.k8s.io/v1beta2",
		APIResources: []metav1.APIResource{{Name: "pods/http_requests", Namespaced: true, Kind: "MetricValueList", Verbs: []string{"get"}}},
	})
	f.serve(customService, apiService("v1beta2.custom.metrics.k8s.io", "monitoring", "prometheus-adapter", "True"))
	return f
}

func namedHPA(name string) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{Kind: "HorizontalPodAutoscaler", APIVersion: "autoscaling/v2"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, UID: types.UID(name + "-uid")},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
			MaxReplicas:    10,
		},
	}
}

func podsMetricHPA() *autoscalingv2.HorizontalPodAutoscaler {
	hpa := namedHPA("web")
	hpa.UID = hpaUID
	hpa.Spec.Metrics = []autoscalingv2.MetricSpec{podsMetricSpec("http_requests")}
	return hpa
}

func podsMetricSpec(name string) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: name},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: resource.NewQuantity(10, resource.DecimalSI)},
		},
	}
}

func resourceMetricSpec(name corev1.ResourceName) autoscalingv2.MetricSpec {
	utilization := int32(60)
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   name,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &utilization},
		},
	}
}

func scaleFor(name, selector string, replicas int32) *autoscalingv1.Scale {
	return &autoscalingv1.Scale{
		TypeMeta:   metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace},
		Spec:       autoscalingv1.ScaleSpec{Replicas: replicas},
		Status:     autoscalingv1.ScaleStatus{Replicas: replicas, Selector: selector},
	}
}

func podList(names ...string) *corev1.PodList {
	list := &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}}
	for _, name := range names {
		list.Items = append(list.Items, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: map[string]string{"app": "web"}},
			Status:     corev1.PodStatus{Phase: corev1.PodRunning},
		})
	}
	return list
}

func replicaSetMetadata(names ...string) *metav1.PartialObjectMetadataList {
	list := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadataList", APIVersion: "meta.k8s.io/v1"}}
	for _, name := range names {
		list.Items = append(list.Items, metav1.PartialObjectMetadata{
			TypeMeta:   metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace},
		})
	}
	return list
}

func objectMetadata(name string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace},
	}
}

// metricValues is a custom metrics response with one value per pod, in the
// schema of version (v1beta1 or v1beta2).
func metricValues(version, metric string, pods ...string) any {
	if version == "v1beta1" {
		list := &custommetricsv1beta1.MetricValueList{TypeMeta: metav1.TypeMeta{Kind: "MetricValueList", APIVersion: "custom.metrics.k8s.io/v1beta1"}}
		for _, pod := range pods {
			list.Items = append(list.Items, custommetricsv1beta1.MetricValue{
				DescribedObject: corev1.ObjectReference{Kind: "Pod", Name: pod, Namespace: testNamespace, APIVersion: "v1"},
				MetricName:      metric,
				Timestamp:       sampleTime,
				Value:           resource.MustParse("12"),
			})
		}
		return list
	}

	list := &custommetricsv1beta2.MetricValueList{TypeMeta: metav1.TypeMeta{Kind: "MetricValueList", APIVersion: "custom.metrics.k8s.io/v1beta2"}}
	for _, pod := range pods {
		list.Items = append(list.Items, custommetricsv1beta2.MetricValue{
			DescribedObject: corev1.ObjectReference{Kind: "Pod", Name: pod, Namespace: testNamespace, APIVersion: "v1"},
			Metric:          custommetricsv1beta2.MetricIdentifier{Name: metric},
			Timestamp:       sampleTime,
			Value:           resource.MustParse("12"),
		})
	}
	return list
}

func podMetrics(apiVersion string, pods ...string) *metricsv1beta1.PodMetricsList {
	list := &metricsv1beta1.PodMetricsList{TypeMeta: metav1.TypeMeta{Kind: "PodMetricsList", APIVersion: apiVersion}}
	for _, pod := range pods {
		list.Items = append(list.Items, metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: testNamespace},
			Timestamp:  sampleTime,
			Window:     metav1.Duration{Duration: 15 * time.Second},
			Containers: []metricsv1beta1.ContainerMetrics{{
				Name:  "app",
				Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("120m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			}},
		})
	}
	return list
}

// apiService is an APIService backed by namespace/name:443 whose Available
// condition has status.
func apiService(name, namespace, service, status string) map[string]any {
	return map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"service":              map[string]any{"namespace": namespace, "name": service, "port": 443},
			"groupPriorityMinimum": 100,
			"versionPriority":      100,
		},
		"status": map[string]any{
			"conditions": []any{map[string]any{
				"type":               "Available",
				"status":             status,
				"lastTransitionTime": "2026-03-01T02:00:00Z",
				"reason":             "Passed",
				"message":            "all checks passed",
			}},
		},
	}
}

// requireSelector serves obj only for requests with labelSelector want,
// and a 400 otherwise, so a test notices a wrong selector.
func requireSelector(want string, obj any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("labelSelector"); got != want {
			writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "unexpected labelSelector "+got)
			return
		}
		writeJSON(w, http.StatusOK, obj)
	}
}
