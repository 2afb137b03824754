package differential

import (
	"fmt"
	"slices"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const (
	namespace = "shop"
	// selector is the scale subresource's status.selector. Pods labelled
	// app=other, or in another namespace, are in the pod cache but not
	// selected.
	selector = "app=web"
)

// diffCase is one input for both sides. Every time in it is an offset from
// the evaluation time, which is the real clock when the case runs, because
// the upstream replica calculator reads time.Now itself.
type diffCase struct {
	Seed  uint64
	Index int

	Spec           autoscalingv2.MetricSpec
	SpecReplicas   int32
	StatusReplicas int32

	// Tolerance is --horizontal-pod-autoscaler-tolerance.
	Tolerance float64
	// ScaleUpTolerance and ScaleDownTolerance, when set, go into
	// spec.behavior of the HPA, which then overrides Tolerance per direction.
	ScaleUpTolerance   *resource.Quantity
	ScaleDownTolerance *resource.Quantity

	CPUInitializationPeriod       time.Duration
	DelayOfInitialReadinessStatus time.Duration
	PodLevelResources             bool

	Pods []podCase

	// Samples are what the metrics client returns for Resource,
	// ContainerResource and Pods metrics.
	Samples []sampleCase
	// MetricTimestamp is the timestamp the metrics client returns with the
	// samples, the Object value or the External values.
	MetricTimestamp time.Duration
	ObjectValue     int64
	ExternalValues  []int64
	// ExternalAsValue passes a single External value to pkg/replicas in
	// MetricInput.Value instead of MetricInput.ExternalValues.
	ExternalAsValue bool
	// FetchError, when not empty, is the error the metrics client returns.
	FetchError string
}

// podCase is one pod in the pod cache.
type podCase struct {
	Name string
	// Unselected pods carry the label app=other, and OtherNamespace pods
	// live in another namespace, so neither matches the scale's selector.
	Unselected     bool
	OtherNamespace bool
	Phase          corev1.PodPhase
	Deleting       bool
	// Start is status.startTime, unset when nil.
	Start *time.Duration
	// Ready lists the pod's Ready conditions, usually none or one.
	Ready          []readyCase
	Containers     []containerCase
	InitContainers []containerCase
	// PodRequests is spec.resources.requests, the pod-level requests.
	PodRequests corev1.ResourceList
	Overhead    corev1.ResourceList
}

type readyCase struct {
	Status corev1.ConditionStatus
	// Transition is lastTransitionTime, the zero time when nil.
	Transition *time.Duration
}

type containerCase struct {
	Name string
	// Restartable marks an init container with restartPolicy Always, a
	// sidecar.
	Restartable bool
	Requests    corev1.ResourceList
}

type sampleCase struct {
	Pod       string
	Value     int64
	Timestamp time.Duration
	Window    time.Duration
}

// selected reports whether the scale's selector matches the pod.
func (p podCase) selected() bool {
	return !p.Unselected && !p.OtherNamespace
}

// build returns the pod as the pod cache holds it, with times relative to
// now.
func (p podCase) build(now time.Time) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: namespace, Labels: map[string]string{"app": "web"}},
		Status:     corev1.PodStatus{Phase: p.Phase},
	}
	if p.Unselected {
		pod.Labels["app"] = "other"
	}
	if p.OtherNamespace {
		pod.Namespace = "other"
	}
	if p.Deleting {
		ts := metav1.NewTime(now.Add(-time.Second))
		pod.DeletionTimestamp = &ts
	}
	if p.Start != nil {
		start := metav1.NewTime(now.Add(*p.Start))
		pod.Status.StartTime = &start
	}
	for _, r := range p.Ready {
		cond := corev1.PodCondition{Type: corev1.PodReady, Status: r.Status}
		if r.Transition != nil {
			cond.LastTransitionTime = metav1.NewTime(now.Add(*r.Transition))
		}
		pod.Status.Conditions = append(pod.Status.Conditions, cond)
	}
	for _, c := range p.Containers {
		pod.Spec.Containers = append(pod.Spec.Containers, c.build())
	}
	for _, c := range p.InitContainers {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, c.build())
	}
	if p.PodRequests != nil {
		pod.Spec.Resources = &corev1.ResourceRequirements{Requests: p.PodRequests.DeepCopy()}
	}
	if p.Overhead != nil {
		pod.Spec.Overhead = p.Overhead.DeepCopy()
	}
	return pod
}

