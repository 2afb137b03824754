package snapshot

import (
	"fmt"
	"strconv"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// response is a metric response tied to one entry of spec.metrics.
type response struct {
	values   *custommetricsv1beta2.MetricValueList
	external *externalmetricsv1beta1.ExternalMetricValueList
	// apiVersion is the metrics API group/version that served the response.
	apiVersion string
	where      string
}

// metricResponses collects the responses for each metric index.
type metricResponses struct {
	l          *loader
	specs      []autoscalingv2.MetricSpec
	values     map[int]response
	unselected map[int]response
}

// setMetrics fills what was fetched for each metric: the recorded response
// or failure, a response matched by metric name, or a NotCaptured error.
func (l *loader) setMetrics(state *gather.State, selector labels.Selector) error {
	if selector != nil && usesResourceMetrics(state) {
		if err := l.setResourceMetrics(state, selector); err != nil {
			return err
		}
	}

	r := &metricResponses{l: l, specs: state.HPA.Spec.Metrics, values: map[int]response{}, unselected: map[int]response{}}
	if err := r.collect(); err != nil {
		return err
	}

	for i := range state.Metrics {
		m := &state.Metrics[i]
		key := partMetric + "/" + strconv.Itoa(i)
		if err := l.status(key); err != nil {
			m.Error = err
			m.APIVersion = l.statuses[key].annotation(AnnotationAPIVersion)
		}
		if err := l.status(partUnselected + "/" + strconv.Itoa(i)); err != nil {
			m.UnselectedError = err
		}

		switch m.Spec.Type {
		case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
			if rm := state.ResourceMetrics; rm != nil && m.Error == nil {
				m.APIVersion, m.Error = rm.APIVersion, rm.Error
			}
			continue
		case autoscalingv2.PodsMetricSourceType, autoscalingv2.ObjectMetricSourceType, autoscalingv2.ExternalMetricSourceType:
		default:
			continue
		}
		if m.Skipped != "" || m.Error != nil {
			continue
		}

		got, ok := r.values[i]
		if !ok {
			m.Error = l.notCaptured("no %s for %s", responseKind(m.Spec.Type), describeSpec(m.Spec))
			continue
		}
		m.APIVersion = got.apiVersion
		m.Values, m.External = got.values, got.external
		if u, ok := r.unselected[i]; ok {
			m.Unselected = u.values
		}
		if !l.complete && m.Spec.Type == autoscalingv2.PodsMetricSourceType {
			splitSelection(state, m)
		}
	}
	return nil
}

func usesResourceMetrics(state *gather.State) bool {
	for _, m := range state.Metrics {
		if m.Spec.Type == autoscalingv2.ResourceMetricSourceType || m.Spec.Type == autoscalingv2.ContainerResourceMetricSourceType {
			return true
		}
	}
	return false
}

func responseKind(t autoscalingv2.MetricSourceType) string {
	if t == autoscalingv2.ExternalMetricSourceType {
		return "ExternalMetricValueList"
	}
	return "MetricValueList"
}

// describeSpec names a metric for messages: "Pods metric http_requests".
func describeSpec(spec autoscalingv2.MetricSpec) string {
	return fmt.Sprintf("%s metric %s", spec.Type, metricName(spec))
}

func metricName(spec autoscalingv2.MetricSpec) string {
	switch {
	case spec.Pods != nil:
		return spec.Pods.Metric.Name
	case spec.Object != nil:
		return spec.Object.Metric.Name
	case spec.External != nil:
		return spec.External.Metric.Name
	case spec.Resource != nil:
		return string(spec.Resource.Name)
	case spec.ContainerResource != nil:
		return string(spec.ContainerResource.Name)
	}
	return ""
}

// setResourceMetrics fills the shared metrics.k8s.io response. Outside a
// complete snapshot the list is cut to the selected pods, because the
// controller requests values with the scale's selector and fails on values
// of pods it did not list.
func (l *loader) setResourceMetrics(state *gather.State, selector labels.Selector) error {
	if err := l.status(partResourceMetrics); err != nil {
		state.ResourceMetrics = &gather.ResourceMetrics{
			APIVersion: l.statuses[partResourceMetrics].annotation(AnnotationAPIVersion),
			Error:      err,
		}
		return nil
	}

	var chosen *entry[*metricsv1beta1.PodMetricsList]
	for i := range l.set.podMetrics {
		e := &l.set.podMetrics[i]
		if chosen != nil && !equality.Semantic.DeepEqual(chosen.obj, e.obj) {
			return fmt.Errorf("%s: %s and %s are both PodMetricsLists with different content: keep one of them", l.source, chosen.src.where, e.src.where)
		}
		chosen = e
	}
	if chosen == nil {
		state.ResourceMetrics = &gather.ResourceMetrics{
			APIVersion: resourceMetricsV1beta1,
			Error:      l.notCaptured("no PodMetricsList for the pods of %s/%s", state.Target.Ref.Kind, state.Target.Ref.Name),
		}
		return nil
	}

	list := chosen.obj.DeepCopy()
	if !l.complete {
		selected := map[string]bool{}
		for _, pod := range state.Pods {
			selected[pod.Name] = true
		}
		kept := list.Items[:0]
		for _, item := range list.Items {
			if selected[item.Name] || (len(item.Labels) > 0 && selector.Matches(labels.Set(item.Labels))) {
				kept = append(kept, item)
			}
		}
		list.Items = kept
	}
	state.ResourceMetrics = &gather.ResourceMetrics{APIVersion: chosen.src.gvk.GroupVersion().String(), List: list}
	return nil
}

// collect ties each custom and external metrics response to a metric:
// by the snapshot's index annotation, else by metric name.
func (r *metricResponses) collect() error {
	ownSnapshot := r.l.subject.obj.Annotations[AnnotationCapturedAt] != ""
	for _, e := range r.l.set.metricValues {
		resp := response{values: e.obj, apiVersion: apiVersionOf(e.src), where: e.src.where}
		if e.annotation(AnnotationMetricIndex) != "" {
			if !ownSnapshot {
				r.l.ignore(e.src, "metric response of another HPA's snapshot")
				continue
			}
			if err := r.addIndexed(e.src, resp); err != nil {
				return err
			}
			continue
		}
		if err := r.addMatched(e.src, resp, r.matchValues(e.obj)); err != nil {
			return err
		}
	}
	for _, e := range r.l.set.externals {
		resp := response{external: e.obj, apiVersion: apiVersionOf(e.src), where: e.src.where}
		if e.annotation(AnnotationMetricIndex) != "" {
			if !ownSnapshot {
				r.l.ignore(e.src, "metric response of another HPA's snapshot")
				continue
			}
			if err := r.addIndexed(e.src, resp); err != nil {
				return err
			}
			continue
		}
		if err := r.addMatched(e.src, resp, r.matchExternal(e.obj)); err != nil {
			return err
		}
	}
	return nil
}

func apiVersionOf(obj rawObject) string {
	if v := obj.meta.Annotations[AnnotationAPIVersion]; v != "" {
		return v
	}
	return obj.gvk.GroupVersion().String()
}

// addIndexed files a response by its metric-index annotation.
func (r *metricResponses) addIndexed(obj rawObject, resp response) error {
	index, err := strconv.Atoi(obj.meta.Annotations[AnnotationMetricIndex])
	if err != nil || index < 0 || index >= len(r.specs) {
		r.l.ignore(obj, fmt.Sprintf("%s is not an index of spec.metrics, which has %d entries", AnnotationMetricIndex, len(r.specs)))
		return nil
	}
	wantExternal := r.specs[index].Type == autoscalingv2.ExternalMetricSourceType
	if wantExternal != (resp.external != nil) || r.specs[index].Type == autoscalingv2.ResourceMetricSourceType {
		r.l.ignore(obj, fmt.Sprintf("does not fit the type %s of spec.metrics[%d]", r.specs[index].Type, index))
		return nil
	}
	target := r.values
	if obj.meta.Annotations[AnnotationPart] == partUnselected {
		target = r.unselected
	}
	return r.put(target, index, resp)
}

// addMatched files a response matched by name, or leaves it out.
func (r *metricResponses) addMatched(obj rawObject, resp response, index int) error {
	if index < 0 {
		r.l.ignore(obj, "metric response that matches no metric of the HPA by name")
		return nil
	}
	return r.put(r.values, index, resp)
}

func (r *metricResponses) put(target map[int]response, index int, resp response) error {
	if first, ok := target[index]; ok {
		if equality.Semantic.DeepEqual(first.values, resp.values) && equality.Semantic.DeepEqual(first.external, resp.external) {
			return nil
		}
		return fmt.Errorf("%s: %s and %s are both responses for %s with different content: keep one of them", r.l.source, first.where, resp.where, describeSpec(r.specs[index]))
	}
	target[index] = resp
	return nil
}

// matchValues returns the index of the Pods or Object metric a custom
// metrics response belongs to, or -1. An empty response, which names no
// metric, belongs to the only custom metric when there is one.
func (r *metricResponses) matchValues(list *custommetricsv1beta2.MetricValueList) int {
	if len(list.Items) == 0 {
		return r.onlyIndex(func(spec autoscalingv2.MetricSpec) bool {
			return spec.Type == autoscalingv2.PodsMetricSourceType || spec.Type == autoscalingv2.ObjectMetricSourceType
		})
	}
	item := list.Items[0]
	return r.firstFree(func(spec autoscalingv2.MetricSpec) bool {
		switch {
		case spec.Type == autoscalingv2.PodsMetricSourceType && spec.Pods != nil:
			return spec.Pods.Metric.Name == item.Metric.Name && item.DescribedObject.Kind == "Pod"
		case spec.Type == autoscalingv2.ObjectMetricSourceType && spec.Object != nil:
			described := spec.Object.DescribedObject
			return spec.Object.Metric.Name == item.Metric.Name && described.Kind == item.DescribedObject.Kind && described.Name == item.DescribedObject.Name
		}
		return false
	})
}

func (r *metricResponses) matchExternal(list *externalmetricsv1beta1.ExternalMetricValueList) int {
	isExternal := func(spec autoscalingv2.MetricSpec) bool {
		return spec.Type == autoscalingv2.ExternalMetricSourceType && spec.External != nil
	}
	if len(list.Items) == 0 {
		return r.onlyIndex(isExternal)
	}
	name := list.Items[0].MetricName
	return r.firstFree(func(spec autoscalingv2.MetricSpec) bool {
		return isExternal(spec) && spec.External.Metric.Name == name
	})
}

// firstFree returns the first matching metric without a response yet, else
// the first matching metric, else -1.
func (r *metricResponses) firstFree(match func(autoscalingv2.MetricSpec) bool) int {
	first := -1
	for i, spec := range r.specs {
		if !match(spec) {
			continue
		}
		if _, taken := r.values[i]; !taken {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// onlyIndex returns the index of the one metric that matches, or -1.
func (r *metricResponses) onlyIndex(match func(autoscalingv2.MetricSpec) bool) int {
	found := -1
	for i, spec := range r.specs {
		if match(spec) {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

// splitSelection keeps in Values only the selected pods' values, as the
// controller's request with the scale's selector returns them, and keeps
// the whole response as Unselected when it has values for other pods.
func splitSelection(state *gather.State, m *gather.Metric) {
	if m.Values == nil || state.Pods == nil {
		return
	}
	selected := map[string]bool{}
	for _, pod := range state.Pods {
		selected[pod.Name] = true
	}
	whole := m.Values
	kept := &custommetricsv1beta2.MetricValueList{TypeMeta: whole.TypeMeta, ListMeta: whole.ListMeta}
	for _, item := range whole.Items {
		obj := item.DescribedObject
		if selected[obj.Name] && (obj.Namespace == "" || obj.Namespace == state.Namespace) {
			kept.Items = append(kept.Items, item)
		}
	}
	if len(kept.Items) < len(whole.Items) {
		m.Values = kept
		if m.Unselected == nil {
			m.Unselected = whole
		}
	}
}
