package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	"sigs.k8s.io/yaml"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/version"
)

// Encode writes state as a snapshot in format "yaml" or "json". It fails
// when state has no HPA, because nothing can be explained without it.
func Encode(state *gather.State, format string) ([]byte, error) {
	l, err := capture(state)
	if err != nil {
		return nil, err
	}
	switch format {
	case "", "yaml":
		return encodeYAML(l)
	case "json":
		data, err := json.MarshalIndent(l, "", "    ")
		if err != nil {
			return nil, err
		}
		return append(data, '\n'), nil
	}
	return nil, fmt.Errorf("invalid snapshot format %q: use yaml or json", format)
}

// encodeYAML writes the List with its kind before its items, unlike a
// marshaller that sorts keys, so that a file cut short between items is
// still recognized as a List and its item count can be checked.
func encodeYAML(l *list) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n")
	for _, item := range l.Items {
		data, err := yaml.Marshal(item)
		if err != nil {
			return nil, err
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		for i, line := range lines {
			prefix := "  "
			if i == 0 {
				prefix = "- "
			}
			b.WriteString(prefix + line + "\n")
		}
	}
	return b.Bytes(), nil
}

// capture builds the List. Items are ordered by part and sorted by name
// within a part, so two captures of the same state are byte-identical.
func capture(state *gather.State) (*list, error) {
	if state == nil || state.HPA == nil {
		return nil, errors.New("cannot capture a snapshot without the HPA")
	}
	c := &capturer{state: state}

	subject := trimHPA(state.HPA)
	subject.Annotations[AnnotationCapturedAt] = state.GatheredAt.UTC().Format(time.RFC3339Nano)
	subject.Annotations[AnnotationCapturedBy] = "kubectl-hpametrics " + version.Version
	c.add(subject)

	c.addNamespaceHPAs()
	c.addTarget()
	c.addReplicaSets()
	c.addPods()
	c.addEvents()
	c.addDiscovery()
	c.addAPIServices()
	c.addResourceMetrics()
	for i := range state.Metrics {
		c.addMetric(i)
	}

	subject.Annotations[AnnotationItems] = strconv.Itoa(len(c.items))
	return &list{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"},
		Items:    c.items,
	}, nil
}

type capturer struct {
	state *gather.State
	items []any
}

func (c *capturer) add(obj any) {
	c.items = append(c.items, obj)
}

// addError adds a Status for a failed request, if err is set, and returns it.
func (c *capturer) addError(part string, index int, err *gather.SourceError, extra map[string]string) *statusObject {
	if err == nil {
		return nil
	}
	annotations := map[string]string{AnnotationPart: part}
	if index >= 0 {
		annotations[AnnotationMetricIndex] = strconv.Itoa(index)
	}
	if err.Source != "" {
		annotations[AnnotationRequest] = err.Source
	}
	if err.TimedOut {
		annotations[AnnotationTimedOut] = "true"
	}
	for k, v := range extra {
		if v != "" {
			annotations[k] = v
		}
	}
	status := &statusObject{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Metadata: listMeta{Annotations: annotations},
		Status:   metav1.StatusFailure,
		Message:  err.Message,
		Reason:   err.Reason,
		Code:     int32(err.Code),
	}
	c.add(status)
	return status
}

func (c *capturer) addNamespaceHPAs() {
	others := make([]autoscalingv2.HorizontalPodAutoscaler, 0, len(c.state.NamespaceHPAs))
	for _, hpa := range c.state.NamespaceHPAs {
		if hpa.Name != c.state.HPA.Name {
			others = append(others, hpa)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].Name < others[j].Name })
	for i := range others {
		c.add(trimHPA(&others[i]))
	}
	c.addError(partNamespaceHPAs, -1, c.state.NamespaceHPAsError, nil)
}

