package diagnose

import (
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Metrics API groups the HPA controller reads.
const (
	groupResource = "metrics.k8s.io"
	groupCustom   = "custom.metrics.k8s.io"
	groupExternal = "external.metrics.k8s.io"
)

// metricGroup returns the metrics API group that serves a metric source.
func metricGroup(spec autoscalingv2.MetricSpec) string {
	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		return groupResource
	case autoscalingv2.PodsMetricSourceType, autoscalingv2.ObjectMetricSourceType:
		return groupCustom
	case autoscalingv2.ExternalMetricSourceType:
		return groupExternal
	}
	return ""
}

// metricName returns the metric's name, or the resource name for Resource
// and ContainerResource metrics.
func metricName(spec autoscalingv2.MetricSpec) string {
	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType:
		if spec.Resource != nil {
			return string(spec.Resource.Name)
		}
	case autoscalingv2.ContainerResourceMetricSourceType:
		if spec.ContainerResource != nil {
			return string(spec.ContainerResource.Name)
		}
	case autoscalingv2.PodsMetricSourceType:
		if spec.Pods != nil {
			return spec.Pods.Metric.Name
		}
	case autoscalingv2.ObjectMetricSourceType:
		if spec.Object != nil {
			return spec.Object.Metric.Name
		}
	case autoscalingv2.ExternalMetricSourceType:
		if spec.External != nil {
			return spec.External.Metric.Name
		}
	}
	return ""
}

// metricSelector returns the metric's label selector in query form.
func metricSelector(spec autoscalingv2.MetricSpec) string {
	var sel *metav1.LabelSelector
	switch {
	case spec.Pods != nil:
		sel = spec.Pods.Metric.Selector
	case spec.Object != nil:
		sel = spec.Object.Metric.Selector
	case spec.External != nil:
		sel = spec.External.Metric.Selector
	}
	if sel == nil {
		return ""
	}
	parsed, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return ""
	}
	return parsed.String()
}

// describe names a metric for messages: "Pods metric http_requests".
func describe(spec autoscalingv2.MetricSpec) string {
	name := metricName(spec)
	switch spec.Type {
	case autoscalingv2.ContainerResourceMetricSourceType:
		if spec.ContainerResource != nil {
			return fmt.Sprintf("ContainerResource metric %s of container %s", name, spec.ContainerResource.Container)
		}
	case autoscalingv2.ObjectMetricSourceType:
		if spec.Object != nil {
			return fmt.Sprintf("Object metric %s of %s/%s", name, spec.Object.DescribedObject.Kind, spec.Object.DescribedObject.Name)
		}
	}
	return fmt.Sprintf("%s metric %s", spec.Type, name)
}

// rawPath returns the API path the controller reads for a metric, for
// "kubectl get --raw" check commands. version is the API version to use.
func rawPath(spec autoscalingv2.MetricSpec, namespace, version, podSelector string) string {
	group := metricGroup(spec)
	query := []string{}
	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		if podSelector != "" {
			query = append(query, "labelSelector="+podSelector)
		}
		return withQuery(fmt.Sprintf("/apis/%s/%s/namespaces/%s/pods", group, version, namespace), query)
	case autoscalingv2.PodsMetricSourceType:
		if podSelector != "" {
			query = append(query, "labelSelector="+podSelector)
		}
		if sel := metricSelector(spec); sel != "" {
			query = append(query, "metricLabelSelector="+sel)
		}
		return withQuery(fmt.Sprintf("/apis/%s/%s/namespaces/%s/pods/*/%s", group, version, namespace, metricName(spec)), query)
	case autoscalingv2.ObjectMetricSourceType:
		if sel := metricSelector(spec); sel != "" {
			query = append(query, "metricLabelSelector="+sel)
		}
		ref := spec.Object.DescribedObject
		return withQuery(fmt.Sprintf("/apis/%s/%s/namespaces/%s/%s/%s/%s", group, version, namespace, kindToResource(ref.Kind), ref.Name, metricName(spec)), query)
	case autoscalingv2.ExternalMetricSourceType:
		if sel := metricSelector(spec); sel != "" {
			query = append(query, "labelSelector="+sel)
		}
		return withQuery(fmt.Sprintf("/apis/%s/%s/namespaces/%s/%s", group, version, namespace, metricName(spec)), query)
	}
	return ""
}

func withQuery(path string, query []string) string {
	if len(query) == 0 {
		return path
	}
	return path + "?" + strings.Join(query, "&")
}

// kindToResource guesses the plural resource name of a kind the way the
// custom metrics API paths spell it ("Service" → "services").
// NOTE: irregular plurals of custom resources may differ; the discovery
// document is authoritative where the gathering has it.
func kindToResource(kind string) string {
	lower := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(lower, "s"), strings.HasSuffix(lower, "x"), strings.HasSuffix(lower, "ch"), strings.HasSuffix(lower, "sh"):
		return lower + "es"
	case strings.HasSuffix(lower, "y") && len(lower) > 1 && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return lower[:len(lower)-1] + "ies"
	}
	return lower + "s"
}

// defaultVersion is the API version used in check commands when the
// gathering did not record which version served the values.
func defaultVersion(group string) string {
	switch group {
	case groupResource:
		return "v1beta1"
	case groupCustom:
		return "v1beta2"
	}
	return "v1beta1"
}
