package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// Each scenario builds one situation in its own namespace, waits until the
// real controller has acted and settled, and then checks explain against
// it: the expected finding codes, no contradicting ones, and the same
// replica count as the controller's status.desiredReplicas wherever the
// controller computed one. Most scenarios also check that a snapshot of
// the gathered state explains the same way.

// maxConcurrentScenarios bounds the scenarios running at once. Each has a
// few pods and one or two HPAs, and the HPA controller syncs five HPAs at a
// time by default.
const maxConcurrentScenarios = 8

type scenario struct {
	name string
	run  func(t *testing.T, ctx context.Context, namespace string)
}

// runScenarios runs each scenario as a subtest in namespace
// "scenario-<name>", at most limit at once.
func runScenarios(t *testing.T, limit int, scenarios []scenario) {
	slots := make(chan struct{}, limit)
	var running sync.WaitGroup
	for _, s := range scenarios {
		running.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			// t.Run may be called from several goroutines at once; unlike
			// t.Parallel, this is not limited by -test.parallel, which
			// defaults to the number of CPUs.
			t.Run(s.name, func(t *testing.T) {
				ctx := t.Context()
				s.run(t, ctx, newNamespace(t, ctx, "scenario-"+s.name))
			})
		})
	}
	running.Wait()
}

// TestScenarios runs the scenarios that change nothing outside their
// namespace, concurrently.
func TestScenarios(t *testing.T) {
	runScenarios(t, maxConcurrentScenarios, []scenario{
		{"pods-metric", scenarioPodsMetric},
		{"cpu-utilization", scenarioCPUUtilization},
		{"partial-values", scenarioPartialValues},
		{"outside-selection", scenarioOutsideSelection},
		{"overlapping-selector", scenarioOverlappingSelector},
		{"shared-target", scenarioSharedTarget},
		{"missing-requests", scenarioMissingRequests},
		{"unready-pods", scenarioUnreadyPods},
		{"within-tolerance", scenarioWithinTolerance},
		{"clamped-max", scenarioClampedMax},
		{"clamped-min", scenarioClampedMin},
		{"scale-up-policy", scenarioScaleUpPolicy},
		{"scale-down-policy", scenarioScaleDownPolicy},
		{"stabilization", scenarioStabilization},
		{"no-scale-subresource", scenarioNoScaleSubresource},
		{"target-missing", scenarioTargetMissing},
		{"scaled-to-zero", scenarioScaledToZero},
		{"object-value", scenarioObjectValue},
		{"object-average", scenarioObjectAverage},
		{"external-average", scenarioExternalAverage},
		{"external-value", scenarioExternalValue},
		{"statefulset", scenarioStatefulSet},
		{"custom-resource", scenarioCustomResource},
		{"adapter-503", scenarioAdapter503},
		{"metric-404", scenarioMetric404},
		{"metric-not-served", scenarioMetricNotServed},
		{"slow-adapter", scenarioSlowAdapter},
		{"empty-selector", scenarioEmptySelector},
		{"no-pods-selected", scenarioNoPodsSelected},
		{"target-unmapped", scenarioTargetUnmapped},
		{"stale-metric", scenarioStaleMetric},
		{"failed-pod", scenarioFailedPod},
		{"invalid-blocks-scale-down", scenarioInvalidBlocksScaleDown},
		{"policy-disabled", scenarioPolicyDisabled},
		{"documented-rbac", scenarioDocumentedRBAC},
		{"scale-forbidden", scenarioScaleForbidden},
		{"metrics-forbidden", scenarioMetricsForbidden},
	})
}

// TestScenariosClusterWide runs, one at a time, the scenarios that change
// the metrics APIServices every namespace shares.
func TestScenariosClusterWide(t *testing.T) {
	runScenarios(t, 1, []scenario{
		{"apiservice-missing", scenarioAPIServiceMissing},
		{"apiservice-unavailable", scenarioAPIServiceUnavailable},
		{"custom-v1beta1-only", scenarioCustomV1Beta1Only},
	})
}

// desired returns a check that status.desiredReplicas is n.
func desired(n int32) harness.HPACheck {
	return func(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
		return hpa.Status.DesiredReplicas == n
	}
}

// desiredWith returns a check that status.desiredReplicas is n and the
// condition has the reason.
func desiredWith(n int32, condType autoscalingv2.HorizontalPodAutoscalerConditionType, reason string) harness.HPACheck {
	return func(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
		cond := harness.HPACondition(hpa, condType)
		return hpa.Status.DesiredReplicas == n && cond != nil && cond.Reason == reason
	}
}

