// Package v1alpha1 defines the Explanation document that
// "kubectl hpametrics explain -o json|yaml" emits. Scripts parse it, so
// fields are only added within a version; a rename needs a new version.
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// APIVersion is the document's apiVersion.
	APIVersion = "hpametrics.io/v1alpha1"
	// Kind is the document's kind.
	Kind = "Explanation"
)

// Explanation is everything explain found out about one HPA.
type Explanation struct {
	metav1.TypeMeta `json:",inline"`

	// EvaluatedAt is the time the decision was recomputed for.
	EvaluatedAt metav1.Time `json:"evaluatedAt"`

	HPA    ObjectRef `json:"hpa"`
	Target Target    `json:"target"`

	// Verdict is one sentence on what is happening and why.
	Verdict string `json:"verdict"`

	Replicas Replicas `json:"replicas"`
	Metrics  []Metric `json:"metrics"`
	Pods     []Pod    `json:"pods"`

	// Steps narrate the recomputed decision in order.
	Steps    []Step    `json:"steps"`
	Findings []Finding `json:"findings"`
	Events   []Event   `json:"events,omitempty"`

	// APIRequests is the number of API requests explain made.
	APIRequests int `json:"apiRequests"`
}

// ObjectRef names a namespaced object.
type ObjectRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// Target is the HPA's scale target as read through its scale subresource.
type Target struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	// Selector is the scale subresource's status.selector, the selector the
	// controller lists pods with.
	Selector string `json:"selector,omitempty"`
	// Found is false when the scale subresource could not be read.
	Found bool `json:"found"`
}

// Replicas compares the HPA's status with the recomputation.
type Replicas struct {
	// Current is the scale target's spec.replicas.
	Current int32 `json:"current"`
	// StatusDesired is status.desiredReplicas as the controller last wrote it.
	StatusDesired int32 `json:"statusDesired"`
	// Recommended is the recomputed desired replica count; absent when no
	// decision could be recomputed.
	Recommended *int32 `json:"recommended,omitempty"`
	Min         int32  `json:"min"`
	Max         int32  `json:"max"`
	// Inferred is true when Recommended rests on controller history that
	// was reconstructed from events rather than observed.
	Inferred bool `json:"inferred"`
	// LimitReason is the ScalingLimited reason of the recomputation.
	LimitReason string `json:"limitReason,omitempty"`
	// StabilizationReason is the AbleToScale reason of the recomputation.
	StabilizationReason string `json:"stabilizationReason,omitempty"`
}

// Metric is one entry of the HPA's spec.metrics with what the controller
// makes of it. Values are plain numbers in the metric's base unit: cores for
// cpu, bytes for memory, the raw value for custom and external metrics.
type Metric struct {
	// Type is the metric source type: Resource, ContainerResource, Pods,
	// Object or External.
	Type string `json:"type"`
	// Name is the metric name, or the resource name for Resource metrics.
	Name      string `json:"name"`
	Container string `json:"container,omitempty"`
	// Selector is the metric's label selector, if any.
	Selector string `json:"selector,omitempty"`
	// Object is "Kind/name" of the described object of an Object metric.
	Object string `json:"object,omitempty"`

	Target MetricValue `json:"target"`
	// Current is the value the controller compares with the target; absent
	// when the metric could not be read.
	Current *MetricValue `json:"current,omitempty"`

	UsageRatio       *float64 `json:"usageRatio,omitempty"`
	ProposedReplicas *int32   `json:"proposedReplicas,omitempty"`
	// Valid is false when the controller cannot compute a proposal from
	// this metric; Error then holds the reason.
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`

	// APIVersion is the metrics API group/version that served the values.
	APIVersion string      `json:"apiVersion,omitempty"`
	Pods       []PodMetric `json:"pods,omitempty"`
}

// MetricValue is a target or current value.
type MetricValue struct {
	// Type is Utilization, AverageValue or Value.
	Type string `json:"type"`
	// Value is the quantity as a plain number in the base unit; for
	// Utilization it is a percentage of the request.
	Value float64 `json:"value"`
	// Quantity is the Kubernetes quantity string, such as "539m".
	Quantity string `json:"quantity,omitempty"`
}

// PodMetric is one pod's value for one metric and how the controller treats it.
type PodMetric struct {
	Name string `json:"name"`
	// Value is absent when the metrics API returned no value for the pod.
	Value *float64 `json:"value,omitempty"`
	// State is Ready, Unready, Missing or Ignored.
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	// CountedAs describes how the usage ratio counts the pod.
	CountedAs string `json:"countedAs,omitempty"`
	// Request is the pod's request for the resource, for Resource metrics.
	Request *float64 `json:"request,omitempty"`
}

// Pod is one pod matched by the scale target's selector.
type Pod struct {
	Name    string       `json:"name"`
	Ready   bool         `json:"ready"`
	Phase   string       `json:"phase"`
	Created *metav1.Time `json:"created,omitempty"`
	// Owner is "Kind/name" of the pod's controller, if any.
	Owner string `json:"owner,omitempty"`
	// OwnedByTarget is false when the pod matches the selector but belongs
	// to another workload.
	OwnedByTarget bool `json:"ownedByTarget"`
	Deleting      bool `json:"deleting,omitempty"`
}

// Step is one line of the narrated decision.
type Step struct {
	Text     string `json:"text"`
	Inferred bool   `json:"inferred,omitempty"`
}

// Severity ranks a finding.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Finding is one thing explain noticed, with evidence and a fix.
type Finding struct {
	// Code is stable across releases, for scripts and documentation.
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Evidence []string `json:"evidence,omitempty"`
	// Fix is the action to take, and Check is a command that verifies it.
	Fix   string `json:"fix"`
	Check string `json:"check,omitempty"`
	// Inferred is true when the finding rests on reconstructed controller
	// history.
	Inferred bool `json:"inferred,omitempty"`
}

// Event is one of the HPA's recent events.
type Event struct {
	Type    string       `json:"type"`
	Reason  string       `json:"reason"`
	Message string       `json:"message"`
	Count   int32        `json:"count,omitempty"`
	Last    *metav1.Time `json:"last,omitempty"`
}
