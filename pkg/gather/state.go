// Package gather reads, without writing anything, the cluster state that the
// HPA controller bases its decision on: the HPA, its scale target, the
// selected pods, the metric values, and the metrics APIs behind them.
package gather

import (
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// State is everything gathered for one HPA. A source that failed leaves its
// field empty and records a SourceError, so the parts that do not need it
// still work.
type State struct {
	Namespace string
	Name      string
	// GatheredAt is the time the gathering started.
	GatheredAt time.Time

	HPA *autoscalingv2.HorizontalPodAutoscaler

	// NamespaceHPAs lists every HPA in the namespace, for name suggestions
	// and for detecting two HPAs on one target.
	NamespaceHPAs      []autoscalingv2.HorizontalPodAutoscaler
	NamespaceHPAsError *SourceError

	Target Target

	// Pods are the pods in the namespace matched by the scale's
	// status.selector, the set the controller works on. It is nil when the
	// pods were not listed and empty when none matched.
	Pods      []corev1.Pod
	PodsError *SourceError
	// ReplicaSets in the namespace, to follow pod ownership up to the
	// scale target when checking for overlapping selectors.
	ReplicaSets      []metav1.PartialObjectMetadata
	ReplicaSetsError *SourceError

	// ResourceMetrics is the metrics.k8s.io response for the selected pods,
	// shared by every Resource and ContainerResource metric.
	ResourceMetrics *ResourceMetrics

	// Metrics has one entry per spec.metrics entry, in the same order.
	Metrics []Metric

	// APIServices maps "version.group" to the registration behind each
	// metrics API group the HPA uses.
	APIServices map[string]*APIService
	// MetricsAPIVersions maps each metrics API group the server serves to
	// its versions, as discovery listed them. It is nil when discovery
	// failed or no metric needed it.
	MetricsAPIVersions map[string][]string
	DiscoveryError     *SourceError
	// CustomMetricsResources is the custom metrics API's discovery
	// document: the metric names it serves.
	CustomMetricsResources      *metav1.APIResourceList
	CustomMetricsResourcesError *SourceError

	Events      []corev1.Event
	EventsError *SourceError

	// Requests is the number of API requests the gathering made, counted
	// by the RequestCounter given to NewClients. It includes the requests
	// of gatherings that ran at the same time on the same counter.
	Requests int
	// Duration is how long the gathering took.
	Duration time.Duration
}

// Target is the HPA's scale target as read through its scale subresource.
type Target struct {
	Ref autoscalingv2.CrossVersionObjectReference
	// Resource is the resource the RESTMapper mapped the reference to.
	Resource schema.GroupVersionResource
	Scale    *autoscalingv1.Scale
	// Problem classifies why Scale is nil. It is empty when Scale was read.
	Problem TargetProblem
	Error   *SourceError
	// SelectorError is the reason the scale's status.selector cannot
	// select pods, such as being empty. The controller then computes
	// nothing.
	SelectorError string
}

// TargetProblem classifies a scale target that could not be read.
type TargetProblem string

const (
	// TargetRefInvalid: spec.scaleTargetRef.apiVersion does not parse.
	TargetRefInvalid TargetProblem = "RefInvalid"
	// TargetKindUnknown: no API resource serves the kind, for example
	// because its CRD is not installed.
	TargetKindUnknown TargetProblem = "KindUnknown"
	// TargetMappingFailed: discovery failed while mapping the kind.
	TargetMappingFailed TargetProblem = "MappingFailed"
	// TargetNotFound: the target object does not exist.
	TargetNotFound TargetProblem = "NotFound"
	// TargetNoScaleSubresource: the object exists but its resource has no
	// scale subresource.
	TargetNoScaleSubresource TargetProblem = "NoScaleSubresource"
	// TargetUnreadable: the scale GET failed for another reason, such as
	// RBAC or a timeout. Error has the details.
	TargetUnreadable TargetProblem = "Unreadable"
)

// ResourceMetrics is a metrics.k8s.io PodMetrics list.
type ResourceMetrics struct {
	// APIVersion is the group/version read: metrics.k8s.io/v1 where
	// served, else metrics.k8s.io/v1beta1. Both have the same schema, so
	// the list is kept in v1beta1 form.
	APIVersion string
	List       *metricsv1beta1.PodMetricsList
	Error      *SourceError
}

// Metric is the fetched data of one entry of spec.metrics.
type Metric struct {
	Spec autoscalingv2.MetricSpec
	// APIVersion is the metrics API group/version that served the values.
	APIVersion string

	// Values is the response for Pods metrics (one item per pod) and Object metrics
	// (one item).
	Values *custommetricsv1beta2.MetricValueList
	// External is the response for External metrics.
	External *externalmetricsv1beta1.ExternalMetricValueList
	// Unselected holds values the API returned for pods in the namespace
	// that the selector does not match, fetched only when some selected
	// pods have no value.
	Unselected      *custommetricsv1beta2.MetricValueList
	UnselectedError *SourceError

	Error *SourceError
	// Skipped is the reason nothing was fetched for a per-pod metric
	// although no request for it failed, for example because the scale
	// target has no selector.
	Skipped string
}

// APIService is the part of an apiregistration.k8s.io/v1 APIService the
// diagnosis uses.
type APIService struct {
	Name string
	// Found is false when the APIService does not exist.
	Found bool
	// Service is "namespace/name:port" of the backing Service, or "Local".
	Service   string
	Available *metav1.Condition
	Error     *SourceError
}

// SourceError records why one source could not be read.
type SourceError struct {
	// Source names the request, for example
	// "GET custom.metrics.k8s.io/v1beta2 namespaces/shop/pods/*/http_requests".
	Source string
	// Code is the HTTP status code, or 0 when no response arrived.
	Code int
	// Reason is the Kubernetes status reason, such as NotFound or Forbidden.
	Reason metav1.StatusReason
	// TimedOut is set when the request hit its deadline.
	TimedOut bool
	Message  string
}

func (e *SourceError) Error() string {
	return e.Source + ": " + e.Message
}
