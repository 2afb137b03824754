package replicas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestComputeRandomInputsDoNotPanic runs Compute on random inputs with
// extreme values: zero and negative targets, overflowing samples, empty
// pod lists, replicas outside [min, max] and random histories. Compute must
// return a Result for each without panicking, and a valid metric must
// carry a status.
func TestComputeRandomInputsDoNotPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []int64{0, 1, -1, 999, 1000, 1500, math.MaxInt64, math.MinInt64, math.MaxInt32, 1 << 40}
	pick := func() int64 { return values[rng.IntN(len(values))] }

	for iteration := range 3000 {
		nPods := rng.IntN(6)
		var pods []*corev1.Pod
		for i := range nPods {
			var opts []podOption
			switch rng.IntN(6) {
			case 0:
				opts = append(opts, withPhase(corev1.PodPending))
			case 1:
				opts = append(opts, unreadySinceStart())
			case 2:
				opts = append(opts, deleting())
			case 3:
				opts = append(opts, withStart(now.Add(-time.Duration(rng.IntN(600))*time.Second)))
			}
			if rng.IntN(8) == 0 {
				opts = append(opts, withContainers(container("app")))
			}
			pods = append(pods, newPod(fmt.Sprintf("pod-%d", i), opts...))
		}

		var specs []autoscalingv2.MetricSpec
		var inputs []MetricInput
		for range 1 + rng.IntN(3) {
			target := fmt.Sprint(rng.IntN(3))
			var spec autoscalingv2.MetricSpec
			switch rng.IntN(9) {
			case 0:
				spec = resourceUtilization(corev1.ResourceCPU, int32(rng.IntN(3)*50))
			case 1:
				spec = resourceAverage(corev1.ResourceMemory, target)
			case 2:
				spec = containerUtilization(corev1.ResourceCPU, "app", int32(rng.IntN(200)))
			case 3:
				spec = podsAverage("rps", target)
			case 4:
				spec = objectValue("rps", target)
			case 5:
				spec = objectAverage("rps", target)
			case 6:
				spec = externalValue("q", target)
			case 7:
				spec = externalAverage("q", target)
			default:
				spec = autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType}
			}
			specs = append(specs, spec)

			samples := PodMetricsInfo{}
			for i := range nPods + rng.IntN(2) {
				if rng.IntN(4) != 0 {
					samples[fmt.Sprintf("pod-%d", i)] = PodMetric{Timestamp: now, Window: time.Minute, Value: pick()}
				}
			}
			mi := MetricInput{PodMetrics: samples, Value: pick(), Timestamp: now}
			if rng.IntN(3) == 0 {
				mi.ExternalValues = []int64{pick(), pick()}
			}
			if rng.IntN(10) == 0 {
				mi.Err = fmt.Errorf("fetch failed")
			}
			inputs = append(inputs, mi)
		}

		hpa := newHPA(int32(rng.IntN(3)), int32(rng.IntN(12)), specs...)
		if rng.IntN(2) == 0 {
			hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{}
			if rng.IntN(2) == 0 {
				hpa.Spec.Behavior.ScaleUp = &autoscalingv2.HPAScalingRules{Tolerance: resource.NewMilliQuantity(int64(rng.IntN(500)), resource.DecimalSI)}
			}
		}
		if rng.IntN(4) == 0 {
			hpa.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.ScaledToZero, Status: corev1.ConditionTrue}}
		}
		in := newInput(hpa, int32(rng.IntN(12)), pods, inputs...)
		in.StatusReplicas = int32(rng.IntN(12))
		in.History = History{Known: rng.IntN(2) == 0, Inferred: rng.IntN(2) == 0,
			Recommendations: []TimestampedRecommendation{{Recommendation: int32(rng.IntN(20)), Timestamp: now.Add(-time.Duration(rng.IntN(600)) * time.Second)}},
			ScaleUpEvents:   []ScaleEvent{{Change: int32(rng.IntN(5)), Timestamp: now.Add(-time.Duration(rng.IntN(60)) * time.Second)}},
		}

		res := Compute(in)
		if res.Error != "" {
			t.Fatalf("iteration %d: input error %s", iteration, res.Error)
		}
		for _, mr := range res.Metrics {
			if mr.Valid && mr.Status.Type == "" {
				t.Fatalf("iteration %d: valid metric %d without status", iteration, mr.Index)
			}
			if !mr.Valid && mr.Err == "" {
				t.Fatalf("iteration %d: invalid metric %d without error", iteration, mr.Index)
			}
		}
	}
}
