package adapter

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/metrics/pkg/apis/metrics"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
)

// podMetricsREST serves metrics.k8s.io PodMetrics from the store's pod
// usage, for the pods that exist and have usage set, as metrics-server does.
type podMetricsREST struct {
	store *Store
	pods  corelisters.PodLister
	now   func() time.Time
	rest.TableConvertor
}

var (
	_ rest.Storage              = (*podMetricsREST)(nil)
	_ rest.Getter               = (*podMetricsREST)(nil)
	_ rest.Lister               = (*podMetricsREST)(nil)
	_ rest.Scoper               = (*podMetricsREST)(nil)
	_ rest.KindProvider         = (*podMetricsREST)(nil)
	_ rest.SingularNameProvider = (*podMetricsREST)(nil)
)

func newPodMetricsREST(store *Store, pods corelisters.PodLister) *podMetricsREST {
	return &podMetricsREST{
		store:          store,
		pods:           pods,
		now:            time.Now,
		TableConvertor: rest.NewDefaultTableConvertor(metrics.Resource("pods")),
	}
}

func (r *podMetricsREST) New() runtime.Object     { return &metrics.PodMetrics{} }
func (r *podMetricsREST) NewList() runtime.Object { return &metrics.PodMetricsList{} }
func (r *podMetricsREST) Destroy()                {}
func (r *podMetricsREST) Kind() string            { return "PodMetrics" }
func (r *podMetricsREST) NamespaceScoped() bool   { return true }
func (r *podMetricsREST) GetSingularName() string { return "pod" }

// Get returns the PodMetrics of one pod, or NotFound when the pod does not
// exist, has no usage set, or a fault omits it.
func (r *podMetricsREST) Get(ctx context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	namespace := genericapirequest.NamespaceValue(ctx)
	if err := applyFault(ctx, r.store, control.APIResource, namespace, "", metrics.Resource("pods")); err != nil {
		return nil, err
	}

	pod, err := r.pods.Pods(namespace).Get(name)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, apierrors.NewNotFound(metrics.Resource("pods"), name)
		}
		return nil, apierrors.NewInternalError(fmt.Errorf("get pod %s/%s: %w", namespace, name, err))
	}
	item, ok := r.podMetrics(pod)
	if !ok || r.store.omits(control.APIResource, namespace, "", name) {
		return nil, apierrors.NewNotFound(metrics.Resource("pods"), name)
	}
	return item, nil
}

// List returns the PodMetrics of the pods in the request's namespace (all
// namespaces when empty) that match the label and field selectors.
func (r *podMetricsREST) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	namespace := genericapirequest.NamespaceValue(ctx)
	if err := applyFault(ctx, r.store, control.APIResource, namespace, "", metrics.Resource("pods")); err != nil {
		return nil, err
	}

	selector := labels.Everything()
	if options != nil && options.LabelSelector != nil {
		selector = options.LabelSelector
	}
	pods, err := r.pods.Pods(namespace).List(selector)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list pods in %q matching %q: %w", namespace, selector, err))
	}

	list := &metrics.PodMetricsList{Items: []metrics.PodMetrics{}}
	for _, pod := range pods {
		podFields := fields.Set{"metadata.name": pod.Name, "metadata.namespace": pod.Namespace}
		if options != nil && options.FieldSelector != nil && !options.FieldSelector.Matches(podFields) {
			continue
		}
		if r.store.omits(control.APIResource, pod.Namespace, "", pod.Name) {
			continue
		}
		if item, ok := r.podMetrics(pod); ok {
			list.Items = append(list.Items, *item)
		}
	}
	return list, nil
}

func (r *podMetricsREST) podMetrics(pod *corev1.Pod) (*metrics.PodMetrics, bool) {
	usage, ok := r.store.usage(pod.Namespace, pod.Name)
	if !ok {
		return nil, false
	}

	window := defaultUsageWindow
	if usage.spec.WindowSeconds != nil {
		window = time.Duration(*usage.spec.WindowSeconds) * time.Second
	}
	timestamp := metav1.NewTime(r.now())
	if usage.spec.Timestamp != nil {
		timestamp = metav1.NewTime(*usage.spec.Timestamp)
	}

	item := &metrics.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{
			Name:              pod.Name,
			Namespace:         pod.Namespace,
			Labels:            pod.Labels,
			CreationTimestamp: metav1.NewTime(r.now()),
		},
		Timestamp:  timestamp,
		Window:     metav1.Duration{Duration: window},
		Containers: []metrics.ContainerMetrics{},
	}
	for _, c := range usage.containers {
		resources := corev1.ResourceList{}
		if c.cpu != nil {
			resources[corev1.ResourceCPU] = c.cpu.DeepCopy()
		}
		if c.memory != nil {
			resources[corev1.ResourceMemory] = c.memory.DeepCopy()
		}
		item.Containers = append(item.Containers, metrics.ContainerMetrics{Name: c.name, Usage: resources})
	}
	return item, true
}
