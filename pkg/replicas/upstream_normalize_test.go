package replicas

// The cases in this file re-express scenarios from the upstream controller
// tests of normalization (TestConvertDesiredReplicasWithRules,
// TestNormalizeDesiredReplicas, TestScalingWithRules,
// TestNormalizeDesiredReplicasWithBehavior and the scaling-rule limit tests
// in pkg/controller/podautoscaler/horizontal_test.go, kubernetes v1.37.2).
// Upstream calls the normalization functions directly. Here an Object
// metric with an AverageValue target of 1 produces the expected proposal,
// because its proposal is ceil(value / target) whatever the pods are.

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// oldHistory holds one recommendation older than every window in these
// tests, so that stabilization passes the proposal through.
var oldHistory = History{Known: true, Recommendations: []TimestampedRecommendation{{Recommendation: 1, Timestamp: now.Add(-24 * time.Hour)}}}

// proposalInput returns an Input whose only metric proposes proposal
// replicas while the target has current replicas. The tolerance is 0, so
// that a proposal near the current count is not absorbed.
func proposalInput(current, proposal, minReplicas, maxReplicas int32) Input {
	hpa := newHPA(minReplicas, maxReplicas, objectAverage("requests", "1"))
	in := newInput(hpa, current, nil, value(int64(proposal)*1000))
	in.Config.Tolerance = 0
	in.History = oldHistory
	return in
}

func TestUpstreamConvertDesiredReplicasWithRules(t *testing.T) {
	cases := []struct {
		name                        string
		current, proposal, min, max int32
		want                        int32
		wantReason                  string
	}{
		{"within range", 5, 7, 3, 8, 7, "DesiredWithinRange"},
		{"below minReplicas", 3, 1, 2, 8, 2, "TooFewReplicas"},
		{"zero within range", 1, 0, 0, 10, 0, "DesiredWithinRange"},
		// Upstream starts this case at 20 replicas; above maxReplicas the
		// controller skips the metrics, so it starts at 9 here.
		{"maxReplicas below the scale-up limit", 9, 1000, 1, 10, 10, "TooManyReplicas"},
		{"scale-up limit below maxReplicas", 3, 1000, 1, 2000, 6, "ScaleUpLimit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Compute(proposalInput(tc.current, tc.proposal, tc.min, tc.max))
			if res.MetricProposal != tc.proposal {
				t.Fatalf("metric proposal %d, want %d", res.MetricProposal, tc.proposal)
			}
			if res.DesiredReplicas != tc.want {
				t.Errorf("desired %d, want %d\n%s", res.DesiredReplicas, tc.want, stepTexts(res.Steps))
			}
			if res.LimitReason != tc.wantReason {
				t.Errorf("limit reason %q, want %q", res.LimitReason, tc.wantReason)
			}
		})
	}
}

func TestUpstreamStabilizeWithoutBehavior(t *testing.T) {
	recs := func(pairs ...int64) []TimestampedRecommendation {
		var out []TimestampedRecommendation
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, TimestampedRecommendation{Recommendation: int32(pairs[i]), Timestamp: now.Add(-time.Duration(pairs[i+1]) * time.Minute)})
		}
		return out
	}
	cases := []struct {
		name     string
		recs     []TimestampedRecommendation
		current  int32
		proposal int32
		want     int32
	}{
		{"empty history", nil, 5, 5, 5},
		{"stabilize", recs(4, 2, 5, 1), 4, 3, 5},
		{"no stabilize", recs(1, 2, 2, 1), 4, 3, 3},
		{"old recommendations", recs(10, 10, 9, 9), 4, 3, 3},
		{"stabilize among old recommendations", recs(10, 10, 4, 1, 5, 2, 9, 9), 4, 3, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := proposalInput(tc.current, tc.proposal, 1, 100)
			in.History = History{Known: true, Recommendations: tc.recs}
			res := Compute(in)
			if res.Stabilized != tc.want {
				t.Errorf("stabilized %d, want %d\n%s", res.Stabilized, tc.want, stepTexts(res.Steps))
			}
		})
	}
}

