package replicas

import (
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPerHPATolerance(t *testing.T) {
	withTolerance := func(up, down string) *autoscalingv2.HorizontalPodAutoscalerBehavior {
		b := &autoscalingv2.HorizontalPodAutoscalerBehavior{}
		if up != "" {
			b.ScaleUp = &autoscalingv2.HPAScalingRules{Tolerance: quantity(up)}
		}
		if down != "" {
			b.ScaleDown = &autoscalingv2.HPAScalingRules{Tolerance: quantity(down)}
		}
		return b
	}
	cases := []struct {
		name      string
		behavior  *autoscalingv2.HorizontalPodAutoscalerBehavior
		gateOff   bool
		samples   []int64
		want      int32
		wantWithi bool
		wantTol   Tolerances
	}{
		// 1590m of 3000m = 53%, 1.06: outside a 5% scale-up tolerance,
		// ceil(3.18) = 4.
		{"scale-up tolerance 5%", withTolerance("0.05", ""), false, []int64{530, 530, 530}, 4, false, Tolerances{ScaleDown: 0.1, ScaleUp: 0.05}},
		{"scale-up tolerance ignored with the gate off", withTolerance("0.05", ""), true, []int64{530, 530, 530}, 3, true, Tolerances{ScaleDown: 0.1, ScaleUp: 0.1}},
		// 30%, 0.6: inside a 50% scale-down tolerance.
		{"scale-down tolerance 50%", withTolerance("", "0.5"), false, []int64{300, 300, 300}, 3, true, Tolerances{ScaleDown: 0.5, ScaleUp: 0.1}},
		// With the global 10%: ceil(0.6 × 3) = 2.
		{"global tolerance without behavior", nil, false, []int64{300, 300, 300}, 2, false, Tolerances{ScaleDown: 0.1, ScaleUp: 0.1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hpa := newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50))
			hpa.Spec.Behavior = tc.behavior
			in := newInput(hpa, 3, podList(3), podMetrics(samplesFor(tc.samples...)))
			in.Config.ConfigurableTolerance = !tc.gateOff
			res := Compute(in)
			if res.Tolerances != tc.wantTol {
				t.Errorf("tolerances %+v, want %+v", res.Tolerances, tc.wantTol)
			}
			mr := res.Metrics[0]
			if mr.ProposedReplicas != tc.want {
				t.Errorf("proposal %d, want %d", mr.ProposedReplicas, tc.want)
			}
			if mr.WithinTolerance != tc.wantWithi {
				t.Errorf("within tolerance %v, want %v", mr.WithinTolerance, tc.wantWithi)
			}
		})
	}
}

