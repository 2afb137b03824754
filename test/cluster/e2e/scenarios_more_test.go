package e2e

import (
	"context"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// Scenarios for the findings about the scale target's selector, the pods'
// state, stale samples and the decision rules the main list does not
// reach. TestScenarios runs them.

// A custom resource whose scale subresource reports an empty
// status.selector: the controller cannot find its pods.
func scenarioEmptySelector(t *testing.T, ctx context.Context, ns string) {
	if err := cluster.CreateScalableCRD(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cluster.CreateScalable(ctx, ns, "shards", 2, nil); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "shards", harness.ScalableRef("shards"), 1, 5, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "shards", conditionFalse(autoscalingv2.ScalingActive, "InvalidSelector"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeEmptyScaleSelector)
	rejectCodes(t, o.doc, diagnose.CodeNoPodsSelected, diagnose.CodeNoScaleSubresource)
	checkRoundTrip(t, o.state, o.doc)
}

// A custom resource that wants 2 replicas, with a selector no pod
// matches.
func scenarioNoPodsSelected(t *testing.T, ctx context.Context, ns string) {
	if err := cluster.CreateScalableCRD(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cluster.CreateScalable(ctx, ns, "shards", 2, harness.AppLabels("nothing")); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "shards", harness.ScalableRef("shards"), 1, 5, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "shards", conditionFalse(autoscalingv2.ScalingActive, "FailedGetPodsMetric"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeNoPodsSelected)
	rejectCodes(t, o.doc, diagnose.CodeEmptyScaleSelector, diagnose.CodePartialPodValues)
	checkRoundTrip(t, o.state, o.doc)
}

// The HPA's target kind has a typo, so no resource serves it.
func scenarioTargetUnmapped(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 1))
	ref := autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deploymnet", Name: "web"}
	createHPA(t, ctx, harness.HPA(ns, "web", ref, 1, 5, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", conditionFalse(autoscalingv2.AbleToScale, "FailedGetScale"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeScaleTargetUnmapped)
	rejectCodes(t, o.doc, diagnose.CodeScaleTargetMissing, diagnose.CodeNoScaleSubresource)
	checkRoundTrip(t, o.state, o.doc)
}

// The adapter's samples are 10 minutes old, as when a series stopped
// updating. The controller uses them anyway.
func scenarioStaleMetric(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	sampled := harness.Timestamp(time.Now().Add(-10 * time.Minute))
	var values []control.PodMetric
	for _, pod := range readyPodNamesOf(t, ctx, ns, "web") {
		values = append(values, control.PodMetric{Namespace: ns, Pod: pod, Metric: "rps", Value: "10", Timestamp: sampled})
	}
	if err := cluster.Metrics.SetPodMetrics(ctx, values...); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(2, autoscalingv2.ScalingActive, "ValidMetricFound"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeStaleMetric, diagnose.CodeWithinTolerance)
	checkRoundTrip(t, o.state, o.doc)
}

// One of three pods fails. Its ReplicaSet starts a replacement, and the
// controller ignores the Failed pod, which still matches the selector.
func scenarioFailedPod(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 3))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", constant("10"))
	failed := readyPodNamesOf(t, ctx, ns, "web")[0]
	if err := cluster.Pods.Apply(ctx, ns, failed, harness.PodPlan{Phase: corev1.PodFailed}); err != nil {
		t.Fatal(err)
	}
	waitForReadyPods(t, ctx, ns, "web", 3)
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(3, autoscalingv2.ScalingActive, "ValidMetricFound"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeIgnoredPods)
	rejectCodes(t, o.doc, diagnose.CodePartialPodValues, diagnose.CodeNoPodValues)
	checkRoundTrip(t, o.state, o.doc)
}

// A load of 10 shared by 4 pods proposes 1 replica, but the HPA's second
// metric is not served. The controller never scales down while a metric
// is invalid, so it computes no count at all.
func scenarioInvalidBlocksScaleDown(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 4))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", spread(10))
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10,
		harness.PodsMetric("rps", qty("10")),
		harness.PodsMetric("never_exported_metric", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", conditionFalse(autoscalingv2.ScalingActive, "FailedGetPodsMetric"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeInvalidMetricsBlock, diagnose.CodeMetricNotServed)
	rejectCodes(t, o.doc, diagnose.CodeScaleDownLimited)
	checkRoundTrip(t, o.state, o.doc)
}

// The metrics propose 1 replica of 3, but behavior.scaleDown.selectPolicy
// is Disabled.
func scenarioPolicyDisabled(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 3))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", spread(10))
	disabled := scalingRules(0)
	disabled.SelectPolicy = ptr(autoscalingv2.DisabledPolicySelect)
	hpa := harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10")))
	createHPA(t, ctx, withBehavior(hpa, &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: disabled}))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(3, autoscalingv2.ScalingLimited, "ScaleDownLimit"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeScalingPolicyDisabled)
	rejectCodes(t, o.doc, diagnose.CodeScaleDownLimited, diagnose.CodeWithinTolerance)
	checkRoundTrip(t, o.state, o.doc)
}