// rules builds scaling rules as the upstream tests' generator does: a Pods
// and a Percent policy where their values are non-zero, selectPolicy Max.
func rules(pods, podsPeriod, percent, percentPeriod, window int32) *autoscalingv2.HPAScalingRules {
	selectPolicy := autoscalingv2.MaxChangePolicySelect
	r := &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window, SelectPolicy: &selectPolicy}
	if pods != 0 {
		r.Policies = append(r.Policies, autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PodsScalingPolicy, Value: pods, PeriodSeconds: podsPeriod})
	}
	if percent != 0 {
		r.Policies = append(r.Policies, autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PercentScalingPolicy, Value: percent, PeriodSeconds: percentPeriod})
	}
	return r
}

// spreadEvents spreads events over the last 120 seconds the way the
// upstream tests' generator does. It cuts the window into one segment per
// event and puts each event, oldest first, at its segment's centre,
// truncated to whole seconds.
func spreadEvents(changes ...int32) []ScaleEvent {
	const period = 120.0
	segment := period / float64(len(changes))
	events := make([]ScaleEvent, len(changes))
	for i, c := range changes {
		offset := time.Duration(period - segment*float64(i+1) + segment/2)
		events[i] = ScaleEvent{Change: c, Timestamp: now.Add(-time.Second * offset)}
	}
	return events
}

