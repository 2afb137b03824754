package replicas

import (
	"errors"
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

var (
	errNoPods      = errors.New("no pods returned by selector while calculating replica count")
	errNoPodValues = errors.New("did not receive metrics for targeted pods (pods might be unready)")
)

// podTarget is the target of a metric averaged over pods: Pods metrics, and
// Resource or ContainerResource metrics with a Utilization or AverageValue
// target.
type podTarget struct {
	// resource is empty for Pods metrics. For cpu it enables the readiness
	// rules of groupPods.
	resource  corev1.ResourceName
	container string

	utilization       bool
	targetUtilization int32
	// targetValue is the AverageValue target in milli-units.
	targetValue int64
}

// podOutcome is the proposal and the values the controller writes to the
// metric status, which are averages before rebalancing.
type podOutcome struct {
	replicas int32
	// utilization is the current utilization in percent, for Utilization
	// targets.
	utilization int32
	// average is the average value in milli-units.
	average int64
}

// ratioSummary is one evaluation of the usage ratio, kept for the steps.
type ratioSummary struct {
	ratio       float64
	total       int64
	requests    int64
	entries     int
	utilization int32
	average     int64
}

// podCalc runs one pod-averaged metric through the controller's replica
// calculator, recording pods and steps in mr.
type podCalc struct {
	in      *Input
	target  podTarget
	current int32
	tol     Tolerances
	mr      *MetricResult

	requests map[string]int64
}

// computePodMetric returns the proposal for a pod-averaged metric. The
// error texts are the replica calculator's, without the wrapping that the
// callers add per source type.
func computePodMetric(in *Input, samples PodMetricsInfo, target podTarget, current int32, tol Tolerances, mr *MetricResult) (podOutcome, error) {
	c := &podCalc{in: in, target: target, current: current, tol: tol, mr: mr}
	return c.run(samples)
}

func (c *podCalc) run(samples PodMetricsInfo) (podOutcome, error) {
	if len(c.in.Pods) == 0 {
		c.step("the scale target's selector matches no pods")
		return podOutcome{}, errNoPods
	}

	groups, pods := groupPods(c.in.Pods, samples, c.target.resource, c.in.Config, c.in.Now)
	c.mr.Pods = append(pods, unlistedResults(c.in.Pods, samples)...)
	c.mr.ReadyPodCount = groups.readyCount
	c.stepGroups(groups)

	// Ignored and unready pods leave the average, but samples for pods
	// outside the pod list stay in it.
	values := make(map[string]int64, len(samples))
	for name, s := range samples {
		values[name] = s.Value
	}
	for name := range groups.ignored {
		delete(values, name)
	}
	for name := range groups.unready {
		delete(values, name)
	}
	if len(values) == 0 {
		c.step("no ready pod has a sample, so there is nothing to average")
		c.markCounted(nil, "not computed")
		return podOutcome{}, errNoPodValues
	}

	if c.target.utilization {
		requests, err := podRequests(c.in.Pods, c.target.container, c.target.resource, c.in.Config.PodLevelResources)
		if err != nil {
			c.step(fmt.Sprintf("cannot compute utilization: %v", err))
			c.markCounted(nil, "not computed")
			return podOutcome{}, err
		}
		c.requests = requests
		c.fillRequests()
	}

	first, err := c.ratio(values)
	if err != nil {
		c.step(fmt.Sprintf("cannot compute utilization: %v", err))
		c.markCounted(nil, "not computed")
		return podOutcome{}, err
	}
	out := podOutcome{utilization: first.utilization, average: first.average}
	c.mr.UsageRatio = first.ratio
	c.mr.RebalancedRatio = first.ratio
	c.stepRatio("", first)

	usageRatio := first.ratio
	scaleUpWithUnready := len(groups.unready) > 0 && usageRatio > 1.0

	// Without unready pods on a scale-up and without missing pods, the
	// ready pods decide alone.
	if !scaleUpWithUnready && len(groups.missing) == 0 {
		c.markCounted(values, "left out")
		if c.tol.isWithin(usageRatio) {
			c.mr.WithinTolerance = true
			c.step(fmt.Sprintf("usage ratio %s is inside the tolerance band %s, so the proposal stays at %d replicas",
				formatRatio(usageRatio), c.tol.band(), c.current))
			out.replicas = c.current
			return out, nil
		}
		out.replicas = int32(math.Ceil(usageRatio * float64(groups.readyCount)))
		c.step(fmt.Sprintf("usage ratio %s is outside the tolerance band %s; proposal ceil(%s × %d ready pods) = %d replicas",
			formatRatio(usageRatio), c.tol.band(), formatRatio(usageRatio), groups.readyCount, out.replicas))
		return out, nil
	}

	// Rebalance: assume the least favourable value for the pods without a
	// usable sample, so that they damp the change instead of driving it.
	missingValue := c.rebalanceMissing(values, groups.missing, usageRatio)
	if scaleUpWithUnready {
		for name := range groups.unready {
			values[name] = 0
		}
	}
	c.markRebalanced(groups, usageRatio, missingValue, scaleUpWithUnready)

	second, err := c.ratio(values)
	if err != nil {
		c.step(fmt.Sprintf("cannot recompute utilization after rebalancing: %v", err))
		return podOutcome{}, err
	}
	newRatio := second.ratio
	c.mr.RebalancedRatio = newRatio
	c.stepRatio("after rebalancing, ", second)

	if c.tol.isWithin(newRatio) {
		c.mr.WithinTolerance = true
		c.step(fmt.Sprintf("rebalanced usage ratio %s is inside the tolerance band %s, so the proposal stays at %d replicas",
			formatRatio(newRatio), c.tol.band(), c.current))
		out.replicas = c.current
		return out, nil
	}
	if (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0) {
		c.step(fmt.Sprintf("rebalancing turned the usage ratio from %s to %s, the other side of 1, so the proposal stays at %d replicas",
			formatRatio(usageRatio), formatRatio(newRatio), c.current))
		out.replicas = c.current
		return out, nil
	}

	proposal := int32(math.Ceil(newRatio * float64(len(values))))
	if (newRatio < 1.0 && proposal > c.current) || (newRatio > 1.0 && proposal < c.current) {
		c.step(fmt.Sprintf("ceil(%s × %d pods counted) = %d would move against the usage ratio's direction from %d replicas, so the proposal stays at %d replicas",
			formatRatio(newRatio), len(values), proposal, c.current, c.current))
		out.replicas = c.current
		return out, nil
	}
	out.replicas = proposal
	c.step(fmt.Sprintf("rebalanced usage ratio %s is outside the tolerance band %s; proposal ceil(%s × %d pods counted) = %d replicas",
		formatRatio(newRatio), c.tol.band(), formatRatio(newRatio), len(values), proposal))
	return out, nil
}

// rebalanceMissing gives pods without a sample a value: none at all when the
// usage ratio is exactly 1, 0 on a scale-up, and on a scale-down the target
// (for Utilization, max(100%, target) of the pod's request). It returns a
// description of the value for the pod results.
func (c *podCalc) rebalanceMissing(values map[string]int64, missing map[string]bool, usageRatio float64) string {
	if len(missing) == 0 {
		return ""
	}
	switch {
	case usageRatio < 1.0:
		if c.target.utilization {
			fallback := int64(max(100, c.target.targetUtilization))
			for name := range missing {
				values[name] = c.requests[name] * fallback / 100
			}
			return fmt.Sprintf("%d%% of its request (scale-down)", fallback)
		}
		for name := range missing {
			values[name] = c.target.targetValue
		}
		return "target (scale-down)"
	case usageRatio > 1.0:
		for name := range missing {
			values[name] = 0
		}
		return "0 (scale-up)"
	}
	return ""
}

// ratio computes the usage ratio as the controller's metrics utilities do.
func (c *podCalc) ratio(values map[string]int64) (ratioSummary, error) {
	if c.target.utilization {
		return utilizationRatio(values, c.requests, c.target.targetUtilization)
	}
	return plainUsageRatio(values, c.target.targetValue), nil
}

// utilizationRatio sums the samples of pods with a known request and
// divides by the sum of those requests, in whole percent rounded down. The
// int32 conversion wraps on overflow as the controller's does.
func utilizationRatio(values, requests map[string]int64, target int32) (ratioSummary, error) {
	var s ratioSummary
	for name, v := range values {
		request, ok := requests[name]
		if !ok {
			// A sample for a pod outside the pod list has no request.
			continue
		}
		s.total += v
		s.requests += request
		s.entries++
	}
	if s.requests == 0 {
		return s, errors.New("no metrics returned matched known pods")
	}

	s.utilization = int32((s.total * 100) / s.requests)
	s.ratio = float64(s.utilization) / float64(target)
	s.average = s.total / int64(s.entries)
	return s, nil
}

// plainUsageRatio averages every sample, with integer division, and divides
// by the target. Callers ensure values is not empty.
func plainUsageRatio(values map[string]int64, target int64) ratioSummary {
	var s ratioSummary
	for _, v := range values {
		s.total += v
	}
	s.entries = len(values)
	s.average = s.total / int64(len(values))
	s.ratio = float64(s.average) / float64(target)
	return s
}

func (c *podCalc) step(text string) {
	c.mr.Steps = append(c.mr.Steps, text)
}

func (c *podCalc) stepGroups(g podGroups) {
	text := fmt.Sprintf("%s selected: %d ready with a sample, %d unready, %d missing a sample, %d ignored",
		plural(len(c.in.Pods), "pod"), g.readyCount, len(g.unready), len(g.missing), len(g.ignored))
	if n := len(c.mr.Pods) - len(c.in.Pods); n > 0 {
		text += fmt.Sprintf("; %s for pods that are not selected", plural(n, "sample"))
	}
	c.step(text)
}

func (c *podCalc) stepRatio(prefix string, s ratioSummary) {
	name := c.target.resource
	if c.target.utilization {
		c.step(fmt.Sprintf("%ssum of %s usage %s / sum of their requests %s = %d%% utilization (rounded down); target %d%%; usage ratio %s",
			prefix, possessive(s.entries), formatValue(name, s.total), formatValue(name, s.requests), s.utilization, c.target.targetUtilization, formatRatio(s.ratio)))
		return
	}
	c.step(fmt.Sprintf("%ssum of %s values %s / %d = %s per pod; target %s; usage ratio %s",
		prefix, possessive(s.entries), formatValue(name, s.total), s.entries, formatValue(name, s.average), formatValue(name, c.target.targetValue), formatRatio(s.ratio)))
}

// fillRequests copies each listed pod's request into its result.
func (c *podCalc) fillRequests() {
	for i := range c.mr.Pods {
		if r, ok := c.requests[c.mr.Pods[i].Name]; ok {
			r := r
			c.mr.Pods[i].Request = &r
		}
	}
}

// markCounted sets CountedAs for a computation without rebalancing: pods
// whose sample is averaged count with their own value, the others as other.
func (c *podCalc) markCounted(values map[string]int64, other string) {
	for i := range c.mr.Pods {
		p := &c.mr.Pods[i]
		_, averaged := values[p.Name]
		switch {
		case averaged && p.State == PodUnlisted && c.target.utilization:
			p.CountedAs = "left out (no request known)"
		case averaged:
			p.CountedAs = "own value"
		default:
			p.CountedAs = other
		}
	}
}

// markRebalanced sets CountedAs after rebalancing and explains it.
func (c *podCalc) markRebalanced(g podGroups, usageRatio float64, missingValue string, scaleUpWithUnready bool) {
	for i := range c.mr.Pods {
		p := &c.mr.Pods[i]
		switch {
		case p.State == PodUnlisted && c.target.utilization:
			p.CountedAs = "left out (no request known)"
		case p.State == PodReady || p.State == PodUnlisted:
			p.CountedAs = "own value"
		case g.missing[p.Name] && missingValue != "":
			p.CountedAs = missingValue
		case g.unready[p.Name] && scaleUpWithUnready:
			p.CountedAs = "0 (scale-up)"
		default:
			p.CountedAs = "left out"
		}
	}

	var parts []string
	if len(g.missing) > 0 {
		if missingValue != "" {
			parts = append(parts, fmt.Sprintf("%s missing a sample %s as %s", plural(len(g.missing), "pod"), verb(len(g.missing), "count"), missingValue))
		} else {
			parts = append(parts, fmt.Sprintf("%s missing a sample %s left out because the usage ratio is exactly 1", plural(len(g.missing), "pod"), verb(len(g.missing), "stay")))
		}
	}
	if scaleUpWithUnready {
		parts = append(parts, fmt.Sprintf("%s %s as 0 (scale-up)", plural(len(g.unready), "unready pod"), verb(len(g.unready), "count")))
	} else if len(g.unready) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s left out", plural(len(g.unready), "unready pod"), verb(len(g.unready), "stay")))
	}

	direction := "a scale-up"
	if usageRatio < 1.0 {
		direction = "a scale-down"
	}
	text := fmt.Sprintf("usage ratio %s points to %s, so the controller rebalances: %s", formatRatio(usageRatio), direction, strings.Join(parts, "; "))
	if usageRatio == 1.0 {
		text = fmt.Sprintf("usage ratio is exactly 1, so the controller rebalances only unready pods: %s", strings.Join(parts, "; "))
	}
	c.step(text)
}
