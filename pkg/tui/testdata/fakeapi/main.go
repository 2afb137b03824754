// Command fakeapi serves a small, moving cluster on 127.0.0.1 for trying
// "kubectl hpametrics watch" by hand and measuring it. It has a few HPAs
// on Deployments whose pods' cpu usage follows a slow wave, one HPA whose
// Deployment is missing, and one with 60 pods. It serves GET requests
// from memory, in the shapes kube-apiserver v1.37 uses.
//
//	go run ./pkg/tui/testdata/fakeapi -addr 127.0.0.1:18443 -kubeconfig /tmp/fakeapi.kubeconfig
//
// POST /fail?on=true makes every API request fail with 503 until POST
// /fail?on=false, to watch the back-off and the STALE mark.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// workload is one Deployment with its HPA.
type workload struct {
	name     string
	pods     int
	min, max int32
	// base and swing set each pod's cpu usage in millicores: base plus a
	// wave of amplitude swing with a period of five minutes.
	base, swing float64
	// missing leaves the Deployment out, as after a rename.
	missing bool
}

var workloads = []workload{
	{name: "web", pods: 4, min: 2, max: 10, base: 380, swing: 160},
	{name: "checkout", pods: 3, min: 1, max: 3, base: 900, swing: 50},
	{name: "batch", pods: 60, min: 10, max: 100, base: 250, swing: 100},
	{name: "gone", pods: 0, min: 1, max: 5, missing: true},
}

const namespace = "shop"

var (
	started = time.Now()
	failing atomic.Bool
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18443", "address to listen on; keep it on loopback")
	kubeconfig := flag.String("kubeconfig", "", "write a kubeconfig for the server to this path")
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("invalid -addr %q: use a loopback address such as 127.0.0.1:18443", *addr)
	}
	if *kubeconfig != "" {
		if err := writeKubeconfig(*kubeconfig, "http://"+*addr); err != nil {
			log.Fatalf("failed to write the kubeconfig: %v", err)
		}
	}
	log.Printf("serving on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(serve)))
}