func TestSeveralMetrics(t *testing.T) {
	cpu50 := resourceUtilization(corev1.ResourceCPU, 50)
	rps := podsAverage("http_requests", "1")
	broken := fetchFailed("unable to fetch metrics from custom metrics API: the server is currently unable to handle the request")

	t.Run("largest proposal wins", func(t *testing.T) {
		// cpu: 90%, ceil(1.8 × 3) = 6; http_requests: 2.5 per pod, ceil(7.5) = 8.
		in := newInput(newHPA(1, 20, cpu50, rps), 3, podList(3), podMetrics(samplesFor(900, 900, 900)), podMetrics(samplesFor(2500, 2500, 2500)))
		res := Compute(in)
		if res.MetricProposal != 8 || res.MetricName != "pods metric http_requests" {
			t.Errorf("proposal %d from %q, want 8 from pods metric http_requests", res.MetricProposal, res.MetricName)
		}
		if res.RescaleReason != "pods metric http_requests above target" {
			t.Errorf("rescale reason %q", res.RescaleReason)
		}
		// The scale-up limit without behavior is max(2 × 3, 4) = 6.
		if res.DesiredReplicas != 6 || res.LimitReason != "ScaleUpLimit" {
			t.Errorf("desired %d (%s), want 6 (ScaleUpLimit)", res.DesiredReplicas, res.LimitReason)
		}
		wantCondition(t, res, autoscalingv2.ScalingLimited, corev1.ConditionTrue, "ScaleUpLimit")
		c := findCondition(res.Conditions, autoscalingv2.ScalingActive)
		if want := "the HPA was able to successfully calculate a replica count from pods metric http_requests"; c.Message != want {
			t.Errorf("ScalingActive message %q, want %q", c.Message, want)
		}
	})

	t.Run("invalid metric does not block a scale-up", func(t *testing.T) {
		in := newInput(newHPA(1, 20, cpu50, rps), 3, podList(3), podMetrics(samplesFor(900, 900, 900)), broken)
		res := Compute(in)
		if res.MetricProposal != 6 || res.DesiredReplicas != 6 || !res.Rescale {
			t.Errorf("proposal %d, desired %d, rescale %v; want 6, 6, true", res.MetricProposal, res.DesiredReplicas, res.Rescale)
		}
		if res.InvalidMetrics != 1 {
			t.Errorf("invalid metrics %d, want 1", res.InvalidMetrics)
		}
		want := "invalid metrics (1 invalid out of 2), first error is: failed to get pods metric value: unable to get metric http_requests: unable to fetch metrics from custom metrics API: the server is currently unable to handle the request"
		if res.MetricsError != want {
			t.Errorf("metrics error\n%q, want\n%q", res.MetricsError, want)
		}
		wantCondition(t, res, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
		if res.Metrics[1].Status.Type != "" {
			t.Errorf("invalid metric has status %+v, want none", res.Metrics[1].Status)
		}
	})

	t.Run("invalid metric blocks a scale-down", func(t *testing.T) {
		hpa := newHPA(1, 20, cpu50, rps)
		hpa.Status.DesiredReplicas = 3
		in := newInput(hpa, 3, podList(3), podMetrics(samplesFor(200, 200, 200)), broken)
		res := Compute(in)
		if res.MetricProposal != -1 || res.Rescale || res.DesiredReplicas != 3 {
			t.Errorf("proposal %d, rescale %v, desired %d; want -1, false, 3 (status.desiredReplicas)", res.MetricProposal, res.Rescale, res.DesiredReplicas)
		}
		wantCondition(t, res, autoscalingv2.ScalingActive, corev1.ConditionFalse, "FailedGetPodsMetric")
		c := findCondition(res.Conditions, autoscalingv2.ScalingActive)
		if want := "the HPA was unable to compute the replica count: unable to get metric http_requests: unable to fetch metrics from custom metrics API: the server is currently unable to handle the request"; c.Message != want {
			t.Errorf("ScalingActive message\n%q, want\n%q", c.Message, want)
		}
		if findCondition(res.Conditions, autoscalingv2.ScalingLimited) != nil {
			t.Errorf("ScalingLimited set, want it untouched on this path")
		}
		if res.Metrics[0].ProposedReplicas != 2 || !res.Metrics[0].Valid {
			t.Errorf("cpu metric proposal %d valid %v, want 2 valid", res.Metrics[0].ProposedReplicas, res.Metrics[0].Valid)
		}
		if !strings.Contains(stepTexts(res.Steps), "invalid metric blocks a scale-down") {
			t.Errorf("steps do not explain the block:\n%s", stepTexts(res.Steps))
		}
	})

	t.Run("invalid metric with a proposal equal to spec.replicas", func(t *testing.T) {
		// 45%, 0.9: inside the band, so the cpu proposal is 3 = spec.replicas.
		in := newInput(newHPA(1, 20, cpu50, rps), 3, podList(3), podMetrics(samplesFor(450, 450, 450)), broken)
		res := Compute(in)
		if res.MetricProposal != 3 || res.Rescale {
			t.Errorf("proposal %d rescale %v, want 3 and no rescale", res.MetricProposal, res.Rescale)
		}
	})

	t.Run("all metrics invalid", func(t *testing.T) {
		in := newInput(newHPA(1, 20, cpu50, rps), 3, podList(3), fetchFailed("no metrics returned from resource metrics API"), broken)
		res := Compute(in)
		if res.MetricProposal != -1 || res.InvalidMetrics != 2 {
			t.Errorf("proposal %d invalid %d, want -1 and 2", res.MetricProposal, res.InvalidMetrics)
		}
		wantCondition(t, res, autoscalingv2.ScalingActive, corev1.ConditionFalse, "FailedGetResourceMetric")
		if !strings.HasPrefix(res.MetricsError, "invalid metrics (2 invalid out of 2), first error is: failed to get cpu resource metric value") {
			t.Errorf("metrics error %q", res.MetricsError)
		}
	})

	t.Run("a later zero proposal replaces an earlier zero", func(t *testing.T) {
		hpa := newHPA(0, 20, externalValue("a", "10"), externalValue("b", "10"))
		in := newInput(hpa, 2, podList(2), value(0), value(0))
		in.History = oldHistory
		res := Compute(in)
		if res.MetricProposal != 0 || res.MetricName != "external metric b(nil)" {
			t.Errorf("proposal %d from %q, want 0 from external metric b(nil)", res.MetricProposal, res.MetricName)
		}
	})
}

func TestZeroReplicas(t *testing.T) {
	scaledToZero := func(hpa *autoscalingv2.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
		hpa.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{
			Type: autoscalingv2.ScaledToZero, Status: corev1.ConditionTrue, Reason: "ScaledToZero",
			LastTransitionTime: metav1.NewTime(now.Add(-time.Hour)),
		}}
		return hpa
	}

	t.Run("scaling disabled without ScaledToZero", func(t *testing.T) {
		in := newInput(newHPA(0, 10, objectValue("rps", "10")), 0, nil, value(25000))
		res := Compute(in)
		if !res.ScalingDisabled || res.ComputedMetrics || res.Rescale || res.DesiredReplicas != 0 {
			t.Errorf("disabled %v computed %v rescale %v desired %d; want true false false 0", res.ScalingDisabled, res.ComputedMetrics, res.Rescale, res.DesiredReplicas)
		}
		wantCondition(t, res, autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled")
		wantCondition(t, res, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale")
	})

	t.Run("scale from zero with an Object metric", func(t *testing.T) {
		// From 0 the tolerance and the pods are skipped: ceil(25 / 10) = 3.
		in := newInput(scaledToZero(newHPA(0, 10, objectValue("rps", "10"))), 0, nil, value(25000))
		res := Compute(in)
		if res.MetricProposal != 3 || res.DesiredReplicas != 3 || !res.Rescale {
			t.Errorf("proposal %d desired %d rescale %v; want 3 3 true\n%s", res.MetricProposal, res.DesiredReplicas, res.Rescale, stepTexts(res.Steps))
		}
		if res.RescaleReason != "Ingress metric rps above target" {
			t.Errorf("rescale reason %q", res.RescaleReason)
		}
		wantCondition(t, res, autoscalingv2.ScaledToZero, corev1.ConditionFalse, "NotScaledToZero")
	})

	t.Run("scale from zero with an External metric that stays at zero", func(t *testing.T) {
		in := newInput(scaledToZero(newHPA(0, 10, externalValue("queue", "10"))), 0, nil, value(0))
		res := Compute(in)
		if res.MetricProposal != 0 || res.Rescale || res.DesiredReplicas != 0 {
			t.Errorf("proposal %d rescale %v desired %d; want 0 false 0", res.MetricProposal, res.Rescale, res.DesiredReplicas)
		}
		wantCondition(t, res, autoscalingv2.ScaledToZero, corev1.ConditionTrue, "ScaledToZero")
	})

	t.Run("raised minReplicas with only pod metrics finds no pods", func(t *testing.T) {
		hpa := scaledToZero(newHPA(2, 10, resourceUtilization(corev1.ResourceCPU, 50)))
		in := newInput(hpa, 0, nil, podMetrics(samplesFor(100)))
		res := Compute(in)
		if !res.ComputedMetrics || res.MetricProposal != -1 || res.Rescale {
			t.Errorf("computed %v proposal %d rescale %v; want true -1 false", res.ComputedMetrics, res.MetricProposal, res.Rescale)
		}
	})

	t.Run("raised minReplicas is enforced after normalization", func(t *testing.T) {
		// The metric proposes 0 and, with behavior, a proposal equal to the
		// current 0 skips the min clamp; the scale-from-zero rule raises it.
		hpa := scaledToZero(newHPA(2, 10, objectValue("rps", "10")))
		hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{}
		in := newInput(hpa, 0, nil, value(0))
		res := Compute(in)
		if res.DesiredReplicas != 2 || !res.Rescale {
			t.Errorf("desired %d rescale %v, want 2 true\n%s", res.DesiredReplicas, res.Rescale, stepTexts(res.Steps))
		}
		if res.RescaleReason != "Current number of replicas below Spec.MinReplicas" {
			t.Errorf("rescale reason %q", res.RescaleReason)
		}
	})

	t.Run("gate off disables scaling and drops ScaledToZero", func(t *testing.T) {
		in := newInput(scaledToZero(newHPA(0, 10, objectValue("rps", "10"))), 0, nil, value(25000))
		in.Config.ScaleToZero = false
		res := Compute(in)
		if !res.ScalingDisabled || res.Rescale {
			t.Errorf("disabled %v rescale %v, want true false", res.ScalingDisabled, res.Rescale)
		}
		if findCondition(res.Conditions, autoscalingv2.ScaledToZero) != nil {
			t.Errorf("ScaledToZero kept with the gate off")
		}
	})

	t.Run("scale to zero with an External metric", func(t *testing.T) {
		// Usage 0: ceil(0 × 2 ready pods) = 0; minReplicas 0 allows it.
		in := newInput(newHPA(0, 10, externalValue("queue", "10")), 2, podList(2), value(0))
		in.History = oldHistory
		res := Compute(in)
		if res.DesiredReplicas != 0 || !res.Rescale || res.RescaleReason != "All metrics below target" {
			t.Errorf("desired %d rescale %v reason %q; want 0 true All metrics below target", res.DesiredReplicas, res.Rescale, res.RescaleReason)
		}
		wantCondition(t, res, autoscalingv2.ScaledToZero, corev1.ConditionTrue, "ScaledToZero")
	})

	t.Run("scale to zero with a Resource metric only", func(t *testing.T) {
		in := newInput(newHPA(0, 10, resourceUtilization(corev1.ResourceCPU, 50)), 2, podList(2), podMetrics(samplesFor(0, 0)))
		in.History = oldHistory
		res := Compute(in)
		if res.DesiredReplicas != 0 || !res.Rescale {
			t.Errorf("desired %d rescale %v, want 0 true", res.DesiredReplicas, res.Rescale)
		}
		// Without Object or External metrics nothing can scale it back up,
		// so the controller does not mark it ScaledToZero.
		wantCondition(t, res, autoscalingv2.ScaledToZero, corev1.ConditionFalse, "NotScaledToZero")
	})
}

func TestReplicasOutsideMinMax(t *testing.T) {
	hpa := newHPA(2, 10, resourceUtilization(corev1.ResourceCPU, 50))
	hpa.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{
		{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionTrue, Reason: "ValidMetricFound"},
	}
	cases := []struct {
		name       string
		current    int32
		want       int32
		wantReason string
	}{
		{"above maxReplicas", 12, 10, "Current number of replicas above Spec.MaxReplicas"},
		{"below minReplicas", 1, 2, "Current number of replicas below Spec.MinReplicas"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Compute(newInput(hpa, tc.current, podList(int(tc.current)), podMetrics(samplesFor(900))))
			if res.ComputedMetrics || res.Metrics != nil {
				t.Errorf("metrics computed, want them skipped")
			}
			if res.DesiredReplicas != tc.want || !res.Rescale || res.RescaleReason != tc.wantReason {
				t.Errorf("desired %d rescale %v reason %q; want %d true %q", res.DesiredReplicas, res.Rescale, res.RescaleReason, tc.want, tc.wantReason)
			}
			// Conditions the path does not touch keep their previous value.
			wantCondition(t, res, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
			wantCondition(t, res, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale")
		})
	}

	t.Run("minReplicas defaults to 1", func(t *testing.T) {
		h := newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50))
		h.Spec.MinReplicas = nil
		res := Compute(newInput(h, 3, podList(3), podMetrics(samplesFor(500, 500, 500))))
		if res.MinReplicas != 1 {
			t.Errorf("min replicas %d, want 1", res.MinReplicas)
		}
	})
}

func TestScaleUpLimitWithoutBehavior(t *testing.T) {
	cases := []struct {
		current, proposal, max int32
		want                   int32
		wantReason             string
	}{
		{3, 20, 100, 6, "ScaleUpLimit"},  // max(2 × 3, 4) = 6
		{1, 20, 100, 4, "ScaleUpLimit"},  // max(2 × 1, 4) = 4
		{3, 20, 5, 5, "TooManyReplicas"}, // maxReplicas below the limit
		{3, 6, 100, 6, "DesiredWithinRange"},
	}
	for _, tc := range cases {
		res := Compute(proposalInput(tc.current, tc.proposal, 1, tc.max))
		if res.DesiredReplicas != tc.want || res.LimitReason != tc.wantReason {
			t.Errorf("%d → %d with max %d: desired %d (%s), want %d (%s)", tc.current, tc.proposal, tc.max, res.DesiredReplicas, res.LimitReason, tc.want, tc.wantReason)
		}
	}
}

func TestStabilizationWindowEdges(t *testing.T) {
	at := func(r int32, ago time.Duration) TimestampedRecommendation {
		return TimestampedRecommendation{Recommendation: r, Timestamp: now.Add(-ago)}
	}

	t.Run("without behavior a recommendation at the cutoff counts", func(t *testing.T) {
		in := proposalInput(8, 3, 1, 10)
		in.History = History{Known: true, Recommendations: []TimestampedRecommendation{at(7, 5*time.Minute), at(9, 5*time.Minute+time.Second)}}
		res := Compute(in)
		if res.Stabilized != 7 || res.StabilizationReason != "ScaleDownStabilized" {
			t.Errorf("stabilized %d (%s), want 7 (ScaleDownStabilized)", res.Stabilized, res.StabilizationReason)
		}
		if res.DesiredReplicas != 7 || res.RescaleReason != "All metrics below target" {
			t.Errorf("desired %d reason %q, want 7 All metrics below target", res.DesiredReplicas, res.RescaleReason)
		}
		if !strings.Contains(stepTexts(res.Steps), "[7 (5m ago)]") {
			t.Errorf("steps do not list the recommendation in the window:\n%s", stepTexts(res.Steps))
		}
	})

	t.Run("with behavior a recommendation at the cutoff does not count", func(t *testing.T) {
		in := proposalInput(8, 3, 1, 10)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{}
		in.History = History{Known: true, Recommendations: []TimestampedRecommendation{at(7, 5*time.Minute), at(6, 5*time.Minute-time.Second)}}
		res := Compute(in)
		if res.Stabilized != 6 || res.StabilizationReason != "ScaleDownStabilized" {
			t.Errorf("stabilized %d (%s), want 6 (ScaleDownStabilized)", res.Stabilized, res.StabilizationReason)
		}
	})

	t.Run("configured window without behavior", func(t *testing.T) {
		in := proposalInput(8, 3, 1, 10)
		in.Config.DownscaleStabilizationWindow = time.Minute
		in.History = History{Known: true, Recommendations: []TimestampedRecommendation{at(7, 2*time.Minute)}}
		if res := Compute(in); res.Stabilized != 3 {
			t.Errorf("stabilized %d, want 3 with a 1m window", res.Stabilized)
		}
	})

	t.Run("fresh controller holds a scale-down for the window", func(t *testing.T) {
		in := proposalInput(8, 3, 1, 10)
		in.History = History{Known: true}
		res := Compute(in)
		if res.Stabilized != 8 || res.Rescale {
			t.Errorf("stabilized %d rescale %v, want 8 false", res.Stabilized, res.Rescale)
		}
		wantCondition(t, res, autoscalingv2.AbleToScale, corev1.ConditionTrue, "ScaleDownStabilized")
	})

	t.Run("fresh controller with a zero window", func(t *testing.T) {
		// The controller records its first recommendation just before it
		// stabilizes, so a window of 0 excludes it.
		in := proposalInput(8, 3, 1, 10)
		in.Config.DownscaleStabilizationWindow = 0
		in.History = History{Known: true}
		if res := Compute(in); res.Stabilized != 3 {
			t.Errorf("stabilized %d, want 3", res.Stabilized)
		}
	})
}

func TestScalingPolicyEdges(t *testing.T) {
	t.Run("event exactly at the period start is outside", func(t *testing.T) {
		// Default scale-up rules: 4 pods or 100% per 15s, Max. An event of
		// +4 exactly 15s ago is outside: start 4, limit max(8, 8) = 8.
		in := proposalInput(4, 10, 1, 100)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{}
		in.History.ScaleUpEvents = []ScaleEvent{{Change: 4, Timestamp: now.Add(-15 * time.Second)}}
		if res := Compute(in); res.DesiredReplicas != 8 {
			t.Errorf("desired %d, want 8\n%s", res.DesiredReplicas, stepTexts(res.Steps))
		}
	})

	t.Run("event inside the period", func(t *testing.T) {
		// At 14s the event counts: start 0, limit max(0 + 4, 0) = 4, the
		// current count, so no scale-up.
		in := proposalInput(4, 10, 1, 100)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{}
		in.History.ScaleUpEvents = []ScaleEvent{{Change: 4, Timestamp: now.Add(-14 * time.Second)}}
		res := Compute(in)
		if res.DesiredReplicas != 4 || res.Rescale || res.LimitReason != "ScaleUpLimit" {
			t.Errorf("desired %d rescale %v limit %s, want 4 false ScaleUpLimit", res.DesiredReplicas, res.Rescale, res.LimitReason)
		}
		text := stepTexts(res.Steps)
		if !strings.Contains(text, "Pods 4 per 15s: period start 0 (current 4, 4 added and 0 removed in the period), limit 4") {
			t.Errorf("steps do not show the Pods policy:\n%s", text)
		}
	})

	disabled := autoscalingv2.DisabledPolicySelect
	t.Run("scale-up disabled", func(t *testing.T) {
		in := proposalInput(3, 10, 1, 100)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{SelectPolicy: &disabled}}
		res := Compute(in)
		if res.DesiredReplicas != 3 || res.Rescale || res.LimitReason != "ScaleUpLimit" {
			t.Errorf("desired %d rescale %v limit %s, want 3 false ScaleUpLimit", res.DesiredReplicas, res.Rescale, res.LimitReason)
		}
		wantCondition(t, res, autoscalingv2.ScalingLimited, corev1.ConditionTrue, "ScaleUpLimit")
	})

	t.Run("scale-down disabled", func(t *testing.T) {
		in := proposalInput(5, 2, 1, 100)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{SelectPolicy: &disabled}}
		res := Compute(in)
		if res.DesiredReplicas != 5 || res.Rescale || res.LimitReason != "ScaleDownLimit" {
			t.Errorf("desired %d rescale %v limit %s, want 5 false ScaleDownLimit", res.DesiredReplicas, res.Rescale, res.LimitReason)
		}
	})

	t.Run("scale-down disabled still clamps to maxReplicas path only on scale-up", func(t *testing.T) {
		// Disabled scale-down does not stop a scale-up.
		in := proposalInput(3, 5, 1, 100)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{SelectPolicy: &disabled}}
		if res := Compute(in); res.DesiredReplicas != 5 {
			t.Errorf("desired %d, want 5", res.DesiredReplicas)
		}
	})

	t.Run("percent scale-down truncates", func(t *testing.T) {
		// 7 × (1 - 0.5) = 3.5 truncates to 3.
		maxChange := autoscalingv2.MaxChangePolicySelect
		in := proposalInput(7, 1, 1, 100)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{
			SelectPolicy: &maxChange,
			Policies:     []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 50, PeriodSeconds: 60}},
		}}
		if res := Compute(in); res.DesiredReplicas != 3 {
			t.Errorf("desired %d, want 3", res.DesiredReplicas)
		}
	})

	t.Run("percent scale-up rounds up", func(t *testing.T) {
		// ceil(3 × 1.1) = ceil(3.3) = 4.
		maxChange := autoscalingv2.MaxChangePolicySelect
		in := proposalInput(3, 10, 1, 100)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
			SelectPolicy: &maxChange,
			Policies:     []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 10, PeriodSeconds: 60}},
		}}
		if res := Compute(in); res.DesiredReplicas != 4 {
			t.Errorf("desired %d, want 4", res.DesiredReplicas)
		}
	})
}

