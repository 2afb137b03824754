package differential

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"
	metricsclient "k8s.io/kubernetes/pkg/controller/podautoscaler/metrics"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsfake "k8s.io/metrics/pkg/client/clientset/versioned/fake"
	custommetricsfake "k8s.io/metrics/pkg/client/custom_metrics/fake"
	externalmetricsfake "k8s.io/metrics/pkg/client/external_metrics/fake"
	"sigs.k8s.io/yaml"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// reductionCase is one metrics API response, or a failed request, for the
// reduction helpers of pkg/replicas and the controller's REST metrics
// client.
type reductionCase struct {
	Index  int
	Source autoscalingv2.MetricSourceType
	// Resource and Container select the usage of Resource and
	// ContainerResource metrics.
	Resource  corev1.ResourceName
	Container string
	// ObjectKind is the described object's kind for Object metrics. The
	// client asks for a Namespace's metric at the root scope.
	ObjectKind string

	PodMetrics   *metricsv1beta1.PodMetricsList
	CustomValues *custommetricsv1beta2.MetricValueList
	External     *externalmetricsv1beta1.ExternalMetricValueList
	// FetchError, when not empty, is the error of the API request.
	FetchError string
}

// metricsAPIs are fake clients of the three metrics APIs that return the
// current case's response.
type metricsAPIs struct {
	current  *reductionCase
	resource *metricsfake.Clientset
	custom   *custommetricsfake.FakeCustomMetricsClient
	external *externalmetricsfake.FakeExternalMetricsClient
	client   metricsclient.MetricsClient
}

func newMetricsAPIs() *metricsAPIs {
	apis := &metricsAPIs{
		resource: metricsfake.NewSimpleClientset(),
		custom:   &custommetricsfake.FakeCustomMetricsClient{},
		external: &externalmetricsfake.FakeExternalMetricsClient{},
	}
	respond := func(list func(*reductionCase) runtime.Object) clienttesting.ReactionFunc {
		return func(clienttesting.Action) (bool, runtime.Object, error) {
			if apis.current.FetchError != "" {
				return true, nil, errors.New(apis.current.FetchError)
			}
			return true, list(apis.current), nil
		}
	}
	apis.resource.PrependReactor("list", "pods", respond(func(c *reductionCase) runtime.Object { return c.PodMetrics.DeepCopy() }))
	apis.custom.AddReactor("get", "*", respond(func(c *reductionCase) runtime.Object { return c.CustomValues.DeepCopy() }))
	apis.external.AddReactor("list", "*", respond(func(c *reductionCase) runtime.Object { return c.External.DeepCopy() }))
	apis.client = metricsclient.NewRESTMetricsClient(apis.resource.MetricsV1beta1(), apis.custom, apis.external)
	return apis
}

// reduction is one side's reduced response.
type reduction struct {
	podMetrics map[string]replicas.PodMetric
	value      int64
	values     []int64
	timestamp  time.Time
	err        string
}

// reduce runs the controller's REST metrics client on the case.
func (apis *metricsAPIs) reduce(c *reductionCase) reduction {
	apis.current = c
	// The fakes record every request. Nothing reads the record.
	apis.resource.ClearActions()
	apis.custom.ClearActions()
	apis.external.ClearActions()
	ctx := context.Background()
	podSelector := labels.SelectorFromSet(labels.Set{"app": "web"})
	metricSelector := labels.SelectorFromSet(labels.Set{"queue": "jobs"})

	var out reduction
	var err error
	var info metricsclient.PodMetricsInfo
	switch c.Source {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		info, out.timestamp, err = apis.client.GetResourceMetric(ctx, c.Resource, namespace, podSelector, c.Container)
	case autoscalingv2.PodsMetricSourceType:
		info, out.timestamp, err = apis.client.GetRawMetric("requests_per_second", namespace, podSelector, metricSelector)
	case autoscalingv2.ObjectMetricSourceType:
		ref := &autoscalingv2.CrossVersionObjectReference{Kind: c.ObjectKind, Name: "main", APIVersion: "v1"}
		out.value, out.timestamp, err = apis.client.GetObjectMetric("requests_per_second", namespace, ref, metricSelector)
	case autoscalingv2.ExternalMetricSourceType:
		out.values, out.timestamp, err = apis.client.GetExternalMetric("queue_length", namespace, metricSelector)
	}
	if info != nil {
		out.podMetrics = map[string]replicas.PodMetric{}
		for name, m := range info {
			out.podMetrics[name] = replicas.PodMetric(m)
		}
	}
	if err != nil {
		out.err = err.Error()
	}
	return out
}

