package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// Scenarios that run explain as a user with only some read permissions,
// through impersonation: the ClusterRoles of docs/rbac.yaml, and roles
// that lack some of their rules. TestScenarios runs them.

var (
	documentedRolesOnce sync.Once
	documentedRolesErr  error
)

// createDocumentedRoles creates the ClusterRoles of docs/rbac.yaml once
// for the cluster.
func createDocumentedRoles(t *testing.T, ctx context.Context) {
	t.Helper()
	documentedRolesOnce.Do(func() {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "rbac.yaml"))
		if err != nil {
			documentedRolesErr = err
			return
		}
		for _, document := range bytes.Split(data, []byte("\n---\n")) {
			var role rbacv1.ClusterRole
			if err := yaml.UnmarshalStrict(document, &role); err != nil {
				documentedRolesErr = err
				return
			}
			if role.Name == "" {
				continue
			}
			if _, err := cluster.Client.RbacV1().ClusterRoles().Create(ctx, &role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				documentedRolesErr = err
				return
			}
		}
	})
	if documentedRolesErr != nil {
		t.Fatalf("create the ClusterRoles of docs/rbac.yaml: %v", documentedRolesErr)
	}
}

// bindUser binds a role to user in namespace, with a RoleBinding for a
// Role or a ClusterRole, or a ClusterRoleBinding when namespace is empty.
// A ClusterRoleBinding is deleted when the test ends, and a RoleBinding
// with the test's namespace.
func bindUser(t *testing.T, ctx context.Context, namespace, name string, roleRef rbacv1.RoleRef, user string) {
	t.Helper()
	subjects := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}}
	if namespace == "" {
		binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, RoleRef: roleRef, Subjects: subjects}
		if _, err := cluster.Client.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := cluster.Client.RbacV1().ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
				t.Errorf("delete ClusterRoleBinding %s: %v", name, err)
			}
		})
		return
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, RoleRef: roleRef, Subjects: subjects}
	if _, err := cluster.Client.RbacV1().RoleBindings(namespace).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// createRole creates a Role in namespace and binds it to user.
func createRole(t *testing.T, ctx context.Context, namespace, user string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "limited-reader", Namespace: namespace}, Rules: rules}
	if _, err := cluster.Client.RbacV1().Roles(namespace).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bindUser(t, ctx, namespace, "limited-reader", rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name}, user)
}

func rule(group string, resources []string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: resources, Verbs: verbs}
}

// With exactly the permissions docs/rbac.yaml grants, explain reads a
// Pods, a Resource and an External metric and agrees with the controller.
// 40 requests/s over a target of 10 and 200m of cpu over 50% of 100m both
// need 4 replicas, and 20 queued messages at 10 per replica need 2.
func scenarioDocumentedRBAC(t *testing.T, ctx context.Context, ns string) {
	createDocumentedRoles(t, ctx)
	user := "viewer@" + ns
	bindUser(t, ctx, ns, "hpametrics-reader", rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "hpametrics-reader"}, user)
	bindUser(t, ctx, "", ns+"-apiservice-reader", rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "hpametrics-apiservice-reader"}, user)

	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", spread(40))
	feedCPUUsage(t, ns, harness.AppLabels("web"), spreadMilli(200))
	if err := cluster.Metrics.SetExternalMetrics(ctx, control.ExternalMetric{Namespace: ns, Metric: "queue_messages", Value: "20"}); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10,
		harness.PodsMetric("rps", qty("10")),
		harness.ResourceUtilization(corev1.ResourceCPU, 50),
		harness.ExternalMetric("queue_messages", nil, qty("10"))))

	e := newExplainer(t, ns)
	e.impersonate = user
	o := observeSettled(t, ctx, e, "web", desired(4))
	requireAgreement(t, o)
	rejectCodes(t, o.doc, diagnose.CodeMetricsAPIForbidden, diagnose.CodePodsUnreadable, diagnose.CodeScaleTargetUnreadable,
		diagnose.CodeEventsUnreadable, diagnose.CodeMetricsAPIError)
	for name, service := range o.state.APIServices {
		if service.Error != nil && service.Error.Code != 404 {
			t.Errorf("APIService %s not readable with docs/rbac.yaml: %v", name, service.Error)
		}
	}
	if o.state.NamespaceHPAsError != nil || o.state.ReplicaSetsError != nil {
		t.Errorf("HPA list error %v, ReplicaSet list error %v; want both readable with docs/rbac.yaml", o.state.NamespaceHPAsError, o.state.ReplicaSetsError)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// A user who may read the HPA but not its target's scale subresource.
func scenarioScaleForbidden(t *testing.T, ctx context.Context, ns string) {
	user := "no-scale@" + ns
	createRole(t, ctx, ns, user,
		rule("autoscaling", []string{"horizontalpodautoscalers"}, "get", "list"),
		rule("", []string{"pods", "events"}, "get", "list"))
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", constant("10"))
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10"))))

	e := newExplainer(t, ns)
	e.impersonate = user
	o := observeSettled(t, ctx, e, "web", desiredWith(2, autoscalingv2.ScalingActive, "ValidMetricFound"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeScaleTargetUnreadable)
	rejectCodes(t, o.doc, diagnose.CodeScaleTargetMissing, diagnose.CodeNoScaleSubresource)
	checkRoundTrip(t, o.state, o.doc)
}

// A user who may read the HPA and the scale, but not the pods, the events
// or the custom metrics.
func scenarioMetricsForbidden(t *testing.T, ctx context.Context, ns string) {
	user := "no-metrics@" + ns
	createRole(t, ctx, ns, user,
		rule("autoscaling", []string{"horizontalpodautoscalers"}, "get", "list"),
		rule("apps", []string{"deployments/scale"}, "get"),
		rule("apps", []string{"replicasets"}, "list"))
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", constant("10"))
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10"))))

	e := newExplainer(t, ns)
	e.impersonate = user
	o := observeSettled(t, ctx, e, "web", desiredWith(2, autoscalingv2.ScalingActive, "ValidMetricFound"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeMetricsAPIForbidden, diagnose.CodePodsUnreadable, diagnose.CodeEventsUnreadable)
	rejectCodes(t, o.doc, diagnose.CodeScaleTargetUnreadable, diagnose.CodeNoPodValues)
	checkRoundTrip(t, o.state, o.doc)
}