func TestHistoryKnowledge(t *testing.T) {
	t.Run("unknown history is a fresh controller's and marked inferred", func(t *testing.T) {
		in := proposalInput(8, 3, 1, 10)
		in.History = History{Known: false, Recommendations: []TimestampedRecommendation{{Recommendation: 2, Timestamp: now.Add(-time.Minute)}}}
		res := Compute(in)
		// The recorded list is not trusted: only the current 8 is in the window.
		if res.Stabilized != 8 {
			t.Errorf("stabilized %d, want 8", res.Stabilized)
		}
		if !res.Inferred {
			t.Errorf("result not marked inferred")
		}
		inferred := 0
		for _, s := range res.Steps {
			if s.Inferred {
				inferred++
			}
		}
		if inferred == 0 {
			t.Errorf("no step marked inferred:\n%s", stepTexts(res.Steps))
		}
		if !strings.Contains(stepTexts(res.Steps), "no controller history is known") {
			t.Errorf("steps do not say the history is unknown")
		}
	})

	t.Run("reconstructed history marks its steps", func(t *testing.T) {
		in := proposalInput(4, 10, 1, 100)
		in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{}
		in.History.Inferred = true
		res := Compute(in)
		if !res.Inferred {
			t.Errorf("result not marked inferred")
		}
		for _, s := range res.Steps {
			if strings.Contains(s.Text, "policies") && !s.Inferred {
				t.Errorf("policy step %q not marked inferred", s.Text)
			}
		}
	})

	t.Run("known history is not inferred", func(t *testing.T) {
		res := Compute(proposalInput(4, 10, 1, 100))
		if res.Inferred {
			t.Errorf("result marked inferred with known history")
		}
	})
}