// reduceWithHelpers runs the reduction helper of pkg/replicas for the
// source on the response, and FetchError on a failed request.
func reduceWithHelpers(c *reductionCase) reduction {
	var out reduction
	if c.FetchError != "" {
		out.err = replicas.FetchError(c.Source, errors.New(c.FetchError)).Error()
		return out
	}

	var err error
	var info replicas.PodMetricsInfo
	switch c.Source {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		info, out.timestamp, err = replicas.ResourcePodMetrics(c.PodMetrics, c.Resource, c.Container)
	case autoscalingv2.PodsMetricSourceType:
		info, out.timestamp, err = replicas.CustomPodMetrics(c.CustomValues)
	case autoscalingv2.ObjectMetricSourceType:
		out.value, out.timestamp, err = replicas.ObjectValue(c.CustomValues)
	case autoscalingv2.ExternalMetricSourceType:
		out.values, out.timestamp, err = replicas.ExternalValues(c.External)
	}
	if info != nil {
		out.podMetrics = info
	}
	if err != nil {
		out.err = err.Error()
	}
	return out
}

// differences lists how two reductions differ. Results that come with an
// error are not compared, because callers drop them.
func (r reduction) differences(o reduction) []string {
	var diffs []string
	if r.err != o.err {
		diffs = append(diffs, fmt.Sprintf("error: upstream %q, ours %q", r.err, o.err))
	}
	if r.err != "" || o.err != "" {
		return diffs
	}
	if !maps.EqualFunc(r.podMetrics, o.podMetrics, func(a, b replicas.PodMetric) bool {
		return a.Value == b.Value && a.Window == b.Window && a.Timestamp.Equal(b.Timestamp)
	}) {
		diffs = append(diffs, fmt.Sprintf("pod metrics: upstream %v, ours %v", r.podMetrics, o.podMetrics))
	}
	if r.value != o.value {
		diffs = append(diffs, fmt.Sprintf("value: upstream %d, ours %d", r.value, o.value))
	}
	if !slices.Equal(r.values, o.values) {
		diffs = append(diffs, fmt.Sprintf("values: upstream %v, ours %v", r.values, o.values))
	}
	if !r.timestamp.Equal(o.timestamp) {
		diffs = append(diffs, fmt.Sprintf("timestamp: upstream %v, ours %v", r.timestamp, o.timestamp))
	}
	return diffs
}

// TestReductionDifferential runs the reduction helpers of pkg/replicas and
// the controller's REST metrics client on as many random metrics API
// responses as TestDifferential runs inputs, and fails on the first
// difference.
func TestReductionDifferential(t *testing.T) {
	seed, cases := settings(t)
	first, last := 0, cases-1
	if *caseFlag >= 0 {
		first, last = *caseFlag, *caseFlag
	}
	t.Logf("seed %d, responses %d to %d", seed, first, last)

	apis := newMetricsAPIs()
	start := time.Now()
	for i := first; i <= last; i++ {
		c := generateReduction(seed, i)
		diffs := apis.reduce(c).differences(reduceWithHelpers(c))
		if len(diffs) == 0 {
			continue
		}
		response, err := yaml.Marshal(c)
		if err != nil {
			response = []byte(err.Error())
		}
		t.Fatalf("response %d (rerun alone with -seed=%d -case=%d): the reduction helpers disagree with the controller's metrics client:\n%s\ndifferences:\n  %s",
			i, seed, i, response, strings.Join(diffs, "\n  "))
	}
	t.Logf("%d responses agree in %v", last-first+1, time.Since(start).Round(time.Millisecond))
}

