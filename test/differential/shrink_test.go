package differential

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// maxShrinkRuns bounds the number of candidate cases the shrinker runs.
const maxShrinkRuns = 5000

// shrink returns the smallest variant of c it finds that still makes the
// two sides disagree, and that variant's outcome. It tries one
// simplification at a time (dropping a pod or sample, clearing a pod's
// extras, rounding values) and keeps every one after which the
// disagreement remains, until none helps.
func shrink(c *diffCase, out outcome) (*diffCase, outcome) {
	runs := 0
	for runs < maxShrinkRuns {
		progressed := false
		for _, candidate := range simplifications(c) {
			if !candidate.clockSafe() {
				continue
			}
			runs++
			o, err := runCase(candidate)
			if err == nil && !o.skipped && len(o.differences) > 0 {
				c, out = candidate, o
				progressed = true
				break
			}
			if runs >= maxShrinkRuns {
				break
			}
		}
		if !progressed {
			break
		}
	}
	return c, out
}

// simplifications lists the variants of c that are one step simpler,
// biggest steps first.
func simplifications(c *diffCase) []*diffCase {
	var out []*diffCase
	// edit adds a variant unless it equals c, which would let the shrinker
	// accept the same case forever.
	current := c.String()
	edit := func(f func(*diffCase)) {
		v := c.clone()
		f(v)
		if v.String() != current {
			out = append(out, v)
		}
	}

	// Drop half of the pods, then single pods, with their samples.
	if n := len(c.Pods); n > 1 {
		edit(func(v *diffCase) { v.keepPods(v.Pods[:n/2]) })
		edit(func(v *diffCase) { v.keepPods(v.Pods[n/2:]) })
	}
	for i := range c.Pods {
		edit(func(v *diffCase) {
			v.keepPods(slices.Delete(slices.Clone(v.Pods), i, i+1))
		})
	}
	for i := range c.Samples {
		edit(func(v *diffCase) { v.Samples = slices.Delete(v.Samples, i, i+1) })
	}
	for i := range c.ExternalValues {
		edit(func(v *diffCase) { v.ExternalValues = slices.Delete(v.ExternalValues, i, i+1) })
	}

	// Settings back to their defaults.
	if c.ScaleUpTolerance != nil {
		edit(func(v *diffCase) { v.ScaleUpTolerance = nil })
	}
	if c.ScaleDownTolerance != nil {
		edit(func(v *diffCase) { v.ScaleDownTolerance = nil })
	}
	if c.Tolerance != 0.1 {
		edit(func(v *diffCase) { v.Tolerance = 0.1 })
	}
	if c.FetchError != "" {
		edit(func(v *diffCase) { v.FetchError = "" })
	}
	if c.StatusReplicas != c.SpecReplicas {
		edit(func(v *diffCase) { v.StatusReplicas = v.SpecReplicas })
	}
	if c.SpecReplicas == 0 {
		// Zero replicas need the ScaledToZero condition, one does not.
		edit(func(v *diffCase) {
			if v.StatusReplicas == 0 {
				v.StatusReplicas = 1
			}
			v.SpecReplicas = 1
		})
	}
	// Fewer replicas, but not 0, which the step above leaves.
	for _, n := range []int32{1, c.SpecReplicas / 2, c.SpecReplicas - 1} {
		if n >= 1 && n < c.SpecReplicas {
			edit(func(v *diffCase) {
				if v.StatusReplicas == v.SpecReplicas {
					v.StatusReplicas = n
				}
				v.SpecReplicas = n
			})
		}
	}

	// Simpler pods.
	for i, p := range c.Pods {
		if len(p.InitContainers) > 0 {
			edit(func(v *diffCase) { v.Pods[i].InitContainers = nil })
		}
		for j := range p.InitContainers {
			edit(func(v *diffCase) { v.Pods[i].InitContainers = slices.Delete(v.Pods[i].InitContainers, j, j+1) })
		}
		if len(p.Containers) > 1 {
			edit(func(v *diffCase) { v.Pods[i].Containers = v.Pods[i].Containers[:1] })
		}
		if p.PodRequests != nil {
			edit(func(v *diffCase) { v.Pods[i].PodRequests = nil })
		}
		if p.Overhead != nil {
			edit(func(v *diffCase) { v.Pods[i].Overhead = nil })
		}
		if len(p.Ready) > 1 {
			edit(func(v *diffCase) { v.Pods[i].Ready = v.Pods[i].Ready[:1] })
		}
		if p.Deleting {
			edit(func(v *diffCase) { v.Pods[i].Deleting = false })
		}
		if p.Phase != corev1.PodRunning {
			edit(func(v *diffCase) { v.Pods[i].Phase = corev1.PodRunning })
		}
		// Requests for resources the metric does not read.
		for j, ctr := range p.Containers {
			for name := range ctr.Requests {
				if name != c.metricResourceName() {
					edit(func(v *diffCase) { delete(v.Pods[i].Containers[j].Requests, name) })
				}
			}
		}
		for j, ctr := range p.InitContainers {
			for name := range ctr.Requests {
				if name != c.metricResourceName() {
					edit(func(v *diffCase) { delete(v.Pods[i].InitContainers[j].Requests, name) })
				}
			}
		}
		for name := range p.PodRequests {
			if len(p.PodRequests) > 1 {
				edit(func(v *diffCase) { delete(v.Pods[i].PodRequests, name) })
			}
		}
	}

	// Times in whole seconds.
	edit(func(v *diffCase) { v.roundTimes(time.Second) })

	// Rounder values.
	for i, s := range c.Samples {
		for _, value := range roundedValues(s.Value) {
			edit(func(v *diffCase) { v.Samples[i].Value = value })
		}
		if s.Window != time.Minute {
			edit(func(v *diffCase) { v.Samples[i].Window = time.Minute })
		}
	}
	for i, x := range c.ExternalValues {
		for _, value := range roundedValues(x) {
			edit(func(v *diffCase) { v.ExternalValues[i] = value })
		}
	}
	for _, value := range roundedValues(c.ObjectValue) {
		edit(func(v *diffCase) { v.ObjectValue = value })
	}
	return out
}