func TestBehaviorDefaults(t *testing.T) {
	hpa := newHPA(1, 10, objectAverage("rps", "1"))
	window := int32(60)
	hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window}}
	in := newInput(hpa, 3, nil, value(3000))
	in.Config.DownscaleStabilizationWindow = 2 * time.Minute
	res := Compute(in)

	b := res.Behavior
	if b == nil {
		t.Fatal("no behavior in the result")
	}
	if *b.ScaleUp.StabilizationWindowSeconds != 60 || *b.ScaleUp.SelectPolicy != autoscalingv2.MaxChangePolicySelect || len(b.ScaleUp.Policies) != 2 {
		t.Errorf("scale-up rules %+v, want window 60, Max, two default policies", b.ScaleUp)
	}
	if *b.ScaleDown.StabilizationWindowSeconds != 120 {
		t.Errorf("scale-down window %d, want 120 from the controller flag", *b.ScaleDown.StabilizationWindowSeconds)
	}
	if p := b.ScaleDown.Policies; len(p) != 1 || p[0].Type != autoscalingv2.PercentScalingPolicy || p[0].Value != 100 || p[0].PeriodSeconds != 15 {
		t.Errorf("scale-down policies %+v, want 100%% per 15s", p)
	}
	if hpa.Spec.Behavior.ScaleDown != nil {
		t.Errorf("Compute filled the input HPA's behavior")
	}
}

