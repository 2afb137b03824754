package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	custommetricsv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1 "k8s.io/metrics/pkg/apis/metrics/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// getJSON fetches an API path, with an optional query after "?", through
// kube-apiserver (and so through the aggregator) and decodes the body into
// out.
func getJSON(ctx context.Context, pathAndQuery string, out any) error {
	path, rawQuery, _ := strings.Cut(pathAndQuery, "?")
	request := cluster.Client.Discovery().RESTClient().Get().AbsPath(path)
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return err
	}
	for key, values := range query {
		for _, value := range values {
			request = request.Param(key, value)
		}
	}
	body, err := request.DoRaw(ctx)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, out)
}

// readyPodNames waits for the Deployment and returns its pod names, sorted.
func readyPodNames(t *testing.T, ctx context.Context, namespace, app string, replicas int32) []string {
	t.Helper()
	if err := cluster.CreateDeployment(ctx, harness.Deployment(namespace, app, replicas), readyTimeout); err != nil {
		t.Fatal(err)
	}
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

func TestAdapterPodsMetricThroughAggregator(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "adapter-pods")
	pods := readyPodNames(t, ctx, ns, "web", 3)

	err := cluster.Metrics.SetPodMetrics(ctx,
		control.PodMetric{Namespace: ns, Pod: pods[0], Metric: "rps", Value: "10"},
		control.PodMetric{Namespace: ns, Pod: pods[1], Metric: "rps", Value: "1500m", WindowSeconds: ptr(int64(30))},
	)
	if err != nil {
		t.Fatal(err)
	}

	var v1beta2 custommetricsv1beta2.MetricValueList
	if err := getJSON(ctx, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/"+ns+"/pods/*/rps?labelSelector=app%3Dweb", &v1beta2); err != nil {
		t.Fatalf("v1beta2 pods metric: %v", err)
	}
	values := map[string]string{}
	for _, item := range v1beta2.Items {
		values[item.DescribedObject.Name] = item.Value.String()
		if item.DescribedObject.Kind != "Pod" {
			t.Errorf("describedObject.kind = %q, want Pod", item.DescribedObject.Kind)
		}
	}
	if len(values) != 2 || values[pods[0]] != "10" || values[pods[1]] != "1500m" {
		t.Errorf("v1beta2 values = %v, want %s=10 and %s=1500m and no value for %s", values, pods[0], pods[1], pods[2])
	}
	for _, item := range v1beta2.Items {
		if item.DescribedObject.Name == pods[1] && (item.WindowSeconds == nil || *item.WindowSeconds != 30) {
			t.Errorf("windowSeconds of %s = %v, want 30", pods[1], item.WindowSeconds)
		}
	}

	var v1beta1 custommetricsv1beta1.MetricValueList
	if err := getJSON(ctx, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/"+ns+"/pods/*/rps?labelSelector=app%3Dweb", &v1beta1); err != nil {
		t.Fatalf("v1beta1 pods metric: %v", err)
	}
	if len(v1beta1.Items) != 2 {
		t.Errorf("v1beta1 returned %d values, want 2", len(v1beta1.Items))
	}

	// Discovery lists the metric, which is how clients learn its name.
	var resources metav1.APIResourceList
	if err := getJSON(ctx, "/apis/custom.metrics.k8s.io/v1beta2", &resources); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range resources.APIResources {
		found = found || r.Name == "pods/rps"
	}
	if !found {
		t.Errorf("discovery of custom.metrics.k8s.io/v1beta2 lacks pods/rps: %+v", resources.APIResources)
	}

	// A metric that no pod has is NotFound, as from a Prometheus adapter.
	err = getJSON(ctx, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/"+ns+"/pods/*/no_such_metric?labelSelector=app%3Dweb", &v1beta2)
	if !apierrors.IsNotFound(err) {
		t.Errorf("unknown metric: err = %v, want NotFound", err)
	}
}

func TestAdapterFaultsOmitDelayStatus(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "adapter-faults")
	pods := readyPodNames(t, ctx, ns, "web", 2)
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("web"), "rps", "7"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Metrics.DeleteFaults(context.Background(), control.Filter{Namespace: ns})
	})
	path := "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/rps?labelSelector=app%3Dweb"

	if err := cluster.Metrics.SetFaults(ctx, control.Fault{API: control.APICustom, Namespace: ns, Metric: "rps", OmitPods: []string{pods[0]}}); err != nil {
		t.Fatal(err)
	}
	var list custommetricsv1beta2.MetricValueList
	if err := getJSON(ctx, path, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].DescribedObject.Name != pods[1] {
		t.Errorf("with %s omitted, got %d values %+v, want only %s", pods[0], len(list.Items), list.Items, pods[1])
	}

	if err := cluster.Metrics.SetFaults(ctx, control.Fault{API: control.APICustom, Namespace: ns, Metric: "rps", Delay: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := getJSON(ctx, path, &list); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 1500*time.Millisecond {
		t.Errorf("delayed request returned after %s, want at least 1.5s", elapsed)
	}
	if len(list.Items) != 2 {
		t.Errorf("delayed request returned %d values, want 2 (the delay fault replaced the omit fault)", len(list.Items))
	}

	for _, code := range []int{http.StatusNotFound, http.StatusServiceUnavailable} {
		if err := cluster.Metrics.SetFaults(ctx, control.Fault{API: control.APICustom, Namespace: ns, Metric: "rps", StatusCode: code}); err != nil {
			t.Fatal(err)
		}
		err := getJSON(ctx, path, &list)
		var status apierrors.APIStatus
		if err == nil || !asAPIStatus(err, &status) || int(status.Status().Code) != code {
			t.Errorf("fault status %d: err = %v, want an API error with code %d", code, err, code)
		}
	}

	// A fault in another namespace does not match.
	if err := cluster.Metrics.DeleteFaults(ctx, control.Filter{Namespace: ns}); err != nil {
		t.Fatal(err)
	}
	if err := cluster.Metrics.SetFaults(ctx, control.Fault{API: control.APICustom, Namespace: "elsewhere", StatusCode: 503}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Metrics.DeleteFaults(context.Background(), control.Filter{Namespace: "elsewhere"})
	})
	if err := getJSON(ctx, path, &list); err != nil {
		t.Errorf("fault for namespace elsewhere affected %s: %v", ns, err)
	}
}

func asAPIStatus(err error, status *apierrors.APIStatus) bool {
	s, ok := err.(apierrors.APIStatus)
	if ok {
		*status = s
	}
	return ok
}

func TestAdapterObjectAndNamespaceMetrics(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "adapter-objects")
	readyPodNames(t, ctx, ns, "web", 1)

	err := cluster.Metrics.SetObjectMetrics(ctx,
		control.ObjectMetric{Namespace: ns, APIVersion: "apps/v1", Kind: "Deployment", Name: "web", Metric: "requests", Value: "42"},
		control.ObjectMetric{APIVersion: "v1", Kind: "Namespace", Name: ns, Metric: "tenants", Value: "3"},
	)
	if err != nil {
		t.Fatal(err)
	}

	var list custommetricsv1beta2.MetricValueList
	if err := getJSON(ctx, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/"+ns+"/deployments.apps/web/requests", &list); err != nil {
		t.Fatalf("object metric: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].Value.String() != "42" || list.Items[0].DescribedObject.Kind != "Deployment" {
		t.Errorf("object metric = %+v, want one value 42 describing a Deployment", list.Items)
	}

	if err := getJSON(ctx, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/"+ns+"/metrics/tenants", &list); err != nil {
		t.Fatalf("namespace metric: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].Value.String() != "3" {
		t.Errorf("namespace metric = %+v, want one value 3", list.Items)
	}

	// A selector query on Deployments goes through the API server's labels.
	if err := getJSON(ctx, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/"+ns+"/deployments.apps/*/requests?labelSelector=app%3Dweb", &list); err != nil {
		t.Fatalf("object metric by selector: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].DescribedObject.Name != "web" {
		t.Errorf("object metric by selector = %+v, want the web Deployment", list.Items)
	}

	if err := cluster.Metrics.SetObjectMetrics(ctx, control.ObjectMetric{APIVersion: "v1", Kind: "Namespace", Namespace: ns, Name: ns, Metric: "x", Value: "1"}); err == nil {
		t.Error("a Namespace object metric with a namespace was accepted, want a validation error")
	}
}

func TestAdapterExternalMetricSelector(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "adapter-external")

	err := cluster.Metrics.SetExternalMetrics(ctx,
		control.ExternalMetric{Namespace: ns, Metric: "queue_messages", Labels: map[string]string{"queue": "orders"}, Value: "120"},
		control.ExternalMetric{Namespace: ns, Metric: "queue_messages", Labels: map[string]string{"queue": "refunds"}, Value: "4"},
		control.ExternalMetric{Metric: "queue_messages", Labels: map[string]string{"queue": "global"}, Value: "9"},
	)
	if err != nil {
		t.Fatal(err)
	}

	var list externalmetricsv1beta1.ExternalMetricValueList
	if err := getJSON(ctx, "/apis/external.metrics.k8s.io/v1beta1/namespaces/"+ns+"/queue_messages?labelSelector=queue%3Dorders", &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Value.String() != "120" || list.Items[0].MetricLabels["queue"] != "orders" {
		t.Errorf("queue=orders = %+v, want one series of 120", list.Items)
	}

	if err := getJSON(ctx, "/apis/external.metrics.k8s.io/v1beta1/namespaces/"+ns+"/queue_messages", &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 {
		t.Errorf("all series = %d, want 3 (two for %s and one for every namespace)", len(list.Items), ns)
	}

	err = getJSON(ctx, "/apis/external.metrics.k8s.io/v1beta1/namespaces/"+ns+"/no_such_metric", &list)
	if !apierrors.IsNotFound(err) {
		t.Errorf("unknown external metric: err = %v, want NotFound", err)
	}
}

func TestAdapterPodMetricsBothVersions(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "adapter-podmetrics")
	pods := readyPodNames(t, ctx, ns, "api", 2)

	err := cluster.Metrics.SetPodUsage(ctx, control.PodUsage{
		Namespace:  ns,
		Pod:        pods[0],
		Containers: []control.ContainerUsage{{Name: "app", CPU: "250m", Memory: "100Mi"}, {Name: "sidecar", CPU: "5m"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	var v1 metricsv1.PodMetricsList
	if err := getJSON(ctx, "/apis/metrics.k8s.io/v1/namespaces/"+ns+"/pods?labelSelector=app%3Dapi", &v1); err != nil {
		t.Fatalf("metrics.k8s.io/v1: %v", err)
	}
	if len(v1.Items) != 1 || v1.Items[0].Name != pods[0] {
		t.Fatalf("v1 PodMetrics = %+v, want only %s (the pod with usage)", v1.Items, pods[0])
	}
	if len(v1.Items[0].Containers) != 2 {
		t.Fatalf("v1 containers = %+v, want app and sidecar", v1.Items[0].Containers)
	}
	if cpu := v1.Items[0].Containers[0].Usage.Cpu(); cpu.MilliValue() != 250 {
		t.Errorf("app cpu = %s, want 250m", cpu)
	}
	if _, ok := v1.Items[0].Containers[1].Usage["memory"]; ok {
		t.Errorf("sidecar usage has memory, want only cpu: %v", v1.Items[0].Containers[1].Usage)
	}
	if v1.Items[0].Window.Duration != 15*time.Second {
		t.Errorf("window = %s, want the 15s default", v1.Items[0].Window.Duration)
	}

	var v1beta1 metricsv1beta1.PodMetrics
	if err := getJSON(ctx, "/apis/metrics.k8s.io/v1beta1/namespaces/"+ns+"/pods/"+pods[0], &v1beta1); err != nil {
		t.Fatalf("metrics.k8s.io/v1beta1 get: %v", err)
	}
	if v1beta1.Name != pods[0] || len(v1beta1.Containers) != 2 {
		t.Errorf("v1beta1 PodMetrics = %+v, want %s with two containers", v1beta1, pods[0])
	}

	err = getJSON(ctx, "/apis/metrics.k8s.io/v1beta1/namespaces/"+ns+"/pods/"+pods[1], &v1beta1)
	if !apierrors.IsNotFound(err) {
		t.Errorf("pod without usage: err = %v, want NotFound", err)
	}

	if err := cluster.Metrics.SetFaults(ctx, control.Fault{API: control.APIResource, Namespace: ns, OmitPods: []string{pods[0]}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Metrics.DeleteFaults(context.Background(), control.Filter{API: control.APIResource, Namespace: ns})
	})
	if err := getJSON(ctx, "/apis/metrics.k8s.io/v1/namespaces/"+ns+"/pods", &v1); err != nil {
		t.Fatal(err)
	}
	if len(v1.Items) != 0 {
		t.Errorf("with %s omitted, v1 PodMetrics = %+v, want none", pods[0], v1.Items)
	}
}

// Registering only v1beta1 of custom metrics, as an old adapter does,
// removes v1beta2 from the aggregator while the HPA controller, which
// discovers the version, keeps working.
func TestCustomMetricsV1Beta1Only(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "adapter-v1beta1-only")
	if err := cluster.UnregisterAPIService(ctx, harness.APIServiceCustomV1Beta2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := cluster.RegisterAPIService(ctx, harness.APIServiceCustomV1Beta2); err != nil {
			t.Errorf("restore %s: %v", harness.APIServiceCustomV1Beta2, err)
			return
		}
		if err := cluster.WaitForAPIServiceAvailable(ctx, harness.APIServiceCustomV1Beta2, readyTimeout); err != nil {
			t.Error(err)
		}
	})

	// The aggregator drops the version from discovery asynchronously.
	servesV1beta2 := func() bool {
		var groups metav1.APIGroupList
		if err := getJSON(ctx, "/apis", &groups); err != nil {
			t.Fatal(err)
		}
		for _, group := range groups.Groups {
			for _, version := range group.Versions {
				if group.Name == "custom.metrics.k8s.io" && version.Version == "v1beta2" {
					return true
				}
			}
		}
		return false
	}
	deadline := time.Now().Add(readyTimeout)
	for servesV1beta2() {
		if time.Now().After(deadline) {
			t.Fatalf("discovery still lists custom.metrics.k8s.io/v1beta2 %s after unregistering it", readyTimeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var list custommetricsv1beta2.MetricValueList
	err := getJSON(ctx, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/"+ns+"/pods/*/jobs", &list)
	if !apierrors.IsNotFound(err) {
		t.Errorf("GET on unregistered v1beta2: err = %v, want NotFound", err)
	}

	if err := cluster.CreateDeployment(ctx, harness.Deployment(ns, "legacy", 1), readyTimeout); err != nil {
		t.Fatal(err)
	}
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("legacy"), "jobs", "30"); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "legacy", harness.DeploymentRef("legacy"), 1, 5,
		harness.PodsMetric("jobs", resource.MustParse("10"))))
	hpa, err := cluster.WaitForDesiredReplicas(ctx, ns, "legacy", 3, scaleTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(harness.DescribeHPAStatus(hpa), "ScalingActive=True") {
		t.Errorf("status = %s, want ScalingActive=True", harness.DescribeHPAStatus(hpa))
	}
}

func ptr[T any](v T) *T { return &v }
