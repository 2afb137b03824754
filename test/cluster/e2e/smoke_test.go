package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// newNamespace creates a namespace for one test and deletes it afterwards.
func newNamespace(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	if err := cluster.CreateNamespace(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return name
}

func createHPA(t *testing.T, ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler) {
	t.Helper()
	if _, err := cluster.Client.AutoscalingV2().HorizontalPodAutoscalers(hpa.Namespace).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create HPA %s/%s: %v", hpa.Namespace, hpa.Name, err)
	}
}

func deploymentReplicas(t *testing.T, ctx context.Context, namespace, name string) int32 {
	t.Helper()
	d, err := cluster.Client.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get Deployment %s/%s: %v", namespace, name, err)
	}
	return *d.Spec.Replicas
}

// Two pods at 20 requests/s against a target average of 10 give a usage
// ratio of 2, so the controller doubles the Deployment to 4. The two new
// pods have no values, which the controller counts as 0 when scaling up,
// so the ratio then drops to 1 and the HPA settles at 4.
func TestPodsMetricScalesUp(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "smoke-pods-metric")

	if err := cluster.CreateDeployment(ctx, harness.Deployment(ns, "web", 2), readyTimeout); err != nil {
		t.Fatal(err)
	}
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("web"), "http_requests_per_second", "20"); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 2, 6,
		harness.PodsMetric("http_requests_per_second", resource.MustParse("10"))))

	hpa, err := cluster.WaitForDesiredReplicas(ctx, ns, "web", 4, scaleTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if got := deploymentReplicas(t, ctx, ns, "web"); got != 4 {
		t.Errorf("Deployment spec.replicas = %d, want 4 after the HPA scaled it", got)
	}
	active := harness.HPACondition(hpa, autoscalingv2.ScalingActive)
	if active == nil || active.Status != corev1.ConditionTrue {
		t.Errorf("ScalingActive = %+v, want True; status: %s", active, harness.DescribeHPAStatus(hpa))
	}
	if len(hpa.Status.CurrentMetrics) != 1 || hpa.Status.CurrentMetrics[0].Pods == nil {
		t.Fatalf("status.currentMetrics = %+v, want one Pods metric", hpa.Status.CurrentMetrics)
	}
	if got := hpa.Status.CurrentMetrics[0].Pods.Current.AverageValue; got == nil || got.Cmp(resource.MustParse("20")) != 0 {
		t.Errorf("current average value = %v, want 20 (the average over pods that have values)", got)
	}
}

// Two pods using 90m of a 100m request are at 90% against a 60% target: a
// ratio of 1.5, so the controller scales 2 to 3. The new pod has no usage
// and counts as 0 when scaling up, so the HPA settles at 3.
func TestResourceCPUUtilizationScalesUp(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "smoke-cpu-utilization")

	if err := cluster.CreateDeployment(ctx, harness.Deployment(ns, "api", 2), readyTimeout); err != nil {
		t.Fatal(err)
	}
	if _, err := cluster.SetContainerUsageForPods(ctx, ns, harness.AppLabels("api"), "90m", "32Mi"); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "api", harness.DeploymentRef("api"), 1, 5,
		harness.ResourceUtilization(corev1.ResourceCPU, 60)))

	hpa, err := cluster.WaitForDesiredReplicas(ctx, ns, "api", 3, scaleTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if got := deploymentReplicas(t, ctx, ns, "api"); got != 3 {
		t.Errorf("Deployment spec.replicas = %d, want 3 after the HPA scaled it", got)
	}
	if len(hpa.Status.CurrentMetrics) != 1 || hpa.Status.CurrentMetrics[0].Resource == nil {
		t.Fatalf("status.currentMetrics = %+v, want one Resource metric", hpa.Status.CurrentMetrics)
	}
	if got := hpa.Status.CurrentMetrics[0].Resource.Current.AverageUtilization; got == nil || *got != 90 {
		t.Errorf("current cpu utilization = %v, want 90 (percent of requests)", got)
	}
}

// An adapter that returns 503 for the metric leaves the controller unable
// to compute a replica count: ScalingActive turns False with reason
// FailedGetPodsMetric, and the Deployment keeps its replicas.
func TestAdapter503SetsScalingActiveFalse(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "smoke-adapter-503")

	if err := cluster.CreateDeployment(ctx, harness.Deployment(ns, "worker", 2), readyTimeout); err != nil {
		t.Fatal(err)
	}
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("worker"), "queue_depth", "50"); err != nil {
		t.Fatal(err)
	}
	fault := control.Fault{API: control.APICustom, Namespace: ns, Metric: "queue_depth", StatusCode: 503}
	if err := cluster.Metrics.SetFaults(ctx, fault); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Metrics.DeleteFaults(context.Background(), control.Filter{API: control.APICustom, Namespace: ns})
	})
	createHPA(t, ctx, harness.HPA(ns, "worker", harness.DeploymentRef("worker"), 1, 10,
		harness.PodsMetric("queue_depth", resource.MustParse("5"))))

	hpa, err := cluster.WaitForHPACondition(ctx, ns, "worker", autoscalingv2.ScalingActive, corev1.ConditionFalse, scaleTimeout)
	if err != nil {
		t.Fatal(err)
	}
	active := harness.HPACondition(hpa, autoscalingv2.ScalingActive)
	if active.Reason != "FailedGetPodsMetric" {
		t.Errorf("ScalingActive reason = %q, want FailedGetPodsMetric", active.Reason)
	}
	if !strings.Contains(active.Message, "unable to handle the request") {
		t.Errorf("ScalingActive message = %q, want the 503 text %q", active.Message, "unable to handle the request")
	}

	// Several more syncs must not move the Deployment.
	time.Sleep(3 * 2 * time.Second)
	if got := deploymentReplicas(t, ctx, ns, "worker"); got != 2 {
		t.Errorf("Deployment spec.replicas = %d, want 2 while the metric fails", got)
	}
}