func TestSelectorAndSpecErrors(t *testing.T) {
	t.Run("missing selector", func(t *testing.T) {
		in := newInput(newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50)), 3, podList(3), podMetrics(samplesFor(900, 900, 900)))
		in.Selector = ""
		res := Compute(in)
		if res.MetricProposal != -1 || res.MetricsError != "selector is required" || res.Metrics != nil {
			t.Errorf("proposal %d error %q metrics %d; want -1, selector is required, none", res.MetricProposal, res.MetricsError, len(res.Metrics))
		}
		wantCondition(t, res, autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector")
	})

	t.Run("unparsable selector", func(t *testing.T) {
		in := newInput(newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50)), 3, podList(3), podMetrics(samplesFor(900, 900, 900)))
		in.Selector = "app in (web"
		res := Compute(in)
		if !strings.HasPrefix(res.MetricsError, "couldn't convert selector into a corresponding internal selector object: ") {
			t.Errorf("metrics error %q", res.MetricsError)
		}
		wantCondition(t, res, autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector")
	})

	t.Run("unknown metric type", func(t *testing.T) {
		res := Compute(newInput(newHPA(1, 10, autoscalingv2.MetricSpec{Type: "Magic"}), 3, podList(3), MetricInput{}))
		if res.Metrics[0].Err != `unknown metric source type "Magic"` || res.Metrics[0].ErrReason != "InvalidMetricSourceType" {
			t.Errorf("error %q reason %q", res.Metrics[0].Err, res.Metrics[0].ErrReason)
		}
	})

	t.Run("type without its source", func(t *testing.T) {
		res := Compute(newInput(newHPA(1, 10, autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType}), 3, podList(3), MetricInput{}))
		if res.Metrics[0].Valid || !strings.Contains(res.Metrics[0].Err, "requires spec.metrics[].resource") {
			t.Errorf("error %q, want one naming the missing resource field", res.Metrics[0].Err)
		}
	})

	t.Run("pods metric without averageValue", func(t *testing.T) {
		spec := podsAverage("rps", "1")
		spec.Pods.Target.AverageValue = nil
		res := Compute(newInput(newHPA(1, 10, spec), 3, podList(3), podMetrics(samplesFor(1, 1, 1))))
		if res.Metrics[0].Valid || res.Metrics[0].ErrReason != "FailedGetPodsMetric" {
			t.Errorf("valid %v reason %q, want invalid with FailedGetPodsMetric", res.Metrics[0].Valid, res.Metrics[0].ErrReason)
		}
	})

	t.Run("object target of the wrong type", func(t *testing.T) {
		spec := objectValue("rps", "10")
		spec.Object.Target.Type = autoscalingv2.UtilizationMetricType
		res := Compute(newInput(newHPA(1, 10, spec), 3, podList(3), value(1)))
		want := "failed to get object metric value: invalid object metric source: neither a value target nor an average value target was set"
		if res.Metrics[0].Err != want {
			t.Errorf("error %q, want %q", res.Metrics[0].Err, want)
		}
	})

	t.Run("invalid metric selector", func(t *testing.T) {
		spec := externalAverage("queue", "10")
		spec.External.Metric.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}}
		res := Compute(newInput(newHPA(1, 10, spec), 3, podList(3), value(1)))
		if !strings.HasPrefix(res.Metrics[0].Err, "failed to get queue external metric value: failed to get queue external metric: ") {
			t.Errorf("error %q", res.Metrics[0].Err)
		}
	})

	t.Run("external fetch error", func(t *testing.T) {
		res := Compute(newInput(newHPA(1, 10, externalValue("queue", "10")), 3, podList(3), fetchFailed("no metrics returned from external metrics API")))
		want := "failed to get queue external metric value: failed to get external metric queue: unable to get external metric shop/queue/nil: no metrics returned from external metrics API"
		if res.Metrics[0].Err != want {
			t.Errorf("error\n%q, want\n%q", res.Metrics[0].Err, want)
		}
	})

	t.Run("object fetch error", func(t *testing.T) {
		res := Compute(newInput(newHPA(1, 10, objectAverage("rps", "10")), 3, podList(3), fetchFailed("boom")))
		want := "failed to get object metric value: failed to get rps object metric: unable to get metric rps on Ingress shop/web: boom"
		if res.Metrics[0].Err != want {
			t.Errorf("error\n%q, want\n%q", res.Metrics[0].Err, want)
		}
		c := findCondition(res.Conditions, autoscalingv2.ScalingActive)
		if want := "the HPA was unable to compute the replica count: unable to get metric rps on Ingress shop/web: boom"; c.Message != want {
			t.Errorf("condition message %q, want %q", c.Message, want)
		}
	})
}

