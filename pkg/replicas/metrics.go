package replicas

import (
	"errors"
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// metricOutcome is one metric's proposal, or its failure as the controller
// reports it.
type metricOutcome struct {
	replicas  int32
	timestamp time.Time

	// condErr is the error in the ScalingActive condition message, err the
	// one the controller counts and wraps into "invalid metrics".
	reason  string
	condErr error
	err     error
}

func failed(reason string, condErr, err error) metricOutcome {
	return metricOutcome{reason: reason, condErr: condErr, err: err}
}

// metricContext is the input every per-metric computation reads.
type metricContext struct {
	in             *Input
	specReplicas   int32
	statusReplicas int32
	tol            Tolerances
}

// computeMetric computes one entry of spec.metrics into mr, with the error
// texts and condition reasons of the controller.
func (c *metricContext) computeMetric(spec autoscalingv2.MetricSpec, mi MetricInput, mr *MetricResult) metricOutcome {
	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType:
		if spec.Resource == nil {
			return missingSource(spec, "resource", "FailedGetResourceMetric")
		}
		mr.Name = string(spec.Resource.Name)
		out, current := c.computeResource(spec.Resource.Target, spec.Resource.Name, "", spec.Type, mi, mr)
		if out.err != nil {
			out.condErr = out.err
			out.reason = "FailedGetResourceMetric"
			out.err = fmt.Errorf("failed to get %s resource metric value: %w", spec.Resource.Name, out.err)
			return out
		}
		mr.Status = autoscalingv2.MetricStatus{
			Type:     autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: spec.Resource.Name, Current: current},
		}
		return out

	case autoscalingv2.ContainerResourceMetricSourceType:
		if spec.ContainerResource == nil {
			return missingSource(spec, "containerResource", "FailedGetContainerResourceMetric")
		}
		src := spec.ContainerResource
		mr.Name = string(src.Name)
		out, current := c.computeResource(src.Target, src.Name, src.Container, spec.Type, mi, mr)
		if out.err != nil {
			out.condErr = out.err
			out.reason = "FailedGetContainerResourceMetric"
			out.err = fmt.Errorf("failed to get %s container metric value: %w", src.Container, out.err)
			return out
		}
		mr.Status = autoscalingv2.MetricStatus{
			Type: autoscalingv2.ContainerResourceMetricSourceType,
			ContainerResource: &autoscalingv2.ContainerResourceMetricStatus{
				Name:      src.Name,
				Container: src.Container,
				Current:   current,
			},
		}
		return out

	case autoscalingv2.PodsMetricSourceType:
		if spec.Pods == nil {
			return missingSource(spec, "pods", "FailedGetPodsMetric")
		}
		mr.Name = spec.Pods.Metric.Name
		out := c.computePods(spec.Pods, mi, mr)
		if out.err != nil {
			out.err = fmt.Errorf("failed to get pods metric value: %w", out.err)
		}
		return out

	case autoscalingv2.ObjectMetricSourceType:
		if spec.Object == nil {
			return missingSource(spec, "object", "FailedGetObjectMetric")
		}
		mr.Name = spec.Object.Metric.Name
		out := c.computeObject(spec.Object, mi, mr)
		if out.err != nil {
			out.err = fmt.Errorf("failed to get object metric value: %w", out.err)
		}
		return out

	case autoscalingv2.ExternalMetricSourceType:
		if spec.External == nil {
			return missingSource(spec, "external", "FailedGetExternalMetric")
		}
		mr.Name = spec.External.Metric.Name
		out := c.computeExternal(spec.External, mi, mr)
		if out.err != nil {
			out.err = fmt.Errorf("failed to get %s external metric value: %w", spec.External.Metric.Name, out.err)
		}
		return out
	}

	// The controller's message ends in an empty sentinel error that marks
	// spec errors for its metrics, so the text is just this.
	err := fmt.Errorf("unknown metric source type %q", string(spec.Type))
	mr.Steps = append(mr.Steps, err.Error())
	return failed("InvalidMetricSourceType", err, err)
}

// missingSource reports a metric whose source field for its type is nil.
// NOTE: the controller dereferences the field and panics. The API server's
// validation rejects such an HPA, so only hand-written input gets here.
func missingSource(spec autoscalingv2.MetricSpec, field, reason string) metricOutcome {
	err := fmt.Errorf("invalid metric: type %s requires spec.metrics[].%s, which is missing", spec.Type, field)
	return failed(reason, err, err)
}