// generateReduction draws a response for one metric source. The stream is
// separate from the one of TestDifferential's case with the same index.
func generateReduction(seed uint64, index int) *reductionCase {
	g := &generator{r: rand.New(rand.NewPCG(seed, uint64(index)|1<<63))}
	c := &reductionCase{Index: index}
	c.Source = pick(g, autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType,
		autoscalingv2.PodsMetricSourceType, autoscalingv2.ObjectMetricSourceType, autoscalingv2.ExternalMetricSourceType)
	if g.chance(0.05) {
		c.FetchError = pick(g, "the server is currently unable to handle the request", "connection refused")
	}

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	timestamp := func() metav1.Time {
		return metav1.NewTime(now.Add(-time.Duration(g.r.Int64N(int64(2 * time.Minute)))))
	}
	items := pick(g, 0, 1, 1, 2, 3, 5)

	switch c.Source {
	case autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		c.Resource = pick(g, corev1.ResourceCPU, corev1.ResourceMemory)
		if c.Source == autoscalingv2.ContainerResourceMetricSourceType {
			c.Container = pick(g, "app", "app", "sidecar", "missing")
		}
		c.PodMetrics = &metricsv1beta1.PodMetricsList{}
		for range items {
			m := metricsv1beta1.PodMetrics{
				ObjectMeta: metav1.ObjectMeta{Name: pick(g, "pod-0", "pod-1", "pod-2", "pod-3"), Namespace: namespace, Labels: map[string]string{"app": "web"}},
				Timestamp:  timestamp(),
				Window:     metav1.Duration{Duration: pick(g, time.Minute, 30*time.Second, 0)},
			}
			for range pick(g, 0, 1, 1, 2, 3) {
				usage := corev1.ResourceList{}
				for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
					if g.chance(0.9) {
						usage[name] = reductionQuantity(g)
					}
				}
				m.Containers = append(m.Containers, metricsv1beta1.ContainerMetrics{Name: pick(g, "app", "sidecar", "logger"), Usage: usage})
			}
			c.PodMetrics.Items = append(c.PodMetrics.Items, m)
		}

	case autoscalingv2.PodsMetricSourceType, autoscalingv2.ObjectMetricSourceType:
		c.ObjectKind = pick(g, "Ingress", "Ingress", "Namespace")
		if c.Source == autoscalingv2.ObjectMetricSourceType {
			items = pick(g, 0, 1, 1, 1, 2)
		}
		c.CustomValues = &custommetricsv1beta2.MetricValueList{}
		for range items {
			v := custommetricsv1beta2.MetricValue{
				DescribedObject: corev1.ObjectReference{Kind: "Pod", Name: pick(g, "pod-0", "pod-1", "pod-2"), Namespace: namespace},
				Metric:          custommetricsv1beta2.MetricIdentifier{Name: "requests_per_second"},
				Timestamp:       timestamp(),
				Value:           reductionQuantity(g),
			}
			if g.chance(0.5) {
				seconds := pick(g, int64(0), 15, 60, 300)
				v.WindowSeconds = &seconds
			}
			c.CustomValues.Items = append(c.CustomValues.Items, v)
		}

	case autoscalingv2.ExternalMetricSourceType:
		c.External = &externalmetricsv1beta1.ExternalMetricValueList{}
		for range items {
			c.External.Items = append(c.External.Items, externalmetricsv1beta1.ExternalMetricValue{
				MetricName: "queue_length",
				Timestamp:  timestamp(),
				Value:      reductionQuantity(g),
			})
		}
	}
	return c
}

// reductionQuantity draws a quantity in one of the forms a metrics API
// serves, from nano-units to values whose milli-value leaves int64.
func reductionQuantity(g *generator) resource.Quantity {
	switch x := g.r.IntN(100); {
	case x < 50:
		return *resource.NewMilliQuantity(g.r.Int64N(1_000_000), resource.DecimalSI)
	case x < 65:
		return *resource.NewQuantity(g.r.Int64N(1<<34), resource.BinarySI)
	case x < 75:
		return *resource.NewScaledQuantity(g.r.Int64N(1_000_000), resource.Nano)
	case x < 85:
		return *resource.NewMilliQuantity(pick(g, int64(0), -1, math.MaxInt64, math.MinInt64), resource.DecimalSI)
	default:
		return resource.MustParse(pick(g, "1n", "1u", "1.5", "100Mi", "1e18", "9223372036854775807", "-1", "12345678901234567890", "1Ei", "0"))
	}
}
