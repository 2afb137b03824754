package differential

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"
	// unsafe is imported for the go:linkname directive below.
	_ "unsafe"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	scalefake "k8s.io/client-go/scale/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/kubernetes/pkg/controller/podautoscaler"
	metricsclient "k8s.io/kubernetes/pkg/controller/podautoscaler/metrics"
)

// tolerancesForHpa is the controller's own method that turns the
// --horizontal-pod-autoscaler-tolerance flag and spec.behavior into a
// podautoscaler.Tolerances. That type has only unexported fields and no
// constructor in v1.37.2, so the method is the one way to build a value
// other than the zero value. It is unexported, hence the linkname.
//
//go:linkname tolerancesForHpa k8s.io/kubernetes/pkg/controller/podautoscaler.(*HorizontalController).tolerancesForHpa
func tolerancesForHpa(a *podautoscaler.HorizontalController, hpa *autoscalingv2.HorizontalPodAutoscaler) podautoscaler.Tolerances

// computeReplicasForMetric is the controller's computation of one entry of
// spec.metrics: it picks the replica calculator method, wraps its error,
// fills the metric status and builds the ScalingActive condition. The test
// runs it next to its own dispatch, which calls the replica calculator
// directly, to check that dispatch.
//
//go:linkname computeReplicasForMetric k8s.io/kubernetes/pkg/controller/podautoscaler.(*HorizontalController).computeReplicasForMetric
func computeReplicasForMetric(a *podautoscaler.HorizontalController, ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, spec autoscalingv2.MetricSpec,
	specReplicas, statusReplicas int32, selector labels.Selector, status *autoscalingv2.MetricStatus) (int32, string, time.Time, autoscalingv2.HorizontalPodAutoscalerCondition, error)

// controllerSettings are the controller flags that the replica
// calculator reads.
type controllerSettings struct {
	tolerance                     float64
	cpuInitializationPeriod       time.Duration
	delayOfInitialReadinessStatus time.Duration
}

// controllers caches one HorizontalController per flag combination. Each
// one starts event broadcaster and work queue goroutines that cannot be
// stopped from outside the package, so the generator draws the flags from
// short lists.
var controllers struct {
	sync.Mutex
	bySettings map[controllerSettings]*podautoscaler.HorizontalController
}

// controllerPods and controllerMetrics are the pod lister and the metrics
// client of every cached controller. runCase points them at the case's
// pods and values before it calls a controller.
var (
	controllerPods    delegatingPodLister
	controllerMetrics delegatingMetricsClient
)

// controllerFor returns a controller built by NewHorizontalController with
// the given flags, which reads pods through controllerPods and metrics
// through controllerMetrics. Its other clients are fakes. It records
// events for failed metrics into a fake clientset, whose event spam
// filter keeps at most a few dozen.
func controllerFor(settings controllerSettings) *podautoscaler.HorizontalController {
	controllers.Lock()
	defer controllers.Unlock()
	if c, ok := controllers.bySettings[settings]; ok {
		return c
	}
	if controllers.bySettings == nil {
		controllers.bySettings = map[controllerSettings]*podautoscaler.HorizontalController{}
	}
	client := fake.NewSimpleClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	pods := podInformer{PodInformer: factory.Core().V1().Pods(), lister: &controllerPods}
	c := podautoscaler.NewHorizontalController(context.Background(), client.CoreV1(), &scalefake.FakeScaleClient{},
		client.AutoscalingV2(), meta.NewDefaultRESTMapper(nil), &controllerMetrics,
		factory.Autoscaling().V2().HorizontalPodAutoscalers(), pods,
		0, 5*time.Minute, settings.tolerance, settings.cpuInitializationPeriod, settings.delayOfInitialReadinessStatus)
	controllers.bySettings[settings] = c
	return c
}

// podInformer replaces the lister of a pod informer.
type podInformer struct {
	coreinformers.PodInformer
	lister corelisters.PodLister
}

func (i podInformer) Lister() corelisters.PodLister { return i.lister }