// computeResource handles Resource and ContainerResource metrics and
// returns the current value for the metric status. An AverageValue target
// wins over AverageUtilization whatever target.type is, as in the
// controller.
func (c *metricContext) computeResource(target autoscalingv2.MetricTarget, name corev1.ResourceName, container string, sourceType autoscalingv2.MetricSourceType, mi MetricInput, mr *MetricResult) (metricOutcome, autoscalingv2.MetricValueStatus) {
	var none autoscalingv2.MetricValueStatus
	if target.AverageValue != nil {
		mr.Description = fmt.Sprintf("%s resource", name)
		pt := podTarget{resource: name, container: container, targetValue: target.AverageValue.MilliValue()}
		out, err := c.podMetric(pt, mi, func(err error) error {
			return fmt.Errorf("unable to get metrics for resource %s: %w", name, err)
		}, mr)
		if err != nil {
			return metricOutcome{err: fmt.Errorf("failed to get %s usage: %w", name, err)}, none
		}
		average := resource.NewMilliQuantity(out.average, quantityFormat(name))
		return metricOutcome{replicas: out.replicas, timestamp: mi.Timestamp}, autoscalingv2.MetricValueStatus{AverageValue: average}
	}

	if target.AverageUtilization == nil {
		err := errors.New("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set")
		mr.Steps = append(mr.Steps, err.Error())
		return metricOutcome{err: err}, none
	}

	mr.Description = fmt.Sprintf("%s resource utilization (percentage of request)", name)
	if sourceType == autoscalingv2.ContainerResourceMetricSourceType {
		mr.Description = fmt.Sprintf("%s container resource utilization (percentage of request)", name)
	}
	pt := podTarget{resource: name, container: container, utilization: true, targetUtilization: *target.AverageUtilization}
	out, err := c.podMetric(pt, mi, func(err error) error {
		return fmt.Errorf("unable to get metrics for resource %s: %w", name, err)
	}, mr)
	if err != nil {
		return metricOutcome{err: fmt.Errorf("failed to get %s utilization: %w", name, err)}, none
	}
	utilization := out.utilization
	average := resource.NewMilliQuantity(out.average, quantityFormat(name))
	return metricOutcome{replicas: out.replicas, timestamp: mi.Timestamp}, autoscalingv2.MetricValueStatus{
		AverageUtilization: &utilization,
		AverageValue:       average,
	}
}

// podMetric runs the pod-averaged computation after checking the fetch,
// whose error wrapFetch words as the replica calculator does.
func (c *metricContext) podMetric(pt podTarget, mi MetricInput, wrapFetch func(error) error, mr *MetricResult) (podOutcome, error) {
	if mi.Err != nil {
		mr.Steps = append(mr.Steps, fmt.Sprintf("fetching the metric failed: %v", mi.Err))
		return podOutcome{}, wrapFetch(mi.Err)
	}
	return computePodMetric(c.in, mi.PodMetrics, pt, c.specReplicas, c.tol, mr)
}

// computePods handles Pods metrics, whose only target type is AverageValue.
func (c *metricContext) computePods(src *autoscalingv2.PodsMetricSource, mi MetricInput, mr *MetricResult) metricOutcome {
	if _, err := metav1.LabelSelectorAsSelector(src.Metric.Selector); err != nil {
		mr.Steps = append(mr.Steps, fmt.Sprintf("the metric selector is invalid: %v", err))
		return failed("FailedGetPodsMetric", err, err)
	}
	if src.Target.AverageValue == nil {
		// NOTE: the controller dereferences the nil target and panics. API
		// validation requires averageValue for Pods metrics.
		err := errors.New("invalid pods metric source: no average value target was set")
		mr.Steps = append(mr.Steps, err.Error())
		return failed("FailedGetPodsMetric", err, err)
	}

	mr.Description = fmt.Sprintf("pods metric %s", src.Metric.Name)
	pt := podTarget{targetValue: src.Target.AverageValue.MilliValue()}
	out, err := c.podMetric(pt, mi, func(err error) error {
		return fmt.Errorf("unable to get metric %s: %w", src.Metric.Name, err)
	}, mr)
	if err != nil {
		return failed("FailedGetPodsMetric", err, err)
	}

	mr.Status = autoscalingv2.MetricStatus{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricStatus{
			Metric:  autoscalingv2.MetricIdentifier{Name: src.Metric.Name, Selector: src.Metric.Selector},
			Current: autoscalingv2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(out.average, resource.DecimalSI)},
		},
	}
	return metricOutcome{replicas: out.replicas, timestamp: mi.Timestamp}
}
