// Package snapshot writes everything explain gathered for one HPA as a
// kubectl-style v1 List, and reads such a file back into a gather.State, so
// that an HPA can be explained without access to its cluster. The reader
// also accepts what users already have: "kubectl get -o yaml|json" output
// and "kubectl get --raw" metric responses, concatenated in one stream.
//
// docs/snapshots.md describes the file format.
package snapshot

// Annotations that carry what the objects themselves cannot: the capture
// time, the spec.metrics entry a metric response belongs to, and the
// failures the gathering recorded. Metric responses and Status objects are
// lists, whose ListMeta has no annotations field in Kubernetes. The snapshot
// adds metadata.annotations to them anyway, so decoders that ignore unknown
// fields, as kubectl's do, read them unchanged.
const (
	annotationPrefix = "hpametrics.io/"

	// AnnotationCapturedAt is the gathering's start time in RFC 3339 with
	// nanoseconds, on the HPA the snapshot was captured for. It also marks
	// that HPA as the file's subject.
	AnnotationCapturedAt = annotationPrefix + "captured-at"
	// AnnotationCapturedBy is the plugin version that wrote the snapshot.
	AnnotationCapturedBy = annotationPrefix + "captured-by"
	// AnnotationItems is the number of items in the List, to detect a
	// truncated file.
	AnnotationItems = annotationPrefix + "items"

	// AnnotationMetricIndex is the index in spec.metrics of the metric a
	// response or error belongs to.
	AnnotationMetricIndex = annotationPrefix + "metric-index"
	// AnnotationPart names the part of the state a Status object or
	// metric response stands for; see the part constants.
	AnnotationPart = annotationPrefix + "part"
	// AnnotationAPIVersion is the metrics API group/version that was read.
	AnnotationAPIVersion = annotationPrefix + "api-version"
	// AnnotationRequest is the request that failed, as the gathering
	// recorded it.
	AnnotationRequest = annotationPrefix + "request"
	// AnnotationTimedOut is "true" when the failed request hit its deadline.
	AnnotationTimedOut = annotationPrefix + "timed-out"
	// AnnotationResource is "group/version/resource" (or "version/resource"
	// for the core group) of the scale target, on its Scale or Status.
	AnnotationResource = annotationPrefix + "resource"
	// AnnotationTargetProblem is the gather.TargetProblem of a scale target
	// that could not be read.
	AnnotationTargetProblem = annotationPrefix + "target-problem"
)

// Values of AnnotationPart.
const (
	partNamespaceHPAs   = "namespace-hpas"
	partScale           = "scale"
	partPods            = "pods"
	partReplicaSets     = "replicasets"
	partEvents          = "events"
	partDiscovery       = "discovery"
	partCustomDiscovery = "custom-metrics-discovery"
	partResourceMetrics = "resource-metrics"
	partMetric          = "metric"
	partUnselected      = "unselected"
	partAPIService      = "apiservice"
)

// DefaultMaxBytes caps the input Load and ReadManifest accept. A namespace
// with a few thousand pods, as kubectl prints them with managedFields, stays
// well below it.
const DefaultMaxBytes = 64 << 20

// API groups and versions of the objects in a snapshot.
const (
	customMetricsGroup   = "custom.metrics.k8s.io"
	resourceMetricsGroup = "metrics.k8s.io"
	externalMetricsGroup = "external.metrics.k8s.io"
	apiRegistrationGroup = "apiregistration.k8s.io"

	customMetricsV1beta2   = customMetricsGroup + "/v1beta2"
	resourceMetricsV1beta1 = resourceMetricsGroup + "/v1beta1"
	externalMetricsV1beta1 = externalMetricsGroup + "/v1beta1"
)
