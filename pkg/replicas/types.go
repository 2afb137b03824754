// Package replicas recomputes the HorizontalPodAutoscaler controller's
// decision as kube-controller-manager v1.37 makes it. It holds no client
// code: callers pass in what they gathered and get back every intermediate
// value, so a diagnosis can name the step that produced the result.
package replicas

import (
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// Config holds the kube-controller-manager settings that change the
// computation. DefaultConfig returns the upstream defaults.
type Config struct {
	// Tolerance is --horizontal-pod-autoscaler-tolerance.
	Tolerance float64
	// CPUInitializationPeriod is --horizontal-pod-autoscaler-cpu-initialization-period.
	CPUInitializationPeriod time.Duration
	// DelayOfInitialReadinessStatus is
	// --horizontal-pod-autoscaler-initial-readiness-delay.
	DelayOfInitialReadinessStatus time.Duration
	// DownscaleStabilizationWindow is
	// --horizontal-pod-autoscaler-downscale-stabilization; it applies to
	// HPAs without spec.behavior.
	DownscaleStabilizationWindow time.Duration
	// ScaleToZero is the HPAScaleToZero feature gate.
	ScaleToZero bool
	// ConfigurableTolerance is the HPAConfigurableTolerance feature gate.
	ConfigurableTolerance bool
	// PodLevelResources is the PodLevelResources feature gate. When set, a
	// pod with pod-level requests contributes those to Resource metrics.
	PodLevelResources bool
}

// PodMetric is one pod's sample after the controller's metrics client has
// reduced the API response (container usages summed, quantities in milli-units).
type PodMetric struct {
	Timestamp time.Time
	Window    time.Duration
	Value     int64
}

// PodMetricsInfo maps a pod name to its sample.
type PodMetricsInfo map[string]PodMetric

// MetricInput is the fetched data of one entry of spec.metrics.
type MetricInput struct {
	Spec autoscalingv2.MetricSpec

	// PodMetrics holds per-pod samples for Pods, Resource and
	// ContainerResource metrics.
	PodMetrics PodMetricsInfo

	// Value is the Object metric's value, or the sum of the External
	// metric's values, in milli-units.
	Value int64
	// ExternalValues are the External metric's individual values in
	// milli-units. When non-nil, Compute sums them itself and ignores Value,
	// because the controller guards the sum against int64 overflow
	// differently for Value and AverageValue targets.
	ExternalValues []int64
	// Timestamp is the sample time the metrics client reports: the first
	// item's timestamp in the API response for Pods, Resource,
	// ContainerResource and External metrics, the object's sample time for
	// Object metrics.
	Timestamp time.Time

	// Err is the metrics client's error when fetching failed, such as the
	// reduction helpers in this package return. Compute wraps it the way
	// the controller does and counts the metric as invalid.
	Err error
}

// TimestampedRecommendation is one entry of the controller's recommendation
// history for an HPA.
type TimestampedRecommendation struct {
	Recommendation int32
	Timestamp      time.Time
}

// ScaleEvent is one rescale the controller recorded for scaling policies.
// Change is the number of replicas added (scale-up) or removed (scale-down).
type ScaleEvent struct {
	Change    int32
	Timestamp time.Time
	// Outdated marks an event the controller found older than the longest
	// policy period, so the next event of that direction overwrites it. The
	// mark does not change how the event counts in a policy period.
	Outdated bool
}

// History is the controller's in-memory state for one HPA. No client can read
// it, so callers either observe it over time (watch) or reconstruct it from
// events and status.lastScaleTime. Inferred records which.
type History struct {
	Recommendations []TimestampedRecommendation
	ScaleUpEvents   []ScaleEvent
	ScaleDownEvents []ScaleEvent
	// Known is false when nothing is known; the computation then behaves as a
	// freshly started controller would.
	Known    bool
	Inferred bool
}

// Input is everything the controller reads in one reconciliation.
type Input struct {
	HPA *autoscalingv2.HorizontalPodAutoscaler

	// SpecReplicas and StatusReplicas come from the scale subresource.
	SpecReplicas   int32
	StatusReplicas int32
	// Selector is the scale subresource's status.selector.
	Selector string

	// Pods are the pods in the HPA's namespace matched by Selector.
	Pods []*corev1.Pod

	// Metrics has one entry per spec.metrics entry, in the same order.
	Metrics []MetricInput

	// Now is the evaluation time.
	Now     time.Time
	Config  Config
	History History
}

// PodState is the controller's group for a pod in one metric.
type PodState string

const (
	PodReady   PodState = "Ready"
	PodUnready PodState = "Unready"
	PodMissing PodState = "Missing"
	PodIgnored PodState = "Ignored"
	// PodUnlisted marks a sample for a pod that is not in Input.Pods. The
	// controller still counts such samples in Pods and AverageValue
	// averages, but not in Utilization averages.
	PodUnlisted PodState = "Unlisted"
)

// PodResult is one pod's part in one metric's computation.
type PodResult struct {
	Name  string
	State PodState
	// Reason is the cause of the pod's state, for example "phase Pending",
	// "being deleted" or "not ready within the CPU initialization period".
	Reason string

	// Value is the pod's sample in milli-units; nil when the API returned none.
	Value *int64
	// Request is the pod's request for the resource in milli-units, for
	// Resource and ContainerResource metrics.
	Request *int64

	// CountedAs describes how the final usage ratio treats the pod, for
	// example "own value", "0 (scale-up)", "target (scale-down)" or "left out".
	CountedAs string
}

// MetricResult is the outcome for one entry of spec.metrics.
type MetricResult struct {
	Index int
	Spec  autoscalingv2.MetricSpec
	// Name is the metric name, or the resource name for Resource metrics.
	Name string
	// Description is the controller's name for the metric in events and
	// conditions, such as "cpu resource utilization (percentage of request)".
	Description string

	// Valid is false when the controller could not compute a proposal; Err
	// then holds its error text.
	Valid bool
	Err   string
	// ErrReason is the ScalingActive reason the controller uses for this
	// metric's failure, such as FailedGetResourceMetric.
	ErrReason string

	// Status is the entry the controller writes to status.currentMetrics.
	Status autoscalingv2.MetricStatus

	// UsageRatio is current over target before unready and missing pods are
	// rebalanced; RebalancedRatio is the ratio after it (equal when nothing
	// was rebalanced).
	UsageRatio      float64
	RebalancedRatio float64
	WithinTolerance bool

	ProposedReplicas int32
	Timestamp        time.Time

	ReadyPodCount int
	Pods          []PodResult

	// Steps explain the computation in order.
	Steps []string
}

// Step is one line of the decision's explanation. Inferred marks a step that
// rests on reconstructed controller history.
type Step struct {
	Text     string
	Inferred bool
}

// Tolerances are the usage ratio tolerances in force for the HPA.
type Tolerances struct {
	ScaleDown float64
	ScaleUp   float64
}

// Result is the recomputed decision.
type Result struct {
	// Error is set when the Input itself is unusable, for example without
	// an HPA. Nothing else in the Result is then filled.
	Error string

	CurrentReplicas int32
	MinReplicas     int32
	MaxReplicas     int32
	Tolerances      Tolerances
	// Behavior is spec.behavior after the API server's defaulting and the
	// controller's scale-down stabilization window default, or nil when the
	// HPA has no behavior.
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior

	Metrics []MetricResult

	// ComputedMetrics is false when the controller skips metrics: replicas
	// outside [min, max] or scaling disabled.
	ComputedMetrics bool
	// ScalingDisabled is set when the target has 0 replicas and the
	// controller leaves it alone.
	ScalingDisabled bool

	// MetricProposal is the largest valid proposal, or -1 when the metrics
	// block the decision. MetricName is the Description of the metric that
	// won.
	MetricProposal int32
	MetricName     string
	InvalidMetrics int
	// MetricsError is the controller's "invalid metrics" error, if any.
	MetricsError string

	// RescaleReason is the reason the controller writes into a
	// SuccessfulRescale event. It is empty when Rescale is false, and also
	// when the controller writes an empty reason because only stabilization
	// moved the count away from a metric proposal equal to it.
	RescaleReason string

	// Stabilized is the recommendation after the stabilization window;
	// StabilizationReason is the AbleToScale reason (ScaleUpStabilized,
	// ScaleDownStabilized or ReadyForNewScale).
	Stabilized          int32
	StabilizationReason string

	// LimitReason is the ScalingLimited reason (DesiredWithinRange,
	// ScaleUpLimit, ScaleDownLimit, TooManyReplicas, TooFewReplicas).
	LimitReason string

	// DesiredReplicas is the count the controller writes to status.desiredReplicas.
	DesiredReplicas int32
	Rescale         bool

	// Conditions are the conditions the controller would set.
	Conditions []autoscalingv2.HorizontalPodAutoscalerCondition

	Steps []Step
	// Inferred is true when the result depends on reconstructed history.
	Inferred bool

	// NextHistory is the controller's history after this reconciliation:
	// the recommendation and scale event it records. Passing it as the
	// History of the next Compute call chains reconciliations as the
	// controller does. Compute never modifies Input.History itself.
	NextHistory History
}
