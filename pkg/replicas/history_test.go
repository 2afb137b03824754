package replicas

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// The recorded-history expectations follow the upstream tests of
// stabilizeRecommendation, stabilizeRecommendationWithBehaviors and
// storeScaleEvent (horizontal_test.go, kubernetes v1.37.2).

func TestNextHistoryWithoutBehavior(t *testing.T) {
	rec := func(r int32, ago time.Duration) TimestampedRecommendation {
		return TimestampedRecommendation{Recommendation: r, Timestamp: now.Add(-ago)}
	}
	cases := []struct {
		name string
		recs []TimestampedRecommendation
		want []int32
	}{
		// A fresh controller records the current 4, then appends 3.
		{"empty history", nil, []int32{4, 3}},
		{"recent recommendations", []TimestampedRecommendation{rec(4, 2*time.Minute), rec(5, time.Minute)}, []int32{4, 5, 3}},
		// The last recommendation outside the window is overwritten.
		{"old recommendations", []TimestampedRecommendation{rec(10, 10*time.Minute), rec(9, 9*time.Minute)}, []int32{10, 3}},
		{"mixed", []TimestampedRecommendation{rec(10, 10*time.Minute), rec(4, time.Minute), rec(5, 2*time.Minute), rec(9, 9*time.Minute)}, []int32{10, 4, 5, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := proposalInput(4, 3, 1, 100)
			in.History = History{Known: true, Recommendations: tc.recs}
			before := append([]TimestampedRecommendation(nil), tc.recs...)
			res := Compute(in)

			got := res.NextHistory.Recommendations
			if len(got) != len(tc.want) {
				t.Fatalf("next history %+v, want recommendations %v", got, tc.want)
			}
			for i, r := range got {
				if r.Recommendation != tc.want[i] {
					t.Errorf("recommendation %d is %d, want %d", i, r.Recommendation, tc.want[i])
				}
			}
			if last := got[len(got)-1]; last.Recommendation == 3 && !last.Timestamp.Equal(now) {
				t.Errorf("new recommendation at %v, want now", last.Timestamp)
			}
			for i := range before {
				if in.History.Recommendations[i] != before[i] {
					t.Errorf("input history changed at %d", i)
				}
			}
		})
	}
}

func TestNextHistoryWithBehavior(t *testing.T) {
	rec := func(r int32, ago time.Duration) TimestampedRecommendation {
		return TimestampedRecommendation{Recommendation: r, Timestamp: now.Add(-ago)}
	}
	cases := []struct {
		name                 string
		recs                 []TimestampedRecommendation
		current, proposal    int32
		upWindow, downWindow int32
		want                 []int32
	}{
		// With both windows 0 the freshly recorded current count is
		// already outside them and is overwritten.
		{"empty history", nil, 100, 5, 0, 0, []int32{5}},
		{"recent recommendations", []TimestampedRecommendation{rec(4, 2*time.Minute), rec(5, time.Minute)}, 100, 3, 0, 180, []int32{4, 5, 3}},
		{"old recommendations", []TimestampedRecommendation{rec(10, 10*time.Minute), rec(9, 9*time.Minute)}, 100, 3, 0, 300, []int32{10, 3}},
		// Only the first is outside both windows (300s up, 300s down).
		{"one obsolete recommendation", []TimestampedRecommendation{rec(10, 100*time.Minute), rec(6, time.Minute), rec(5, 2*time.Minute), rec(9, 3*time.Minute)}, 1, 100, 300, 300, []int32{100, 6, 5, 9}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := proposalInput(tc.current, tc.proposal, 1, 1000)
			up, down := tc.upWindow, tc.downWindow
			in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp:   &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &up},
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &down},
			}
			in.History = History{Known: true, Recommendations: tc.recs}
			got := Compute(in).NextHistory.Recommendations
			if len(got) != len(tc.want) {
				t.Fatalf("next history %+v, want recommendations %v", got, tc.want)
			}
			for i, r := range got {
				if r.Recommendation != tc.want[i] {
					t.Errorf("recommendation %d is %d, want %d", i, r.Recommendation, tc.want[i])
				}
			}
		})
	}
}

