package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	explainpkg "github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// capturedAt is the capture time of every scenario: a page at 3 a.m.
var capturedAt = time.Date(2026, 3, 14, 2, 47, 31, 0, time.UTC)

// scenario is a gathered state built in code, with the explanation it
// must produce. The examples/ directory holds the snapshots of those with
// an example name.
type scenario struct {
	name string
	// example is the file name under examples/, empty for scenarios that
	// only the round-trip test uses.
	example string
	// title and about describe the situation in examples/README.md.
	title   string
	about   string
	state   func() *gather.State
	verdict string
	codes   []string
}

// fixture builds the state of one HPA on one Deployment.
type fixture struct {
	state    *gather.State
	ns       string
	deploy   string
	deployID types.UID
	rsName   string
	rsID     types.UID
	labels   map[string]string
}

func newFixture(ns, deploy, podHash string, replicas int32) *fixture {
	f := &fixture{
		ns:       ns,
		deploy:   deploy,
		deployID: uid(ns, "deployment", deploy),
		rsName:   deploy + "-" + podHash,
		labels:   map[string]string{"app.kubernetes.io/name": deploy},
	}
	f.rsID = uid(ns, "replicaset", f.rsName)
	generation := int64(3)
	minReplicas := int32(2)
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name: deploy, Namespace: ns, UID: uid(ns, "hpa", deploy), Generation: 3, ResourceVersion: "48151623",
			CreationTimestamp: metav1.NewTime(capturedAt.Add(-41 * 24 * time.Hour)),
		},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: deploy},
			MinReplicas:    &minReplicas,
			MaxReplicas:    12,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: &generation,
			CurrentReplicas:    replicas,
			DesiredReplicas:    replicas,
			Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{
				{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ReadyForNewScale", Message: "recommended size matches current size", LastTransitionTime: metav1.NewTime(capturedAt.Add(-2 * time.Hour))},
				{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionTrue, Reason: "ValidMetricFound", Message: "the HPA was able to successfully calculate a replica count", LastTransitionTime: metav1.NewTime(capturedAt.Add(-40 * 24 * time.Hour))},
				{Type: autoscalingv2.ScalingLimited, Status: corev1.ConditionFalse, Reason: "DesiredWithinRange", Message: "the desired count is within the acceptable range", LastTransitionTime: metav1.NewTime(capturedAt.Add(-3 * time.Hour))},
			},
		},
	}
	f.state = &gather.State{
		Namespace:  ns,
		Name:       deploy,
		GatheredAt: capturedAt,
		HPA:        hpa,
		Target: gather.Target{
			Ref:      hpa.Spec.ScaleTargetRef,
			Resource: resourceFor(hpa.Spec.ScaleTargetRef),
			Scale: &autoscalingv1.Scale{
				ObjectMeta: metav1.ObjectMeta{Name: deploy, Namespace: ns, UID: f.deployID, ResourceVersion: "48150977", CreationTimestamp: metav1.NewTime(capturedAt.Add(-90 * 24 * time.Hour))},
				Spec:       autoscalingv1.ScaleSpec{Replicas: replicas},
				Status:     autoscalingv1.ScaleStatus{Replicas: replicas, Selector: "app.kubernetes.io/name=" + deploy},
			},
		},
		Pods:        []corev1.Pod{},
		ReplicaSets: []metav1.PartialObjectMetadata{f.replicaSet(f.rsName, f.rsID, deploy, f.deployID)},
		APIServices: map[string]*gather.APIService{},
		Requests:    14,
	}
	f.state.NamespaceHPAs = []autoscalingv2.HorizontalPodAutoscaler{*hpa.DeepCopy()}
	return f
}

// uid derives a stable, UUID-shaped UID from the object's identity, so
// that regenerated examples do not change.
func uid(parts ...string) types.UID {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	h := hex.EncodeToString(sum[:16])
	return types.UID(h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32])
}

func (f *fixture) replicaSet(name string, id types.UID, owner string, ownerID types.UID) metav1.PartialObjectMetadata {
	yes := true
	return metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: f.ns, UID: id,
		CreationTimestamp: metav1.NewTime(capturedAt.Add(-6 * 24 * time.Hour)),
		OwnerReferences:   []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: owner, UID: ownerID, Controller: &yes, BlockOwnerDeletion: &yes}},
	}}
}