// clockSafe reports whether every pod start lies at least cutoffMargin
// away from the end of the CPU initialization period, as generated cases
// do, so that the real clock cannot decide the case.
func (c *diffCase) clockSafe() bool {
	for _, p := range c.Pods {
		if p.Start == nil {
			continue
		}
		end := *p.Start + c.CPUInitializationPeriod
		if end > -cutoffMargin && end < cutoffMargin {
			return false
		}
	}
	return true
}

// roundTimes rounds every time offset of the case to a multiple of d.
func (c *diffCase) roundTimes(d time.Duration) {
	round := func(t *time.Duration) {
		if t != nil {
			*t = t.Round(d)
		}
	}
	round(&c.MetricTimestamp)
	for i := range c.Samples {
		round(&c.Samples[i].Timestamp)
	}
	for i := range c.Pods {
		p := &c.Pods[i]
		if p.Start != nil {
			start := *p.Start
			p.Start = &start
			round(p.Start)
		}
		for j := range p.Ready {
			if p.Ready[j].Transition != nil {
				transition := *p.Ready[j].Transition
				p.Ready[j].Transition = &transition
				round(p.Ready[j].Transition)
			}
		}
	}
}

// keepPods keeps the given pods and drops the samples of all others.
func (c *diffCase) keepPods(pods []podCase) {
	kept := map[string]bool{}
	for _, p := range pods {
		kept[p.Name] = true
	}
	dropped := map[string]bool{}
	for _, p := range c.Pods {
		if !kept[p.Name] {
			dropped[p.Name] = true
		}
	}
	c.Pods = pods
	c.Samples = slices.DeleteFunc(c.Samples, func(s sampleCase) bool { return dropped[s.Pod] })
}

// metricResourceName is the resource the metric reads, if any.
func (c *diffCase) metricResourceName() corev1.ResourceName {
	switch {
	case c.Spec.Resource != nil:
		return c.Spec.Resource.Name
	case c.Spec.ContainerResource != nil:
		return c.Spec.ContainerResource.Name
	}
	return ""
}

// roundedValues are simpler values to try in place of v: 0, and v rounded
// to one significant digit.
func roundedValues(v int64) []int64 {
	var out []int64
	if v != 0 {
		out = append(out, 0)
	}
	scale := int64(1)
	for x := v; x >= 10 || x <= -10; x /= 10 {
		scale *= 10
	}
	if rounded := v / scale * scale; rounded != v {
		out = append(out, rounded)
	}
	return out
}
