package replicas

import (
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func stepTexts(steps []Step) string {
	texts := make([]string, len(steps))
	for i, s := range steps {
		texts[i] = s.Text
	}
	return strings.Join(texts, "\n")
}

func wantCondition(t *testing.T, res Result, ct autoscalingv2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, reason string) {
	t.Helper()
	c := findCondition(res.Conditions, ct)
	if c == nil {
		t.Errorf("condition %s missing, want %s/%s", ct, status, reason)
		return
	}
	if c.Status != status || c.Reason != reason {
		t.Errorf("condition %s is %s/%s, want %s/%s (message %q)", ct, c.Status, c.Reason, status, reason, c.Message)
	}
}

func TestComputeScaleUp(t *testing.T) {
	// 90% against 50%: proposal 6 from 3 replicas; the scale-up limit is
	// max(2 × 3, 4) = 6 and maxReplicas is 10.
	in := newInput(newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50)), 3, podList(3), podMetrics(samplesFor(900, 900, 900)))
	res := Compute(in)

	if res.Error != "" {
		t.Fatalf("input error: %s", res.Error)
	}
	if res.MetricProposal != 6 {
		t.Errorf("metric proposal %d, want 6", res.MetricProposal)
	}
	if res.DesiredReplicas != 6 {
		t.Errorf("desired %d, want 6\n%s", res.DesiredReplicas, stepTexts(res.Steps))
	}
	if !res.Rescale {
		t.Errorf("rescale false, want true")
	}
	if want := "cpu resource utilization (percentage of request) above target"; res.RescaleReason != want {
		t.Errorf("rescale reason %q, want %q", res.RescaleReason, want)
	}
	if res.LimitReason != "DesiredWithinRange" {
		t.Errorf("limit reason %q, want DesiredWithinRange", res.LimitReason)
	}
	wantCondition(t, res, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale")
	wantCondition(t, res, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
	wantCondition(t, res, autoscalingv2.ScalingLimited, corev1.ConditionFalse, "DesiredWithinRange")
	wantCondition(t, res, autoscalingv2.ScaledToZero, corev1.ConditionFalse, "NotScaledToZero")
	if c := findCondition(res.Conditions, autoscalingv2.AbleToScale); c.Message != "the HPA controller was able to update the target scale to 6" {
		t.Errorf("AbleToScale message %q", c.Message)
	}
	if c := findCondition(res.Conditions, autoscalingv2.AbleToScale); !c.LastTransitionTime.Time.Equal(now) {
		t.Errorf("AbleToScale lastTransitionTime %v, want now for a new condition", c.LastTransitionTime)
	}
}

func TestComputeDoesNotModifyInput(t *testing.T) {
	hpa := newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50))
	hpa.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{
		{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionFalse, Reason: "FailedGetScale", LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))},
	}
	samples := samplesFor(900, 900, 900)
	history := History{Known: true, Recommendations: []TimestampedRecommendation{{Recommendation: 9, Timestamp: now.Add(-time.Minute)}}}
	in := newInput(hpa, 3, podList(3), podMetrics(samples))
	in.History = history
	before := hpa.DeepCopy()

	Compute(in)

	if hpa.Status.Conditions[0].Reason != "FailedGetScale" || len(hpa.Status.Conditions) != 1 {
		t.Errorf("HPA conditions changed to %+v", hpa.Status.Conditions)
	}
	if hpa.Spec.Behavior != nil || *hpa.Spec.MinReplicas != *before.Spec.MinReplicas {
		t.Errorf("HPA spec changed")
	}
	if len(samples) != 3 || samples["pod-0"].Value != 900 {
		t.Errorf("samples changed to %+v", samples)
	}
	if len(in.History.Recommendations) != 1 {
		t.Errorf("history has %d recommendations after Compute, want 1", len(in.History.Recommendations))
	}
}

func TestComputeInputErrors(t *testing.T) {
	hpa := newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50))
	cases := []struct {
		name string
		in   Input
		want string
	}{
		{"nil HPA", Input{Now: now}, "input has no HPA"},
		{"zero time", Input{HPA: hpa, Metrics: []MetricInput{{}}}, "(set Input.Now)"},
		{"metric count mismatch", Input{HPA: hpa, Now: now}, "input has 0 fetched metrics for the 1 entries"},
		{"no spec.metrics", Input{HPA: newHPA(1, 10), Now: now}, "has no spec.metrics"},
		{"nil pod", Input{HPA: hpa, Now: now, Pods: []*corev1.Pod{nil}, Metrics: []MetricInput{{}}}, "input pod 0 is nil"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Compute(tc.in)
			if !strings.Contains(res.Error, tc.want) {
				t.Errorf("error %q does not contain %q", res.Error, tc.want)
			}
		})
	}
}
