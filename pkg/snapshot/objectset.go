package snapshot

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	custommetricsv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// entry is a decoded object with where it came from.
type entry[T any] struct {
	obj T
	src rawObject
}

func (e entry[T]) annotation(key string) string {
	return e.src.meta.Annotations[key]
}

// objectSet holds the input's objects decoded by kind.
type objectSet struct {
	hpas          []entry[*autoscalingv2.HorizontalPodAutoscaler]
	scales        []entry[*autoscalingv1.Scale]
	workloads     []entry[*workload]
	pods          []entry[*corev1.Pod]
	replicaSets   []entry[*metav1.PartialObjectMetadata]
	events        []entry[*corev1.Event]
	apiServices   []entry[*apiServiceObject]
	statuses      []entry[*statusObject]
	groupLists    []entry[*metav1.APIGroupList]
	resourceLists []entry[*metav1.APIResourceList]
	metricValues  []entry[*custommetricsv1beta2.MetricValueList]
	podMetrics    []entry[*metricsv1beta1.PodMetricsList]
	externals     []entry[*externalmetricsv1beta1.ExternalMetricValueList]

	// ignored lists the objects explain does not use, for a finding.
	ignored []ignoredObject
	// listSizes counts the objects of each input document.
	listSizes map[int]int
}

// ignoredObject is an object left out of the state, and why.
type ignoredObject struct {
	what   string
	reason string
}

func describeObject(obj rawObject) string {
	name := obj.meta.Name
	if obj.meta.Namespace != "" {
		name = obj.meta.Namespace + "/" + name
	}
	if name == "" {
		return obj.gvk.Kind
	}
	return obj.gvk.Kind + " " + name
}

var (
	gkHPA            = schema.GroupKind{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}
	gkScale          = schema.GroupKind{Group: "autoscaling", Kind: "Scale"}
	gkDeployment     = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	gkStatefulSet    = schema.GroupKind{Group: "apps", Kind: "StatefulSet"}
	gkReplicaSet     = schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}
	gkReplicationCtl = schema.GroupKind{Kind: "ReplicationController"}
	gkPod            = schema.GroupKind{Kind: "Pod"}
	gkEvent          = schema.GroupKind{Kind: "Event"}
	gkStatus         = schema.GroupKind{Kind: "Status"}
	gkGroupList      = schema.GroupKind{Kind: "APIGroupList"}
	gkResourceList   = schema.GroupKind{Kind: "APIResourceList"}
	gkAPIService     = schema.GroupKind{Group: apiRegistrationGroup, Kind: "APIService"}
	gkMetricValues   = schema.GroupKind{Group: customMetricsGroup, Kind: "MetricValueList"}
	gkPodMetrics     = schema.GroupKind{Group: resourceMetricsGroup, Kind: "PodMetricsList"}
	gkExternal       = schema.GroupKind{Group: externalMetricsGroup, Kind: "ExternalMetricValueList"}
)

// decodeObjects decodes every object whose kind explain uses. An object
// that does not decode into its kind's schema is an error; an object of
// another kind is kept in ignored.
func decodeObjects(objects []rawObject) (*objectSet, error) {
	set := &objectSet{listSizes: map[int]int{}}
	for _, obj := range objects {
		set.listSizes[obj.list]++
		if err := set.decode(obj); err != nil {
			return nil, err
		}
	}
	return set, nil
}

func (s *objectSet) decode(obj rawObject) error {
	gk := obj.gvk.GroupKind()
	switch gk {
	case gkHPA:
		hpa, ok, err := decodeHPA(obj)
		if err != nil {
			return err
		}
		if !ok {
			s.ignore(obj, "apiVersion "+obj.gvk.GroupVersion().String()+" is not read; use autoscaling/v2")
			return nil
		}
		s.hpas = append(s.hpas, entry[*autoscalingv2.HorizontalPodAutoscaler]{hpa, obj})
	case gkScale:
		return decodeInto(obj, &s.scales)
	case gkDeployment, gkStatefulSet, gkReplicaSet, gkReplicationCtl:
		w, err := decodeWorkload(obj)
		if err != nil {
			return err
		}
		s.workloads = append(s.workloads, entry[*workload]{w, obj})
		if gk == gkReplicaSet {
			return decodeInto(obj, &s.replicaSets)
		}
	case gkPod:
		return decodeInto(obj, &s.pods)
	case gkEvent:
		if obj.gvk.Group != "" {
			s.ignore(obj, "events.k8s.io events are not read; use kubectl get events, which prints v1 events")
			return nil
		}
		return decodeInto(obj, &s.events)
	case gkStatus:
		return decodeInto(obj, &s.statuses)
	case gkGroupList:
		return decodeInto(obj, &s.groupLists)
	case gkResourceList:
		return decodeInto(obj, &s.resourceLists)
	case gkAPIService:
		return decodeInto(obj, &s.apiServices)
	case gkMetricValues:
		return s.decodeMetricValues(obj)
	case gkPodMetrics:
		return decodeInto(obj, &s.podMetrics)
	case gkExternal:
		return decodeInto(obj, &s.externals)
	default:
		s.ignore(obj, "kind not used by explain")
	}
	return nil
}

func (s *objectSet) ignore(obj rawObject, reason string) {
	s.ignored = append(s.ignored, ignoredObject{what: fmt.Sprintf("%s (%s)", describeObject(obj), obj.where), reason: reason})
}

