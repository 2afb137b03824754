package e2e

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// feedInterval is how often a feeder looks for new pods to give values.
const feedInterval = 500 * time.Millisecond

// feed runs step once, failing the test on error, and then every
// feedInterval until the test ends, as a metrics pipeline that scrapes new
// pods would.
func feed(t *testing.T, step func(ctx context.Context) error) {
	t.Helper()
	if err := step(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var done sync.WaitGroup
	done.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(feedInterval):
			}
			if err := step(ctx); err != nil && ctx.Err() == nil {
				t.Logf("feed metric values: %v", err)
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		done.Wait()
	})
}

// podSetKey names a set of pods, so a feeder sends values only when the
// set changes.
func podSetKey(pods []corev1.Pod) string {
	names := make([]string, 0, len(pods))
	for _, pod := range pods {
		names = append(names, pod.Name)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// feedPodMetric keeps a custom metric set on every ready pod in namespace
// that matches selector, at the value valueFor returns for the number of
// those pods.
func feedPodMetric(t *testing.T, namespace string, selector map[string]string, metric string, valueFor func(pods int) string) {
	t.Helper()
	var lastKey string
	feed(t, func(ctx context.Context) error {
		pods, err := cluster.ReadyPods(ctx, namespace, selector)
		if err != nil {
			return err
		}
		if len(pods) == 0 {
			return fmt.Errorf("no ready pods in %s match %v to set %s on", namespace, selector, metric)
		}
		key := podSetKey(pods)
		if key == lastKey {
			return nil
		}
		value := valueFor(len(pods))
		values := make([]control.PodMetric, 0, len(pods))
		for _, pod := range pods {
			values = append(values, control.PodMetric{Namespace: namespace, Pod: pod.Name, Metric: metric, Value: value})
		}
		if err := cluster.Metrics.SetPodMetrics(ctx, values...); err != nil {
			return err
		}
		lastKey = key
		return nil
	})
}

// feedCPUUsage keeps the cpu usage of the "app" container of every ready
// pod in namespace that matches selector at the value cpuFor returns for
// the number of those pods.
func feedCPUUsage(t *testing.T, namespace string, selector map[string]string, cpuFor func(pods int) string) {
	t.Helper()
	var lastKey string
	feed(t, func(ctx context.Context) error {
		pods, err := cluster.ReadyPods(ctx, namespace, selector)
		if err != nil {
			return err
		}
		if len(pods) == 0 {
			return fmt.Errorf("no ready pods in %s match %v to set cpu usage on", namespace, selector)
		}
		key := podSetKey(pods)
		if key == lastKey {
			return nil
		}
		cpu := cpuFor(len(pods))
		usage := make([]control.PodUsage, 0, len(pods))
		for _, pod := range pods {
			usage = append(usage, control.PodUsage{
				Namespace:  namespace,
				Pod:        pod.Name,
				Containers: []control.ContainerUsage{{Name: "app", CPU: cpu, Memory: "32Mi"}},
			})
		}
		if err := cluster.Metrics.SetPodUsage(ctx, usage...); err != nil {
			return err
		}
		lastKey = key
		return nil
	})
}

// constant returns a feeder value that ignores the pod count: a load that
// grows with the replicas, such as per-pod work that never runs out.
func constant(value string) func(int) string {
	return func(int) string { return value }
}

// spread returns a feeder value that divides a fixed total load, in whole
// units, among the pods: a load the replicas share.
func spread(total int64) func(int) string {
	return func(pods int) string {
		return fmt.Sprintf("%dm", total*1000/int64(pods))
	}
}

// spreadMilli is spread for a total in milli-units, such as cpu.
func spreadMilli(total int64) func(int) string {
	return func(pods int) string {
		return fmt.Sprintf("%dm", total/int64(pods))
	}
}

// createDeployment creates a Deployment and waits until its pods are ready.
func createDeployment(t *testing.T, ctx context.Context, d *appsv1.Deployment) {
	t.Helper()
	if err := cluster.CreateDeployment(ctx, d, readyTimeout); err != nil {
		t.Fatal(err)
	}
}

// readyPodNamesOf returns the sorted names of the ready pods matching app.
func readyPodNamesOf(t *testing.T, ctx context.Context, namespace, app string) []string {
	t.Helper()
	pods, err := cluster.ReadyPods(ctx, namespace, harness.AppLabels(app))
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(pods))
	for _, pod := range pods {
		names = append(names, pod.Name)
	}
	slices.Sort(names)
	return names
}

// setFault injects an adapter fault until the test ends.
func setFault(t *testing.T, ctx context.Context, fault control.Fault) {
	t.Helper()
	if err := cluster.Metrics.SetFaults(ctx, fault); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filter := control.Filter{API: fault.API, Namespace: fault.Namespace, Metric: fault.Metric}
		if err := cluster.Metrics.DeleteFaults(context.Background(), filter); err != nil {
			t.Errorf("delete the adapter fault %+v: %v", fault, err)
		}
	})
}