func TestRecordScaleEvent(t *testing.T) {
	ev := func(change int32, ago time.Duration) ScaleEvent {
		return ScaleEvent{Change: change, Timestamp: now.Add(-ago)}
	}
	type want struct {
		change   int32
		outdated bool
	}
	cases := []struct {
		name  string
		rules *autoscalingv2.HPAScalingRules
		prev  []ScaleEvent
		want  []want
	}{
		{"no behavior records nothing", nil, nil, nil},
		{"first event", rules(10, 60, 100, 60, 0), nil, []want{{5, false}}},
		{"outdated event kept without behavior", nil, []ScaleEvent{ev(7, 61*time.Second)}, []want{{7, false}}},
		{"outdated event overwritten", rules(10, 60, 100, 60, 0), []ScaleEvent{ev(7, 61*time.Second)}, []want{{5, false}}},
		{"recent event kept", rules(10, 60, 100, 60, 0), []ScaleEvent{ev(7, 58*time.Second)}, []want{{7, false}, {5, false}}},
		{"one of two overwritten", rules(10, 60, 0, 0, 0), []ScaleEvent{ev(7, 61*time.Second), ev(6, 59*time.Second)}, []want{{5, false}, {6, false}}},
		// The longest period is 60s: both 61s events are marked outdated
		// and the last one is overwritten.
		{"policies with different periods", rules(10, 60, 100, 30, 0),
			[]ScaleEvent{ev(8, 29*time.Second), ev(6, 59*time.Second), ev(7, 61*time.Second), ev(9, 61*time.Second)},
			[]want{{8, false}, {6, false}, {7, true}, {5, false}}},
		{"both recent", rules(10, 120, 100, 30, 0), []ScaleEvent{ev(7, 58*time.Second), ev(6, 59*time.Second)}, []want{{7, false}, {6, false}, {5, false}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, up := range []bool{true, false} {
				var behavior *autoscalingv2.HorizontalPodAutoscalerBehavior
				h := History{Known: true}
				desired := int32(5)
				if up {
					desired = 15
					h.ScaleUpEvents = tc.prev
					if tc.rules != nil {
						behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: tc.rules, ScaleDown: defaultScaleDownRules()}
					}
				} else {
					h.ScaleDownEvents = tc.prev
					if tc.rules != nil {
						behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: defaultScaleUpRules(), ScaleDown: tc.rules}
					}
				}

				next := recordScaleEvent(h, behavior, 10, desired, now)
				got := next.ScaleDownEvents
				if up {
					got = next.ScaleUpEvents
				}
				if len(got) != len(tc.want) {
					t.Fatalf("up %v: events %+v, want %v", up, got, tc.want)
				}
				for i, e := range got {
					if e.Change != tc.want[i].change || e.Outdated != tc.want[i].outdated {
						t.Errorf("up %v: event %d is %+v, want change %d outdated %v", up, i, e, tc.want[i].change, tc.want[i].outdated)
					}
				}
				if len(tc.prev) > 0 && tc.prev[0].Outdated {
					t.Errorf("input event marked outdated")
				}
			}
		})
	}
}

// TestChainedReconciliations feeds each result's NextHistory into the next
// call, 15 seconds apart, as the controller's sync period does. After load
// drops, the default 5 minute downscale stabilization holds the replicas
// until the high recommendations leave the window.
func TestChainedReconciliations(t *testing.T) {
	hpa := newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50))
	history := History{Known: true}
	replicas := int32(4)
	start := now

	// Minute 0: 90% on 4 pods proposes ceil(1.8 × 4) = 8.
	in := newInput(hpa, replicas, podList(4), podMetrics(samplesFor(900, 900, 900, 900)))
	in.Now = start
	res := Compute(in)
	if res.DesiredReplicas != 8 {
		t.Fatalf("first reconciliation desired %d, want 8", res.DesiredReplicas)
	}
	replicas, history = res.DesiredReplicas, res.NextHistory

	// Load drops to 10% on 8 pods: ceil(0.2 × 8) = 2, held at 8 while the
	// recommendation of 8 is in the window. It was recorded at minute 0,
	// so the scale-down happens once it is older than 5 minutes.
	var scaledAt time.Duration
	for step := 1; step <= 30; step++ {
		at := time.Duration(step) * 15 * time.Second
		in := newInput(hpa, replicas, podList(int(replicas)), podMetrics(samplesFor(100, 100, 100, 100, 100, 100, 100, 100)))
		in.Now = start.Add(at)
		in.History = history
		res := Compute(in)
		if res.MetricProposal != 2 {
			t.Fatalf("at %v metric proposal %d, want 2", at, res.MetricProposal)
		}
		history = res.NextHistory
		if res.Rescale {
			scaledAt = at
			replicas = res.DesiredReplicas
			break
		}
	}
	// At exactly 5m the minute-0 recommendation is at the cutoff and still
	// counts; at 5m15s it is outside.
	if scaledAt != 5*time.Minute+15*time.Second || replicas != 2 {
		t.Errorf("scaled to %d at %v, want 2 at 5m15s", replicas, scaledAt)
	}
}
