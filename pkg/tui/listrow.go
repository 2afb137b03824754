package tui

import (
	"sort"
	"strconv"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// listRow is one HPA of the list, read from its spec and status alone.
type listRow struct {
	key    hpaKey
	uid    types.UID
	target string
	// current, desired, min and max are the status and spec replica
	// counts.
	current int32
	desired int32
	min     int32
	max     int32
	metrics []string
}

// listRows turns a LIST of HPAs into rows sorted by namespace and name.
func listRows(hpas []autoscalingv2.HorizontalPodAutoscaler) []listRow {
	rows := make([]listRow, 0, len(hpas))
	for i := range hpas {
		hpa := &hpas[i]
		ref := hpa.Spec.ScaleTargetRef
		row := listRow{
			key:     hpaKey{Namespace: hpa.Namespace, Name: hpa.Name},
			uid:     hpa.UID,
			target:  clean(ref.Kind) + "/" + clean(ref.Name),
			current: hpa.Status.CurrentReplicas,
			desired: hpa.Status.DesiredReplicas,
			min:     1,
			max:     hpa.Spec.MaxReplicas,
		}
		if hpa.Spec.MinReplicas != nil {
			row.min = *hpa.Spec.MinReplicas
		}
		for j, spec := range hpa.Spec.Metrics {
			row.metrics = append(row.metrics, listMetric(spec, statusFor(hpa, j, spec)))
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].key.Namespace != rows[j].key.Namespace {
			return rows[i].key.Namespace < rows[j].key.Namespace
		}
		return rows[i].key.Name < rows[j].key.Name
	})
	return rows
}

// statusFor finds the status.currentMetrics entry of spec.metrics[index].
// The controller writes the entries in spec order, leaving an empty entry
// for a metric it could not read, so the same index is tried first.
func statusFor(hpa *autoscalingv2.HorizontalPodAutoscaler, index int, spec autoscalingv2.MetricSpec) *autoscalingv2.MetricStatus {
	statuses := hpa.Status.CurrentMetrics
	if index < len(statuses) && statuses[index].Type == spec.Type && metricStatusName(statuses[index]) == metricSpecName(spec) {
		return &statuses[index]
	}
	for i := range statuses {
		if statuses[i].Type == spec.Type && metricStatusName(statuses[i]) == metricSpecName(spec) {
			return &statuses[i]
		}
	}
	return nil
}

func metricSpecName(spec autoscalingv2.MetricSpec) string {
	switch {
	case spec.Resource != nil:
		return string(spec.Resource.Name)
	case spec.ContainerResource != nil:
		return string(spec.ContainerResource.Name) + "/" + spec.ContainerResource.Container
	case spec.Pods != nil:
		return spec.Pods.Metric.Name
	case spec.Object != nil:
		return spec.Object.Metric.Name
	case spec.External != nil:
		return spec.External.Metric.Name
	}
	return ""
}

func metricStatusName(status autoscalingv2.MetricStatus) string {
	switch {
	case status.Resource != nil:
		return string(status.Resource.Name)
	case status.ContainerResource != nil:
		return string(status.ContainerResource.Name) + "/" + status.ContainerResource.Container
	case status.Pods != nil:
		return status.Pods.Metric.Name
	case status.Object != nil:
		return status.Object.Metric.Name
	case status.External != nil:
		return status.External.Metric.Name
	}
	return ""
}

// listMetric prints one metric as "name current/target", as kubectl get hpa
// prints its TARGETS column; an unknown current value prints "<unknown>".
func listMetric(spec autoscalingv2.MetricSpec, status *autoscalingv2.MetricStatus) string {
	var target autoscalingv2.MetricTarget
	var current *autoscalingv2.MetricValueStatus
	name := clean(metricSpecName(spec))
	switch {
	case spec.Resource != nil:
		target = spec.Resource.Target
		if status != nil && status.Resource != nil {
			current = &status.Resource.Current
		}
	case spec.ContainerResource != nil:
		name = clean(string(spec.ContainerResource.Name)) + "[" + clean(spec.ContainerResource.Container) + "]"
		target = spec.ContainerResource.Target
		if status != nil && status.ContainerResource != nil {
			current = &status.ContainerResource.Current
		}
	case spec.Pods != nil:
		target = spec.Pods.Target
		if status != nil && status.Pods != nil {
			current = &status.Pods.Current
		}
	case spec.Object != nil:
		target = spec.Object.Target
		if status != nil && status.Object != nil {
			current = &status.Object.Current
		}
	case spec.External != nil:
		target = spec.External.Target
		if status != nil && status.External != nil {
			current = &status.External.Current
		}
	default:
		return "<" + clean(string(spec.Type)) + ">"
	}
	unit := &v1alpha1.Metric{Type: string(spec.Type), Name: metricSpecName(spec)}
	return name + " " + currentText(unit, target, current) + "/" + targetText(unit, target)
}

func targetText(unit *v1alpha1.Metric, t autoscalingv2.MetricTarget) string {
	switch t.Type {
	case autoscalingv2.UtilizationMetricType:
		if t.AverageUtilization != nil {
			return strconv.Itoa(int(*t.AverageUtilization)) + "%"
		}
	case autoscalingv2.AverageValueMetricType:
		return quantityText(unit, t.AverageValue)
	case autoscalingv2.ValueMetricType:
		return quantityText(unit, t.Value)
	}
	return "<unset>"
}

// currentText prints the current value in the form of the target.
func currentText(unit *v1alpha1.Metric, t autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
	if cur == nil {
		return "<unknown>"
	}
	switch {
	case t.Type == autoscalingv2.UtilizationMetricType && cur.AverageUtilization != nil:
		return strconv.Itoa(int(*cur.AverageUtilization)) + "%"
	case t.Type == autoscalingv2.ValueMetricType && cur.Value != nil:
		return quantityText(unit, cur.Value)
	case cur.AverageValue != nil:
		return quantityText(unit, cur.AverageValue)
	case cur.Value != nil:
		return quantityText(unit, cur.Value)
	}
	return "<unknown>"
}

// quantityText prints a quantity as a plain number (a custom metric's
// "539m" is 0.539). The resource names keep their units: cpu in millicores
// as kubectl top prints it, memory with a binary suffix.
func quantityText(unit *v1alpha1.Metric, q *resource.Quantity) string {
	if q == nil {
		return "<unset>"
	}
	return formatQuantity(unit, q.AsApproximateFloat64())
}

// matches reports whether the row's namespace/name contains filter,
// ignoring case.
func (r *listRow) matches(filter string) bool {
	if filter == "" {
		return true
	}
	return strings.Contains(strings.ToLower(r.key.String()), strings.ToLower(filter))
}
