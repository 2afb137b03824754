package replicas

import (
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// now is the evaluation time of every test.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type podOption func(*corev1.Pod)

// newPod returns a Running pod that became Ready 10 minutes ago, with one
// container "app" requesting 1 cpu and 1Gi of memory.
func newPod(name string, opts ...podOption) *corev1.Pod {
	started := metav1.NewTime(now.Add(-10 * time.Minute))
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("1"),
				corev1.ResourceMemory: resource.MustParse("1Gi"),
			}},
		}}},
		Status: corev1.PodStatus{
			Phase:     corev1.PodRunning,
			StartTime: &started,
			Conditions: []corev1.PodCondition{{
				Type:               corev1.PodReady,
				Status:             corev1.ConditionTrue,
				LastTransitionTime: metav1.NewTime(now.Add(-9 * time.Minute)),
			}},
		},
	}
	for _, opt := range opts {
		opt(p)
	}
	return p
}

func withPhase(phase corev1.PodPhase) podOption {
	return func(p *corev1.Pod) { p.Status.Phase = phase }
}

func withReady(status corev1.ConditionStatus, transition time.Time) podOption {
	return func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.NewTime(transition)}}
	}
}

func withoutReadyCondition() podOption {
	return func(p *corev1.Pod) { p.Status.Conditions = nil }
}

func withStart(t time.Time) podOption {
	return func(p *corev1.Pod) {
		start := metav1.NewTime(t)
		p.Status.StartTime = &start
	}
}

func withoutStart() podOption {
	return func(p *corev1.Pod) { p.Status.StartTime = nil }
}

func deleting() podOption {
	return func(p *corev1.Pod) {
		ts := metav1.NewTime(now.Add(-time.Second))
		p.DeletionTimestamp = &ts
	}
}

// withCPURequest sets the cpu request of every regular container.
func withCPURequest(q string) podOption {
	return func(p *corev1.Pod) {
		for i := range p.Spec.Containers {
			p.Spec.Containers[i].Resources.Requests[corev1.ResourceCPU] = resource.MustParse(q)
		}
	}
}

func withContainers(containers ...corev1.Container) podOption {
	return func(p *corev1.Pod) { p.Spec.Containers = containers }
}

func withInitContainers(containers ...corev1.Container) podOption {
	return func(p *corev1.Pod) { p.Spec.InitContainers = containers }
}

func withPodRequests(list corev1.ResourceList) podOption {
	return func(p *corev1.Pod) { p.Spec.Resources = &corev1.ResourceRequirements{Requests: list} }
}

func withOverhead(list corev1.ResourceList) podOption {
	return func(p *corev1.Pod) { p.Spec.Overhead = list }
}

// container returns a container with the given requests, written as
// alternating resource names and quantities.
func container(name string, requests ...string) corev1.Container {
	c := corev1.Container{Name: name, Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{}}}
	for i := 0; i+1 < len(requests); i += 2 {
		c.Resources.Requests[corev1.ResourceName(requests[i])] = resource.MustParse(requests[i+1])
	}
	return c
}

func sidecar(c corev1.Container) corev1.Container {
	always := corev1.ContainerRestartPolicyAlways
	c.RestartPolicy = &always
	return c
}

// podList returns n default pods named prefix-0, prefix-1, ...
func podList(n int, opts ...podOption) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = newPod(fmt.Sprintf("pod-%d", i), opts...)
	}
	return out
}

// samplesFor gives pod-0, pod-1, ... the values in milli-units, sampled
// now over a 30s window.
func samplesFor(values ...int64) PodMetricsInfo {
	info := PodMetricsInfo{}
	for i, v := range values {
		info[fmt.Sprintf("pod-%d", i)] = PodMetric{Timestamp: now, Window: 30 * time.Second, Value: v}
	}
	return info
}

func newHPA(minReplicas, maxReplicas int32, metrics ...autoscalingv2.MetricSpec) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    &minReplicas,
			MaxReplicas:    maxReplicas,
			Metrics:        metrics,
		},
	}
}

func quantity(q string) *resource.Quantity {
	v := resource.MustParse(q)
	return &v
}

func resourceUtilization(name corev1.ResourceName, target int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{Name: name, Target: autoscalingv2.MetricTarget{
			Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &target,
		}},
	}
}

func resourceAverage(name corev1.ResourceName, q string) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{Name: name, Target: autoscalingv2.MetricTarget{
			Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity(q),
		}},
	}
}

func containerUtilization(name corev1.ResourceName, containerName string, target int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ContainerResourceMetricSourceType,
		ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: name, Container: containerName, Target: autoscalingv2.MetricTarget{
			Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &target,
		}},
	}
}

func containerAverage(name corev1.ResourceName, containerName string, q string) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ContainerResourceMetricSourceType,
		ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: name, Container: containerName, Target: autoscalingv2.MetricTarget{
			Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity(q),
		}},
	}
}

func podsAverage(metric, q string) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: metric},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity(q)},
		},
	}
}

func objectValue(metric, q string) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ObjectMetricSourceType,
		Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: autoscalingv2.CrossVersionObjectReference{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "web"},
			Metric:          autoscalingv2.MetricIdentifier{Name: metric},
			Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: quantity(q)},
		},
	}
}

func objectAverage(metric, q string) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ObjectMetricSourceType,
		Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: autoscalingv2.CrossVersionObjectReference{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "web"},
			Metric:          autoscalingv2.MetricIdentifier{Name: metric},
			Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity(q)},
		},
	}
}

func externalValue(metric, q string) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: metric},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: quantity(q)},
		},
	}
}

func externalAverage(metric, q string) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: metric},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity(q)},
		},
	}
}

// newInput builds an Input with the default configuration and a known,
// empty controller history, as the controller has for an HPA after one
// reconciliation.
func newInput(hpa *autoscalingv2.HorizontalPodAutoscaler, specReplicas int32, pods []*corev1.Pod, metrics ...MetricInput) Input {
	return Input{
		HPA:            hpa,
		SpecReplicas:   specReplicas,
		StatusReplicas: specReplicas,
		Selector:       "app=web",
		Pods:           pods,
		Metrics:        metrics,
		Now:            now,
		Config:         DefaultConfig(),
		History:        History{Known: true},
	}
}

func podMetrics(info PodMetricsInfo) MetricInput {
	return MetricInput{PodMetrics: info, Timestamp: now}
}

func value(v int64) MetricInput {
	return MetricInput{Value: v, Timestamp: now}
}

func fetchFailed(msg string) MetricInput {
	return MetricInput{Err: fmt.Errorf("%s", msg)}
}

func int32p(v int32) *int32 { return &v }

func findCondition(conds []autoscalingv2.HorizontalPodAutoscalerCondition, t autoscalingv2.HorizontalPodAutoscalerConditionType) *autoscalingv2.HorizontalPodAutoscalerCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}
