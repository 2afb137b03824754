package differential

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cutoffMargin keeps pod start times this far from the end of the CPU
// initialization period, the one comparison the upstream replica calculator
// makes against its own time.Now. runCase also reruns a case when the clock
// crossed such an end during the upstream call.
const cutoffMargin = 50 * time.Millisecond

// globalTolerances are the values of --horizontal-pod-autoscaler-tolerance
// the generator draws from. Each needs its own controller (see
// controllerFor), so the list is short. Per-direction tolerances in
// spec.behavior take any value.
var globalTolerances = []float64{0, 0.01, 0.05, 0.1, 0.1, 0.1, 0.15, 0.2, 0.25, 0.3, 1.0 / 3, 0.4, 0.45, 0.5}

// generator draws one case from its own random stream, so that a case can
// be regenerated from the seed and its index alone.
type generator struct {
	r *rand.Rand
	c *diffCase

	// unit is the case's typical request in milli-units, for
	// Resource and ContainerResource metrics.
	unit int64
	// noise spreads pod values around their level. With 0 every pod gets
	// the same value, which hits exact usage ratios.
	noise float64
	// level is the case's usage ratio before noise.
	level float64
	// missingRequest and missingContainer make one pod lack a request or
	// the ContainerResource container.
	missingRequest   bool
	missingContainer bool
}

func generate(seed uint64, index int) *diffCase {
	g := &generator{
		r: rand.New(rand.NewPCG(seed, uint64(index))),
		c: &diffCase{Seed: seed, Index: index},
	}
	g.run()
	return g.c
}

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *generator, values ...T) T { return values[g.r.IntN(len(values))] }

func (g *generator) run() {
	c := g.c
	g.noise = pick(g, 0.0, 0.0, 0.05, 0.2, 0.5, 1.0)
	g.level = g.ratio()
	g.missingRequest = g.chance(0.08)
	g.missingContainer = g.chance(0.08)

	g.replicas()
	g.tolerances()
	c.CPUInitializationPeriod = 5 * time.Minute
	if g.chance(0.3) {
		c.CPUInitializationPeriod = pick(g, 0, 30*time.Second, 2*time.Minute, 10*time.Minute)
	}
	c.DelayOfInitialReadinessStatus = 30 * time.Second
	if g.chance(0.3) {
		c.DelayOfInitialReadinessStatus = pick(g, 0, 10*time.Second, 2*time.Minute)
	}
	c.PodLevelResources = !g.chance(0.1)

	g.spec()
	g.pods()
	g.values()

	c.MetricTimestamp = -time.Duration(g.r.Int64N(int64(2 * time.Minute)))
	if g.chance(0.04) {
		c.FetchError = pick(g, "the server is currently unable to handle the request",
			`no metrics returned from resource metrics API`, "connection refused")
	}
}

func (g *generator) replicas() {
	c := g.c
	switch x := g.r.IntN(100); {
	case x < 6:
		c.SpecReplicas = 0
	case x < 60:
		c.SpecReplicas = 1 + g.r.Int32N(10)
	default:
		c.SpecReplicas = g.r.Int32N(51)
	}
	c.StatusReplicas = c.SpecReplicas
	if g.chance(0.3) {
		c.StatusReplicas = g.r.Int32N(51)
	}
}

func (g *generator) tolerances() {
	c := g.c
	c.Tolerance = pick(g, globalTolerances...)
	if g.chance(0.25) {
		c.ScaleUpTolerance = g.toleranceQuantity()
	}
	if g.chance(0.25) {
		c.ScaleDownTolerance = g.toleranceQuantity()
	}
}

func (g *generator) toleranceQuantity() *resource.Quantity {
	if g.chance(0.5) {
		q := resource.MustParse(pick(g, "0", "0.01", "50m", "0.1", "100m", "0.25", "0.5", "1", "1.5", "10m", "333m"))
		return &q
	}
	return resource.NewMilliQuantity(g.r.Int64N(1001), resource.DecimalSI)
}

// ratio draws a usage ratio: exact values and tolerance edges often,
// because that is where rounding and comparisons matter.
func (g *generator) ratio() float64 {
	switch x := g.r.IntN(100); {
	case x < 40:
		return pick(g, 0, 0.5, 0.9, 1, 1, 1.1, 1.5, 2, 10)
	case x < 50:
		t := pick(g, globalTolerances...)
		return pick(g, 1-t, 1+t)
	case x < 95:
		return g.r.Float64() * 3
	default:
		return g.r.Float64() * 1e6
	}
}