// conditionFalse returns a check that the condition is False with the
// reason.
func conditionFalse(condType autoscalingv2.HorizontalPodAutoscalerConditionType, reason string) harness.HPACheck {
	return func(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
		cond := harness.HPACondition(hpa, condType)
		return cond != nil && cond.Status == corev1.ConditionFalse && cond.Reason == reason
	}
}

func qty(s string) resource.Quantity { return resource.MustParse(s) }

// A load of 60 requests/s shared by the pods against a target average of
// 10 needs 6 replicas. The default scale-up limit takes 2 to 4, then 6.
func scenarioPodsMetric(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "http_requests_per_second", spread(60))
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10,
		harness.PodsMetric("http_requests_per_second", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desired(6))
	requireAgreement(t, o)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	rejectSeverity(t, o.doc, v1alpha1.SeverityWarning)
	checkRoundTrip(t, o.state, o.doc)
}

// 300m of cpu shared by the pods against 50% of a 100m request needs 6
// replicas.
func scenarioCPUUtilization(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "api", 2))
	feedCPUUsage(t, ns, harness.AppLabels("api"), spreadMilli(300))
	createHPA(t, ctx, harness.HPA(ns, "api", harness.DeploymentRef("api"), 1, 10,
		harness.ResourceUtilization(corev1.ResourceCPU, 50)))

	o := observeSettled(t, ctx, newExplainer(t, ns), "api", desired(6))
	requireAgreement(t, o)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	rejectSeverity(t, o.doc, v1alpha1.SeverityWarning)
	checkRoundTrip(t, o.state, o.doc)
}

