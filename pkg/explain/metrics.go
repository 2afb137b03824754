package explain

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// metricsOf describes each entry of spec.metrics with what the
// recomputation made of it.
func metricsOf(state *gather.State, result *replicas.Result) []v1alpha1.Metric {
	specs := state.HPA.Spec.Metrics
	out := make([]v1alpha1.Metric, 0, len(specs))
	for i, spec := range specs {
		m := describeSpec(spec)
		m.APIVersion = apiVersionOf(state, i)

		if result != nil && i < len(result.Metrics) {
			r := result.Metrics[i]
			m.Valid = r.Valid
			m.Error = r.Err
			if r.Valid {
				ratio := r.UsageRatio
				proposal := r.ProposedReplicas
				m.UsageRatio = &ratio
				m.ProposedReplicas = &proposal
				m.Current = currentOf(r.Status, spec)
			}
			m.Pods = podMetricsOf(r.Pods)
		} else if i < len(state.Metrics) && state.Metrics[i].Error != nil {
			m.Error = state.Metrics[i].Error.Error()
		}
		out = append(out, m)
	}
	return out
}

func apiVersionOf(state *gather.State, index int) string {
	if index >= len(state.Metrics) {
		return ""
	}
	switch state.Metrics[index].Spec.Type {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		if state.ResourceMetrics != nil {
			return state.ResourceMetrics.APIVersion
		}
	}
	return state.Metrics[index].APIVersion
}

// describeSpec fills the parts of a Metric that come from the spec alone.
func describeSpec(spec autoscalingv2.MetricSpec) v1alpha1.Metric {
	m := v1alpha1.Metric{Type: string(spec.Type)}
	var target autoscalingv2.MetricTarget
	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType:
		if spec.Resource != nil {
			m.Name = string(spec.Resource.Name)
			target = spec.Resource.Target
		}
	case autoscalingv2.ContainerResourceMetricSourceType:
		if spec.ContainerResource != nil {
			m.Name = string(spec.ContainerResource.Name)
			m.Container = spec.ContainerResource.Container
			target = spec.ContainerResource.Target
		}
	case autoscalingv2.PodsMetricSourceType:
		if spec.Pods != nil {
			m.Name = spec.Pods.Metric.Name
			m.Selector = selectorString(spec.Pods.Metric.Selector)
			target = spec.Pods.Target
		}
	case autoscalingv2.ObjectMetricSourceType:
		if spec.Object != nil {
			m.Name = spec.Object.Metric.Name
			m.Selector = selectorString(spec.Object.Metric.Selector)
			m.Object = spec.Object.DescribedObject.Kind + "/" + spec.Object.DescribedObject.Name
			target = spec.Object.Target
		}
	case autoscalingv2.ExternalMetricSourceType:
		if spec.External != nil {
			m.Name = spec.External.Metric.Name
			m.Selector = selectorString(spec.External.Metric.Selector)
			target = spec.External.Target
		}
	}
	m.Target = targetValue(target)
	return m
}

func targetValue(t autoscalingv2.MetricTarget) v1alpha1.MetricValue {
	v := v1alpha1.MetricValue{Type: string(t.Type)}
	switch t.Type {
	case autoscalingv2.UtilizationMetricType:
		if t.AverageUtilization != nil {
			v.Value = float64(*t.AverageUtilization)
		}
	case autoscalingv2.AverageValueMetricType:
		fillQuantity(&v, t.AverageValue)
	case autoscalingv2.ValueMetricType:
		fillQuantity(&v, t.Value)
	}
	return v
}

// currentOf returns the current value in the form the target compares it.
func currentOf(status autoscalingv2.MetricStatus, spec autoscalingv2.MetricSpec) *v1alpha1.MetricValue {
	var cur *autoscalingv2.MetricValueStatus
	switch {
	case status.Resource != nil:
		cur = &status.Resource.Current
	case status.ContainerResource != nil:
		cur = &status.ContainerResource.Current
	case status.Pods != nil:
		cur = &status.Pods.Current
	case status.Object != nil:
		cur = &status.Object.Current
	case status.External != nil:
		cur = &status.External.Current
	}
	if cur == nil {
		return nil
	}
	target := describeSpec(spec).Target.Type
	v := &v1alpha1.MetricValue{Type: target}
	switch {
	case target == string(autoscalingv2.UtilizationMetricType) && cur.AverageUtilization != nil:
		v.Value = float64(*cur.AverageUtilization)
	case target == string(autoscalingv2.ValueMetricType) && cur.Value != nil:
		fillQuantity(v, cur.Value)
	case cur.AverageValue != nil:
		fillQuantity(v, cur.AverageValue)
	case cur.Value != nil:
		fillQuantity(v, cur.Value)
	default:
		return nil
	}
	return v
}

func fillQuantity(v *v1alpha1.MetricValue, q *resource.Quantity) {
	if q == nil {
		return
	}
	v.Value = q.AsApproximateFloat64()
	v.Quantity = q.String()
}

func podMetricsOf(pods []replicas.PodResult) []v1alpha1.PodMetric {
	out := make([]v1alpha1.PodMetric, 0, len(pods))
	for _, p := range pods {
		pm := v1alpha1.PodMetric{
			Name:      p.Name,
			State:     string(p.State),
			Reason:    p.Reason,
			CountedAs: p.CountedAs,
		}
		if p.Value != nil {
			value := float64(*p.Value) / 1000
			pm.Value = &value
		}
		if p.Request != nil {
			request := float64(*p.Request) / 1000
			pm.Request = &request
		}
		out = append(out, pm)
	}
	return out
}

func selectorString(sel *metav1.LabelSelector) string {
	if sel == nil {
		return ""
	}
	parsed, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "<invalid selector>"
	}
	return parsed.String()
}