func (g *generator) spec() {
	c := g.c
	switch x := g.r.IntN(100); {
	case x < 30:
		c.Spec = autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: g.resourceName(),
		}}
		c.Spec.Resource.Target = g.resourceTarget(c.Spec.Resource.Name)
	case x < 45:
		c.Spec = autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
			Name:      g.resourceName(),
			Container: pick(g, "app", "app", "app", "sidecar", "init"),
		}}
		c.Spec.ContainerResource.Target = g.resourceTarget(c.Spec.ContainerResource.Name)
	case x < 65:
		c.Spec = autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "requests_per_second", Selector: g.metricSelector()},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: g.valueQuantity()},
		}}
	case x < 81:
		c.Spec = autoscalingv2.MetricSpec{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: autoscalingv2.CrossVersionObjectReference{Kind: "Ingress", Name: "main", APIVersion: "networking.k8s.io/v1"},
			Metric:          autoscalingv2.MetricIdentifier{Name: "requests_per_second", Selector: g.metricSelector()},
			Target:          g.valueTarget(),
		}}
	case x < 99:
		c.Spec = autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "queue_length", Selector: g.metricSelector()},
			Target: g.valueTarget(),
		}}
	default:
		// API validation rejects unknown types, but the controller handles
		// them.
		c.Spec = autoscalingv2.MetricSpec{Type: "Custom"}
		g.unit = 1000
	}
}

func (g *generator) resourceName() corev1.ResourceName {
	switch x := g.r.IntN(100); {
	case x < 60:
		return corev1.ResourceCPU
	case x < 90:
		return corev1.ResourceMemory
	case x < 95:
		return "hugepages-2Mi"
	default:
		return corev1.ResourceEphemeralStorage
	}
}

// resourceTarget returns a Utilization or AverageValue target, and now and
// then both or neither, whatever target.type is.
func (g *generator) resourceTarget(name corev1.ResourceName) autoscalingv2.MetricTarget {
	g.unit = g.resourceUnit(name)
	utilization := func() *int32 {
		u := pick(g, int32(50), 60, 70, 80, 90, 100, 150, 200)
		switch x := g.r.IntN(100); {
		case x < 3:
			u = 0
		case x < 6:
			u = pick(g, int32(1), 1000, math.MaxInt32)
		case x < 40:
			u = 1 + g.r.Int32N(300)
		}
		return &u
	}
	average := func() *resource.Quantity {
		return g.quantityNear(int64(float64(g.unit)*pick(g, 0.5, 0.8, 1.0, 1.3)), name)
	}

	switch x := g.r.IntN(100); {
	case x < 60:
		return autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: utilization()}
	case x < 94:
		return autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: average()}
	case x < 97:
		return autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: utilization(), AverageValue: average()}
	default:
		return autoscalingv2.MetricTarget{Type: pick(g, autoscalingv2.UtilizationMetricType, autoscalingv2.ValueMetricType)}
	}
}

// resourceUnit is a typical container request in milli-units.
func (g *generator) resourceUnit(name corev1.ResourceName) int64 {
	if name == corev1.ResourceCPU {
		return pick(g, int64(1), 10, 100, 250, 500, 1000, 4000, 1_000_000)
	}
	// Bytes times 1000.
	return pick(g, int64(1000), 1<<20*1000, 64<<20*1000, 512<<20*1000, 1<<30*1000, 1<<40*1000)
}

// quantityNear returns a quantity of about milli milli-units, in one of the
// forms users write.
func (g *generator) quantityNear(milli int64, name corev1.ResourceName) *resource.Quantity {
	if milli <= 0 {
		milli = 1
	}
	format := resource.DecimalSI
	if name == corev1.ResourceMemory || name == "hugepages-2Mi" {
		format = resource.BinarySI
	}
	switch x := g.r.IntN(100); {
	case x < 3:
		return resource.NewMilliQuantity(0, format)
	case x < 70:
		return resource.NewMilliQuantity(milli, format)
	case x < 85:
		// Whole units, as in "2" or "512Mi".
		return resource.NewQuantity(max(1, milli/1000), format)
	default:
		q := resource.MustParse(pick(g, "1", "500m", "1.5", "2k", "1e3", "100Mi", "1Gi", "0.1", "1u", "3n", "123456789"))
		return &q
	}
}