// addPod adds a running pod of the fixture's ReplicaSet, started age ago
// and ready since then, with the given container requests ("" for none).
func (f *fixture) addPod(suffix string, age time.Duration, ready bool, cpuRequest string) *corev1.Pod {
	return f.addPodOf(f.rsName, f.rsID, f.labels, suffix, age, ready, cpuRequest)
}

func (f *fixture) addPodOf(rsName string, rsID types.UID, labels map[string]string, suffix string, age time.Duration, ready bool, cpuRequest string) *corev1.Pod {
	yes := true
	start := metav1.NewTime(capturedAt.Add(-age))
	readyStatus := corev1.ConditionTrue
	if !ready {
		readyStatus = corev1.ConditionFalse
	}
	container := corev1.Container{
		Name:  "app",
		Image: "registry.example.com/" + f.ns + "/" + f.deploy + ":2026.03.2",
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
		},
	}
	if cpuRequest != "" {
		container.Resources.Requests[corev1.ResourceCPU] = resource.MustParse(cpuRequest)
	}
	name := rsName + "-" + suffix
	pod := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, GenerateName: rsName + "-", Namespace: f.ns, UID: uid(f.ns, "pod", name),
			CreationTimestamp: start, Labels: copyLabels(labels, "pod-template-hash", rsName[strings.LastIndex(rsName, "-")+1:]),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rsName, UID: rsID, Controller: &yes, BlockOwnerDeletion: &yes}},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{container}},
		Status: corev1.PodStatus{
			Phase:     corev1.PodRunning,
			StartTime: &start,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: start},
				{Type: corev1.PodReady, Status: readyStatus, LastTransitionTime: metav1.NewTime(start.Add(8 * time.Second))},
			},
		},
	}
	f.state.Pods = append(f.state.Pods, pod)
	return &f.state.Pods[len(f.state.Pods)-1]
}

func copyLabels(in map[string]string, key, value string) map[string]string {
	out := map[string]string{key: value}
	for k, v := range in {
		out[k] = v
	}
	return out
}

func (f *fixture) podsMetric(name, target string) {
	f.state.HPA.Spec.Metrics = append(f.state.HPA.Spec.Metrics, autoscalingv2.MetricSpec{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: name},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity(target)},
		},
	})
	f.syncSpecs()
}

func (f *fixture) cpuMetric(percent int32) {
	f.state.HPA.Spec.Metrics = append(f.state.HPA.Spec.Metrics, cpuUtilization(percent))
	f.syncSpecs()
}

func (f *fixture) externalMetric(name string, selector map[string]string, target string) {
	f.state.HPA.Spec.Metrics = append(f.state.HPA.Spec.Metrics, autoscalingv2.MetricSpec{
		Type: autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: name, Selector: &metav1.LabelSelector{MatchLabels: selector}},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity(target)},
		},
	})
	f.syncSpecs()
}

// currentPods sets the status.currentMetrics entry the controller wrote
// for a Pods metric at its last sync.
func (f *fixture) currentPods(name, average string) {
	f.state.HPA.Status.CurrentMetrics = append(f.state.HPA.Status.CurrentMetrics, autoscalingv2.MetricStatus{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricStatus{
			Metric:  autoscalingv2.MetricIdentifier{Name: name},
			Current: autoscalingv2.MetricValueStatus{AverageValue: quantity(average)},
		},
	})
	f.syncSpecs()
}

// currentCPU sets the status.currentMetrics entry of a cpu metric.
func (f *fixture) currentCPU(utilization int32, average string) {
	f.state.HPA.Status.CurrentMetrics = append(f.state.HPA.Status.CurrentMetrics, autoscalingv2.MetricStatus{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{
			Name:    corev1.ResourceCPU,
			Current: autoscalingv2.MetricValueStatus{AverageUtilization: &utilization, AverageValue: quantity(average)},
		},
	})
	f.syncSpecs()
}

// currentFailed sets the empty status.currentMetrics entry the controller
// writes for a metric it could not read.
func (f *fixture) currentFailed() {
	f.state.HPA.Status.CurrentMetrics = append(f.state.HPA.Status.CurrentMetrics, autoscalingv2.MetricStatus{})
	f.syncSpecs()
}

func quantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

// syncSpecs keeps State.Metrics, NamespaceHPAs and the recorded status in
// step with the HPA's spec.
func (f *fixture) syncSpecs() {
	hpa := f.state.HPA
	for len(f.state.Metrics) < len(hpa.Spec.Metrics) {
		f.state.Metrics = append(f.state.Metrics, gather.Metric{Spec: hpa.Spec.Metrics[len(f.state.Metrics)]})
	}
	f.state.NamespaceHPAs[0] = *hpa.DeepCopy()
}