// Two of four pods report 30 against a target of 10. Counting the two
// pods without a value as 0, the controller's rebalancing gives a ratio of
// 1.5 and 6 replicas, not the 12 the raw ratio of 3 would give. At 6 pods
// the rebalanced ratio is 1.0, so it stays there.
func scenarioPartialValues(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "payments", 4))
	pods := readyPodNamesOf(t, ctx, ns, "payments")
	err := cluster.Metrics.SetPodMetrics(ctx,
		control.PodMetric{Namespace: ns, Pod: pods[0], Metric: "jobs_in_flight", Value: "30"},
		control.PodMetric{Namespace: ns, Pod: pods[1], Metric: "jobs_in_flight", Value: "30"},
	)
	if err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "payments", harness.DeploymentRef("payments"), 1, 20,
		harness.PodsMetric("jobs_in_flight", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "payments", desired(6))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodePartialPodValues, diagnose.CodeMissingPodsCounted)
	rejectCodes(t, o.doc, diagnose.CodeNoPodValues, diagnose.CodeValuesOutsideSelection)
	if f := finding(o.doc, diagnose.CodePartialPodValues); f != nil && !strings.Contains(f.Message, "4 of 6") {
		t.Errorf("PartialPodValues message = %q, want it to count 4 of 6 pods without a value", f.Message)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// The adapter has values only for the pods of another Deployment, whose
// labels the HPA's target does not select, so the controller gets an empty
// list for its own pods.
func scenarioOutsideSelection(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	createDeployment(t, ctx, harness.Deployment(ns, "worker", 2))
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("worker"), "queue_depth", "40"); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10,
		harness.PodsMetric("queue_depth", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", conditionFalse(autoscalingv2.ScalingActive, "FailedGetPodsMetric"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeNoPodValues, diagnose.CodeValuesOutsideSelection, diagnose.CodeControllerCondition)
	rejectCodes(t, o.doc, diagnose.CodePartialPodValues, diagnose.CodeMetricNotServed, diagnose.CodeMetricsAPINotFound)
	if f := finding(o.doc, diagnose.CodeValuesOutsideSelection); f != nil && !strings.Contains(strings.Join(f.Evidence, " "), "worker-") {
		t.Errorf("ValuesOutsideSelection evidence = %q, want the worker pods named", f.Evidence)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// A canary Deployment's pods carry app=web too, so the web Deployment's
// selector matches them and the controller averages their values in: 10
// for web's pods and 30 for the canary's give 20 against a target of 10,
// which pins the HPA at maxReplicas 4. Web's own pods alone would ask for
// no change.
func scenarioOverlappingSelector(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	canary := harness.Deployment(ns, "web-canary", 2)
	canaryLabels := map[string]string{"app": "web", "track": "canary"}
	canary.Spec.Selector = &metav1.LabelSelector{MatchLabels: canaryLabels}
	canary.Spec.Template.Labels = canaryLabels
	createDeployment(t, ctx, canary)

	pods, err := cluster.ReadyPods(ctx, ns, harness.AppLabels("web"))
	if err != nil {
		t.Fatal(err)
	}
	var values []control.PodMetric
	for _, pod := range pods {
		value := "10"
		if pod.Labels["track"] == "canary" {
			value = "30"
		}
		values = append(values, control.PodMetric{Namespace: ns, Pod: pod.Name, Metric: "rps", Value: value})
	}
	if err := cluster.Metrics.SetPodMetrics(ctx, values...); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 4,
		harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desired(4))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeOverlappingSelector, diagnose.CodeClampedAtMax)
	if f := finding(o.doc, diagnose.CodeOverlappingSelector); f != nil && !strings.Contains(strings.Join(f.Evidence, " "), "web-canary") {
		t.Errorf("OverlappingSelector evidence = %q, want the canary's pods named", f.Evidence)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// Two HPAs scale one Deployment. The controller refuses to act on either
// (AmbiguousSelector), and explain names the other HPA.
func scenarioSharedTarget(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", constant("10"))
	createHPA(t, ctx, harness.HPA(ns, "web-rps", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10"))))
	createHPA(t, ctx, harness.HPA(ns, "web-cpu", harness.DeploymentRef("web"), 1, 10, harness.ResourceUtilization(corev1.ResourceCPU, 50)))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web-rps", conditionFalse(autoscalingv2.ScalingActive, "AmbiguousSelector"))
	requireCodes(t, o.doc, diagnose.CodeSharedScaleTarget, diagnose.CodeAmbiguousSelector)
	if f := finding(o.doc, diagnose.CodeSharedScaleTarget); f != nil && !strings.Contains(strings.Join(f.Evidence, " "), "web-cpu") {
		t.Errorf("SharedScaleTarget evidence = %q, want the other HPA web-cpu named", f.Evidence)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// A cpu Utilization target on pods without a cpu request: the controller
// cannot compute utilization and rejects the metric.
func scenarioMissingRequests(t *testing.T, ctx context.Context, ns string) {
	d := harness.Deployment(ns, "batch", 2)
	d.Spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{}
	createDeployment(t, ctx, d)
	feedCPUUsage(t, ns, harness.AppLabels("batch"), constant("80m"))
	createHPA(t, ctx, harness.HPA(ns, "batch", harness.DeploymentRef("batch"), 1, 10,
		harness.ResourceUtilization(corev1.ResourceCPU, 50)))

	// Until the pods are past the cpu initialization period, the
	// controller leaves their samples out and reports no metrics instead.
	missingRequest := func(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
		active := harness.HPACondition(hpa, autoscalingv2.ScalingActive)
		return conditionFalse(autoscalingv2.ScalingActive, "FailedGetResourceMetric")(hpa) && strings.Contains(active.Message, "missing request for cpu")
	}
	o := observeSettled(t, ctx, newExplainer(t, ns), "batch", missingRequest)
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeMissingRequests)
	rejectCodes(t, o.doc, diagnose.CodeNoPodValues, diagnose.CodeMetricsAPIUnavailable)
	checkRoundTrip(t, o.state, o.doc)
}

// Of three pods using 150m of a 100m request against a 40% target, one is
// Running but unready and one is Pending. The controller counts both as 0
// on the scale-up: 50% average, a ratio of 1.25 and 4 replicas. The fourth
// pod then has no usage, which counts as 0 too and would flip the
// direction, so the HPA stays at 4.
func scenarioUnreadyPods(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "render", 3))
	pods := readyPodNamesOf(t, ctx, ns, "render")
	if err := cluster.Pods.Apply(ctx, ns, pods[1], harness.PodPlan{Phase: corev1.PodRunning, Ready: false}); err != nil {
		t.Fatal(err)
	}
	if err := cluster.Pods.Apply(ctx, ns, pods[2], harness.PodPlan{Phase: corev1.PodPending}); err != nil {
		t.Fatal(err)
	}
	var usage []control.PodUsage
	for _, pod := range pods {
		usage = append(usage, control.PodUsage{Namespace: ns, Pod: pod, Containers: []control.ContainerUsage{{Name: "app", CPU: "150m"}}})
	}
	if err := cluster.Metrics.SetPodUsage(ctx, usage...); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "render", harness.DeploymentRef("render"), 1, 10,
		harness.ResourceUtilization(corev1.ResourceCPU, 40)))

	o := observeSettled(t, ctx, newExplainer(t, ns), "render", desired(4))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeUnreadyPodsLeftOut)
	if f := finding(o.doc, diagnose.CodeUnreadyPodsLeftOut); f != nil {
		evidence := strings.Join(f.Evidence, " ")
		for _, pod := range pods[1:] {
			if !strings.Contains(evidence, pod) {
				t.Errorf("UnreadyPodsLeftOut evidence = %q, want pod %s named", evidence, pod)
			}
		}
	}
	checkRoundTrip(t, o.state, o.doc)
}

// 10.5 against a target of 10 is a ratio of 1.05, inside the default
// tolerance of 0.1, so the controller leaves 3 replicas alone.
func scenarioWithinTolerance(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 3))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", constant("10500m"))
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(3, autoscalingv2.ScalingActive, "ValidMetricFound"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeWithinTolerance)
	rejectCodes(t, o.doc, diagnose.CodeClampedAtMax, diagnose.CodeClampedAtMin, diagnose.CodeScaleUpLimited)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	checkRoundTrip(t, o.state, o.doc)
}