// valueQuantity is the target of Pods, Object and External metrics.
func (g *generator) valueQuantity() *resource.Quantity {
	g.unit = pick(g, int64(1), 10, 100, 1000, 5000, 1_000_000, 1_000_000_000_000)
	return g.quantityNear(g.unit, "")
}

// valueTarget returns a Value or AverageValue target, and now and then one
// whose type does not match the value that is set.
func (g *generator) valueTarget() autoscalingv2.MetricTarget {
	value := g.valueQuantity()
	switch x := g.r.IntN(100); {
	case x < 47:
		return autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: value}
	case x < 94:
		return autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: value}
	case x < 96:
		average := value.DeepCopy()
		return autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: value, AverageValue: &average}
	case x < 98:
		return autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, AverageValue: value}
	default:
		return autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, Value: value}
	}
}

func (g *generator) metricSelector() *metav1.LabelSelector {
	switch x := g.r.IntN(100); {
	case x < 50:
		return nil
	case x < 96:
		return &metav1.LabelSelector{MatchLabels: map[string]string{"queue": pick(g, "jobs", "mail")}}
	case x < 98:
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "queue", Operator: metav1.LabelSelectorOpIn}}}
	default:
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "queue", Operator: "Near", Values: []string{"a"}}}}
	}
}

func (g *generator) podCount() int {
	switch x := g.r.IntN(100); {
	case x < 5:
		return 0
	case x < 45:
		return 1 + g.r.IntN(5)
	case x < 85:
		return 6 + g.r.IntN(10)
	default:
		return 16 + g.r.IntN(25)
	}
}

func (g *generator) pods() {
	c := g.c
	n := g.podCount()
	for i := range n {
		c.Pods = append(c.Pods, g.pod(fmt.Sprintf("pod-%d", i)))
	}
	// The pod lister returns pods in the order of this list.
	g.r.Shuffle(n, func(i, j int) { c.Pods[i], c.Pods[j] = c.Pods[j], c.Pods[i] })
	if n > 0 && g.missingRequest {
		p := &c.Pods[g.r.IntN(n)]
		i := g.r.IntN(len(p.Containers) + len(p.InitContainers))
		if i < len(p.Containers) {
			delete(p.Containers[i].Requests, g.metricResource())
		} else {
			delete(p.InitContainers[i-len(p.Containers)].Requests, g.metricResource())
		}
	}
	if n > 0 && g.missingContainer {
		p := &c.Pods[g.r.IntN(n)]
		p.Containers = p.Containers[:1]
		p.Containers[0].Name = "other"
		p.InitContainers = nil
	}
}

// metricResource is the resource the metric reads, or cpu for metrics
// that read none, so that pods still get requests worth varying.
func (g *generator) metricResource() corev1.ResourceName {
	switch {
	case g.c.Spec.Resource != nil:
		return g.c.Spec.Resource.Name
	case g.c.Spec.ContainerResource != nil:
		return g.c.Spec.ContainerResource.Name
	}
	return corev1.ResourceCPU
}

func (g *generator) pod(name string) podCase {
	c := g.c
	p := podCase{Name: name, Phase: corev1.PodRunning}
	switch x := g.r.IntN(100); {
	case x < 7:
		p.Phase = corev1.PodPending
	case x < 12:
		p.Phase = corev1.PodFailed
	case x < 15:
		p.Phase = corev1.PodSucceeded
	case x < 17:
		p.Phase = corev1.PodUnknown
	case x < 19:
		p.Phase = ""
	}
	p.Deleting = g.chance(0.05)
	p.Unselected = g.chance(0.03)
	p.OtherNamespace = g.chance(0.02)

	// Start and readiness, relative to the CPU initialization period and
	// the initial readiness delay.
	period := c.CPUInitializationPeriod
	if !g.chance(0.04) {
		var start time.Duration
		switch x := g.r.IntN(100); {
		case x < 40:
			// Inside the period, at least cutoffMargin before its end.
			if period > cutoffMargin {
				start = -time.Duration(g.r.Int64N(int64(period - cutoffMargin)))
			}
		case x < 90:
			start = -period - cutoffMargin - time.Duration(g.r.Int64N(int64(time.Hour)))
		case x < 95:
			// Just past either end of the period, but not within the margin.
			start = -period + pick(g, cutoffMargin, -cutoffMargin, 2*cutoffMargin, -2*cutoffMargin)
		default:
			start = time.Duration(g.r.Int64N(int64(time.Minute)))
		}
		p.Start = &start
	}
	switch x := g.r.IntN(100); {
	case x < 5:
	case x < 8:
		p.Ready = []readyCase{g.ready(p.Start), g.ready(p.Start)}
	default:
		p.Ready = []readyCase{g.ready(p.Start)}
	}

	g.containers(&p)
	return p
}

