package replicas

import (
	"errors"
	"fmt"
	"math"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// computeObject handles Object metrics. Only target.type decides between a
// Value and an AverageValue target here, unlike for Resource and External
// metrics.
func (c *metricContext) computeObject(src *autoscalingv2.ObjectMetricSource, mi MetricInput, mr *MetricResult) metricOutcome {
	if _, err := metav1.LabelSelectorAsSelector(src.Metric.Selector); err != nil {
		mr.Steps = append(mr.Steps, fmt.Sprintf("the metric selector is invalid: %v", err))
		return failed("FailedGetObjectMetric", err, err)
	}

	fetchErr := func() error {
		mr.Steps = append(mr.Steps, fmt.Sprintf("fetching the metric failed: %v", mi.Err))
		return fmt.Errorf("unable to get metric %s on %s %s/%s: %w",
			src.Metric.Name, src.DescribedObject.Kind, c.in.HPA.Namespace, src.DescribedObject.Name, mi.Err)
	}
	status := func(current autoscalingv2.MetricValueStatus) autoscalingv2.MetricStatus {
		return autoscalingv2.MetricStatus{
			Type: autoscalingv2.ObjectMetricSourceType,
			Object: &autoscalingv2.ObjectMetricStatus{
				DescribedObject: src.DescribedObject,
				Metric:          autoscalingv2.MetricIdentifier{Name: src.Metric.Name, Selector: src.Metric.Selector},
				Current:         current,
			},
		}
	}

	target := src.Target
	switch {
	case target.Type == autoscalingv2.ValueMetricType && target.Value != nil:
		mr.Description = fmt.Sprintf("%s metric %s", src.DescribedObject.Kind, src.Metric.Name)
		if mi.Err != nil {
			err := fetchErr()
			return failed("FailedGetObjectMetric", err, err)
		}
		usage := mi.Value
		targetValue := target.Value.MilliValue()
		usageRatio := float64(usage) / float64(targetValue)
		mr.Steps = append(mr.Steps, fmt.Sprintf("%s %s has value %s; target %s; usage ratio %s",
			src.DescribedObject.Kind, src.DescribedObject.Name, formatMilli(usage), formatMilli(targetValue), formatRatio(usageRatio)))

		replicas, err := c.usageRatioReplicas(c.specReplicas, usageRatio, mr)
		if err != nil {
			return failed("FailedGetObjectMetric", err, err)
		}
		mr.Status = status(autoscalingv2.MetricValueStatus{Value: resource.NewMilliQuantity(usage, resource.DecimalSI)})
		// The controller drops the Object sample's timestamp for Value
		// targets.
		return metricOutcome{replicas: replicas}

	case target.Type == autoscalingv2.AverageValueMetricType && target.AverageValue != nil:
		// The controller words this description as for an External metric.
		mr.Description = fmt.Sprintf("external metric %s(%+v)", src.Metric.Name, src.Metric.Selector)
		if mi.Err != nil {
			err := fetchErr()
			return failed("FailedGetObjectMetric", err, fmt.Errorf("failed to get %s object metric: %w", src.Metric.Name, err))
		}
		replicas, average := c.objectPerPod(mi.Value, target.AverageValue.MilliValue(), mr)
		mr.Status = status(autoscalingv2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(average, resource.DecimalSI)})
		return metricOutcome{replicas: replicas, timestamp: mi.Timestamp}
	}

	err := errors.New("invalid object metric source: neither a value target nor an average value target was set")
	mr.Steps = append(mr.Steps, err.Error())
	return failed("FailedGetObjectMetric", err, err)
}

// objectPerPod handles an Object metric's AverageValue target: the usage
// ratio is against status.replicas of the scale, and the proposal is
// ceil(value / target), independent of the pods. It returns the proposal
// and the per-pod value for the status, which the controller rounds up.
// Neither conversion is capped, unlike for External metrics.
func (c *metricContext) objectPerPod(total, target int64, mr *MetricResult) (int32, int64) {
	status := c.statusReplicas
	usageRatio := float64(total) / (float64(target) * float64(status))
	mr.UsageRatio, mr.RebalancedRatio = usageRatio, usageRatio
	mr.Steps = append(mr.Steps, fmt.Sprintf("object value %s / (target %s per pod × %d status replicas) = usage ratio %s",
		formatMilli(total), formatMilli(target), status, formatRatio(usageRatio)))

	replicas := status
	if c.tol.isWithin(usageRatio) {
		mr.WithinTolerance = true
		mr.Steps = append(mr.Steps, fmt.Sprintf("usage ratio %s is inside the tolerance band %s, so the proposal is the %d status replicas",
			formatRatio(usageRatio), c.tol.band(), status))
	} else {
		replicas = int32(math.Ceil(float64(total) / float64(target)))
		mr.Steps = append(mr.Steps, fmt.Sprintf("usage ratio %s is outside the tolerance band %s; proposal ceil(%s / %s) = %d replicas",
			formatRatio(usageRatio), c.tol.band(), formatMilli(total), formatMilli(target), replicas))
	}

	average := int64(math.Ceil(float64(total) / float64(status)))
	return replicas, average
}

