package replicas

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// podGroups is the controller's split of the selected pods for one metric.
type podGroups struct {
	readyCount int
	unready    map[string]bool
	missing    map[string]bool
	ignored    map[string]bool
}

// groupPods sorts the pods the way the controller does before averaging:
// deleting and Failed pods are ignored, Pending pods are unready, pods
// without a sample are missing. For cpu, a pod is also unready when its
// sample may still reflect start-up. Inside the CPU initialization period
// that holds until the pod is ready and one metric window has passed since
// the Ready transition. After the period it holds while the pod has never
// been ready.
//
// It returns one PodResult per pod, in the order of pods, with the state and
// the reason.
func groupPods(pods []*corev1.Pod, samples PodMetricsInfo, name corev1.ResourceName, cfg Config, now time.Time) (podGroups, []PodResult) {
	g := podGroups{unready: map[string]bool{}, missing: map[string]bool{}, ignored: map[string]bool{}}
	results := make([]PodResult, 0, len(pods))

	for _, pod := range pods {
		res := PodResult{Name: pod.Name}
		sample, found := samples[pod.Name]
		if found {
			v := sample.Value
			res.Value = &v
		}

		switch {
		case pod.DeletionTimestamp != nil:
			g.ignored[pod.Name] = true
			res.State, res.Reason = PodIgnored, "being deleted"
		case pod.Status.Phase == corev1.PodFailed:
			g.ignored[pod.Name] = true
			res.State, res.Reason = PodIgnored, "phase Failed"
		case pod.Status.Phase == corev1.PodPending:
			g.unready[pod.Name] = true
			res.State, res.Reason = PodUnready, "phase Pending"
		case !found:
			g.missing[pod.Name] = true
			res.State, res.Reason = PodMissing, "no sample from the metrics API"
		case name == corev1.ResourceCPU:
			if unready, reason := cpuUnready(pod, sample, cfg, now); unready {
				g.unready[pod.Name] = true
				res.State, res.Reason = PodUnready, reason
			} else {
				g.readyCount++
				res.State, res.Reason = PodReady, reason
			}
		default:
			g.readyCount++
			res.State, res.Reason = PodReady, "has a sample; readiness only matters for cpu metrics"
		}
		results = append(results, res)
	}
	return g, results
}

// cpuUnready applies the controller's cpu readiness rules to a pod with a
// sample and explains the outcome.
func cpuUnready(pod *corev1.Pod, sample PodMetric, cfg Config, now time.Time) (bool, string) {
	var ready *corev1.PodCondition
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			ready = &pod.Status.Conditions[i]
			break
		}
	}
	if ready == nil {
		return true, "no Ready condition"
	}
	if pod.Status.StartTime == nil {
		return true, "no status.startTime"
	}

	start := pod.Status.StartTime.Time
	transition := ready.LastTransitionTime.Time
	if start.Add(cfg.CPUInitializationPeriod).After(now) {
		age := formatDuration(now.Sub(start))
		if ready.Status == corev1.ConditionFalse {
			return true, fmt.Sprintf("not ready, started %s ago, inside the %s CPU initialization period", age, formatDuration(cfg.CPUInitializationPeriod))
		}
		if sample.Timestamp.Before(transition.Add(sample.Window)) {
			return true, fmt.Sprintf("started %s ago, inside the %s CPU initialization period, and the sample (window %s) was taken at %s, before a full window had passed since the Ready condition changed at %s",
				age, formatDuration(cfg.CPUInitializationPeriod), formatDuration(sample.Window), sample.Timestamp.UTC().Format(time.RFC3339), transition.UTC().Format(time.RFC3339))
		}
		return false, fmt.Sprintf("Ready is %s and a full metric window passed since it changed (inside the %s CPU initialization period)", ready.Status, formatDuration(cfg.CPUInitializationPeriod))
	}

	if ready.Status == corev1.ConditionFalse && start.Add(cfg.DelayOfInitialReadinessStatus).After(transition) {
		return true, fmt.Sprintf("not ready and never ready since start: the Ready condition last changed %s after start, inside the %s initial readiness delay",
			formatDuration(transition.Sub(start)), formatDuration(cfg.DelayOfInitialReadinessStatus))
	}
	if ready.Status == corev1.ConditionFalse {
		return false, fmt.Sprintf("not ready now, but the Ready condition changed %s after start, past the %s initial readiness delay, so the controller counts its sample",
			formatDuration(transition.Sub(start)), formatDuration(cfg.DelayOfInitialReadinessStatus))
	}
	return false, fmt.Sprintf("Ready is %s, past the CPU initialization period", ready.Status)
}

// unlistedResults lists, sorted by name, the samples for pods that are not
// in the pod list.
func unlistedResults(pods []*corev1.Pod, samples PodMetricsInfo) []PodResult {
	listed := make(map[string]bool, len(pods))
	for _, pod := range pods {
		listed[pod.Name] = true
	}
	var names []string
	for name := range samples {
		if !listed[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)

	results := make([]PodResult, 0, len(names))
	for _, name := range names {
		v := samples[name].Value
		results = append(results, PodResult{
			Name:   name,
			State:  PodUnlisted,
			Reason: "has a sample but is not among the selected pods",
			Value:  &v,
		})
	}
	return results
}