// Every pod reports 100 against a target of 10, whatever the replica
// count, so the HPA is pinned at maxReplicas 3.
func scenarioClampedMax(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", constant("100"))
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 3, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(3, autoscalingv2.ScalingLimited, "TooManyReplicas"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeClampedAtMax)
	rejectCodes(t, o.doc, diagnose.CodeClampedAtMin, diagnose.CodeWithinTolerance, diagnose.CodeScaleUpLimited)
	if o.doc.Replicas.LimitReason != "TooManyReplicas" {
		t.Errorf("explain limit reason = %q, want TooManyReplicas", o.doc.Replicas.LimitReason)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// A load of 1 against a target of 10 proposes 1 replica; without a
// scale-down stabilization window, minReplicas 3 is what holds the HPA.
func scenarioClampedMin(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 3))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", constant("1"))
	hpa := harness.HPA(ns, "web", harness.DeploymentRef("web"), 3, 10, harness.PodsMetric("rps", qty("10")))
	createHPA(t, ctx, withBehavior(hpa, &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: scalingRules(0)}))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(3, autoscalingv2.ScalingLimited, "TooFewReplicas"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeClampedAtMin)
	rejectCodes(t, o.doc, diagnose.CodeClampedAtMax, diagnose.CodeStabilizationHold, diagnose.CodeWithinTolerance)
	checkRoundTrip(t, o.state, o.doc)
}

// A burst to 5 times the target would take 2 replicas to 10, but the
// scale-up policy allows 50% more per minute: 3 replicas, held there for
// the rest of the minute.
//
// SuccessfulRescale events name only the new size, so explain matches the
// controller only by fitting the first rescale's change (2 to 3) to the
// controller's status.
func scenarioScaleUpPolicy(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", constant("50"))
	hpa := harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10")))
	createHPA(t, ctx, withBehavior(hpa, &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleUp: scalingRules(0, autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PercentScalingPolicy, Value: 50, PeriodSeconds: 60}),
	}))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(3, autoscalingv2.ScalingLimited, "ScaleUpLimit"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeScaleUpLimited)
	rejectCodes(t, o.doc, diagnose.CodeClampedAtMax, diagnose.CodeWithinTolerance)
	checkRoundTrip(t, o.state, o.doc)
}

// A load of 10 shared by 4 pods against a target of 10 proposes 1
// replica. The scale-down policy removes at most one pod a minute, so the
// HPA goes to 3 and is held there for the rest of the minute.
//
// As in scenarioScaleUpPolicy, explain fits the first rescale's change.
func scenarioScaleDownPolicy(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 4))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", spread(10))
	hpa := harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10")))
	createHPA(t, ctx, withBehavior(hpa, &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleDown: scalingRules(0, autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}),
	}))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(3, autoscalingv2.ScalingLimited, "ScaleDownLimit"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeScaleDownLimited)
	rejectCodes(t, o.doc, diagnose.CodeClampedAtMin, diagnose.CodeWithinTolerance)
	checkRoundTrip(t, o.state, o.doc)
}

