package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// 30 queued messages at a target average of 10 per replica need 3
// replicas, whatever the StatefulSet has now.
func TestStatefulSetScaledByExternalMetric(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "target-statefulset")

	if _, err := cluster.Client.AppsV1().StatefulSets(ns).Create(ctx, harness.StatefulSet(ns, "consumer", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := cluster.Metrics.SetExternalMetrics(ctx, control.ExternalMetric{
		Namespace: ns, Metric: "queue_messages", Labels: map[string]string{"queue": "jobs"}, Value: "30",
	})
	if err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "consumer", harness.StatefulSetRef("consumer"), 1, 5,
		harness.ExternalMetric("queue_messages", map[string]string{"queue": "jobs"}, resource.MustParse("10"))))

	if _, err := cluster.WaitForDesiredReplicas(ctx, ns, "consumer", 3, scaleTimeout); err != nil {
		t.Fatal(err)
	}
	waitForReadyPods(t, ctx, ns, "consumer", 3)
	sts, err := cluster.Client.AppsV1().StatefulSets(ns).Get(ctx, "consumer", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *sts.Spec.Replicas != 3 {
		t.Errorf("StatefulSet spec.replicas = %d, want 3", *sts.Spec.Replicas)
	}
}

// A custom resource with a scale subresource, scaled on an Object metric of
// a Service: 150 against a target of 100 over 2 ready pods gives
// ceil(1.5 × 2) = 3.
func TestScalableCRDScaledByObjectMetric(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "target-crd")

	if err := cluster.CreateScalableCRD(ctx); err != nil {
		t.Fatal(err)
	}
	selector := harness.AppLabels("scalable")
	if err := cluster.CreateScalable(ctx, ns, "shards", 2, selector); err != nil {
		t.Fatal(err)
	}
	// No controller manages a Scalable's pods, so the test creates them.
	for _, name := range []string{"shard-0", "shard-1"} {
		template := harness.PodTemplate("scalable")
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: template.Labels}, Spec: template.Spec}
		if _, err := cluster.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitForReadyPods(t, ctx, ns, "scalable", 2)

	service := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "ingress", Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: selector, Ports: []corev1.ServicePort{{Port: 80}}},
	}
	if _, err := cluster.Client.CoreV1().Services(ns).Create(ctx, service, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := cluster.Metrics.SetObjectMetrics(ctx, control.ObjectMetric{
		Namespace: ns, APIVersion: "v1", Kind: "Service", Name: "ingress", Metric: "requests_per_second", Value: "150",
	})
	if err != nil {
		t.Fatal(err)
	}
	serviceRef := autoscalingv2.CrossVersionObjectReference{APIVersion: "v1", Kind: "Service", Name: "ingress"}
	createHPA(t, ctx, harness.HPA(ns, "shards", harness.ScalableRef("shards"), 1, 5,
		harness.ObjectMetric(serviceRef, "requests_per_second", resource.MustParse("100"))))

	if _, err := cluster.WaitForDesiredReplicas(ctx, ns, "shards", 3, scaleTimeout); err != nil {
		t.Fatal(err)
	}
	scale, err := cluster.Client.AppsV1().RESTClient().Get().AbsPath("/apis", harness.ScalableGroup, harness.ScalableVersion, "namespaces", ns, harness.ScalableResource, "shards", "scale").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(scale), `"replicas":3`) {
		t.Errorf("Scalable scale = %s, want spec.replicas 3", scale)
	}
}

// A bare ReplicaSet is a valid scale target too.
func TestReplicaSetScaledByPodsMetric(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "target-replicaset")

	if _, err := cluster.Client.AppsV1().ReplicaSets(ns).Create(ctx, harness.ReplicaSet(ns, "batch", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForReadyPods(t, ctx, ns, "batch", 1)
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("batch"), "jobs_in_flight", "4"); err != nil {
		t.Fatal(err)
	}
	rsRef := autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "batch"}
	createHPA(t, ctx, harness.HPA(ns, "batch", rsRef, 1, 4, harness.PodsMetric("jobs_in_flight", resource.MustParse("2"))))

	if _, err := cluster.WaitForDesiredReplicas(ctx, ns, "batch", 2, scaleTimeout); err != nil {
		t.Fatal(err)
	}
	rs, err := cluster.Client.AppsV1().ReplicaSets(ns).Get(ctx, "batch", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *rs.Spec.Replicas != 2 {
		t.Errorf("ReplicaSet spec.replicas = %d, want 2", *rs.Spec.Replicas)
	}
}