// customValues returns the custom metrics response for the named pods, in
// milli-units, sampled 20 seconds before the capture.
func (f *fixture) customValues(metric string, milli map[string]int64) *custommetricsv1beta2.MetricValueList {
	list := &custommetricsv1beta2.MetricValueList{}
	for _, pod := range f.state.Pods {
		value, ok := milli[pod.Name]
		if !ok {
			continue
		}
		window := int64(60)
		list.Items = append(list.Items, custommetricsv1beta2.MetricValue{
			DescribedObject: corev1.ObjectReference{Kind: "Pod", Namespace: f.ns, Name: pod.Name, APIVersion: "/v1"},
			Metric:          custommetricsv1beta2.MetricIdentifier{Name: metric},
			Timestamp:       metav1.NewTime(capturedAt.Add(-20 * time.Second)),
			WindowSeconds:   &window,
			Value:           *resource.NewMilliQuantity(value, resource.DecimalSI),
		})
	}
	return list
}

// podMetrics returns the metrics-server response with each pod's app
// container using the given cpu in millicores.
func (f *fixture) podMetrics(milli map[string]int64) *gather.ResourceMetrics {
	list := &metricsv1beta1.PodMetricsList{}
	for _, pod := range f.state.Pods {
		value, ok := milli[pod.Name]
		if !ok {
			continue
		}
		list.Items = append(list.Items, metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: f.ns, Labels: pod.Labels, CreationTimestamp: metav1.NewTime(capturedAt)},
			Timestamp:  metav1.NewTime(capturedAt.Add(-11 * time.Second)),
			Window:     metav1.Duration{Duration: 15 * time.Second},
			Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: corev1.ResourceList{
				corev1.ResourceCPU:    *resource.NewMilliQuantity(value, resource.DecimalSI),
				corev1.ResourceMemory: resource.MustParse("301Mi"),
			}}},
		})
	}
	return &gather.ResourceMetrics{APIVersion: resourceMetricsV1beta1, List: list}
}

func (f *fixture) customMetricsAPI(names ...string) {
	f.state.MetricsAPIVersions = map[string][]string{
		customMetricsGroup:   {"v1beta2", "v1beta1"},
		resourceMetricsGroup: {"v1beta1"},
	}
	f.state.APIServices["v1beta2.custom.metrics.k8s.io"] = available("v1beta2.custom.metrics.k8s.io", "monitoring/prometheus-adapter:443")
	resources := &metav1.APIResourceList{GroupVersion: customMetricsV1beta2}
	for _, name := range names {
		resources.APIResources = append(resources.APIResources, metav1.APIResource{
			Name: name, Namespaced: true, Kind: "MetricValueList", Verbs: []string{"get"},
		})
	}
	f.state.CustomMetricsResources = resources
}

func (f *fixture) resourceMetricsAPI() {
	f.state.MetricsAPIVersions = map[string][]string{resourceMetricsGroup: {"v1beta1"}}
	f.state.APIServices["v1beta1.metrics.k8s.io"] = available("v1beta1.metrics.k8s.io", "kube-system/metrics-server:443")
}

func available(name, service string) *gather.APIService {
	return &gather.APIService{
		Name: name, Found: true, Service: service,
		Available: &metav1.Condition{Type: "Available", Status: metav1.ConditionTrue, Reason: "Passed", Message: "all checks passed", LastTransitionTime: metav1.NewTime(capturedAt.Add(-19 * 24 * time.Hour))},
	}
}

// rescale adds a SuccessfulRescale event of the HPA, last seen ago.
func (f *fixture) rescale(size int32, reason string, ago time.Duration, count int32) {
	hpa := f.state.HPA
	last := metav1.NewTime(capturedAt.Add(-ago))
	f.state.Events = append(f.state.Events, corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", hpa.Name, last.Unix()), Namespace: f.ns, CreationTimestamp: last},
		InvolvedObject: corev1.ObjectReference{
			Kind: "HorizontalPodAutoscaler", Namespace: f.ns, Name: hpa.Name, UID: hpa.UID, APIVersion: "autoscaling/v2", ResourceVersion: "48151002",
		},
		Reason:         "SuccessfulRescale",
		Message:        fmt.Sprintf("New size: %d; reason: %s", size, reason),
		Source:         corev1.EventSource{Component: "horizontal-pod-autoscaler"},
		FirstTimestamp: last,
		LastTimestamp:  last,
		Count:          count,
		Type:           corev1.EventTypeNormal,
	})
}