// stabilizationWindowSeconds is the scale-down window of the
// stabilization scenario: long enough to observe the hold, short enough
// to see its end.
const stabilizationWindowSeconds = 20

// A load of 20 shared by 4 pods against a target of 10 proposes 2
// replicas. The 20s scale-down stabilization window holds 4 (the
// recommendation of the first sync) until it passes, then the HPA scales
// down to 2.
func scenarioStabilization(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 4))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", spread(20))
	hpa := harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10")))
	createHPA(t, ctx, withBehavior(hpa, &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: scalingRules(stabilizationWindowSeconds)}))
	e := newExplainer(t, ns)

	held := observeSettled(t, ctx, e, "web", desiredWith(4, autoscalingv2.AbleToScale, "ScaleDownStabilized"))
	requireAgreement(t, held)
	requireCodes(t, held.doc, diagnose.CodeStabilizationHold)
	if held.doc.Replicas.StabilizationReason != "ScaleDownStabilized" {
		t.Errorf("explain stabilization reason while held = %q, want ScaleDownStabilized", held.doc.Replicas.StabilizationReason)
	}
	checkRoundTrip(t, held.state, held.doc)

	released := observeSettled(t, ctx, e, "web", desiredWith(2, autoscalingv2.AbleToScale, "ReadyForNewScale"))
	requireAgreement(t, released)
	rejectCodes(t, released.doc, diagnose.CodeStabilizationHold)
	if got := released.hpa.Status.LastScaleTime; got == nil || got.Sub(held.hpa.CreationTimestamp.Time) < stabilizationWindowSeconds*time.Second {
		t.Errorf("last scale time %v is less than the %ds window after the HPA was created at %v", got, stabilizationWindowSeconds, held.hpa.CreationTimestamp)
	}
	checkRoundTrip(t, released.state, released.doc)
}