// usageRatioReplicas turns an Object or External Value target's usage ratio
// into a proposal. From zero replicas the proposal is ceil(usage ratio), so
// that the HPA can scale to and from zero. Otherwise the ratio scales the
// number of Running and Ready pods.
func (c *metricContext) usageRatioReplicas(current int32, usageRatio float64, mr *MetricResult) (int32, error) {
	mr.UsageRatio, mr.RebalancedRatio = usageRatio, usageRatio
	if current == 0 {
		replicas := int32(math.Ceil(usageRatio))
		mr.Steps = append(mr.Steps, fmt.Sprintf("the scale target has 0 replicas, so the tolerance is skipped and the proposal is ceil(%s) = %d replicas",
			formatRatio(usageRatio), replicas))
		return replicas, nil
	}
	if c.tol.isWithin(usageRatio) {
		mr.WithinTolerance = true
		mr.Steps = append(mr.Steps, fmt.Sprintf("usage ratio %s is inside the tolerance band %s, so the proposal stays at %d replicas",
			formatRatio(usageRatio), c.tol.band(), current))
		return current, nil
	}

	if len(c.in.Pods) == 0 {
		mr.Steps = append(mr.Steps, "the scale target's selector matches no pods, so the ready pods cannot be counted")
		return 0, fmt.Errorf("unable to calculate ready pods: %s", errNoPods)
	}
	ready := 0
	for _, pod := range c.in.Pods {
		if pod.Status.Phase == corev1.PodRunning && podReady(pod) {
			ready++
		}
	}
	mr.ReadyPodCount = ready

	proposal := usageRatio * float64(ready)
	var replicas int32
	if proposal > math.MaxInt32 {
		replicas = math.MaxInt32
	} else {
		replicas = int32(math.Ceil(proposal))
	}
	mr.Steps = append(mr.Steps, fmt.Sprintf("usage ratio %s is outside the tolerance band %s; proposal ceil(%s × %d Running and Ready pods) = %d replicas",
		formatRatio(usageRatio), c.tol.band(), formatRatio(usageRatio), ready, replicas))
	return replicas, nil
}