// ready draws a Ready condition whose transition lies around the end of
// the initial readiness delay after start.
func (g *generator) ready(start *time.Duration) readyCase {
	r := readyCase{Status: corev1.ConditionTrue}
	switch x := g.r.IntN(100); {
	case x < 25:
		r.Status = corev1.ConditionFalse
	case x < 30:
		r.Status = corev1.ConditionUnknown
	}
	if g.chance(0.03) {
		return r
	}
	base := time.Duration(0)
	if start != nil {
		base = *start + g.c.DelayOfInitialReadinessStatus
	}
	var d time.Duration
	switch x := g.r.IntN(100); {
	case x < 15:
		d = pick(g, time.Duration(0), -1, 1)
	case x < 60:
		d = time.Duration(g.r.Int64N(int64(2*time.Minute))) - time.Minute
	default:
		d = time.Duration(g.r.Int64N(int64(10 * time.Minute)))
	}
	transition := base + d
	r.Transition = &transition
	return r
}

func (g *generator) containers(p *podCase) {
	name := g.metricResource()
	request := func() corev1.ResourceList {
		list := corev1.ResourceList{}
		q := g.quantityNear(g.unit*pick(g, int64(1), 1, 2, 4), name)
		list[name] = *q
		if g.chance(0.5) {
			other := corev1.ResourceMemory
			if name == corev1.ResourceMemory {
				other = corev1.ResourceCPU
			}
			list[other] = resource.MustParse("100m")
		}
		return list
	}

	p.Containers = []containerCase{{Name: "app", Requests: request()}}
	for i := range g.r.IntN(3) {
		p.Containers = append(p.Containers, containerCase{Name: fmt.Sprintf("c%d", i+1), Requests: request()})
	}
	if g.chance(0.3) {
		p.InitContainers = append(p.InitContainers, containerCase{Name: "sidecar", Restartable: true, Requests: request()})
	}
	if g.chance(0.2) {
		p.InitContainers = append(p.InitContainers, containerCase{Name: "init", Requests: request()})
	}
	if g.chance(0.1) {
		p.InitContainers = append(p.InitContainers, containerCase{Name: "sidecar2", Restartable: true, Requests: request()})
	}
	if len(p.InitContainers) > 1 && g.chance(0.5) {
		p.InitContainers[0], p.InitContainers[1] = p.InitContainers[1], p.InitContainers[0]
	}

	if g.chance(0.15) {
		p.PodRequests = corev1.ResourceList{}
		switch g.r.IntN(4) {
		case 0:
			p.PodRequests[name] = *g.quantityNear(g.unit*3, name)
		case 1:
			p.PodRequests[corev1.ResourceCPU] = resource.MustParse("2")
		case 2:
			p.PodRequests[corev1.ResourceMemory] = resource.MustParse("1Gi")
		default:
			// Not supported at pod level, so the pod counts as without
			// pod-level requests.
			p.PodRequests[corev1.ResourceEphemeralStorage] = resource.MustParse("1Gi")
		}
	}
	if g.chance(0.1) {
		p.Overhead = corev1.ResourceList{name: *g.quantityNear(g.unit/10, name)}
	}
}