// The target is a custom resource whose CRD has no scale subresource.
func scenarioNoScaleSubresource(t *testing.T, ctx context.Context, ns string) {
	ref := createUnscalable(t, ctx, ns, "jobs")
	createHPA(t, ctx, harness.HPA(ns, "jobs", ref, 1, 5, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "jobs", conditionFalse(autoscalingv2.AbleToScale, "FailedGetScale"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeNoScaleSubresource)
	rejectCodes(t, o.doc, diagnose.CodeScaleTargetMissing, diagnose.CodeScaleTargetUnmapped)
	checkRoundTrip(t, o.state, o.doc)
}

// The HPA names a Deployment that does not exist.
func scenarioTargetMissing(t *testing.T, ctx context.Context, ns string) {
	createHPA(t, ctx, harness.HPA(ns, "ghost", harness.DeploymentRef("ghost"), 1, 5, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "ghost", conditionFalse(autoscalingv2.AbleToScale, "FailedGetScale"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeScaleTargetMissing)
	rejectCodes(t, o.doc, diagnose.CodeNoScaleSubresource, diagnose.CodeScaleTargetUnmapped)
	checkRoundTrip(t, o.state, o.doc)
}

// A Deployment scaled to 0 by hand: with minReplicas 1 the controller
// disables autoscaling and leaves it at 0.
func scenarioScaledToZero(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "idle", 0))
	createHPA(t, ctx, harness.HPA(ns, "idle", harness.DeploymentRef("idle"), 1, 5, harness.PodsMetric("rps", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "idle", conditionFalse(autoscalingv2.ScalingActive, "ScalingDisabled"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeScalingDisabled)
	rejectCodes(t, o.doc, diagnose.CodeNoPodsSelected, diagnose.CodeControllerCondition)
	checkRoundTrip(t, o.state, o.doc)
}

// An Object metric with a Value target: 150 against 100 is a ratio of 1.5
// per ready pod, which grows with the replicas, so the HPA ends pinned at
// maxReplicas 4.
func scenarioObjectValue(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	ingress := createService(t, ctx, ns, "ingress", "web")
	err := cluster.Metrics.SetObjectMetrics(ctx, control.ObjectMetric{
		Namespace: ns, APIVersion: "v1", Kind: "Service", Name: "ingress", Metric: "requests_per_second", Value: "150",
	})
	if err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 4,
		harness.ObjectMetric(ingress, "requests_per_second", qty("100"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desiredWith(4, autoscalingv2.ScalingLimited, "TooManyReplicas"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeClampedAtMax)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	checkRoundTrip(t, o.state, o.doc)
}

// An Object metric with an AverageValue target: 80 against 20 per replica
// needs 4 replicas, however many run now.
func scenarioObjectAverage(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	err := cluster.Metrics.SetObjectMetrics(ctx, control.ObjectMetric{
		Namespace: ns, APIVersion: "apps/v1", Kind: "Deployment", Name: "web", Metric: "sessions", Value: "80",
	})
	if err != nil {
		t.Fatal(err)
	}
	average := qty("20")
	metric := autoscalingv2.MetricSpec{
		Type: autoscalingv2.ObjectMetricSourceType,
		Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: harness.DeploymentRef("web"),
			Metric:          autoscalingv2.MetricIdentifier{Name: "sessions"},
			Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &average},
		},
	}
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, metric))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", desired(4))
	requireAgreement(t, o)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	rejectSeverity(t, o.doc, v1alpha1.SeverityWarning)
	checkRoundTrip(t, o.state, o.doc)
}

// An External metric with an AverageValue target: two queue series of 20
// and 10 messages add up to 30, which at 10 per replica needs 3.
func scenarioExternalAverage(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "consumer", 1))
	err := cluster.Metrics.SetExternalMetrics(ctx,
		control.ExternalMetric{Namespace: ns, Metric: "queue_messages", Labels: map[string]string{"queue": "orders", "shard": "a"}, Value: "20"},
		control.ExternalMetric{Namespace: ns, Metric: "queue_messages", Labels: map[string]string{"queue": "orders", "shard": "b"}, Value: "10"},
		control.ExternalMetric{Namespace: ns, Metric: "queue_messages", Labels: map[string]string{"queue": "refunds"}, Value: "500"},
	)
	if err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "consumer", harness.DeploymentRef("consumer"), 1, 10,
		harness.ExternalMetric("queue_messages", map[string]string{"queue": "orders"}, qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "consumer", desired(3))
	requireAgreement(t, o)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	rejectSeverity(t, o.doc, v1alpha1.SeverityWarning)
	checkRoundTrip(t, o.state, o.doc)
}

// An External metric with a Value target: 15 against 10 is a ratio of 1.5
// per ready pod, so the HPA grows to maxReplicas 3 and stays pinned there.
func scenarioExternalValue(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "consumer", 2))
	err := cluster.Metrics.SetExternalMetrics(ctx, control.ExternalMetric{Namespace: ns, Metric: "lag_seconds", Value: "15"})
	if err != nil {
		t.Fatal(err)
	}
	value := qty("10")
	metric := autoscalingv2.MetricSpec{
		Type: autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "lag_seconds"},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: &value},
		},
	}
	createHPA(t, ctx, harness.HPA(ns, "consumer", harness.DeploymentRef("consumer"), 1, 3, metric))

	o := observeSettled(t, ctx, newExplainer(t, ns), "consumer", desiredWith(3, autoscalingv2.ScalingLimited, "TooManyReplicas"))
	requireAgreement(t, o)
	requireCodes(t, o.doc, diagnose.CodeClampedAtMax)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	checkRoundTrip(t, o.state, o.doc)
}