func TestUpstreamScalingWithRules(t *testing.T) {
	cases := []struct {
		name               string
		up, down           []ScaleEvent
		min, max           int32
		upRules, downRules *autoscalingv2.HPAScalingRules
		current, proposal  int32
		want               int32
		wantReason         string
	}{
		{name: "within range", current: 5, proposal: 7, min: 3, max: 8, want: 7, wantReason: "DesiredWithinRange"},
		{name: "below minReplicas", current: 3, proposal: 1, min: 2, max: 8, want: 2, wantReason: "TooFewReplicas"},
		{name: "zero within range with minReplicas 0", current: 1, proposal: 0, min: 0, max: 10, want: 0, wantReason: "DesiredWithinRange"},
		// Upstream starts this case at 20 replicas, above maxReplicas,
		// which the controller handles before the metrics.
		{name: "maxReplicas below the default scale-up limit", current: 9, proposal: 1000, min: 1, max: 10, want: 10, wantReason: "TooManyReplicas"},
		{name: "more than maxReplicas", current: 100, proposal: 1000, min: 100, max: 150, want: 150, wantReason: "TooManyReplicas"},
		{name: "user percent policy limits", upRules: rules(0, 0, 1, 60, 0), current: 3, proposal: 1000, min: 1, max: 2000, want: 4, wantReason: "ScaleUpLimit"},
		{name: "default scale-up behavior", current: 10, proposal: 50, min: 1, max: 1000, want: 20, wantReason: "ScaleUpLimit"},
		{name: "pods policy larger than percent policy", upRules: rules(100, 60, 100, 60, 0), current: 10, proposal: 500, min: 1, max: 1000, want: 110, wantReason: "ScaleUpLimit"},
		{name: "percent policy larger than pods policy", upRules: rules(2, 60, 100, 60, 0), current: 10, proposal: 500, min: 1, max: 1000, want: 20, wantReason: "ScaleUpLimit"},
		{name: "large pods policy", upRules: rules(100, 60, 0, 0, 0), current: 10, proposal: 50, min: 1, max: 1000, want: 50, wantReason: "DesiredWithinRange"},
		{name: "large percent policy", upRules: rules(10000, 60, 0, 0, 0), current: 10, proposal: 50, min: 1, max: 1000, want: 50, wantReason: "DesiredWithinRange"},
		{name: "pods policy limits", upRules: rules(30, 60, 0, 0, 0), current: 10, proposal: 50, min: 1, max: 1000, want: 40, wantReason: "ScaleUpLimit"},
		{name: "percent policy limits", upRules: rules(0, 0, 200, 60, 0), current: 10, proposal: 50, min: 1, max: 1000, want: 30, wantReason: "ScaleUpLimit"},
		{name: "scale-down percent policy larger than pods policy", downRules: rules(20, 60, 1, 60, 300), current: 100, proposal: 2, min: 1, max: 1000, want: 80, wantReason: "ScaleDownLimit"},
		{name: "scale-down pods policy larger than percent policy", downRules: rules(2, 60, 1, 60, 300), current: 100, proposal: 2, min: 1, max: 1000, want: 98, wantReason: "ScaleDownLimit"},
		{name: "scale-down large pods policy hits minReplicas", downRules: rules(100, 60, 0, 0, 300), current: 10, proposal: 0, min: 1, max: 1000, want: 1, wantReason: "TooFewReplicas"},
		{name: "scale-down large percent policy hits minReplicas", downRules: rules(0, 0, 100, 60, 300), current: 10, proposal: 2, min: 5, max: 1000, want: 5, wantReason: "TooFewReplicas"},
		{name: "scale-down pods policy limits", downRules: rules(5, 60, 0, 0, 300), current: 10, proposal: 2, min: 1, max: 1000, want: 5, wantReason: "ScaleDownLimit"},
		{name: "scale-down percent policy within range", downRules: rules(0, 0, 50, 60, 300), current: 10, proposal: 5, min: 1, max: 1000, want: 5, wantReason: "DesiredWithinRange"},

		// Scale events inside the policy periods.
		{name: "large pods policy with events hits maxReplicas", up: spreadEvents(1, 5, 9), upRules: rules(300, 60, 0, 0, 0),
			current: 100, proposal: 500, min: 1, max: 200, want: 200, wantReason: "TooManyReplicas"},
		{name: "large percent policy with events hits maxReplicas", up: spreadEvents(1, 5, 9), upRules: rules(0, 0, 10000, 60, 0),
			current: 100, proposal: 500, min: 1, max: 200, want: 200, wantReason: "TooManyReplicas"},
		{name: "recent scale-ups exhaust the pods policy", up: spreadEvents(1, 5, 9), upRules: rules(5, 120, 0, 0, 0),
			current: 100, proposal: 500, min: 1, max: 1000, want: 100, wantReason: "ScaleUpLimit"},
		{name: "pods policy counts from the period start", up: spreadEvents(1, 5, 9), upRules: rules(150, 120, 0, 0, 0),
			current: 100, proposal: 500, min: 1, max: 1000, want: 235, wantReason: "ScaleUpLimit"},
		{name: "percent policy counts from the period start", up: spreadEvents(1, 5, 9), upRules: rules(0, 0, 200, 120, 0),
			current: 100, proposal: 500, min: 1, max: 1000, want: 255, wantReason: "ScaleUpLimit"},
		{name: "percent policy with scale-up and scale-down events", up: spreadEvents(4), down: spreadEvents(2), upRules: rules(0, 0, 300, 300, 0),
			current: 6, proposal: 24, min: 1, max: 1000, want: 16, wantReason: "ScaleUpLimit"},
		{name: "default scale-down policy with events", down: spreadEvents(1, 5, 9),
			current: 10, proposal: 5, min: 1, max: 1000, want: 5, wantReason: "DesiredWithinRange"},
		{name: "scale-down pods policy with events hits minReplicas 1", down: spreadEvents(1, 5, 9), downRules: rules(115, 120, 0, 0, 300),
			current: 100, proposal: 0, min: 1, max: 1000, want: 1, wantReason: "TooFewReplicas"},
		{name: "scale-down pods policy with events hits minReplicas 5", down: spreadEvents(1, 5, 9), downRules: rules(130, 120, 0, 0, 300),
			current: 100, proposal: 0, min: 5, max: 1000, want: 5, wantReason: "TooFewReplicas"},
		{name: "scale-down percent policy with events hits minReplicas", down: spreadEvents(1, 5, 9), downRules: rules(0, 0, 100, 120, 300),
			current: 100, proposal: 2, min: 5, max: 1000, want: 5, wantReason: "TooFewReplicas"},
		{name: "scale-down pods policy exhausted by events", down: spreadEvents(1, 5, 9), downRules: rules(5, 120, 0, 0, 300),
			current: 100, proposal: 2, min: 1, max: 1000, want: 100, wantReason: "ScaleDownLimit"},
		{name: "scale-down percent policy counts from the period start", down: spreadEvents(2, 4, 6), downRules: rules(0, 0, 50, 120, 300),
			current: 100, proposal: 0, min: 1, max: 1000, want: 56, wantReason: "ScaleDownLimit"},
		{name: "scale-down percent policy with scale-up and scale-down events", up: spreadEvents(2), down: spreadEvents(4), downRules: rules(0, 0, 50, 180, 0),
			current: 10, proposal: 1, min: 1, max: 1000, want: 6, wantReason: "ScaleDownLimit"},
		{name: "events prevent further scale-down", down: spreadEvents(10, 10, 10), downRules: rules(0, 0, 10, 120, 300),
			current: 100, proposal: 0, min: 1, max: 1000, want: 100, wantReason: "ScaleDownLimit"},
		{name: "events still allow scale-down", down: spreadEvents(10, 10, 10), downRules: rules(0, 0, 1000, 120, 300),
			current: 10, proposal: 5, min: 1, max: 1000, want: 5, wantReason: "DesiredWithinRange"},
		{name: "one scale-up policy over many events", up: spreadEvents(8, 12, 9, 11), upRules: rules(1000, 60, 0, 0, 0),
			current: 100, proposal: 200, min: 1, max: 1000, want: 200, wantReason: "DesiredWithinRange"},
		{name: "two scale-up policies over many events", up: spreadEvents(8, 12, 9, 11), upRules: rules(1000, 120, 100, 60, 0),
			current: 100, proposal: 200, min: 1, max: 1000, want: 200, wantReason: "DesiredWithinRange"},
		{name: "two scale-up policies with a short period", up: spreadEvents(8, 12, 9, 11), upRules: rules(1000, 30, 100, 60, 0),
			current: 100, proposal: 200, min: 1, max: 1000, want: 200, wantReason: "DesiredWithinRange"},
		{name: "one scale-down policy over many events", down: spreadEvents(8, 12, 9, 11), downRules: rules(1000, 60, 0, 0, 300),
			current: 100, proposal: 5, min: 1, max: 1000, want: 5, wantReason: "DesiredWithinRange"},
		{name: "two scale-down policies over many events", down: spreadEvents(8, 12, 9, 11), downRules: rules(1000, 120, 100, 60, 300),
			current: 100, proposal: 5, min: 1, max: 1000, want: 5, wantReason: "DesiredWithinRange"},
		{name: "two scale-down policies with a short period", down: spreadEvents(8, 12, 9, 11), downRules: rules(1000, 30, 100, 60, 300),
			current: 100, proposal: 5, min: 1, max: 1000, want: 5, wantReason: "DesiredWithinRange"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := proposalInput(tc.current, tc.proposal, tc.min, tc.max)
			in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: tc.upRules, ScaleDown: tc.downRules}
			in.History.ScaleUpEvents = tc.up
			in.History.ScaleDownEvents = tc.down
			res := Compute(in)
			if res.MetricProposal != tc.proposal {
				t.Fatalf("metric proposal %d, want %d", res.MetricProposal, tc.proposal)
			}
			if res.Stabilized != tc.proposal {
				t.Fatalf("stabilized %d, want the proposal %d", res.Stabilized, tc.proposal)
			}
			if res.DesiredReplicas != tc.want {
				t.Errorf("desired %d, want %d\n%s", res.DesiredReplicas, tc.want, stepTexts(res.Steps))
			}
			if res.LimitReason != tc.wantReason {
				t.Errorf("limit reason %q, want %q", res.LimitReason, tc.wantReason)
			}
		})
	}
}