// values fills the samples, the Object value or the External values around
// the case's usage level.
func (g *generator) values() {
	c := g.c
	switch c.Spec.Type {
	case autoscalingv2.ObjectMetricSourceType:
		c.ObjectValue = g.value(float64(g.unit) * float64(max(1, c.StatusReplicas)))
	case autoscalingv2.ExternalMetricSourceType:
		n := pick(g, 1, 1, 1, 2, 3, 5, 20)
		if g.chance(0.03) {
			n = 0
		}
		for range n {
			c.ExternalValues = append(c.ExternalValues, g.value(float64(g.unit)*float64(max(1, c.StatusReplicas))/float64(n)))
		}
		if g.chance(0.1) {
			c.ExternalValues = append(c.ExternalValues, g.overflowingValues()...)
		}
		c.ExternalAsValue = len(c.ExternalValues) == 1 && g.chance(0.5)
	default:
		g.samples()
	}
}

// overflowingValues are External values whose sum leaves int64.
func (g *generator) overflowingValues() []int64 {
	return pick(g,
		[]int64{math.MaxInt64},
		[]int64{math.MaxInt64 - 5, 10},
		[]int64{math.MaxInt64 / 2, math.MaxInt64/2 + 2},
		[]int64{math.MaxInt64, -1, 5},
		[]int64{-5, math.MaxInt64, 10},
		[]int64{math.MinInt64, -1},
		[]int64{math.MinInt64 + 1, -1, -1},
		[]int64{-1},
	)
}

func (g *generator) samples() {
	c := g.c
	// For Utilization targets the level is relative to the target
	// utilization of a typical request.
	target := 100.0
	var t autoscalingv2.MetricTarget
	switch {
	case c.Spec.Resource != nil:
		t = c.Spec.Resource.Target
	case c.Spec.ContainerResource != nil:
		t = c.Spec.ContainerResource.Target
	}
	if t.AverageValue == nil && t.AverageUtilization != nil {
		target = float64(*t.AverageUtilization)
	}

	window := pick(g, time.Minute, time.Minute, 30*time.Second, 15*time.Second, 0)
	for _, p := range c.Pods {
		if g.chance(0.12) {
			continue
		}
		base := float64(g.unit) * target / 100
		s := sampleCase{Pod: p.Name, Value: g.value(base), Window: window}
		if g.chance(0.1) {
			s.Window = pick(g, time.Minute, 30*time.Second, 0, 2*time.Minute)
		}
		s.Timestamp = g.sampleTime(p, s.Window)
		c.Samples = append(c.Samples, s)
	}
	// Samples for pods that the pod cache does not have.
	for i := range pick(g, 0, 0, 0, 0, 0, 0, 1, 3) {
		c.Samples = append(c.Samples, sampleCase{Pod: fmt.Sprintf("gone-%d", i), Value: g.value(float64(g.unit)), Window: window})
	}
}

// sampleTime places a sample around one window after the pod's last Ready
// transition, the cpu readiness edge, or anywhere in the last two minutes.
func (g *generator) sampleTime(p podCase, window time.Duration) time.Duration {
	if len(p.Ready) == 0 || p.Ready[0].Transition == nil || g.chance(0.3) {
		return -time.Duration(g.r.Int64N(int64(2 * time.Minute)))
	}
	edge := *p.Ready[0].Transition + window
	switch x := g.r.IntN(100); {
	case x < 40:
		return edge + pick(g, time.Duration(0), -1, 1)
	default:
		return edge + time.Duration(g.r.Int64N(int64(2*time.Minute))) - time.Minute
	}
}

// value draws a value around base at the case's level: zero, tiny, huge,
// negative and near int64 overflow now and then.
func (g *generator) value(base float64) int64 {
	switch x := g.r.IntN(1000); {
	case x < 30:
		return 0
	case x < 45:
		return 1 + g.r.Int64N(3)
	case x < 55:
		return pick(g, int64(math.MaxInt64), math.MaxInt64/2, math.MaxInt64/40, 1<<53+1, math.MaxInt32, math.MaxInt32+1)
	case x < 62:
		return -1 - g.r.Int64N(int64(max(1, min(base, 1e18))))
	}
	level := g.level
	if g.chance(0.1) {
		level = g.ratio()
	}
	v := base * level * (1 + g.noise*(g.r.Float64()*2-1))
	if v >= math.MaxInt64 {
		return math.MaxInt64
	}
	return max(0, int64(math.Round(v)))
}
