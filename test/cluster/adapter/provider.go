package adapter

import (
	"context"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/restmapper"
	"k8s.io/klog/v2"
	"k8s.io/metrics/pkg/apis/custom_metrics"
	"k8s.io/metrics/pkg/apis/external_metrics"
	"sigs.k8s.io/custom-metrics-apiserver/pkg/provider"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
)

var (
	podsResource       = schema.GroupResource{Resource: "pods"}
	namespacesResource = schema.GroupResource{Resource: "namespaces"}
)

// Provider serves custom and external metrics from a Store. Pods are
// selected through an informer on the real API server, so label selectors
// behave as they would with a real adapter.
type Provider struct {
	store    *Store
	pods     corelisters.PodLister
	mapper   *restmapper.DeferredDiscoveryRESTMapper
	metadata metadata.Interface
	now      func() time.Time
}

var (
	_ provider.CustomMetricsProvider   = (*Provider)(nil)
	_ provider.ExternalMetricsProvider = (*Provider)(nil)
)

// NewProvider returns a provider serving the values in store.
func NewProvider(store *Store, pods corelisters.PodLister, mapper *restmapper.DeferredDiscoveryRESTMapper, metadataClient metadata.Interface) *Provider {
	return &Provider{store: store, pods: pods, mapper: mapper, metadata: metadataClient, now: time.Now}
}

// GetMetricByName returns metric for one object: a pod, a namespace or any
// other namespaced object.
func (p *Provider) GetMetricByName(ctx context.Context, name types.NamespacedName, info provider.CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValue, error) {
	// A metric describing a Namespace is root-scoped, so the namespace a
	// fault is matched against is the object's name.
	faultNamespace := name.Namespace
	if info.GroupResource == namespacesResource {
		faultNamespace = name.Name
	}
	if err := applyFault(ctx, p.store, control.APICustom, faultNamespace, info.Metric, info.GroupResource); err != nil {
		return nil, err
	}

	if info.GroupResource == podsResource {
		if p.store.omits(control.APICustom, name.Namespace, info.Metric, name.Name) {
			return nil, provider.NewMetricNotFoundForError(info.GroupResource, info.Metric, name.Name)
		}
		v, ok := p.store.podMetric(name.Namespace, name.Name, info.Metric)
		if !ok || !metricSelector.Matches(labels.Set(v.spec.Labels)) {
			return nil, provider.NewMetricNotFoundForError(info.GroupResource, info.Metric, name.Name)
		}
		ref := custom_metrics.ObjectReference{Kind: "Pod", APIVersion: "/v1", Namespace: name.Namespace, Name: name.Name}
		return p.metricValue(ref, info.Metric, v.value, v.spec.Timestamp, v.spec.WindowSeconds, v.spec.Labels), nil
	}

	gvk, err := p.kindFor(info.GroupResource)
	if err != nil {
		return nil, err
	}
	v, ok := p.store.objectMetric(name.Namespace, gvk.GroupKind(), name.Name, info.Metric)
	if !ok || !metricSelector.Matches(labels.Set(v.spec.Labels)) {
		return nil, provider.NewMetricNotFoundForError(info.GroupResource, info.Metric, name.Name)
	}
	apiVersion, kind := gvk.ToAPIVersionAndKind()
	ref := custom_metrics.ObjectReference{Kind: kind, APIVersion: apiVersion, Namespace: name.Namespace, Name: name.Name}
	return p.metricValue(ref, info.Metric, v.value, v.spec.Timestamp, v.spec.WindowSeconds, v.spec.Labels), nil
}

// GetMetricBySelector returns metric for every object in namespace that
// selector matches and that has a value. The HPA controller uses it for Pods
// metrics, and an adapter may return fewer pods than selected.
func (p *Provider) GetMetricBySelector(ctx context.Context, namespace string, selector labels.Selector, info provider.CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValueList, error) {
	if err := applyFault(ctx, p.store, control.APICustom, namespace, info.Metric, info.GroupResource); err != nil {
		return nil, err
	}

	if info.GroupResource == podsResource {
		return p.podMetricsBySelector(namespace, selector, info, metricSelector)
	}
	return p.objectMetricsBySelector(ctx, namespace, selector, info, metricSelector)
}