func notFound(source, message string) *gather.SourceError {
	return &gather.SourceError{Source: source, Code: 404, Reason: metav1.StatusReasonNotFound, Message: message}
}

func scenarios() []scenario {
	return []scenario{
		{
			name:    "healthy request rate",
			example: "healthy-request-rate.yaml",
			title:   "Healthy scaling on request rate: a Pods metric within the tolerance band",
			about:   "Four pods of checkout-api serve about 20 requests per second each, the target. The HPA holds its size, and explain shows each pod's value and why no change is asked for.",
			state:   healthyRequestRate,
			verdict: "Stable at 4 replicas: http_requests_per_second is 20.375 against a target of 20 (usage ratio 1.019), within the tolerance band.",
			codes:   []string{diagnose.CodeWithinTolerance},
		},
		{
			name:    "metric not served",
			example: "metric-not-served.yaml",
			title:   "A metric the custom metrics adapter does not serve (a renamed Prometheus series)",
			about:   "The HPA asks for queue_messages_ready, but the adapter's rules expose the series as rabbitmq_queue_messages_ready. The adapter answers 404, and explain names the served metric closest to the requested one.",
			state:   metricNotServed,
			verdict: `Cannot scale: stuck at 3 replicas because the custom metrics API does not serve a metric named "queue_messages_ready". Did you mean "rabbitmq_queue_messages_ready"?`,
			codes:   []string{diagnose.CodeMetricNotServed},
		},
		{
			name:    "partial pod values",
			example: "partial-pod-values.yaml",
			title:   "Values for only some pods: two pods of a fresh rollout are not scraped yet",
			about:   "Three of five pods report about 150 requests per second against a target of 100, but two pods started 40 seconds ago have no value yet. On a scale-up the controller counts them as 0, which cancels the scale-up.",
			state:   partialPodValues,
			codes:   []string{diagnose.CodePartialPodValues, diagnose.CodeMissingPodsCounted},
		},
		{
			name:    "overlapping selectors",
			example: "overlapping-selector.yaml",
			title:   "Overlapping selectors: canary pods match the stable Deployment's selector",
			about:   "A canary Deployment's pod carries the stable Deployment's app label. The HPA of the stable Deployment averages the canary's much higher load in and scales up.",
			state:   overlappingSelector,
			codes:   []string{diagnose.CodeOverlappingSelector},
		},
		{
			name:    "scale-down held by stabilization",
			example: "scale-down-stabilization.yaml",
			title:   "A scale-down held by the stabilization window after the evening peak",
			about:   "cpu use fell to about 23% of requests against a target of 60%, so the metrics propose 3 replicas, but the controller scaled to 6 three minutes ago and the default 5-minute window keeps that recommendation. explain reconstructs the window from the HPA's events.",
			state:   scaleDownStabilization,
			codes:   []string{diagnose.CodeStabilizationHold},
		},
		{
			name:    "missing requests",
			example: "missing-requests.yaml",
			title:   "A cpu Utilization target on pods whose sidecar has no cpu request",
			about:   "A log-shipping sidecar added to the pods has no cpu request, so the controller cannot compute cpu utilization and does not scale at all.",
			state:   missingRequests,
			codes:   []string{diagnose.CodeMissingRequests},
		},
		{
			name:    "adapter timeout",
			example: "external-metric-timeout.yaml",
			title:   "An External metric whose adapter times out, with its APIService unavailable",
			about:   "KEDA's metrics APIService fails its availability checks, so reading the queue length times out. The user who captured the snapshot could not list events, which the snapshot records as well.",
			state:   externalTimeout,
			codes:   []string{diagnose.CodeAPIServiceUnavailable, diagnose.CodeEventsUnreadable},
		},
		{
			name:  "custom metrics timeout",
			state: customMetricsTimeout,
			codes: []string{diagnose.CodeMetricsAPITimeout},
		},
		{
			name:  "target missing",
			state: targetMissing,
			codes: []string{diagnose.CodeScaleTargetMissing},
		},
	}
}

func corevEnv(name, value string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, Value: value}
}

func explainOptions(now time.Time) explainpkg.Options {
	return explainpkg.Options{Config: replicas.DefaultConfig(), Now: now}
}

func explainState(state *gather.State, now time.Time) *v1alpha1.Explanation {
	return explainpkg.Build(state, explainOptions(now))
}

func errorsAs(err error, target any) bool {
	return errors.As(err, target)
}
