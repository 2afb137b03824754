package differential

import (
	"errors"
	"slices"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// runOurs runs replicas.Compute on the case. pods are the selected pods in
// the order the upstream pod lister returned them.
func runOurs(c *diffCase, hpa *autoscalingv2.HorizontalPodAutoscaler, pods []*corev1.Pod, now time.Time) replicas.Result {
	cfg := replicas.DefaultConfig()
	cfg.Tolerance = c.Tolerance
	cfg.CPUInitializationPeriod = c.CPUInitializationPeriod
	cfg.DelayOfInitialReadinessStatus = c.DelayOfInitialReadinessStatus
	cfg.PodLevelResources = c.PodLevelResources

	mi := replicas.MetricInput{Spec: c.Spec, Timestamp: now.Add(c.MetricTimestamp)}
	switch c.Spec.Type {
	case autoscalingv2.ObjectMetricSourceType:
		mi.Value = c.ObjectValue
	case autoscalingv2.ExternalMetricSourceType:
		if c.ExternalAsValue && len(c.ExternalValues) == 1 {
			mi.Value = c.ExternalValues[0]
		} else {
			// Never nil: a nil list would make Compute read mi.Value.
			mi.ExternalValues = append([]int64{}, c.ExternalValues...)
		}
	default:
		mi.PodMetrics = replicas.PodMetricsInfo{}
		for _, s := range c.Samples {
			mi.PodMetrics[s.Pod] = replicas.PodMetric{Timestamp: now.Add(s.Timestamp), Window: s.Window, Value: s.Value}
		}
	}
	if c.FetchError != "" {
		mi.Err = errors.New(c.FetchError)
	}

	return replicas.Compute(replicas.Input{
		HPA:            hpa,
		SpecReplicas:   c.SpecReplicas,
		StatusReplicas: c.StatusReplicas,
		Selector:       selector,
		Pods:           slices.Clone(pods),
		Metrics:        []replicas.MetricInput{mi},
		Now:            now,
		Config:         cfg,
	})
}