func writeKubeconfig(path, server string) error {
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: fakeapi
  cluster:
    server: %s
users:
- name: fakeapi
  user:
    token: fakeapi
contexts:
- name: fakeapi
  context:
    cluster: fakeapi
    user: fakeapi
    namespace: %s
current-context: fakeapi
`, server, namespace)
	return os.WriteFile(path, []byte(content), 0o600)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/fail" && r.Method == http.MethodPost {
		failing.Store(r.URL.Query().Get("on") == "true")
		log.Printf("failing: %v", failing.Load())
		return
	}
	if r.Method != http.MethodGet {
		writeStatus(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "fakeapi serves only GET")
		return
	}
	if failing.Load() {
		writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "fakeapi is failing on request")
		return
	}

	path := r.URL.Path
	now := time.Now()
	switch {
	case path == "/api":
		writeDiscovery(w, []apidiscoveryv2.APIGroupDiscovery{group("", "v1",
			res("pods", "Pod", false), res("events", "Event", false))})
	case path == "/apis":
		writeDiscovery(w, []apidiscoveryv2.APIGroupDiscovery{
			group("apps", "v1", res("deployments", "Deployment", true), res("replicasets", "ReplicaSet", true)),
			group("autoscaling", "v2", res("horizontalpodautoscalers", "HorizontalPodAutoscaler", false)),
			group("apiregistration.k8s.io", "v1", res("apiservices", "APIService", false)),
			group("metrics.k8s.io", "v1beta1", res("pods", "PodMetrics", false)),
		})
	case path == "/apis/autoscaling/v2/horizontalpodautoscalers" || path == "/apis/autoscaling/v2/namespaces/"+namespace+"/horizontalpodautoscalers":
		list := autoscalingv2.HorizontalPodAutoscalerList{TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscalerList"}}
		for _, wl := range workloads {
			list.Items = append(list.Items, *hpaOf(wl, now))
		}
		writeJSON(w, http.StatusOK, list)
	case strings.HasPrefix(path, "/apis/autoscaling/v2/namespaces/"+namespace+"/horizontalpodautoscalers/"):
		name := strings.TrimPrefix(path, "/apis/autoscaling/v2/namespaces/"+namespace+"/horizontalpodautoscalers/")
		wl, ok := find(name)
		if !ok {
			writeNotFound(w, "autoscaling", "horizontalpodautoscalers", name)
			return
		}
		writeJSON(w, http.StatusOK, hpaOf(wl, now))
	case strings.HasPrefix(path, "/apis/apps/v1/namespaces/"+namespace+"/deployments/") && strings.HasSuffix(path, "/scale"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/apis/apps/v1/namespaces/"+namespace+"/deployments/"), "/scale")
		wl, ok := find(name)
		if !ok || wl.missing {
			writeNotFound(w, "apps", "deployments", name)
			return
		}
		writeJSON(w, http.StatusOK, scaleOf(wl))
	case path == "/api/v1/namespaces/"+namespace+"/pods":
		wl, ok := bySelector(r.URL.Query().Get("labelSelector"))
		list := corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}}
		if ok {
			list.Items = podsOf(wl)
		}
		writeJSON(w, http.StatusOK, list)
	case path == "/apis/apps/v1/namespaces/"+namespace+"/replicasets":
		writeJSON(w, http.StatusOK, replicaSets())
	case path == "/api/v1/namespaces/"+namespace+"/events":
		writeJSON(w, http.StatusOK, eventsFor(r.URL.Query().Get("fieldSelector"), now))
	case strings.HasPrefix(path, "/apis/apiregistration.k8s.io/v1/apiservices/"):
		writeJSON(w, http.StatusOK, apiService(strings.TrimPrefix(path, "/apis/apiregistration.k8s.io/v1/apiservices/")))
	case path == "/apis/metrics.k8s.io/v1beta1/namespaces/"+namespace+"/pods":
		wl, ok := bySelector(r.URL.Query().Get("labelSelector"))
		list := metricsv1beta1.PodMetricsList{TypeMeta: metav1.TypeMeta{APIVersion: "metrics.k8s.io/v1beta1", Kind: "PodMetricsList"}}
		if ok {
			list.Items = podMetricsOf(wl, now)
		}
		writeJSON(w, http.StatusOK, list)
	default:
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
	}
}

func find(name string) (workload, bool) {
	for _, wl := range workloads {
		if wl.name == name {
			return wl, true
		}
	}
	return workload{}, false
}

func bySelector(selector string) (workload, bool) {
	return find(strings.TrimPrefix(selector, "app="))
}

// usage returns pod i's cpu usage in millicores at now.
func usage(wl workload, i int, now time.Time) float64 {
	phase := 2 * math.Pi * (now.Sub(started).Seconds()/300 + float64(i)/float64(max(wl.pods, 1))/4)
	return math.Max(wl.base+wl.swing*math.Sin(phase), 1)
}

func hpaOf(wl workload, now time.Time) *autoscalingv2.HorizontalPodAutoscaler {
	minReplicas := wl.min
	target := int32(80)
	generation := int64(1)
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: wl.name, Namespace: namespace, UID: types.UID("hpa-" + wl.name), Generation: 1, CreationTimestamp: metav1.NewTime(started.Add(-24 * time.Hour))},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: wl.name},
			MinReplicas:    &minReplicas,
			MaxReplicas:    wl.max,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &target}}}},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{ObservedGeneration: &generation, CurrentReplicas: int32(wl.pods), DesiredReplicas: int32(wl.pods)},
	}
	if wl.pods > 0 {
		var sum float64
		for i := range wl.pods {
			sum += usage(wl, i, now)
		}
		utilization := int32(sum / float64(wl.pods) / 500 * 100)
		hpa.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
			Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: &utilization}}}}
	}
	return hpa
}

func scaleOf(wl workload) *autoscalingv1.Scale {
	return &autoscalingv1.Scale{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: metav1.ObjectMeta{Name: wl.name, Namespace: namespace, UID: types.UID("deploy-" + wl.name)},
		Spec:       autoscalingv1.ScaleSpec{Replicas: int32(wl.pods)},
		Status:     autoscalingv1.ScaleStatus{Replicas: int32(wl.pods), Selector: "app=" + wl.name},
	}
}

func podName(wl workload, i int) string {
	return fmt.Sprintf("%s-7d9f8b6c5d-%05d", wl.name, i)
}

func podsOf(wl workload) []corev1.Pod {
	yes := true
	var pods []corev1.Pod
	for i := range wl.pods {
		created := metav1.NewTime(started.Add(-time.Hour - time.Duration(i)*time.Minute))
		pods = append(pods, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: podName(wl, i), Namespace: namespace, Labels: map[string]string{"app": wl.name}, CreationTimestamp: created,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: wl.name + "-7d9f8b6c5d", UID: types.UID("rs-" + wl.name), Controller: &yes}}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &created,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: created}}},
		})
	}
	return pods
}

func podMetricsOf(wl workload, now time.Time) []metricsv1beta1.PodMetrics {
	var items []metricsv1beta1.PodMetrics
	for i := range wl.pods {
		items = append(items, metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: podName(wl, i), Namespace: namespace},
			Timestamp:  metav1.NewTime(now.Add(-10 * time.Second)),
			Window:     metav1.Duration{Duration: 15 * time.Second},
			Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: corev1.ResourceList{
				corev1.ResourceCPU: *resource.NewMilliQuantity(int64(usage(wl, i, now)), resource.DecimalSI)}}},
		})
	}
	return items
}

func replicaSets() *metav1.PartialObjectMetadataList {
	yes := true
	list := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadataList", APIVersion: "meta.k8s.io/v1"}}
	for _, wl := range workloads {
		list.Items = append(list.Items, metav1.PartialObjectMetadata{
			TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"},
			ObjectMeta: metav1.ObjectMeta{Name: wl.name + "-7d9f8b6c5d", Namespace: namespace, UID: types.UID("rs-" + wl.name),
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: wl.name, UID: types.UID("deploy-" + wl.name), Controller: &yes}}},
		})
	}
	return list
}

// eventsFor serves one SuccessfulRescale event for the HPA the field
// selector names, and a warning with an escape sequence in it for web, to
// show that watch prints it inert.
func eventsFor(fieldSelector string, now time.Time) *corev1.EventList {
	list := &corev1.EventList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "EventList"}}
	for _, wl := range workloads {
		if !strings.Contains(fieldSelector, "involvedObject.name="+wl.name) {
			continue
		}
		ref := corev1.ObjectReference{Kind: "HorizontalPodAutoscaler", Namespace: namespace, Name: wl.name, UID: types.UID("hpa-" + wl.name)}
		list.Items = append(list.Items, corev1.Event{
			ObjectMeta: metav1.ObjectMeta{Name: wl.name + ".rescale", Namespace: namespace}, InvolvedObject: ref,
			Type: corev1.EventTypeNormal, Reason: "SuccessfulRescale", Count: 1,
			Message:       fmt.Sprintf("New size: %d; reason: cpu resource utilization (percentage of request) above target", wl.pods),
			LastTimestamp: metav1.NewTime(started.Add(-30 * time.Minute)),
		})
		if wl.name == "web" {
			list.Items = append(list.Items, corev1.Event{
				ObjectMeta: metav1.ObjectMeta{Name: "web.hostile", Namespace: namespace}, InvolvedObject: ref,
				Type: corev1.EventTypeWarning, Reason: "FailedGetResourceMetric", Count: 3,
				Message:       "did not receive metrics \x1b[31mfor targeted pods\x1b[0m\x1b]0;pwned\x07",
				LastTimestamp: metav1.NewTime(now.Add(-2 * time.Minute)),
			})
		}
	}
	return list
}

func apiService(name string) map[string]any {
	return map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"service": map[string]any{"namespace": "kube-system", "name": "metrics-server", "port": 443}},
		"status": map[string]any{"conditions": []any{map[string]any{
			"type": "Available", "status": "True", "lastTransitionTime": "2026-03-01T02:00:00Z", "reason": "Passed", "message": "all checks passed"}}},
	}
}

func group(name, version string, resources ...apidiscoveryv2.APIResourceDiscovery) apidiscoveryv2.APIGroupDiscovery {
	for i := range resources {
		resources[i].ResponseKind.Group = name
		resources[i].ResponseKind.Version = version
	}
	return apidiscoveryv2.APIGroupDiscovery{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Versions:   []apidiscoveryv2.APIVersionDiscovery{{Version: version, Resources: resources, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}},
	}
}

func res(name, kind string, scale bool) apidiscoveryv2.APIResourceDiscovery {
	d := apidiscoveryv2.APIResourceDiscovery{
		Resource: name, ResponseKind: &metav1.GroupVersionKind{Kind: kind}, Scope: apidiscoveryv2.ScopeNamespace,
		SingularResource: strings.ToLower(kind), Verbs: []string{"get", "list"},
	}
	if name == "apiservices" {
		d.Scope = apidiscoveryv2.ScopeCluster
	}
	if scale {
		d.Subresources = []apidiscoveryv2.APISubresourceDiscovery{{Subresource: "scale",
			ResponseKind: &metav1.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, Verbs: []string{"get"}}}
	}
	return d
}

func writeDiscovery(w http.ResponseWriter, groups []apidiscoveryv2.APIGroupDiscovery) {
	w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	_ = json.NewEncoder(w).Encode(&apidiscoveryv2.APIGroupDiscoveryList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupDiscoveryList", APIVersion: "apidiscovery.k8s.io/v2"},
		Items:    groups,
	})
}

func writeJSON(w http.ResponseWriter, code int, obj any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(obj)
}

func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, message string) {
	writeJSON(w, code, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusFailure, Code: int32(code), Reason: reason, Message: message})
}

func writeNotFound(w http.ResponseWriter, group, resource, name string) {
	writeJSON(w, http.StatusNotFound, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
		Message: resource + "." + group + ` "` + name + `" not found`,
		Details: &metav1.StatusDetails{Name: name, Group: group, Kind: resource}})
}