func (c *capturer) addTarget() {
	target := c.state.Target
	resource := formatResource(target.Resource)
	if target.Scale != nil {
		scale := target.Scale.DeepCopy()
		scale.APIVersion, scale.Kind = "autoscaling/v1", "Scale"
		scale.ManagedFields = nil
		if resource != "" {
			if scale.Annotations == nil {
				scale.Annotations = map[string]string{}
			}
			scale.Annotations[AnnotationResource] = resource
		}
		c.add(scale)
	}
	c.addError(partScale, -1, target.Error, map[string]string{
		AnnotationResource:      resource,
		AnnotationTargetProblem: string(target.Problem),
	})
}

// formatResource writes a GroupVersionResource as "group/version/resource",
// or "version/resource" for the core group, like an API path.
func formatResource(r schema.GroupVersionResource) string {
	if r.Resource == "" {
		return ""
	}
	if r.Group == "" {
		return r.Version + "/" + r.Resource
	}
	return r.Group + "/" + r.Version + "/" + r.Resource
}

func parseResource(s string) (schema.GroupVersionResource, bool) {
	parts := strings.Split(s, "/")
	switch {
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return schema.GroupVersionResource{Version: parts[0], Resource: parts[1]}, true
	case len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != "":
		return schema.GroupVersionResource{Group: parts[0], Version: parts[1], Resource: parts[2]}, true
	}
	return schema.GroupVersionResource{}, false
}

func (c *capturer) addReplicaSets() {
	sets := append([]metav1.PartialObjectMetadata{}, c.state.ReplicaSets...)
	sort.Slice(sets, func(i, j int) bool { return sets[i].Name < sets[j].Name })
	for i := range sets {
		c.add(trimReplicaSet(&sets[i]))
	}
	c.addError(partReplicaSets, -1, c.state.ReplicaSetsError, nil)
}

func (c *capturer) addPods() {
	pods := append([]corev1.Pod{}, c.state.Pods...)
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	for i := range pods {
		c.add(redactPod(&pods[i]))
	}
	c.addError(partPods, -1, c.state.PodsError, nil)
}

func (c *capturer) addEvents() {
	events := make([]*corev1.Event, 0, len(c.state.Events))
	for i := range c.state.Events {
		e := c.state.Events[i].DeepCopy()
		e.APIVersion, e.Kind = "v1", "Event"
		e.ManagedFields = nil
		events = append(events, e)
	}
	sort.SliceStable(events, func(i, j int) bool {
		ti, tj := eventTime(events[i]), eventTime(events[j])
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return events[i].Name < events[j].Name
	})
	for _, e := range events {
		c.add(e)
	}
	c.addError(partEvents, -1, c.state.EventsError, nil)
}

func (c *capturer) addDiscovery() {
	if versions := c.state.MetricsAPIVersions; versions != nil {
		groups := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "APIGroupList"}, Groups: []metav1.APIGroup{}}
		names := make([]string, 0, len(versions))
		for name := range versions {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			group := metav1.APIGroup{Name: name}
			for _, v := range versions[name] {
				group.Versions = append(group.Versions, metav1.GroupVersionForDiscovery{GroupVersion: name + "/" + v, Version: v})
			}
			if len(group.Versions) > 0 {
				group.PreferredVersion = group.Versions[0]
			}
			groups.Groups = append(groups.Groups, group)
		}
		c.add(groups)
	}
	c.addError(partDiscovery, -1, c.state.DiscoveryError, nil)

	if resources := c.state.CustomMetricsResources; resources != nil {
		r := resources.DeepCopy()
		r.APIVersion, r.Kind = "v1", "APIResourceList"
		c.add(r)
	}
	c.addError(partCustomDiscovery, -1, c.state.CustomMetricsResourcesError, nil)
}

func (c *capturer) addAPIServices() {
	names := make([]string, 0, len(c.state.APIServices))
	for name := range c.state.APIServices {
		names = append(names, name)
	}
	sort.Strings(names)

	for _, name := range names {
		svc := c.state.APIServices[name]
		if svc == nil {
			continue
		}
		if svc.Found {
			c.add(apiServiceFrom(svc))
		} else if svc.Error == nil {
			c.add(apiServiceNotFound(name))
		}
		if status := c.addError(partAPIService, -1, svc.Error, nil); status != nil {
			status.Details = &metav1.StatusDetails{Name: name, Group: apiRegistrationGroup, Kind: "apiservices"}
		}
	}
}