// decodeInto decodes obj into a new T and appends it to entries.
func decodeInto[T any](obj rawObject, entries *[]entry[*T]) error {
	value := new(T)
	if err := json.Unmarshal(obj.raw, value); err != nil {
		return fmt.Errorf("%s is not a valid %s: %v", obj.where, obj.gvk.Kind, err)
	}
	*entries = append(*entries, entry[*T]{value, obj})
	return nil
}

// decodeMetricValues reads a custom metrics response of either version
// into the v1beta2 schema, as the controller's client does.
func (s *objectSet) decodeMetricValues(obj rawObject) error {
	switch obj.gvk.Version {
	case "v1beta2":
		return decodeInto(obj, &s.metricValues)
	case "v1beta1":
		old := &custommetricsv1beta1.MetricValueList{}
		if err := json.Unmarshal(obj.raw, old); err != nil {
			return fmt.Errorf("%s is not a valid MetricValueList: %v", obj.where, err)
		}
		converted := &custommetricsv1beta2.MetricValueList{
			TypeMeta: metav1.TypeMeta{APIVersion: customMetricsV1beta2, Kind: "MetricValueList"},
			ListMeta: old.ListMeta,
		}
		for _, v := range old.Items {
			converted.Items = append(converted.Items, custommetricsv1beta2.MetricValue{
				DescribedObject: v.DescribedObject,
				Metric:          custommetricsv1beta2.MetricIdentifier{Name: v.MetricName, Selector: v.Selector},
				Timestamp:       v.Timestamp,
				WindowSeconds:   v.WindowSeconds,
				Value:           v.Value,
			})
		}
		if obj.meta.Annotations[AnnotationAPIVersion] == "" {
			if obj.meta.Annotations == nil {
				obj.meta.Annotations = map[string]string{}
			}
			obj.meta.Annotations[AnnotationAPIVersion] = customMetricsGroup + "/v1beta1"
		}
		s.metricValues = append(s.metricValues, entry[*custommetricsv1beta2.MetricValueList]{converted, obj})
		return nil
	}
	s.ignore(obj, "apiVersion "+obj.gvk.GroupVersion().String()+" is not read")
	return nil
}

// dedupe drops exact repeats of an object, which appending the output of
// overlapping kubectl commands produces, and rejects two different objects
// with the same key.
func dedupe[T any](entries []entry[T], key func(entry[T]) string) ([]entry[T], error) {
	seen := map[string]entry[T]{}
	out := entries[:0:0]
	for _, e := range entries {
		k := key(e)
		if first, ok := seen[k]; ok {
			if equality.Semantic.DeepEqual(first.obj, e.obj) {
				continue
			}
			return nil, fmt.Errorf("%s and %s are both %s with different content: keep one of them", first.src.where, e.src.where, describeObject(e.src))
		}
		seen[k] = e
		out = append(out, e)
	}
	return out, nil
}

func namespacedKey[T any](e entry[T]) string {
	return e.src.gvk.GroupKind().String() + "/" + e.src.meta.Namespace + "/" + e.src.meta.Name
}

// dedupeAll applies dedupe to every kind keyed by namespace and name.
func (s *objectSet) dedupeAll() error {
	var err error
	if s.hpas, err = dedupe(s.hpas, namespacedKey); err != nil {
		return err
	}
	if s.scales, err = dedupe(s.scales, namespacedKey); err != nil {
		return err
	}
	if s.workloads, err = dedupe(s.workloads, namespacedKey); err != nil {
		return err
	}
	if s.pods, err = dedupe(s.pods, namespacedKey); err != nil {
		return err
	}
	if s.replicaSets, err = dedupe(s.replicaSets, namespacedKey); err != nil {
		return err
	}
	if s.events, err = dedupe(s.events, namespacedKey); err != nil {
		return err
	}
	if s.apiServices, err = dedupe(s.apiServices, namespacedKey); err != nil {
		return err
	}
	if s.groupLists, err = dedupe(s.groupLists, func(entry[*metav1.APIGroupList]) string { return "APIGroupList" }); err != nil {
		return err
	}
	s.resourceLists, err = dedupe(s.resourceLists, func(e entry[*metav1.APIResourceList]) string { return e.obj.GroupVersion })
	return err
}

// hpaNames returns "namespace/name" of every HPA, sorted.
func (s *objectSet) hpaNames() []string {
	names := make([]string, 0, len(s.hpas))
	for _, e := range s.hpas {
		names = append(names, e.obj.Namespace+"/"+e.obj.Name)
	}
	sort.Strings(names)
	return names
}

// summarizeIgnored groups ignored objects by reason for a finding's
// evidence, naming at most a few objects per reason.
func summarizeIgnored(ignored []ignoredObject) []string {
	const maxNamed = 5
	byReason := map[string][]string{}
	var reasons []string
	for _, o := range ignored {
		if _, ok := byReason[o.reason]; !ok {
			reasons = append(reasons, o.reason)
		}
		byReason[o.reason] = append(byReason[o.reason], o.what)
	}
	lines := make([]string, 0, len(reasons))
	for _, reason := range reasons {
		objects := byReason[reason]
		shown := objects
		if len(shown) > maxNamed {
			shown = shown[:maxNamed]
		}
		line := reason + ": " + strings.Join(shown, ", ")
		if len(objects) > maxNamed {
			line += fmt.Sprintf(" and %d more", len(objects)-maxNamed)
		}
		lines = append(lines, line)
	}
	return lines
}

func sortedCopy(names []string) []string {
	out := append([]string{}, names...)
	sort.Strings(out)
	return out
}