func podReady(pod *corev1.Pod) bool {
	for _, cond := range pod.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// computeExternal handles External metrics. An AverageValue target wins
// over a Value target whatever target.type is, as in the controller.
func (c *metricContext) computeExternal(src *autoscalingv2.ExternalMetricSource, mi MetricInput, mr *MetricResult) metricOutcome {
	target := src.Target
	mr.Description = fmt.Sprintf("external metric %s(%+v)", src.Metric.Name, src.Metric.Selector)

	if target.AverageValue == nil && target.Value == nil {
		err := errors.New("invalid external metric source: neither a value target nor an average value target was set")
		mr.Steps = append(mr.Steps, err.Error())
		return failed("FailedGetExternalMetric", err, err)
	}

	wrap := func(err error) error {
		if target.AverageValue != nil {
			return fmt.Errorf("failed to get %s external metric: %w", src.Metric.Name, err)
		}
		return fmt.Errorf("failed to get external metric %s: %w", src.Metric.Name, err)
	}
	if _, err := metav1.LabelSelectorAsSelector(src.Metric.Selector); err != nil {
		mr.Steps = append(mr.Steps, fmt.Sprintf("the metric selector is invalid: %v", err))
		return failed("FailedGetExternalMetric", err, wrap(err))
	}
	if mi.Err != nil {
		mr.Steps = append(mr.Steps, fmt.Sprintf("fetching the metric failed: %v", mi.Err))
		// The controller formats the fetch error with %s, so it does not
		// wrap it.
		err := fmt.Errorf("unable to get external metric %s/%s/%+v: %s", c.in.HPA.Namespace, src.Metric.Name, src.Metric.Selector, mi.Err)
		return failed("FailedGetExternalMetric", err, wrap(err))
	}

	values := mi.ExternalValues
	if values == nil {
		values = []int64{mi.Value}
	}
	status := func(current autoscalingv2.MetricValueStatus) autoscalingv2.MetricStatus {
		return autoscalingv2.MetricStatus{
			Type: autoscalingv2.ExternalMetricSourceType,
			External: &autoscalingv2.ExternalMetricStatus{
				Metric:  autoscalingv2.MetricIdentifier{Name: src.Metric.Name, Selector: src.Metric.Selector},
				Current: current,
			},
		}
	}

	if target.AverageValue != nil {
		total := sumExternalPerPod(values)
		replicas, average := c.externalPerPod(total, target.AverageValue.MilliValue(), len(values), mr)
		mr.Status = status(autoscalingv2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(average, resource.DecimalSI)})
		return metricOutcome{replicas: replicas, timestamp: mi.Timestamp}
	}

	total := sumExternalValue(values)
	targetValue := target.Value.MilliValue()
	usageRatio := float64(total) / float64(targetValue)
	mr.Steps = append(mr.Steps, fmt.Sprintf("sum of %d external values %s; target %s; usage ratio %s",
		len(values), formatMilli(total), formatMilli(targetValue), formatRatio(usageRatio)))
	replicas, err := c.usageRatioReplicas(c.specReplicas, usageRatio, mr)
	if err != nil {
		return failed("FailedGetExternalMetric", err, wrap(err))
	}
	mr.Status = status(autoscalingv2.MetricValueStatus{Value: resource.NewMilliQuantity(total, resource.DecimalSI)})
	// The controller drops the External sample's timestamp for Value
	// targets.
	return metricOutcome{replicas: replicas}
}

// externalPerPod is perPodReplicas for External metrics, whose proposal the
// controller caps at MaxInt32 and whose per-pod value it caps at MaxInt64.
func (c *metricContext) externalPerPod(total, target int64, count int, mr *MetricResult) (int32, int64) {
	status := c.statusReplicas
	usageRatio := float64(total) / (float64(target) * float64(status))
	mr.UsageRatio, mr.RebalancedRatio = usageRatio, usageRatio
	mr.Steps = append(mr.Steps, fmt.Sprintf("sum of %d external values %s / (target %s per pod × %d status replicas) = usage ratio %s",
		count, formatMilli(total), formatMilli(target), status, formatRatio(usageRatio)))

	replicas := status
	if c.tol.isWithin(usageRatio) {
		mr.WithinTolerance = true
		mr.Steps = append(mr.Steps, fmt.Sprintf("usage ratio %s is inside the tolerance band %s, so the proposal is the %d status replicas",
			formatRatio(usageRatio), c.tol.band(), status))
	} else {
		proposal := math.Ceil(float64(total) / float64(target))
		if proposal > float64(math.MaxInt32) {
			replicas = math.MaxInt32
		} else {
			replicas = int32(proposal)
		}
		mr.Steps = append(mr.Steps, fmt.Sprintf("usage ratio %s is outside the tolerance band %s; proposal ceil(%s / %s) = %d replicas",
			formatRatio(usageRatio), c.tol.band(), formatMilli(total), formatMilli(target), replicas))
	}

	var average int64
	if float64(total) >= float64(math.MaxInt64) {
		average = math.MaxInt64
	} else {
		average = int64(math.Ceil(float64(total) / float64(status)))
	}
	return replicas, average
}

// sumExternalValue sums the values for a Value target, stopping at
// MaxInt64 on positive overflow. A negative overflow wraps, as in the
// controller.
func sumExternalValue(values []int64) int64 {
	total := int64(0)
	for _, v := range values {
		if v > 0 && total > math.MaxInt64-v {
			return math.MaxInt64
		}
		total += v
	}
	return total
}

// sumExternalPerPod sums the values for an AverageValue target. The
// controller treats any negative running sum as an overflow and returns
// MaxInt64, so a negative value early in the list does too.
func sumExternalPerPod(values []int64) int64 {
	total := int64(0)
	for _, v := range values {
		total += v
		if total < 0 {
			return math.MaxInt64
		}
	}
	return total
}