// apiServiceNotFound is the Status the API server returns for a missing
// APIService; loading it gives APIService.Found false and no error.
func apiServiceNotFound(name string) *statusObject {
	return &statusObject{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Metadata: listMeta{Annotations: map[string]string{AnnotationPart: partAPIService}},
		Status:   metav1.StatusFailure,
		Message:  fmt.Sprintf("apiservices.%s %q not found", apiRegistrationGroup, name),
		Reason:   metav1.StatusReasonNotFound,
		Details:  &metav1.StatusDetails{Name: name, Group: apiRegistrationGroup, Kind: "apiservices"},
		Code:     404,
	}
}

func (c *capturer) addResourceMetrics() {
	rm := c.state.ResourceMetrics
	if rm == nil {
		return
	}
	if rm.List != nil {
		items := append([]metricsv1beta1.PodMetrics{}, rm.List.Items...)
		sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
		for i := range items {
			items[i].ManagedFields = nil
		}
		apiVersion := rm.APIVersion
		if apiVersion == "" {
			apiVersion = resourceMetricsV1beta1
		}
		c.add(&annotatedList[metricsv1beta1.PodMetrics]{
			TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: "PodMetricsList"},
			Metadata: listMeta{Annotations: map[string]string{AnnotationPart: partResourceMetrics}},
			Items:    items,
		})
	}
	c.addError(partResourceMetrics, -1, rm.Error, map[string]string{AnnotationAPIVersion: rm.APIVersion})
}

func (c *capturer) addMetric(i int) {
	m := &c.state.Metrics[i]
	extra := map[string]string{AnnotationAPIVersion: m.APIVersion}

	switch m.Spec.Type {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		// The shared resource metrics part records these, unless the
		// metric failed on its own.
		if rm := c.state.ResourceMetrics; rm != nil && m.Error == rm.Error {
			return
		}
		c.addError(partMetric, i, m.Error, extra)
		return
	}

	if m.Values != nil {
		c.add(metricValues(m.Values, i, partMetric, m.APIVersion))
	}
	if m.External != nil {
		items := append([]externalmetricsv1beta1.ExternalMetricValue{}, m.External.Items...)
		c.add(&annotatedList[externalmetricsv1beta1.ExternalMetricValue]{
			TypeMeta: metav1.TypeMeta{APIVersion: externalMetricsV1beta1, Kind: "ExternalMetricValueList"},
			Metadata: listMeta{Annotations: metricAnnotations(i, partMetric, m.APIVersion)},
			Items:    items,
		})
	}
	c.addError(partMetric, i, m.Error, extra)
	if m.Unselected != nil {
		c.add(metricValues(m.Unselected, i, partUnselected, m.APIVersion))
	}
	c.addError(partUnselected, i, m.UnselectedError, extra)
}

// metricValues writes a custom metrics response. The gathering keeps it in
// the v1beta2 schema whichever version served it, so it is written as
// v1beta2 and the version read is kept in an annotation.
func metricValues(values *custommetricsv1beta2.MetricValueList, index int, part, apiVersion string) any {
	items := append([]custommetricsv1beta2.MetricValue{}, values.Items...)
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i].DescribedObject, items[j].DescribedObject
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return &annotatedList[custommetricsv1beta2.MetricValue]{
		TypeMeta: metav1.TypeMeta{APIVersion: customMetricsV1beta2, Kind: "MetricValueList"},
		Metadata: listMeta{Annotations: metricAnnotations(index, part, apiVersion)},
		Items:    items,
	}
}

func metricAnnotations(index int, part, apiVersion string) map[string]string {
	annotations := map[string]string{
		AnnotationMetricIndex: strconv.Itoa(index),
		AnnotationPart:        part,
	}
	if apiVersion != "" {
		annotations[AnnotationAPIVersion] = apiVersion
	}
	return annotations
}

// eventTime returns the most recent time an event was seen, whichever field
// the reporting client filled.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}