// withBehavior sets the HPA's spec.behavior and returns the HPA.
func withBehavior(hpa *autoscalingv2.HorizontalPodAutoscaler, behavior *autoscalingv2.HorizontalPodAutoscalerBehavior) *autoscalingv2.HorizontalPodAutoscaler {
	hpa.Spec.Behavior = behavior
	return hpa
}

// scalingRules returns scaling rules with a stabilization window in
// seconds and the given policies.
func scalingRules(windowSeconds int32, policies ...autoscalingv2.HPAScalingPolicy) *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr(windowSeconds), Policies: policies}
}

// The fixture kind without a scale subresource, for NoScaleSubresource.
const (
	unscalableKind     = "Unscalable"
	unscalableResource = "unscalables"
)

var unscalableGVR = schema.GroupVersionResource{Group: harness.ScalableGroup, Version: harness.ScalableVersion, Resource: unscalableResource}

// createUnscalable installs a CRD without subresources.scale (once for the
// cluster) and creates one object of it.
func createUnscalable(t *testing.T, ctx context.Context, namespace, name string) autoscalingv2.CrossVersionObjectReference {
	t.Helper()
	client, err := dynamic.NewForConfig(cluster.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	crdName := unscalableResource + "." + harness.ScalableGroup
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": crdName},
		"spec": map[string]any{
			"group": harness.ScalableGroup,
			"scope": "Namespaced",
			"names": map[string]any{
				"plural":   unscalableResource,
				"singular": strings.ToLower(unscalableKind),
				"kind":     unscalableKind,
				"listKind": unscalableKind + "List",
			},
			"versions": []any{map[string]any{
				"name":    harness.ScalableVersion,
				"served":  true,
				"storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type":                                 "object",
					"x-kubernetes-preserve-unknown-fields": true,
				}},
			}},
		},
	}}
	if _, err := client.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create CRD %s: %v", crdName, err)
	}

	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": harness.ScalableGroup + "/" + harness.ScalableVersion,
		"kind":       unscalableKind,
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec":       map[string]any{"replicas": int64(2)},
	}}
	// The CRD's resource is served a moment after it is established.
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, readyTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := client.Resource(unscalableGVR).Namespace(namespace).Create(ctx, obj, metav1.CreateOptions{})
		return err == nil || apierrors.IsAlreadyExists(err), nil
	})
	if err != nil {
		t.Fatalf("create %s %s/%s: %v", unscalableKind, namespace, name, err)
	}
	return autoscalingv2.CrossVersionObjectReference{APIVersion: harness.ScalableGroup + "/" + harness.ScalableVersion, Kind: unscalableKind, Name: name}
}

// createOwnedPods creates pods from the fixture template of app, controlled
// by owner as an operator's pods are, and waits until they are ready.
func createOwnedPods(t *testing.T, ctx context.Context, namespace, app string, owner metav1.OwnerReference, names ...string) {
	t.Helper()
	for _, name := range names {
		template := harness.PodTemplate(app)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: template.Labels, OwnerReferences: []metav1.OwnerReference{owner}},
			Spec:       template.Spec,
		}
		if _, err := cluster.Client.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitForReadyPods(t, ctx, namespace, app, len(names))
}

