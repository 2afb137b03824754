package gather

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1 "k8s.io/metrics/pkg/apis/metrics/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

var podKind = schema.GroupKind{Kind: "Pod"}

// listResourceMetrics reads PodMetrics for the selected pods once, for every
// Resource and ContainerResource metric.
func (g *gathering) listResourceMetrics(selector labels.Selector) {
	result := g.readResourceMetrics(selector)
	g.state.ResourceMetrics = result
	for i := range g.state.Metrics {
		switch g.state.Metrics[i].Spec.Type {
		case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
			g.state.Metrics[i].APIVersion = result.APIVersion
			g.state.Metrics[i].Error = result.Error
		}
	}
}

func (g *gathering) readResourceMetrics(selector labels.Selector) *ResourceMetrics {
	version, serr := g.resourceMetricsVersion()
	result := &ResourceMetrics{APIVersion: version.String(), Error: serr}
	if serr != nil {
		return result
	}

	namespace := g.state.Namespace
	source := fmt.Sprintf("LIST %s namespaces/%s/pods?labelSelector=%s", version, namespace, selector)
	opts := metav1.ListOptions{LabelSelector: selector.String()}

	ctx, done := g.begin()
	defer done()

	var err error
	if version == resourceMetricsV1 {
		var list *metricsv1.PodMetricsList
		if list, err = g.c.resourceMetricsV1.PodMetricses(namespace).List(ctx, opts); err == nil {
			result.List = podMetricsFromV1(list)
		}
	} else {
		result.List, err = g.c.resourceMetricsV1beta1.PodMetricses(namespace).List(ctx, opts)
	}
	if err != nil {
		result.Error = newSourceError(source, err)
	}
	return result
}

// podMetricsFromV1 copies a v1 list into the identical v1beta1 schema.
func podMetricsFromV1(in *metricsv1.PodMetricsList) *metricsv1beta1.PodMetricsList {
	out := &metricsv1beta1.PodMetricsList{
		TypeMeta: metav1.TypeMeta{APIVersion: resourceMetricsV1.String(), Kind: "PodMetricsList"},
		ListMeta: in.ListMeta,
		Items:    make([]metricsv1beta1.PodMetrics, len(in.Items)),
	}
	for i, item := range in.Items {
		containers := make([]metricsv1beta1.ContainerMetrics, len(item.Containers))
		for j, c := range item.Containers {
			containers[j] = metricsv1beta1.ContainerMetrics{Name: c.Name, Usage: c.Usage}
		}
		out.Items[i] = metricsv1beta1.PodMetrics{
			TypeMeta:   item.TypeMeta,
			ObjectMeta: item.ObjectMeta,
			Timestamp:  item.Timestamp,
			Window:     item.Window,
			Containers: containers,
		}
	}
	return out
}

// getPodsMetric reads a Pods metric for the selected pods with the same
// call the controller makes.
func (g *gathering) getPodsMetric(i int, selector labels.Selector) {
	m := &g.state.Metrics[i]
	spec := m.Spec.Pods
	if spec == nil {
		m.Error = missingSpec(i, "pods")
		return
	}
	metricSelector, err := metav1.LabelSelectorAsSelector(spec.Metric.Selector)
	if err != nil {
		m.Error = invalidMetricSelector(i, "pods", err)
		return
	}

	api := g.customMetrics()
	m.APIVersion = api.version.String()
	if api.err != nil {
		m.Error = api.err
		return
	}

	namespace := g.state.Namespace
	source := fmt.Sprintf("GET %s namespaces/%s/pods/*/%s?labelSelector=%s", api.version, namespace, spec.Metric.Name, selector)
	if metricSelector.String() != "" {
		source += "&metricLabelSelector=" + metricSelector.String()
	}

	ctx, done := g.begin()
	defer done()
	values, err := callBounded(ctx, func() (*custommetricsv1beta2.MetricValueList, error) {
		return api.client.NamespacedMetrics(namespace).GetForObjects(podKind, selector, spec.Metric.Name, metricSelector)
	})
	if err != nil {
		m.Error = newSourceError(source, err)
		return
	}
	m.Values = values
}

// getUnselectedPodsMetric reads the Pods metric once more without the pod
// selector when the API returned no value for some selected pods, so the
// diagnosis can tell "no values at all" from "values under other labels".
func (g *gathering) getUnselectedPodsMetric(i int) {
	m := &g.state.Metrics[i]
	if !g.valuesMissing(m) {
		return
	}
	metricSelector, _ := metav1.LabelSelectorAsSelector(m.Spec.Pods.Metric.Selector)
	api := g.customMetrics()

	namespace := g.state.Namespace
	name := m.Spec.Pods.Metric.Name
	source := fmt.Sprintf("GET %s namespaces/%s/pods/*/%s", api.version, namespace, name)

	ctx, done := g.begin()
	defer done()
	values, err := callBounded(ctx, func() (*custommetricsv1beta2.MetricValueList, error) {
		return api.client.NamespacedMetrics(namespace).GetForObjects(podKind, labels.Everything(), name, metricSelector)
	})
	if err != nil {
		m.UnselectedError = newSourceError(source, err)
		return
	}
	m.Unselected = values
}

