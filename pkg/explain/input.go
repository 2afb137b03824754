package explain

import (
	"errors"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// ComputationInput turns gathered state into the controller's inputs,
// reducing each metrics API response the way the controller's metrics client
// does. It returns false when the scale target could not be read, because
// the controller stops there too.
func ComputationInput(state *gather.State, cfg replicas.Config, now time.Time, history replicas.History) (*replicas.Input, bool) {
	scale := state.Target.Scale
	if state.HPA == nil || scale == nil {
		return nil, false
	}

	pods := make([]*corev1.Pod, 0, len(state.Pods))
	for i := range state.Pods {
		pods = append(pods, &state.Pods[i])
	}

	in := &replicas.Input{
		HPA:            state.HPA,
		SpecReplicas:   scale.Spec.Replicas,
		StatusReplicas: scale.Status.Replicas,
		Selector:       scale.Status.Selector,
		Pods:           pods,
		Now:            now,
		Config:         cfg,
		History:        history,
	}
	for i, spec := range state.HPA.Spec.Metrics {
		var metric *gather.Metric
		if i < len(state.Metrics) {
			metric = &state.Metrics[i]
		}
		in.Metrics = append(in.Metrics, metricInput(state, spec, metric))
	}
	return in, true
}

// metricInput reduces what was fetched for one metric.
func metricInput(state *gather.State, spec autoscalingv2.MetricSpec, metric *gather.Metric) replicas.MetricInput {
	in := replicas.MetricInput{Spec: spec}
	if metric == nil {
		in.Err = errors.New("the metric was not fetched")
		return in
	}

	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		rm := state.ResourceMetrics
		switch {
		case rm == nil:
			in.Err = errors.New("resource metrics were not fetched")
		case rm.Error != nil:
			in.Err = replicas.FetchError(spec.Type, rm.Error)
		default:
			name, container := resourceOf(spec)
			in.PodMetrics, in.Timestamp, in.Err = replicas.ResourcePodMetrics(rm.List, name, container)
		}

	case autoscalingv2.PodsMetricSourceType:
		if metric.Error != nil {
			in.Err = replicas.FetchError(spec.Type, metric.Error)
			break
		}
		in.PodMetrics, in.Timestamp, in.Err = replicas.CustomPodMetrics(metric.Values)

	case autoscalingv2.ObjectMetricSourceType:
		if metric.Error != nil {
			in.Err = replicas.FetchError(spec.Type, metric.Error)
			break
		}
		in.Value, in.Timestamp, in.Err = replicas.ObjectValue(metric.Values)

	case autoscalingv2.ExternalMetricSourceType:
		if metric.Error != nil {
			in.Err = replicas.FetchError(spec.Type, metric.Error)
			break
		}
		in.ExternalValues, in.Timestamp, in.Err = replicas.ExternalValues(metric.External)
	}
	return in
}

func resourceOf(spec autoscalingv2.MetricSpec) (corev1.ResourceName, string) {
	if spec.Resource != nil {
		return spec.Resource.Name, ""
	}
	if spec.ContainerResource != nil {
		return spec.ContainerResource.Name, spec.ContainerResource.Container
	}
	return "", ""
}