func TestExternalSums(t *testing.T) {
	t.Run("negative value first saturates an AverageValue sum", func(t *testing.T) {
		in := newInput(newHPA(1, 10, externalAverage("queue", "1")), 2, podList(2), MetricInput{ExternalValues: []int64{-5000, 10000}, Timestamp: now})
		mr := Compute(in).Metrics[0]
		if got := mr.Status.External.Current.AverageValue.MilliValue(); got != 9223372036854775807 {
			t.Errorf("average %d, want MaxInt64", got)
		}
		if mr.ProposedReplicas != 2147483647 {
			t.Errorf("proposal %d, want MaxInt32", mr.ProposedReplicas)
		}
	})

	t.Run("negative value in a Value sum adds up", func(t *testing.T) {
		in := newInput(newHPA(1, 10, externalValue("queue", "5")), 2, podList(2), MetricInput{ExternalValues: []int64{-5000, 10000}, Timestamp: now})
		mr := Compute(in).Metrics[0]
		if got := mr.Status.External.Current.Value.MilliValue(); got != 5000 {
			t.Errorf("value %d, want 5000", got)
		}
	})

	t.Run("Value stands for one value without ExternalValues", func(t *testing.T) {
		in := newInput(newHPA(1, 10, externalValue("queue", "5")), 2, podList(2), value(20000))
		mr := Compute(in).Metrics[0]
		// 20 / 5 = 4; ceil(4 × 2) = 8.
		if mr.ProposedReplicas != 8 {
			t.Errorf("proposal %d, want 8", mr.ProposedReplicas)
		}
	})

	t.Run("AverageValue wins over Value whatever the type says", func(t *testing.T) {
		spec := externalValue("queue", "5")
		spec.External.Target.AverageValue = resource.NewQuantity(10, resource.DecimalSI)
		in := newInput(newHPA(1, 10, spec), 2, podList(2), value(40000))
		mr := Compute(in).Metrics[0]
		// 40 / (10 × 2) = 2; ceil(40 / 10) = 4.
		if mr.ProposedReplicas != 4 || mr.Status.External.Current.AverageValue == nil {
			t.Errorf("proposal %d status %+v, want 4 with an average value", mr.ProposedReplicas, mr.Status.External.Current)
		}
	})
}