// valuesMissing reports whether some selected pods that can have metrics
// lack a value in m. A 404 from the adapter counts as "no values", the way
// adapters report that no series matched.
func (g *gathering) valuesMissing(m *Metric) bool {
	if g.state.PodsError != nil || m.Spec.Pods == nil || m.Skipped != "" {
		return false
	}
	if m.Error != nil {
		return m.Error.Reason == metav1.StatusReasonNotFound && m.Error.Code == 404
	}

	withValue := map[string]bool{}
	for _, v := range m.Values.Items {
		withValue[v.DescribedObject.Name] = true
	}
	for _, pod := range g.state.Pods {
		// Terminated pods never get new samples and the controller
		// ignores them.
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		if !withValue[pod.Name] {
			return true
		}
	}
	return false
}

// getObjectMetric reads an Object metric for its described object, using a
// root-scoped request for a Namespace as the controller does.
func (g *gathering) getObjectMetric(i int) {
	m := &g.state.Metrics[i]
	spec := m.Spec.Object
	if spec == nil {
		m.Error = missingSpec(i, "object")
		return
	}
	metricSelector, err := metav1.LabelSelectorAsSelector(spec.Metric.Selector)
	if err != nil {
		m.Error = invalidMetricSelector(i, "object", err)
		return
	}

	api := g.customMetrics()
	m.APIVersion = api.version.String()
	if api.err != nil {
		m.Error = api.err
		return
	}

	namespace := g.state.Namespace
	described := spec.DescribedObject
	kind := schema.FromAPIVersionAndKind(described.APIVersion, described.Kind).GroupKind()
	source := fmt.Sprintf("GET %s namespaces/%s/%s/%s/%s", api.version, namespace, kind, described.Name, spec.Metric.Name)

	ctx, done := g.begin()
	defer done()
	value, err := callBounded(ctx, func() (*custommetricsv1beta2.MetricValue, error) {
		if kind == (schema.GroupKind{Kind: "Namespace"}) {
			// The controller ignores the described name here: an HPA may
			// only read its own namespace.
			return api.client.RootScopedMetrics().GetForObject(kind, namespace, spec.Metric.Name, metricSelector)
		}
		return api.client.NamespacedMetrics(namespace).GetForObject(kind, described.Name, spec.Metric.Name, metricSelector)
	})
	if err != nil {
		m.Error = newSourceError(source, err)
		return
	}
	m.Values = &custommetricsv1beta2.MetricValueList{Items: []custommetricsv1beta2.MetricValue{*value}}
}

// getExternalMetric lists an External metric's values for its selector.
func (g *gathering) getExternalMetric(i int) {
	m := &g.state.Metrics[i]
	spec := m.Spec.External
	if spec == nil {
		m.Error = missingSpec(i, "external")
		return
	}
	metricSelector, err := metav1.LabelSelectorAsSelector(spec.Metric.Selector)
	if err != nil {
		m.Error = invalidMetricSelector(i, "external", err)
		return
	}
	m.APIVersion = externalMetricsV1beta1.String()

	namespace := g.state.Namespace
	source := fmt.Sprintf("LIST %s namespaces/%s/%s", externalMetricsV1beta1, namespace, spec.Metric.Name)
	if metricSelector.String() != "" {
		source += "?labelSelector=" + metricSelector.String()
	}

	ctx, done := g.begin()
	defer done()
	list, err := callBounded(ctx, func() (*externalmetricsv1beta1.ExternalMetricValueList, error) {
		return g.c.externalMetrics.NamespacedMetrics(namespace).List(spec.Metric.Name, metricSelector)
	})
	if err != nil {
		m.Error = newSourceError(source, err)
		return
	}
	m.External = list
}

func missingSpec(i int, field string) *SourceError {
	return &SourceError{
		Source:  fmt.Sprintf("spec.metrics[%d]", i),
		Message: fmt.Sprintf("spec.metrics[%d].%s is missing for its type", i, field),
	}
}

func invalidMetricSelector(i int, field string, err error) *SourceError {
	return &SourceError{
		Source:  fmt.Sprintf("spec.metrics[%d].%s.metric.selector", i, field),
		Message: fmt.Sprintf("invalid metric selector: %v", err),
	}
}