// delegatingPodLister passes every call to the lister it points at.
type delegatingPodLister struct {
	target corelisters.PodLister
}

func (l *delegatingPodLister) List(selector labels.Selector) ([]*corev1.Pod, error) {
	return l.target.List(selector)
}

func (l *delegatingPodLister) Pods(namespace string) corelisters.PodNamespaceLister {
	return l.target.Pods(namespace)
}

// delegatingMetricsClient passes every call to the client it points at.
type delegatingMetricsClient struct {
	target metricsclient.MetricsClient
}

func (d *delegatingMetricsClient) GetResourceMetric(ctx context.Context, resource corev1.ResourceName, namespace string, selector labels.Selector, container string) (metricsclient.PodMetricsInfo, time.Time, error) {
	return d.target.GetResourceMetric(ctx, resource, namespace, selector, container)
}

func (d *delegatingMetricsClient) GetRawMetric(metricName string, namespace string, selector labels.Selector, metricSelector labels.Selector) (metricsclient.PodMetricsInfo, time.Time, error) {
	return d.target.GetRawMetric(metricName, namespace, selector, metricSelector)
}

func (d *delegatingMetricsClient) GetObjectMetric(metricName string, namespace string, objectRef *autoscalingv2.CrossVersionObjectReference, metricSelector labels.Selector) (int64, time.Time, error) {
	return d.target.GetObjectMetric(metricName, namespace, objectRef, metricSelector)
}

func (d *delegatingMetricsClient) GetExternalMetric(metricName string, namespace string, selector labels.Selector) ([]int64, time.Time, error) {
	return d.target.GetExternalMetric(metricName, namespace, selector)
}

// toleranceValues reads the scale-down and scale-up tolerance out of the
// upstream type. Reflection may read unexported fields but not set them.
func toleranceValues(t podautoscaler.Tolerances) (scaleDown, scaleUp float64) {
	v := reflect.ValueOf(t)
	return v.FieldByName("scaleDown").Float(), v.FieldByName("scaleUp").Float()
}

// fakeMetricsClient returns the case's values and records the request, so
// that the test can check that it matches the spec.
type fakeMetricsClient struct {
	podMetrics     metricsclient.PodMetricsInfo
	timestamp      time.Time
	objectValue    int64
	externalValues []int64
	err            error

	request metricsRequest
}

// metricsRequest is the last call to the fake metrics client.
type metricsRequest struct {
	method         string
	resource       corev1.ResourceName
	container      string
	metricName     string
	namespace      string
	selector       string
	metricSelector string
	object         autoscalingv2.CrossVersionObjectReference
}

func selectorText(s labels.Selector) string {
	if s == nil {
		return "<nil>"
	}
	return s.String()
}

func (f *fakeMetricsClient) GetResourceMetric(_ context.Context, resource corev1.ResourceName, namespace string, selector labels.Selector, container string) (metricsclient.PodMetricsInfo, time.Time, error) {
	f.request = metricsRequest{method: "GetResourceMetric", resource: resource, container: container, namespace: namespace, selector: selectorText(selector)}
	if f.err != nil {
		return nil, time.Time{}, f.err
	}
	// The replica calculator edits the map it gets.
	return maps.Clone(f.podMetrics), f.timestamp, nil
}

func (f *fakeMetricsClient) GetRawMetric(metricName string, namespace string, selector labels.Selector, metricSelector labels.Selector) (metricsclient.PodMetricsInfo, time.Time, error) {
	f.request = metricsRequest{method: "GetRawMetric", metricName: metricName, namespace: namespace, selector: selectorText(selector), metricSelector: selectorText(metricSelector)}
	if f.err != nil {
		return nil, time.Time{}, f.err
	}
	return maps.Clone(f.podMetrics), f.timestamp, nil
}

func (f *fakeMetricsClient) GetObjectMetric(metricName string, namespace string, objectRef *autoscalingv2.CrossVersionObjectReference, metricSelector labels.Selector) (int64, time.Time, error) {
	f.request = metricsRequest{method: "GetObjectMetric", metricName: metricName, namespace: namespace, object: *objectRef, metricSelector: selectorText(metricSelector)}
	if f.err != nil {
		return 0, time.Time{}, f.err
	}
	return f.objectValue, f.timestamp, nil
}