func (c containerCase) build() corev1.Container {
	out := corev1.Container{Name: c.Name, Resources: corev1.ResourceRequirements{Requests: c.Requests.DeepCopy()}}
	if c.Restartable {
		always := corev1.ContainerRestartPolicyAlways
		out.RestartPolicy = &always
	}
	return out
}

// hpa returns the HorizontalPodAutoscaler of the case: minReplicas 1, a
// maxReplicas no proposal reaches, and spec.behavior only to carry the
// per-direction tolerances. With 0 spec replicas its ScaledToZero
// condition is True, so that pkg/replicas computes the metric instead of
// reporting scaling as disabled.
func (c *diffCase) hpa() *autoscalingv2.HorizontalPodAutoscaler {
	minReplicas := int32(1)
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: namespace},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:    &minReplicas,
			MaxReplicas:    1<<31 - 1,
			Metrics:        []autoscalingv2.MetricSpec{c.Spec},
		},
	}
	if c.ScaleUpTolerance != nil || c.ScaleDownTolerance != nil {
		behavior := &autoscalingv2.HorizontalPodAutoscalerBehavior{}
		if c.ScaleUpTolerance != nil {
			q := c.ScaleUpTolerance.DeepCopy()
			behavior.ScaleUp = &autoscalingv2.HPAScalingRules{Tolerance: &q}
		}
		if c.ScaleDownTolerance != nil {
			q := c.ScaleDownTolerance.DeepCopy()
			behavior.ScaleDown = &autoscalingv2.HPAScalingRules{Tolerance: &q}
		}
		hpa.Spec.Behavior = behavior
	}
	if c.SpecReplicas == 0 {
		hpa.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{
			Type: autoscalingv2.ScaledToZero, Status: corev1.ConditionTrue, Reason: "ScaledToZero",
		}}
	}
	return hpa
}

// clone returns a deep copy, so that the shrinker can edit it.
func (c *diffCase) clone() *diffCase {
	out := *c
	out.Spec = *c.Spec.DeepCopy()
	if c.ScaleUpTolerance != nil {
		q := c.ScaleUpTolerance.DeepCopy()
		out.ScaleUpTolerance = &q
	}
	if c.ScaleDownTolerance != nil {
		q := c.ScaleDownTolerance.DeepCopy()
		out.ScaleDownTolerance = &q
	}
	out.Pods = make([]podCase, len(c.Pods))
	for i, p := range c.Pods {
		out.Pods[i] = p.clone()
	}
	out.Samples = slices.Clone(c.Samples)
	out.ExternalValues = slices.Clone(c.ExternalValues)
	return &out
}

func (p podCase) clone() podCase {
	out := p
	if p.Start != nil {
		start := *p.Start
		out.Start = &start
	}
	out.Ready = slices.Clone(p.Ready)
	for i, r := range out.Ready {
		if r.Transition != nil {
			transition := *r.Transition
			out.Ready[i].Transition = &transition
		}
	}
	out.Containers = cloneContainers(p.Containers)
	out.InitContainers = cloneContainers(p.InitContainers)
	if p.PodRequests != nil {
		out.PodRequests = p.PodRequests.DeepCopy()
	}
	if p.Overhead != nil {
		out.Overhead = p.Overhead.DeepCopy()
	}
	return out
}

func cloneContainers(in []containerCase) []containerCase {
	if in == nil {
		return nil
	}
	out := make([]containerCase, len(in))
	for i, c := range in {
		out[i] = c
		out[i].Requests = c.Requests.DeepCopy()
	}
	return out
}