func (p *Provider) podMetricsBySelector(namespace string, selector labels.Selector, info provider.CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValueList, error) {
	if !p.store.knowsPodMetric(info.Metric) {
		return nil, provider.NewMetricNotFoundError(info.GroupResource, info.Metric)
	}
	pods, err := p.pods.Pods(namespace).List(selector)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list pods in %q matching %q: %w", namespace, selector, err))
	}

	list := &custom_metrics.MetricValueList{Items: []custom_metrics.MetricValue{}}
	for _, pod := range pods {
		if p.store.omits(control.APICustom, namespace, info.Metric, pod.Name) {
			continue
		}
		v, ok := p.store.podMetric(namespace, pod.Name, info.Metric)
		if !ok || !metricSelector.Matches(labels.Set(v.spec.Labels)) {
			continue
		}
		ref := custom_metrics.ObjectReference{Kind: "Pod", APIVersion: "/v1", Namespace: namespace, Name: pod.Name}
		list.Items = append(list.Items, *p.metricValue(ref, info.Metric, v.value, v.spec.Timestamp, v.spec.WindowSeconds, v.spec.Labels))
	}
	return list, nil
}

// objectMetricsBySelector lists the objects through the API server's
// metadata API, because the store keeps values by name, not by label.
func (p *Provider) objectMetricsBySelector(ctx context.Context, namespace string, selector labels.Selector, info provider.CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValueList, error) {
	gvk, err := p.kindFor(info.GroupResource)
	if err != nil {
		return nil, err
	}
	if !p.store.knowsObjectMetric(gvk.GroupKind(), info.Metric) {
		return nil, provider.NewMetricNotFoundError(info.GroupResource, info.Metric)
	}
	mapping, err := p.restMapping(gvk.GroupKind())
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("map %s to a resource: %w", gvk, err))
	}
	objects, err := p.metadata.Resource(mapping.Resource).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list %s in %q matching %q: %w", mapping.Resource, namespace, selector, err))
	}

	apiVersion, kind := gvk.ToAPIVersionAndKind()
	list := &custom_metrics.MetricValueList{Items: []custom_metrics.MetricValue{}}
	for _, object := range objects.Items {
		v, ok := p.store.objectMetric(namespace, gvk.GroupKind(), object.Name, info.Metric)
		if !ok || !metricSelector.Matches(labels.Set(v.spec.Labels)) {
			continue
		}
		ref := custom_metrics.ObjectReference{Kind: kind, APIVersion: apiVersion, Namespace: namespace, Name: object.Name}
		list.Items = append(list.Items, *p.metricValue(ref, info.Metric, v.value, v.spec.Timestamp, v.spec.WindowSeconds, v.spec.Labels))
	}
	return list, nil
}

// ListAllMetrics returns the metrics that have values, which the library
// publishes as the custom metrics API's discovery document.
func (p *Provider) ListAllMetrics() []provider.CustomMetricInfo {
	podMetrics, objectMetrics := p.store.customMetricNames()
	infos := make([]provider.CustomMetricInfo, 0, len(podMetrics)+len(objectMetrics))
	for _, metric := range podMetrics {
		infos = append(infos, provider.CustomMetricInfo{GroupResource: podsResource, Namespaced: true, Metric: metric})
	}
	for _, key := range objectMetrics {
		mapping, err := p.restMapping(key.kind)
		if err != nil {
			klog.V(2).InfoS("Leaving object metric out of discovery", "kind", key.kind, "metric", key.metric, "err", err)
			continue
		}
		infos = append(infos, provider.CustomMetricInfo{
			GroupResource: mapping.Resource.GroupResource(),
			Namespaced:    mapping.Scope.Name() == meta.RESTScopeNameNamespace,
			Metric:        key.metric,
		})
	}
	return infos
}