// A StatefulSet sharing a load of 30 against a target of 10 per pod
// settles at 3 replicas.
func scenarioStatefulSet(t *testing.T, ctx context.Context, ns string) {
	if _, err := cluster.Client.AppsV1().StatefulSets(ns).Create(ctx, harness.StatefulSet(ns, "db", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForReadyPods(t, ctx, ns, "db", 1)
	feedPodMetric(t, ns, harness.AppLabels("db"), "connections", spread(30))
	createHPA(t, ctx, harness.HPA(ns, "db", harness.StatefulSetRef("db"), 1, 10, harness.PodsMetric("connections", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "db", desired(3))
	requireAgreement(t, o)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	rejectSeverity(t, o.doc, v1alpha1.SeverityWarning)
	if o.doc.Target.Kind != "StatefulSet" || !o.doc.Target.Found {
		t.Errorf("explain target = %+v, want the StatefulSet found", o.doc.Target)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// A custom resource with a scale subresource and two pods the test
// created with the resource as their controller, as an operator would: an
// Object metric of 150 against 100 over 2 ready pods gives 3.
// No controller creates a third pod, so the count stays at 3.
func scenarioCustomResource(t *testing.T, ctx context.Context, ns string) {
	if err := cluster.CreateScalableCRD(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cluster.CreateScalable(ctx, ns, "shards", 2, harness.AppLabels("shard")); err != nil {
		t.Fatal(err)
	}
	createOwnedPods(t, ctx, ns, "shard", scalableOwner(t, ctx, ns, "shards"), "shard-0", "shard-1")
	ingress := createService(t, ctx, ns, "ingress", "shard")
	err := cluster.Metrics.SetObjectMetrics(ctx, control.ObjectMetric{
		Namespace: ns, APIVersion: "v1", Kind: "Service", Name: "ingress", Metric: "requests_per_second", Value: "150",
	})
	if err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "shards", harness.ScalableRef("shards"), 1, 5,
		harness.ObjectMetric(ingress, "requests_per_second", qty("100"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "shards", desired(3))
	requireAgreement(t, o)
	rejectCodes(t, o.doc, diagnose.CodeNoScaleSubresource, diagnose.CodeScaleTargetUnmapped, diagnose.CodeEmptyScaleSelector, diagnose.CodeOverlappingSelector)
	if o.doc.Target.Kind != harness.ScalableKind || !o.doc.Target.Found {
		t.Errorf("explain target = %+v, want the Scalable found", o.doc.Target)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// The adapter returns 503 for the metric.
func scenarioAdapter503(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "worker", 2))
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("worker"), "queue_depth", "50"); err != nil {
		t.Fatal(err)
	}
	setFault(t, ctx, control.Fault{API: control.APICustom, Namespace: ns, Metric: "queue_depth", StatusCode: 503})
	createHPA(t, ctx, harness.HPA(ns, "worker", harness.DeploymentRef("worker"), 1, 10, harness.PodsMetric("queue_depth", qty("5"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "worker", conditionFalse(autoscalingv2.ScalingActive, "FailedGetPodsMetric"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeMetricsAPIUnavailable, diagnose.CodeControllerCondition)
	rejectCodes(t, o.doc, diagnose.CodeNoPodValues, diagnose.CodeMetricsAPINotFound, diagnose.CodeAPIServiceUnavailable)
	checkRoundTrip(t, o.state, o.doc)
}

// The adapter serves the metric (discovery lists it) but returns 404 for
// this namespace, as an adapter does when no series matches.
func scenarioMetric404(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "worker", 2))
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("worker"), "queue_depth", "50"); err != nil {
		t.Fatal(err)
	}
	setFault(t, ctx, control.Fault{API: control.APICustom, Namespace: ns, Metric: "queue_depth", StatusCode: 404})
	createHPA(t, ctx, harness.HPA(ns, "worker", harness.DeploymentRef("worker"), 1, 10, harness.PodsMetric("queue_depth", qty("5"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "worker", conditionFalse(autoscalingv2.ScalingActive, "FailedGetPodsMetric"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeMetricsAPINotFound)
	rejectCodes(t, o.doc, diagnose.CodeMetricNotServed, diagnose.CodeMetricsAPIUnavailable)
	checkRoundTrip(t, o.state, o.doc)
}

// The HPA requests http_request_per_second, but the adapter serves
// http_requests_per_second. The API returns 404, and explain suggests the
// served name.
func scenarioMetricNotServed(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	if _, err := cluster.SetPodMetricForPods(ctx, ns, harness.AppLabels("web"), "http_requests_per_second", "10"); err != nil {
		t.Fatal(err)
	}
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("http_request_per_second", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "web", conditionFalse(autoscalingv2.ScalingActive, "FailedGetPodsMetric"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeMetricNotServed)
	rejectCodes(t, o.doc, diagnose.CodeMetricsAPINotFound, diagnose.CodeValuesOutsideSelection)
	if f := finding(o.doc, diagnose.CodeMetricNotServed); f != nil && !strings.Contains(f.Message, `Did you mean "http_requests_per_second"`) {
		t.Errorf("MetricNotServed message = %q, want it to suggest http_requests_per_second first", f.Message)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// The adapter takes 3s to respond and explain runs with a 1s request
// timeout. The controller, which waits, still scales.
func scenarioSlowAdapter(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "rps", spread(30))
	setFault(t, ctx, control.Fault{API: control.APICustom, Namespace: ns, Metric: "rps", Delay: 3 * time.Second})
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10, harness.PodsMetric("rps", qty("10"))))

	e := newExplainer(t, ns)
	e.requestTimeout = time.Second
	started := time.Now()
	o := observeSettled(t, ctx, e, "web", desired(3))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeMetricsAPITimeout)
	rejectCodes(t, o.doc, diagnose.CodeMetricsAPIUnavailable, diagnose.CodeMetricsAPIError)
	if o.state.Duration > 5*time.Second {
		t.Errorf("explain gathered for %s with a 1s request timeout, want it to give up on the slow metric sooner (test ran %s)", o.state.Duration, time.Since(started).Round(time.Second))
	}
	checkRoundTrip(t, o.state, o.doc)
}

// The external metrics APIService is deleted, as when its adapter is
// uninstalled.
func scenarioAPIServiceMissing(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "consumer", 1))
	if err := cluster.Metrics.SetExternalMetrics(ctx, control.ExternalMetric{Namespace: ns, Metric: "queue_messages", Value: "30"}); err != nil {
		t.Fatal(err)
	}
	unregisterAPIService(t, ctx, harness.APIServiceExternalV1Beta1)
	createHPA(t, ctx, harness.HPA(ns, "consumer", harness.DeploymentRef("consumer"), 1, 10,
		harness.ExternalMetric("queue_messages", nil, qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "consumer", conditionFalse(autoscalingv2.ScalingActive, "FailedGetExternalMetric"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeAPIServiceMissing)
	rejectCodes(t, o.doc, diagnose.CodeAPIServiceUnavailable, diagnose.CodeMetricsAPIUnavailable)
	if f := finding(o.doc, diagnose.CodeAPIServiceMissing); f != nil && !strings.Contains(f.Message, "external.metrics.k8s.io") {
		t.Errorf("APIServiceMissing message = %q, want the group external.metrics.k8s.io named", f.Message)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// The external metrics APIService points at a port nothing listens on.
func scenarioAPIServiceUnavailable(t *testing.T, ctx context.Context, ns string) {
	createDeployment(t, ctx, harness.Deployment(ns, "consumer", 1))
	if err := cluster.Metrics.SetExternalMetrics(ctx, control.ExternalMetric{Namespace: ns, Metric: "queue_messages", Value: "30"}); err != nil {
		t.Fatal(err)
	}
	breakAPIService(t, ctx, harness.APIServiceExternalV1Beta1)
	createHPA(t, ctx, harness.HPA(ns, "consumer", harness.DeploymentRef("consumer"), 1, 10,
		harness.ExternalMetric("queue_messages", nil, qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "consumer", conditionFalse(autoscalingv2.ScalingActive, "FailedGetExternalMetric"))
	requireNoRecommendation(t, o)
	requireCodes(t, o.doc, diagnose.CodeAPIServiceUnavailable)
	rejectCodes(t, o.doc, diagnose.CodeAPIServiceMissing)
	if f := finding(o.doc, diagnose.CodeAPIServiceUnavailable); f != nil && !strings.Contains(f.Message, harness.APIServiceExternalV1Beta1) {
		t.Errorf("APIServiceUnavailable message = %q, want %s named", f.Message, harness.APIServiceExternalV1Beta1)
	}
	checkRoundTrip(t, o.state, o.doc)
}

// Only v1beta1 of the custom metrics API is registered, as with an old
// adapter: explain reads the values through it, like the controller.
func scenarioCustomV1Beta1Only(t *testing.T, ctx context.Context, ns string) {
	unregisterAPIService(t, ctx, harness.APIServiceCustomV1Beta2)
	createDeployment(t, ctx, harness.Deployment(ns, "legacy", 1))
	feedPodMetric(t, ns, harness.AppLabels("legacy"), "jobs", spread(30))
	createHPA(t, ctx, harness.HPA(ns, "legacy", harness.DeploymentRef("legacy"), 1, 10, harness.PodsMetric("jobs", qty("10"))))

	o := observeSettled(t, ctx, newExplainer(t, ns), "legacy", desired(3))
	requireAgreement(t, o)
	rejectSeverity(t, o.doc, v1alpha1.SeverityError)
	rejectSeverity(t, o.doc, v1alpha1.SeverityWarning)
	if len(o.doc.Metrics) != 1 || o.doc.Metrics[0].APIVersion != "custom.metrics.k8s.io/v1beta1" {
		t.Errorf("explain metrics = %+v, want one metric read through custom.metrics.k8s.io/v1beta1", o.doc.Metrics)
	} else if o.doc.Metrics[0].Current == nil || len(o.doc.Metrics[0].Pods) != 3 {
		t.Errorf("explain metric = %+v, want a current value and 3 pods with values", o.doc.Metrics[0])
	}
	checkRoundTrip(t, o.state, o.doc)
}