func (f *fakeMetricsClient) GetExternalMetric(metricName string, namespace string, selector labels.Selector) ([]int64, time.Time, error) {
	f.request = metricsRequest{method: "GetExternalMetric", metricName: metricName, namespace: namespace, metricSelector: selectorText(selector)}
	if f.err != nil {
		return nil, time.Time{}, f.err
	}
	return slices.Clone(f.externalValues), f.timestamp, nil
}

// orderedPodLister wraps the cache's pod lister and returns pods in the
// order of the case's pod list. The cache itself lists in map order, and
// the replica calculator's request errors name the first pod without a
// request, so a fixed order is what lets the test compare those errors.
// It also keeps the pods of the first List call.
type orderedPodLister struct {
	corelisters.PodLister
	rank   map[string]int
	listed []*corev1.Pod
	calls  int
}

func newOrderedPodLister(indexer cache.Indexer, pods []podCase) *orderedPodLister {
	rank := make(map[string]int, len(pods))
	for i, p := range pods {
		rank[p.Name] = i
	}
	return &orderedPodLister{PodLister: corelisters.NewPodLister(indexer), rank: rank}
}

func (l *orderedPodLister) Pods(namespace string) corelisters.PodNamespaceLister {
	return orderedNamespaceLister{PodNamespaceLister: l.PodLister.Pods(namespace), parent: l}
}

type orderedNamespaceLister struct {
	corelisters.PodNamespaceLister
	parent *orderedPodLister
}

func (l orderedNamespaceLister) List(selector labels.Selector) ([]*corev1.Pod, error) {
	pods, err := l.PodNamespaceLister.List(selector)
	slices.SortFunc(pods, func(a, b *corev1.Pod) int { return l.parent.rank[a.Name] - l.parent.rank[b.Name] })
	if l.parent.calls == 0 {
		l.parent.listed = slices.Clone(pods)
	}
	l.parent.calls++
	return pods, err
}

// upstreamResult is what the controller would record for the metric:
// the values computeReplicasForMetric returns and the status it fills.
type upstreamResult struct {
	replicas  int32
	name      string
	timestamp time.Time
	status    autoscalingv2.MetricStatus
	err       error

	scaleDownTolerance, scaleUpTolerance float64
	request                              metricsRequest
	// listedPods is nil when the replica calculator never listed pods.
	listedPods []*corev1.Pod

	// controller is the same metric computed by the controller's own
	// computeReplicasForMetric.
	controller controllerResult
}

// controllerResult is what computeReplicasForMetric returns, with the
// status it fills.
type controllerResult struct {
	replicas  int32
	name      string
	timestamp time.Time
	status    autoscalingv2.MetricStatus
	condition autoscalingv2.HorizontalPodAutoscalerCondition
	err       error
}

// upstreamRun is one case prepared for the upstream side: the pod cache,
// built with times relative to now, and the controller for the case's
// flags.
type upstreamRun struct {
	c       *diffCase
	hpa     *autoscalingv2.HorizontalPodAutoscaler
	indexer cache.Indexer
	now     time.Time
	ctrl    *podautoscaler.HorizontalController
}

func newUpstreamRun(c *diffCase, hpa *autoscalingv2.HorizontalPodAutoscaler, pods []*corev1.Pod, now time.Time) (*upstreamRun, error) {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, pod := range pods {
		if err := indexer.Add(pod); err != nil {
			return nil, fmt.Errorf("adding pod %s to the cache failed: %w", pod.Name, err)
		}
	}
	settings := controllerSettings{
		tolerance:                     c.Tolerance,
		cpuInitializationPeriod:       c.CPUInitializationPeriod,
		delayOfInitialReadinessStatus: c.DelayOfInitialReadinessStatus,
	}
	return &upstreamRun{c: c, hpa: hpa, indexer: indexer, now: now, ctrl: controllerFor(settings)}, nil
}

