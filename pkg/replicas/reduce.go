package replicas

import (
	"errors"
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// customMetricDefaultWindow is the window the controller assumes for a
// custom metric value without windowSeconds.
const customMetricDefaultWindow = time.Minute

// ResourcePodMetrics reduces a metrics.k8s.io PodMetricsList the way the
// controller's metrics client does, for a Resource metric (container empty)
// or a ContainerResource metric. For a Resource metric each pod's value is
// the sum over its containers. A pod without containers, or with a
// container lacking the resource, is dropped and so counts as missing. For a
// ContainerResource metric the value is the named container's, and a pod
// without that container or without the resource in it is dropped. The
// timestamp is the first item's, even when that item is dropped.
func ResourcePodMetrics(list *metricsv1beta1.PodMetricsList, name corev1.ResourceName, container string) (PodMetricsInfo, time.Time, error) {
	if list == nil || len(list.Items) == 0 {
		return nil, time.Time{}, errors.New("no metrics returned from resource metrics API")
	}

	res := make(PodMetricsInfo, len(list.Items))
	for _, m := range list.Items {
		if container != "" {
			if value, ok := containerUsage(m, name, container); ok {
				res[m.Name] = PodMetric{Timestamp: m.Timestamp.Time, Window: m.Window.Duration, Value: value}
			}
			continue
		}
		if value, ok := podUsage(m, name); ok {
			res[m.Name] = PodMetric{Timestamp: m.Timestamp.Time, Window: m.Window.Duration, Value: value}
		}
	}
	return res, list.Items[0].Timestamp.Time, nil
}

func podUsage(m metricsv1beta1.PodMetrics, name corev1.ResourceName) (int64, bool) {
	if len(m.Containers) == 0 {
		return 0, false
	}
	sum := int64(0)
	for _, c := range m.Containers {
		usage, ok := c.Usage[name]
		if !ok {
			return 0, false
		}
		sum += usage.MilliValue()
	}
	return sum, true
}

// containerUsage returns the first container of that name's usage, as the
// controller stops at the first match.
func containerUsage(m metricsv1beta1.PodMetrics, name corev1.ResourceName, container string) (int64, bool) {
	for _, c := range m.Containers {
		if c.Name != container {
			continue
		}
		usage, ok := c.Usage[name]
		if !ok {
			return 0, false
		}
		return usage.MilliValue(), true
	}
	return 0, false
}

// CustomPodMetrics reduces a custom.metrics.k8s.io MetricValueList for a
// Pods metric the way the controller's metrics client does: values keyed by
// describedObject.name, a window of one minute when windowSeconds is unset,
// and the first item's timestamp.
func CustomPodMetrics(list *custommetricsv1beta2.MetricValueList) (PodMetricsInfo, time.Time, error) {
	if list == nil || len(list.Items) == 0 {
		return nil, time.Time{}, errors.New("no metrics returned from custom metrics API")
	}

	res := make(PodMetricsInfo, len(list.Items))
	for _, m := range list.Items {
		window := customMetricDefaultWindow
		if m.WindowSeconds != nil {
			window = time.Duration(*m.WindowSeconds) * time.Second
		}
		res[m.DescribedObject.Name] = PodMetric{Timestamp: m.Timestamp.Time, Window: window, Value: m.Value.MilliValue()}
	}
	return res, list.Items[0].Timestamp.Time, nil
}

// ObjectValue reduces the custom.metrics.k8s.io MetricValueList for an
// Object metric to its value in milli-units and its timestamp. Like the client library the
// controller uses, it requires exactly one item.
func ObjectValue(list *custommetricsv1beta2.MetricValueList) (int64, time.Time, error) {
	n := 0
	if list != nil {
		n = len(list.Items)
	}
	if n != 1 {
		return 0, time.Time{}, FetchError(autoscalingv2.ObjectMetricSourceType,
			fmt.Errorf("the custom metrics API server returned %v results when we asked for exactly one", n))
	}
	item := list.Items[0]
	return item.Value.MilliValue(), item.Timestamp.Time, nil
}

// ExternalValues reduces an external.metrics.k8s.io ExternalMetricValueList
// to its values in milli-units, in order, and the first item's timestamp.
// Put the values in MetricInput.ExternalValues, and Compute sums them.
func ExternalValues(list *externalmetricsv1beta1.ExternalMetricValueList) ([]int64, time.Time, error) {
	if list == nil || len(list.Items) == 0 {
		return nil, time.Time{}, errors.New("no metrics returned from external metrics API")
	}

	values := make([]int64, 0, len(list.Items))
	for _, m := range list.Items {
		values = append(values, m.Value.MilliValue())
	}
	return values, list.Items[0].Timestamp.Time, nil
}

// FetchError wraps an error from a metrics API request the way the
// controller's metrics client does for the metric source type, so that
// MetricInput.Err and the texts Compute builds from it match the
// controller's events and conditions.
func FetchError(source autoscalingv2.MetricSourceType, err error) error {
	switch source {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		return fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	case autoscalingv2.PodsMetricSourceType, autoscalingv2.ObjectMetricSourceType:
		return fmt.Errorf("unable to fetch metrics from custom metrics API: %w", err)
	case autoscalingv2.ExternalMetricSourceType:
		return fmt.Errorf("unable to fetch metrics from external metrics API: %w", err)
	}
	return err
}
