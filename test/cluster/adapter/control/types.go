// Package control is the wire format and Go client of the fixture metrics
// adapter's control endpoint: a loopback-only HTTP+JSON API through which a
// test or the demo sets the metric values the adapter serves and the faults
// it injects. It imports only the standard library so tests stay cheap to
// compile.
package control

import "time"

// Metrics API names used in Fault.API.
const (
	APICustom   = "custom"   // custom.metrics.k8s.io
	APIExternal = "external" // external.metrics.k8s.io
	APIResource = "resource" // metrics.k8s.io
)

// PodMetric is the value of one custom metric for one pod, served through
// custom.metrics.k8s.io as a MetricValue describing the pod.
type PodMetric struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Metric    string `json:"metric"`
	// Value is a Kubernetes quantity such as "42", "1500m" or "2k".
	Value string `json:"value"`
	// Timestamp is the sample time. Nil means the time of each request,
	// so the value never goes stale.
	Timestamp *time.Time `json:"timestamp,omitempty"`
	// WindowSeconds is the window the value was computed over. Nil leaves
	// windowSeconds unset, and the HPA controller then assumes one minute.
	WindowSeconds *int64 `json:"windowSeconds,omitempty"`
	// Labels are the metric's labels, matched against an HPA's
	// metric.selector. A value whose labels do not match is left out.
	Labels map[string]string `json:"labels,omitempty"`
}

// ObjectMetric is the value of one custom metric for one Kubernetes object,
// as used by an HPA metric of type Object.
type ObjectMetric struct {
	// Namespace is the object's namespace, empty for a Namespace object
	// (whose Name is then the namespace).
	Namespace string `json:"namespace,omitempty"`
	// APIVersion and Kind name the object's type, for example "apps/v1"
	// and "Deployment", or "v1" and "Service".
	APIVersion    string            `json:"apiVersion"`
	Kind          string            `json:"kind"`
	Name          string            `json:"name"`
	Metric        string            `json:"metric"`
	Value         string            `json:"value"`
	Timestamp     *time.Time        `json:"timestamp,omitempty"`
	WindowSeconds *int64            `json:"windowSeconds,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
}

// ExternalMetric is one series of an external metric. An HPA's
// metric.selector picks series by their labels, and the controller adds up
// the values of every series it gets.
type ExternalMetric struct {
	// Namespace is the namespace the series is served in. Empty serves it
	// in every namespace.
	Namespace     string            `json:"namespace,omitempty"`
	Metric        string            `json:"metric"`
	Labels        map[string]string `json:"labels,omitempty"`
	Value         string            `json:"value"`
	Timestamp     *time.Time        `json:"timestamp,omitempty"`
	WindowSeconds *int64            `json:"windowSeconds,omitempty"`
}

// PodUsage is the resource usage of one pod, served through metrics.k8s.io
// as PodMetrics, the source of Resource and ContainerResource HPA metrics.
type PodUsage struct {
	Namespace  string           `json:"namespace"`
	Pod        string           `json:"pod"`
	Containers []ContainerUsage `json:"containers"`
	Timestamp  *time.Time       `json:"timestamp,omitempty"`
	// WindowSeconds is the PodMetrics window. Nil means 15 seconds, the
	// default resolution of metrics-server.
	WindowSeconds *int64 `json:"windowSeconds,omitempty"`
}

// ContainerUsage is the usage of one container. An empty quantity leaves
// that resource out of the container's usage.
type ContainerUsage struct {
	Name string `json:"name"`
	// CPU is a quantity in cores, for example "250m".
	CPU string `json:"cpu,omitempty"`
	// Memory is a quantity in bytes, for example "128Mi".
	Memory string `json:"memory,omitempty"`
}

// Fault makes the adapter misbehave for the requests it matches. A request
// matches the most specific fault: an exact namespace and metric first,
// then an exact namespace, then an exact metric, then neither.
type Fault struct {
	// API is APICustom, APIExternal or APIResource.
	API string `json:"api"`
	// Namespace limits the fault to one namespace; empty matches all.
	Namespace string `json:"namespace,omitempty"`
	// Metric limits the fault to one metric name; empty matches all. It
	// must be empty for APIResource, whose requests name no metric.
	Metric string `json:"metric,omitempty"`
	// StatusCode, when not zero, is the HTTP status (for example 404 or 503)
	// of the response to matching requests, which then carries no values.
	StatusCode int `json:"statusCode,omitempty"`
	// Delay is how long to wait before responding (nanoseconds in JSON).
	Delay time.Duration `json:"delay,omitempty"`
	// OmitPods are pods whose values are left out of responses, as if the
	// metrics pipeline had no data for them.
	OmitPods []string `json:"omitPods,omitempty"`
}

// State is everything the adapter currently serves, as returned by
// Client.State.
type State struct {
	PodMetrics      []PodMetric      `json:"podMetrics"`
	ObjectMetrics   []ObjectMetric   `json:"objectMetrics"`
	ExternalMetrics []ExternalMetric `json:"externalMetrics"`
	PodUsage        []PodUsage       `json:"podUsage"`
	Faults          []Fault          `json:"faults"`
}

// Filter selects entries to delete. Empty fields match everything, so the
// zero Filter deletes every entry of a kind.
type Filter struct {
	Namespace string
	// Name is the pod name for pod metrics and pod usage, and the object
	// name for object metrics. External metrics and faults ignore it.
	Name string
	// Metric is the metric name. Pod usage ignores it.
	Metric string
	// API selects faults by metrics API. Only faults use it.
	API string
}

// Paths of the control endpoint.
const (
	PathPodMetrics      = "/v1/pod-metrics"
	PathObjectMetrics   = "/v1/object-metrics"
	PathExternalMetrics = "/v1/external-metrics"
	PathPodUsage        = "/v1/pod-usage"
	PathFaults          = "/v1/faults"
	PathState           = "/v1/state"
	PathHealthz         = "/healthz"
)