// GetExternalMetric returns the series of an external metric in namespace
// whose labels metricSelector matches.
func (p *Provider) GetExternalMetric(ctx context.Context, namespace string, metricSelector labels.Selector, info provider.ExternalMetricInfo) (*external_metrics.ExternalMetricValueList, error) {
	externalResource := schema.GroupResource{Group: external_metrics.GroupName, Resource: info.Metric}
	if err := applyFault(ctx, p.store, control.APIExternal, namespace, info.Metric, externalResource); err != nil {
		return nil, err
	}

	series := p.store.externalSeries(namespace, info.Metric)
	if len(series) == 0 {
		return nil, provider.NewMetricNotFoundError(externalResource, info.Metric)
	}
	list := &external_metrics.ExternalMetricValueList{Items: []external_metrics.ExternalMetricValue{}}
	for _, s := range series {
		if !metricSelector.Matches(labels.Set(s.spec.Labels)) {
			continue
		}
		list.Items = append(list.Items, external_metrics.ExternalMetricValue{
			MetricName:    info.Metric,
			MetricLabels:  s.spec.Labels,
			Timestamp:     p.timestamp(s.spec.Timestamp),
			WindowSeconds: s.spec.WindowSeconds,
			Value:         s.value,
		})
	}
	return list, nil
}

// ListAllExternalMetrics returns the external metrics that have series.
func (p *Provider) ListAllExternalMetrics() []provider.ExternalMetricInfo {
	names := p.store.externalMetricNames()
	infos := make([]provider.ExternalMetricInfo, 0, len(names))
	for _, name := range names {
		infos = append(infos, provider.ExternalMetricInfo{Metric: name})
	}
	return infos
}

func (p *Provider) metricValue(ref custom_metrics.ObjectReference, metric string, value resource.Quantity, timestamp *time.Time, window *int64, metricLabels map[string]string) *custom_metrics.MetricValue {
	mv := &custom_metrics.MetricValue{
		DescribedObject: ref,
		Metric:          custom_metrics.MetricIdentifier{Name: metric},
		Timestamp:       p.timestamp(timestamp),
		WindowSeconds:   window,
		Value:           value.DeepCopy(),
	}
	if len(metricLabels) > 0 {
		mv.Metric.Selector = &metav1.LabelSelector{MatchLabels: metricLabels}
	}
	return mv
}

// timestamp returns the set sample time, or now for a value set without
// one, so that it never goes stale.
func (p *Provider) timestamp(set *time.Time) metav1.Time {
	if set != nil {
		return metav1.NewTime(*set)
	}
	return metav1.NewTime(p.now())
}

// applyFault waits out the delay of the fault matching a request and
// returns its error status, if any.
func applyFault(ctx context.Context, store *Store, api, namespace, metric string, gr schema.GroupResource) error {
	f, ok := store.fault(api, namespace, metric)
	if !ok {
		return nil
	}
	if f.Delay > 0 {
		timer := time.NewTimer(f.Delay)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return apierrors.NewTimeoutError(fmt.Sprintf("request ended during the injected delay of %s", f.Delay), 0)
		case <-timer.C:
		}
	}
	switch f.StatusCode {
	case 0:
		return nil
	case http.StatusNotFound:
		if metric == "" {
			return apierrors.NewNotFound(gr, "")
		}
		return provider.NewMetricNotFoundError(gr, metric)
	default:
		message := fmt.Sprintf("injected fault: status %d for %s metric %q in namespace %q", f.StatusCode, api, metric, namespace)
		return apierrors.NewGenericServerResponse(f.StatusCode, "get", gr, "", message, 0, false)
	}
}

// kindFor maps a requested group-resource to its kind, refreshing
// discovery once when the resource is unknown, for CRDs created after the
// adapter started.
func (p *Provider) kindFor(gr schema.GroupResource) (schema.GroupVersionKind, error) {
	gvk, err := p.mapper.KindFor(gr.WithVersion(""))
	if meta.IsNoMatchError(err) {
		p.mapper.Reset()
		gvk, err = p.mapper.KindFor(gr.WithVersion(""))
	}
	if err != nil {
		return schema.GroupVersionKind{}, apierrors.NewBadRequest(fmt.Sprintf("resource %q is not known to the API server: %v", gr, err))
	}
	return gvk, nil
}

func (p *Provider) restMapping(gk schema.GroupKind) (*meta.RESTMapping, error) {
	mapping, err := p.mapper.RESTMapping(gk)
	if meta.IsNoMatchError(err) {
		p.mapper.Reset()
		mapping, err = p.mapper.RESTMapping(gk)
	}
	return mapping, err
}