// String formats the case for a failure report, with times as offsets from
// the evaluation time ("now").
func (c *diffCase) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d, case %d (rerun alone with -seed=%d -case=%d)\n", c.Seed, c.Index, c.Seed, c.Index)
	spec, err := yaml.Marshal(c.Spec)
	if err != nil {
		spec = []byte(err.Error())
	}
	b.WriteString("spec.metrics[0]:\n")
	for _, line := range strings.Split(strings.TrimRight(string(spec), "\n"), "\n") {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	fmt.Fprintf(&b, "specReplicas: %d, statusReplicas: %d\n", c.SpecReplicas, c.StatusReplicas)
	fmt.Fprintf(&b, "tolerance: %v, behavior scaleUp.tolerance: %s, scaleDown.tolerance: %s\n",
		c.Tolerance, quantityText(c.ScaleUpTolerance), quantityText(c.ScaleDownTolerance))
	fmt.Fprintf(&b, "cpuInitializationPeriod: %v, delayOfInitialReadinessStatus: %v, PodLevelResources: %v\n",
		c.CPUInitializationPeriod, c.DelayOfInitialReadinessStatus, c.PodLevelResources)

	fmt.Fprintf(&b, "pods (%d):\n", len(c.Pods))
	for _, p := range c.Pods {
		fmt.Fprintf(&b, "  - %s\n", p)
	}
	if c.FetchError != "" {
		fmt.Fprintf(&b, "metrics client error: %q\n", c.FetchError)
	}
	fmt.Fprintf(&b, "metrics timestamp: now%s\n", offsetText(c.MetricTimestamp))
	switch c.Spec.Type {
	case autoscalingv2.ObjectMetricSourceType:
		fmt.Fprintf(&b, "object value: %d (milli-units)\n", c.ObjectValue)
	case autoscalingv2.ExternalMetricSourceType:
		fmt.Fprintf(&b, "external values: %v (milli-units, passed as MetricInput.Value: %v)\n", c.ExternalValues, c.ExternalAsValue)
	default:
		fmt.Fprintf(&b, "samples (%d, milli-units):\n", len(c.Samples))
		for _, s := range c.Samples {
			fmt.Fprintf(&b, "  - %s: %d at now%s%s, window %v\n", s.Pod, s.Value, offsetText(s.Timestamp), c.sampleEdgeText(s), s.Window)
		}
	}
	return b.String()
}

// sampleEdgeText places the sample relative to one window after its pod's
// first Ready transition, the edge of the cpu readiness rule.
func (c *diffCase) sampleEdgeText(s sampleCase) string {
	for _, p := range c.Pods {
		if p.Name != s.Pod || len(p.Ready) == 0 || p.Ready[0].Transition == nil {
			continue
		}
		return " (Ready transition+window" + offsetText(s.Timestamp-*p.Ready[0].Transition-s.Window) + ")"
	}
	return ""
}

// String formats the pod on one line.
func (p podCase) String() string {
	parts := []string{p.Name}
	if p.Unselected {
		parts = append(parts, "label app=other (not selected)")
	}
	if p.OtherNamespace {
		parts = append(parts, "namespace other (not selected)")
	}
	phase := string(p.Phase)
	if phase == "" {
		phase = `""`
	}
	parts = append(parts, "phase "+phase)
	if p.Deleting {
		parts = append(parts, "being deleted")
	}

	if p.Start == nil {
		parts = append(parts, "no startTime")
	} else {
		parts = append(parts, "started now"+offsetText(*p.Start))
	}
	if len(p.Ready) == 0 {
		parts = append(parts, "no Ready condition")
	}
	for _, r := range p.Ready {
		transition := "zero time"
		if r.Transition != nil {
			transition = "now" + offsetText(*r.Transition)
			if p.Start != nil {
				transition += " (startTime" + offsetText(*r.Transition-*p.Start) + ")"
			}
		}
		parts = append(parts, fmt.Sprintf("Ready=%s since %s", r.Status, transition))
	}

	parts = append(parts, "containers "+containersText(p.Containers))
	if len(p.InitContainers) > 0 {
		parts = append(parts, "init containers "+containersText(p.InitContainers))
	}
	if p.PodRequests != nil {
		parts = append(parts, "pod requests "+resourcesText(p.PodRequests))
	}
	if p.Overhead != nil {
		parts = append(parts, "overhead "+resourcesText(p.Overhead))
	}
	return strings.Join(parts, ", ")
}

func containersText(cs []containerCase) string {
	var parts []string
	for _, c := range cs {
		text := c.Name
		if c.Restartable {
			text += " (sidecar)"
		}
		parts = append(parts, text+" "+resourcesText(c.Requests))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

func resourcesText(list corev1.ResourceList) string {
	names := make([]string, 0, len(list))
	for name := range list {
		names = append(names, string(name))
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		q := list[corev1.ResourceName(name)]
		parts = append(parts, fmt.Sprintf("%s=%s", name, q.String()))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func quantityText(q *resource.Quantity) string {
	if q == nil {
		return "unset"
	}
	return q.String()
}

func offsetText(d time.Duration) string {
	if d < 0 {
		return "-" + (-d).String()
	}
	return "+" + d.String()
}