// Pods that never become ready give the cpu metric no usable sample, so the
// controller cannot compute a replica count.
func TestUnreadyPodsPolicy(t *testing.T) {
	ctx := t.Context()
	ns := newNamespace(t, ctx, "policy-unready")
	cluster.Pods.SetPolicy(ns, func(*corev1.Pod) harness.PodPlan {
		return harness.PodPlan{Phase: corev1.PodRunning, Ready: false}
	})
	t.Cleanup(func() { cluster.Pods.SetPolicy(ns, nil) })

	if _, err := cluster.Client.AppsV1().Deployments(ns).Create(ctx, harness.Deployment(ns, "slow", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pods []corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, readyTimeout, true, func(ctx context.Context) (bool, error) {
		list, err := cluster.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=slow"})
		if err != nil {
			return false, nil
		}
		pods = list.Items
		running := 0
		for _, pod := range pods {
			if pod.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		return running == 2, nil
	})
	if err != nil {
		t.Fatalf("2 pods Running (and unready): %v; pods: %+v", err, pods)
	}
	usage := make([]control.PodUsage, 0, len(pods))
	for _, pod := range pods {
		if ready := podReady(&pod); ready {
			t.Errorf("pod %s is Ready, want the policy to leave it unready", pod.Name)
		}
		usage = append(usage, control.PodUsage{Namespace: ns, Pod: pod.Name, Containers: []control.ContainerUsage{{Name: "app", CPU: "300m"}}})
	}
	if err := cluster.Metrics.SetPodUsage(ctx, usage...); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "slow", harness.DeploymentRef("slow"), 1, 6, harness.ResourceUtilization(corev1.ResourceCPU, 50)))

	hpa, err := cluster.WaitForHPACondition(ctx, ns, "slow", autoscalingv2.ScalingActive, corev1.ConditionFalse, scaleTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if reason := harness.HPACondition(hpa, autoscalingv2.ScalingActive).Reason; reason != "FailedGetResourceMetric" {
		t.Errorf("ScalingActive reason = %q, want FailedGetResourceMetric", reason)
	}
	if got := deploymentReplicas(t, ctx, ns, "slow"); got != 2 {
		t.Errorf("Deployment spec.replicas = %d, want 2: unready pods must not drive a scale-up", got)
	}
}

// The shared cluster writes an audit log, which later tests read to prove
// that the plugin only reads.
func TestAuditLogRecordsRequests(t *testing.T) {
	ctx := t.Context()
	if cluster.AuditLogPath == "" {
		t.Fatal("the e2e cluster has no audit log")
	}
	ns := newNamespace(t, ctx, "audit-check")

	var log []byte
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		data, err := os.ReadFile(cluster.AuditLogPath)
		if err != nil {
			return false, nil
		}
		log = data
		return strings.Contains(string(data), `"verb":"create"`) && strings.Contains(string(data), `"name":"`+ns+`"`), nil
	})
	if err != nil {
		t.Errorf("audit log %s has no create event for namespace %s (%d bytes read)", cluster.AuditLogPath, ns, len(log))
	}
}

func waitForReadyPods(t *testing.T, ctx context.Context, namespace, app string, n int) {
	t.Helper()
	var ready []corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, readyTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		ready, err = cluster.ReadyPods(ctx, namespace, harness.AppLabels(app))
		return err == nil && len(ready) == n, nil
	})
	if err != nil {
		t.Fatalf("%d ready pods of %s in %s: got %d", n, app, namespace, len(ready))
	}
}

func podReady(pod *corev1.Pod) bool {
	for _, cond := range pod.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