// newMetricsClient returns a fake metrics client with the case's values.
func (u *upstreamRun) newMetricsClient() *fakeMetricsClient {
	c := u.c
	mc := &fakeMetricsClient{
		podMetrics:     metricsclient.PodMetricsInfo{},
		timestamp:      u.now.Add(c.MetricTimestamp),
		objectValue:    c.ObjectValue,
		externalValues: c.ExternalValues,
	}
	for _, s := range c.Samples {
		mc.podMetrics[s.Pod] = metricsclient.PodMetric{Timestamp: u.now.Add(s.Timestamp), Window: s.Window, Value: s.Value}
	}
	if c.FetchError != "" {
		mc.err = errors.New(c.FetchError)
	}
	return mc
}

// run computes the metric twice: with the test's own dispatch to the
// replica calculator, and with the controller's computeReplicasForMetric.
func (u *upstreamRun) run() upstreamResult {
	var res upstreamResult
	c := u.c
	tolerances := tolerancesForHpa(u.ctrl, u.hpa)
	res.scaleDownTolerance, res.scaleUpTolerance = toleranceValues(tolerances)

	selector, err := labels.Parse(selector)
	if err != nil {
		res.err = fmt.Errorf("parsing the scale selector failed: %w", err)
		return res
	}
	spec := u.hpa.Spec.Metrics[0]

	lister := newOrderedPodLister(u.indexer, c.Pods)
	mc := u.newMetricsClient()
	calc := podautoscaler.NewReplicaCalculator(mc, lister, c.CPUInitializationPeriod, c.DelayOfInitialReadinessStatus)
	res.replicas, res.name, res.timestamp, res.status, res.err = dispatch(calc, u.hpa, spec, c.SpecReplicas, c.StatusReplicas, tolerances, selector)
	if res.err != nil {
		// computeReplicasForMetric returns zero values with its error.
		res.replicas, res.name, res.timestamp, res.status = 0, "", time.Time{}, autoscalingv2.MetricStatus{}
	}
	res.request = mc.request
	if lister.calls > 0 {
		res.listedPods = lister.listed
	}

	controllerPods.target = newOrderedPodLister(u.indexer, c.Pods)
	controllerMetrics.target = u.newMetricsClient()
	r := &res.controller
	r.replicas, r.name, r.timestamp, r.condition, r.err = computeReplicasForMetric(u.ctrl, context.Background(), u.hpa, spec,
		c.SpecReplicas, c.StatusReplicas, selector, &r.status)
	return res
}