func TestUpstreamScalingLimitsWithMinSelectPolicy(t *testing.T) {
	minChange := autoscalingv2.MinChangePolicySelect
	window := int32(300)
	policies := []autoscalingv2.HPAScalingPolicy{
		{Type: autoscalingv2.PodsScalingPolicy, Value: 2, PeriodSeconds: 60},
		{Type: autoscalingv2.PercentScalingPolicy, Value: 50, PeriodSeconds: 60},
	}
	minRules := &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window, SelectPolicy: &minChange, Policies: policies}

	// Scale-up from 1: Pods allows 1 + 2 = 3, Percent ceil(1 × 1.5) = 2;
	// Min picks 2.
	in := proposalInput(1, 10, 1, 100)
	in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: minRules}
	if res := Compute(in); res.DesiredReplicas != 2 {
		t.Errorf("scale-up desired %d, want 2\n%s", res.DesiredReplicas, stepTexts(res.Steps))
	}

	// Scale-down from 5: Pods allows 5 - 2 = 3, Percent int(5 × 0.5) = 2;
	// Min (the smaller change) picks 3.
	in = proposalInput(5, 1, 1, 100)
	in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: minRules}
	if res := Compute(in); res.DesiredReplicas != 3 {
		t.Errorf("scale-down desired %d, want 3\n%s", res.DesiredReplicas, stepTexts(res.Steps))
	}
}