// scalableOwner returns a controller reference to a Scalable.
func scalableOwner(t *testing.T, ctx context.Context, namespace, name string) metav1.OwnerReference {
	t.Helper()
	client, err := dynamic.NewForConfig(cluster.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: harness.ScalableGroup, Version: harness.ScalableVersion, Resource: harness.ScalableResource}
	obj, err := client.Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return metav1.OwnerReference{
		APIVersion: harness.ScalableGroup + "/" + harness.ScalableVersion,
		Kind:       harness.ScalableKind,
		Name:       name,
		UID:        obj.GetUID(),
		Controller: ptr(true),
	}
}

// createService creates a Service selecting app's pods, for Object metrics.
func createService(t *testing.T, ctx context.Context, namespace, name, app string) autoscalingv2.CrossVersionObjectReference {
	t.Helper()
	service := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       corev1.ServiceSpec{Selector: harness.AppLabels(app), Ports: []corev1.ServicePort{{Port: 80}}},
	}
	if _, err := cluster.Client.CoreV1().Services(namespace).Create(ctx, service, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return autoscalingv2.CrossVersionObjectReference{APIVersion: "v1", Kind: "Service", Name: name}
}

// unregisterAPIService deletes an APIService until the test ends, then
// registers it again and waits until it is Available.
func unregisterAPIService(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := cluster.UnregisterAPIService(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := cluster.RegisterAPIService(ctx, name); err != nil {
			t.Errorf("restore APIService %s: %v", name, err)
			return
		}
		if err := cluster.WaitForAPIServiceAvailable(ctx, name, readyTimeout); err != nil {
			t.Error(err)
		}
	})
}

// closedPort returns a loopback port that nothing listens on. Another
// process could bind it later, which on a test machine is unlikely.
func closedPort(t *testing.T) int32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return int32(port)
}

// breakAPIService points an APIService at a Service on a closed loopback
// port, as when an adapter's pods are gone, and waits until the aggregator
// marks it not Available. The original Service is restored when the test
// ends.
func breakAPIService(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	apiServices := cluster.Aggregator.ApiregistrationV1().APIServices()
	original, err := apiServices.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if original.Spec.Service == nil {
		t.Fatalf("APIService %s has no service to redirect", name)
	}
	originalService := *original.Spec.Service

	port := closedPort(t)
	closed := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "closed-port-adapter", Namespace: originalService.Namespace},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
			Ports:        []corev1.ServicePort{{Name: "https", Port: port}},
		},
	}
	services := cluster.Client.CoreV1().Services(originalService.Namespace)
	if _, err := services.Create(ctx, closed, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	setService := func(ctx context.Context, ref apiregistrationv1.ServiceReference) error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			current, err := apiServices.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			current.Spec.Service = &ref
			_, err = apiServices.Update(ctx, current, metav1.UpdateOptions{})
			return err
		})
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := setService(ctx, originalService); err != nil {
			t.Errorf("restore the service of APIService %s: %v", name, err)
			return
		}
		if err := cluster.WaitForAPIServiceAvailable(ctx, name, readyTimeout); err != nil {
			t.Error(err)
		}
		if err := services.Delete(ctx, closed.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete Service %s/%s: %v", closed.Namespace, closed.Name, err)
		}
	})
	if err := setService(ctx, apiregistrationv1.ServiceReference{Namespace: closed.Namespace, Name: closed.Name, Port: ptr(port)}); err != nil {
		t.Fatal(err)
	}

	var last string
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, readyTimeout, true, func(ctx context.Context) (bool, error) {
		current, err := apiServices.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		for _, cond := range current.Status.Conditions {
			if cond.Type == apiregistrationv1.Available {
				last = fmt.Sprintf("Available=%s (%s: %s)", cond.Status, cond.Reason, cond.Message)
				return cond.Status == apiregistrationv1.ConditionFalse, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("APIService %s still available after pointing it at port %d: %s", name, port, last)
	}
}