// dispatch calls the replica calculator method that computeReplicasForMetric
// in horizontal.go (v1.37.2) calls for the metric's source and target, with
// the same arguments, and wraps errors and fills the status as the
// controller does there and in computeStatusFor*Metric.
func dispatch(calc *podautoscaler.ReplicaCalculator, hpa *autoscalingv2.HorizontalPodAutoscaler, spec autoscalingv2.MetricSpec, specReplicas, statusReplicas int32, tolerances podautoscaler.Tolerances, selector labels.Selector) (int32, string, time.Time, autoscalingv2.MetricStatus, error) {
	ctx := context.Background()
	ns := hpa.Namespace
	var status autoscalingv2.MetricStatus

	switch spec.Type {
	case autoscalingv2.ObjectMetricSourceType:
		src := spec.Object
		metricSelector, err := metav1.LabelSelectorAsSelector(src.Metric.Selector)
		if err != nil {
			return 0, "", time.Time{}, status, fmt.Errorf("failed to get object metric value: %w", err)
		}
		status = autoscalingv2.MetricStatus{Type: spec.Type, Object: &autoscalingv2.ObjectMetricStatus{
			DescribedObject: src.DescribedObject,
			Metric:          autoscalingv2.MetricIdentifier{Name: src.Metric.Name, Selector: src.Metric.Selector},
		}}
		switch {
		case src.Target.Type == autoscalingv2.ValueMetricType && src.Target.Value != nil:
			replicas, usage, timestamp, err := calc.GetObjectMetricReplicas(specReplicas, src.Target.Value.MilliValue(), src.Metric.Name, tolerances, ns, &src.DescribedObject, selector, metricSelector)
			if err != nil {
				return 0, "", time.Time{}, status, fmt.Errorf("failed to get object metric value: %w", err)
			}
			status.Object.Current.Value = resource.NewMilliQuantity(usage, resource.DecimalSI)
			return replicas, fmt.Sprintf("%s metric %s", src.DescribedObject.Kind, src.Metric.Name), timestamp, status, nil
		case src.Target.Type == autoscalingv2.AverageValueMetricType && src.Target.AverageValue != nil:
			replicas, usage, timestamp, err := calc.GetObjectPerPodMetricReplicas(statusReplicas, src.Target.AverageValue.MilliValue(), src.Metric.Name, tolerances, ns, &src.DescribedObject, metricSelector)
			if err != nil {
				return 0, "", time.Time{}, status, fmt.Errorf("failed to get object metric value: %w",
					fmt.Errorf("failed to get %s object metric: %w", src.Metric.Name, err))
			}
			status.Object.Current.AverageValue = resource.NewMilliQuantity(usage, resource.DecimalSI)
			return replicas, fmt.Sprintf("external metric %s(%+v)", src.Metric.Name, src.Metric.Selector), timestamp, status, nil
		}
		return 0, "", time.Time{}, status, fmt.Errorf("failed to get object metric value: %w",
			errors.New("invalid object metric source: neither a value target nor an average value target was set"))

	case autoscalingv2.PodsMetricSourceType:
		src := spec.Pods
		metricSelector, err := metav1.LabelSelectorAsSelector(src.Metric.Selector)
		if err != nil {
			return 0, "", time.Time{}, status, fmt.Errorf("failed to get pods metric value: %w", err)
		}
		replicas, usage, timestamp, err := calc.GetMetricReplicas(specReplicas, src.Target.AverageValue.MilliValue(), src.Metric.Name, tolerances, ns, selector, metricSelector)
		if err != nil {
			return 0, "", time.Time{}, status, fmt.Errorf("failed to get pods metric value: %w", err)
		}
		status = autoscalingv2.MetricStatus{Type: spec.Type, Pods: &autoscalingv2.PodsMetricStatus{
			Metric:  autoscalingv2.MetricIdentifier{Name: src.Metric.Name, Selector: src.Metric.Selector},
			Current: autoscalingv2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(usage, resource.DecimalSI)},
		}}
		return replicas, fmt.Sprintf("pods metric %s", src.Metric.Name), timestamp, status, nil

	case autoscalingv2.ResourceMetricSourceType:
		src := spec.Resource
		replicas, current, timestamp, name, err := resourceReplicas(ctx, calc, hpa, specReplicas, src.Target, src.Name, "", spec.Type, tolerances, selector)
		if err != nil {
			return 0, "", time.Time{}, status, fmt.Errorf("failed to get %s resource metric value: %w", src.Name, err)
		}
		status = autoscalingv2.MetricStatus{Type: spec.Type, Resource: &autoscalingv2.ResourceMetricStatus{Name: src.Name, Current: current}}
		return replicas, name, timestamp, status, nil

	case autoscalingv2.ContainerResourceMetricSourceType:
		src := spec.ContainerResource
		replicas, current, timestamp, name, err := resourceReplicas(ctx, calc, hpa, specReplicas, src.Target, src.Name, src.Container, spec.Type, tolerances, selector)
		if err != nil {
			return 0, "", time.Time{}, status, fmt.Errorf("failed to get %s container metric value: %w", src.Container, err)
		}
		status = autoscalingv2.MetricStatus{Type: spec.Type, ContainerResource: &autoscalingv2.ContainerResourceMetricStatus{
			Name: src.Name, Container: src.Container, Current: current,
		}}
		return replicas, name, timestamp, status, nil

	case autoscalingv2.ExternalMetricSourceType:
		src := spec.External
		name := fmt.Sprintf("external metric %s(%+v)", src.Metric.Name, src.Metric.Selector)
		status = autoscalingv2.MetricStatus{Type: spec.Type, External: &autoscalingv2.ExternalMetricStatus{
			Metric: autoscalingv2.MetricIdentifier{Name: src.Metric.Name, Selector: src.Metric.Selector},
		}}
		if src.Target.AverageValue != nil {
			replicas, usage, timestamp, err := calc.GetExternalPerPodMetricReplicas(statusReplicas, src.Target.AverageValue.MilliValue(), src.Metric.Name, tolerances, ns, src.Metric.Selector)
			if err != nil {
				return 0, "", time.Time{}, status, fmt.Errorf("failed to get %s external metric value: %w", src.Metric.Name,
					fmt.Errorf("failed to get %s external metric: %w", src.Metric.Name, err))
			}
			status.External.Current.AverageValue = resource.NewMilliQuantity(usage, resource.DecimalSI)
			return replicas, name, timestamp, status, nil
		}
		if src.Target.Value != nil {
			replicas, usage, timestamp, err := calc.GetExternalMetricReplicas(specReplicas, src.Target.Value.MilliValue(), src.Metric.Name, tolerances, ns, src.Metric.Selector, selector)
			if err != nil {
				return 0, "", time.Time{}, status, fmt.Errorf("failed to get %s external metric value: %w", src.Metric.Name,
					fmt.Errorf("failed to get external metric %s: %w", src.Metric.Name, err))
			}
			status.External.Current.Value = resource.NewMilliQuantity(usage, resource.DecimalSI)
			return replicas, name, timestamp, status, nil
		}
		return 0, "", time.Time{}, status, fmt.Errorf("failed to get %s external metric value: %w", src.Metric.Name,
			errors.New("invalid external metric source: neither a value target nor an average value target was set"))
	}
	// The controller appends errSpec, an error with an empty text.
	return 0, "", time.Time{}, status, fmt.Errorf("unknown metric source type %q%w", string(spec.Type), errors.New(""))
}