func TestUpstreamStabilizeWithBehavior(t *testing.T) {
	rec := func(r int32, ago time.Duration) TimestampedRecommendation {
		return TimestampedRecommendation{Recommendation: r, Timestamp: now.Add(-ago)}
	}
	cases := []struct {
		name              string
		recs              []TimestampedRecommendation
		current, proposal int32
		upWindow          int32
		downWindow        int32
		want              int32
	}{
		{"empty history scaling down", nil, 100, 5, 0, 0, 5},
		{"scale-down stabilization", []TimestampedRecommendation{rec(4, 2*time.Minute), rec(5, time.Minute)}, 100, 3, 0, 180, 5},
		{"scale-up stabilization", []TimestampedRecommendation{rec(4, 2*time.Minute), rec(5, time.Minute)}, 1, 7, 300, 0, 4},
		{"no scale-down stabilization", []TimestampedRecommendation{rec(1, 2*time.Minute), rec(2, time.Minute)}, 100, 3, 300, 0, 3},
		{"no scale-up stabilization", []TimestampedRecommendation{rec(4, 2*time.Minute), rec(5, time.Minute)}, 1, 3, 0, 300, 3},
		{"old recommendations scaling down", []TimestampedRecommendation{rec(10, 10*time.Minute), rec(9, 9*time.Minute)}, 100, 3, 0, 0, 3},
		{"old recommendations scaling up", []TimestampedRecommendation{rec(10, 10*time.Minute), rec(9, 9*time.Minute)}, 1, 100, 0, 0, 100},
		{"scale-down stabilization among old recommendations",
			[]TimestampedRecommendation{rec(10, 10*time.Minute), rec(4, time.Minute), rec(5, 2*time.Minute), rec(9, 9*time.Minute)}, 100, 3, 0, 180, 5},
		{"scale-up stabilization among old recommendations",
			[]TimestampedRecommendation{rec(10, 100*time.Minute), rec(6, time.Minute), rec(5, 2*time.Minute), rec(9, 3*time.Minute)}, 1, 100, 300, 0, 5},
		{"no scale-up when the proposal goes down", []TimestampedRecommendation{rec(2, 100*time.Minute), rec(3, 3*time.Minute)}, 2, 1, 300, 300, 2},
		{"no scale-down when the proposal goes up", []TimestampedRecommendation{rec(2, 100*time.Minute), rec(1, 3*time.Minute)}, 2, 3, 300, 300, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := proposalInput(tc.current, tc.proposal, 0, 1000)
			up, down := tc.upWindow, tc.downWindow
			in.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp:   &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &up},
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &down},
			}
			in.History = History{Known: true, Recommendations: tc.recs}
			res := Compute(in)
			if res.MetricProposal != tc.proposal {
				t.Fatalf("metric proposal %d, want %d", res.MetricProposal, tc.proposal)
			}
			if res.Stabilized != tc.want {
				t.Errorf("stabilized %d, want %d\n%s", res.Stabilized, tc.want, stepTexts(res.Steps))
			}
		})
	}
}