// resourceReplicas is computeStatusForResourceMetricGeneric: an
// AverageValue target wins over AverageUtilization whatever target.type is.
func resourceReplicas(ctx context.Context, calc *podautoscaler.ReplicaCalculator, hpa *autoscalingv2.HorizontalPodAutoscaler, specReplicas int32, target autoscalingv2.MetricTarget, name corev1.ResourceName, container string, sourceType autoscalingv2.MetricSourceType, tolerances podautoscaler.Tolerances, selector labels.Selector) (int32, autoscalingv2.MetricValueStatus, time.Time, string, error) {
	var none autoscalingv2.MetricValueStatus
	format := resource.DecimalSI
	if name == corev1.ResourceMemory {
		format = resource.BinarySI
	}

	if target.AverageValue != nil {
		replicas, raw, timestamp, err := calc.GetRawResourceReplicas(ctx, specReplicas, target.AverageValue.MilliValue(), name, tolerances, hpa.Namespace, selector, container)
		if err != nil {
			return 0, none, time.Time{}, "", fmt.Errorf("failed to get %s usage: %w", name, err)
		}
		return replicas, autoscalingv2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(raw, format)}, timestamp, fmt.Sprintf("%s resource", name), nil
	}
	if target.AverageUtilization == nil {
		return 0, none, time.Time{}, "", errors.New("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set")
	}

	replicas, utilization, raw, timestamp, err := calc.GetResourceReplicas(ctx, specReplicas, *target.AverageUtilization, name, tolerances, hpa.Namespace, selector, container)
	if err != nil {
		return 0, none, time.Time{}, "", fmt.Errorf("failed to get %s utilization: %w", name, err)
	}
	description := fmt.Sprintf("%s resource utilization (percentage of request)", name)
	if sourceType == autoscalingv2.ContainerResourceMetricSourceType {
		description = fmt.Sprintf("%s container resource utilization (percentage of request)", name)
	}
	return replicas, autoscalingv2.MetricValueStatus{AverageUtilization: &utilization, AverageValue: resource.NewMilliQuantity(raw, format)}, timestamp, description, nil
}
