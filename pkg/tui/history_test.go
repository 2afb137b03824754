package tui

import (
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// observeEvery records a recommendation of proposal every interval from
// start for the given span.
func observeEvery(tr *tracker, start time.Time, interval, span time.Duration, proposal int32) time.Time {
	at := start
	for ; !at.After(start.Add(span)); at = at.Add(interval) {
		tr.record("uid", observation{At: at, Recorded: true, Proposal: proposal, SpecReplicas: 3}, windows{Known: true, Down: 5 * time.Minute})
	}
	return at.Add(-interval)
}

var inferredHistory = replicas.History{
	Known:           true,
	Inferred:        true,
	Recommendations: []replicas.TimestampedRecommendation{{Recommendation: 9, Timestamp: epoch.Add(-time.Minute)}},
	ScaleUpEvents: []replicas.ScaleEvent{
		{Change: 2, Timestamp: epoch.Add(-time.Minute)},
		{Change: 1, Timestamp: epoch.Add(time.Minute)},
	},
}

func TestHistoryBeforeFirstObservation(t *testing.T) {
	tr := newTracker(15 * time.Second)
	h, cov := tr.source().history(epoch, inferredHistory)
	if !h.Inferred || len(h.Recommendations) != 1 {
		t.Errorf("history = %+v, want the inferred one", h)
	}
	if cov.Complete || cov.Broken || cov.Watched != 0 {
		t.Errorf("coverage = %+v, want none", cov)
	}
}

func TestHistoryMergedUntilWindowCovered(t *testing.T) {
	tr := newTracker(15 * time.Second)
	last := observeEvery(tr, epoch, 15*time.Second, 2*time.Minute, 4)
	now := last.Add(15 * time.Second)

	h, cov := tr.source().history(now, inferredHistory)
	if !h.Known || !h.Inferred {
		t.Errorf("Known %v, Inferred %v; want a known, inferred merge", h.Known, h.Inferred)
	}
	if cov.Complete || cov.Watched != now.Sub(epoch) || cov.Window != 5*time.Minute {
		t.Errorf("coverage = %+v", cov)
	}
	// Nine observed recommendations plus the inferred one.
	if len(h.Recommendations) != 10 {
		t.Errorf("%d recommendations, want 10", len(h.Recommendations))
	}
	// Inferred scale events count only from before the watch began.
	if len(h.ScaleUpEvents) != 1 || h.ScaleUpEvents[0].Change != 2 {
		t.Errorf("scale-up events = %+v, want the one before the watch", h.ScaleUpEvents)
	}
}

func TestHistoryObservedOnceWindowCovered(t *testing.T) {
	tr := newTracker(15 * time.Second)
	last := observeEvery(tr, epoch, 15*time.Second, 5*time.Minute, 4)
	now := last.Add(15 * time.Second)

	h, cov := tr.source().history(now, inferredHistory)
	if !h.Known || h.Inferred {
		t.Errorf("Known %v, Inferred %v; want an observed history", h.Known, h.Inferred)
	}
	if !cov.Complete {
		t.Errorf("coverage = %+v, want complete", cov)
	}
	for _, r := range h.Recommendations {
		if r.Recommendation != 4 {
			t.Errorf("recommendation %+v is not an observed one", r)
		}
	}
	if len(h.ScaleUpEvents) != 0 {
		t.Errorf("scale-up events = %+v, want none observed", h.ScaleUpEvents)
	}
}

func TestHistoryGapRestartsCoverage(t *testing.T) {
	tr := newTracker(15 * time.Second)
	last := observeEvery(tr, epoch, 15*time.Second, 10*time.Minute, 4)

	// A refresh after a pause longer than two intervals starts over.
	later := last.Add(time.Minute)
	h, cov := tr.source().history(later, inferredHistory)
	if !h.Inferred || !cov.Broken {
		t.Errorf("after a gap: Inferred %v, coverage %+v; want the inferred history", h.Inferred, cov)
	}

	tr.record("uid", observation{At: later, Recorded: true, Proposal: 5}, windows{Known: true, Down: 5 * time.Minute})
	if !tr.coveredSince.Equal(later) {
		t.Errorf("coveredSince = %s, want the refresh after the gap", tr.coveredSince)
	}
	h, cov = tr.source().history(later.Add(15*time.Second), inferredHistory)
	if !h.Inferred || cov.Complete || cov.Watched != 15*time.Second {
		t.Errorf("after the restart: Inferred %v, coverage %+v", h.Inferred, cov)
	}
}

func TestTrackerRecordsControllerRescales(t *testing.T) {
	tr := newTracker(15 * time.Second)
	w := windows{Known: true, Down: 5 * time.Minute}
	tr.record("uid", observation{At: epoch, SpecReplicas: 3, LastScaleTime: epoch.Add(-time.Hour)}, w)
	// The controller scaled up to 5 between two refreshes.
	tr.record("uid", observation{At: epoch.Add(15 * time.Second), SpecReplicas: 5, LastScaleTime: epoch.Add(10 * time.Second)}, w)
	// Someone scaled by hand: lastScaleTime did not move.
	tr.record("uid", observation{At: epoch.Add(30 * time.Second), SpecReplicas: 6, LastScaleTime: epoch.Add(10 * time.Second)}, w)
	// The controller scaled down to 2.
	tr.record("uid", observation{At: epoch.Add(45 * time.Second), SpecReplicas: 2, LastScaleTime: epoch.Add(40 * time.Second)}, w)

	if len(tr.scaleUp) != 1 || tr.scaleUp[0].Change != 2 || !tr.scaleUp[0].Timestamp.Equal(epoch.Add(10*time.Second)) {
		t.Errorf("scale-up events = %+v, want +2 at lastScaleTime", tr.scaleUp)
	}
	if len(tr.scaleDown) != 1 || tr.scaleDown[0].Change != 4 {
		t.Errorf("scale-down events = %+v, want -4", tr.scaleDown)
	}
}

func TestTrackerRestartsForNewUID(t *testing.T) {
	tr := newTracker(15 * time.Second)
	observeEvery(tr, epoch, 15*time.Second, time.Minute, 4)
	tr.record("other", observation{At: epoch.Add(75 * time.Second), Recorded: true, Proposal: 2}, windows{Known: true})
	if len(tr.observations) != 1 || tr.maxGap != 30*time.Second {
		t.Errorf("after a new UID: %d observations, maxGap %s", len(tr.observations), tr.maxGap)
	}
}

func TestTrackerPrunesPastHorizon(t *testing.T) {
	tr := newTracker(time.Minute)
	observeEvery(tr, epoch, time.Minute, 3*time.Hour, 4)
	oldest := tr.observations[0].At
	newest := tr.last().At
	if newest.Sub(oldest) > historyHorizon {
		t.Errorf("kept %s of observations, want at most %s", newest.Sub(oldest), historyHorizon)
	}
}

func TestWindowsOfBehavior(t *testing.T) {
	cfg := replicas.DefaultConfig()
	if w := windowsOf(nil, cfg); w.Down != cfg.DownscaleStabilizationWindow || w.Up != 0 || w.Behavior || w.longest() != w.Down {
		t.Errorf("without behavior: %+v", w)
	}
	up, down := int32(60), int32(600)
	b := &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleUp: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &up,
			Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 900}}},
		ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &down},
	}
	w := windowsOf(b, cfg)
	if w.Up != time.Minute || w.Down != 10*time.Minute || w.Policies != 15*time.Minute || w.longest() != 15*time.Minute {
		t.Errorf("with behavior: %+v", w)
	}
}

// TestObservedHistoryHoldsScaleDown checks the reason the watch observes
// at all: a high recommendation seen a minute ago holds a scale-down that
// the events alone would not explain.
func TestObservedHistoryHoldsScaleDown(t *testing.T) {
	busy := webSpec()
	busy.rps = nil
	busy.cpuMilli = []int64{900, 900, 900}
	idle := busy
	idle.cpuMilli = []int64{100, 100, 100}
	build := func(now time.Time) *gather.State {
		if now.Before(epoch.Add(time.Minute)) {
			return buildState(busy)(now)
		}
		return buildState(idle)(now)
	}

	clock := newFakeClock()
	fetcher := newFakeFetcher(clock)
	fetcher.add(build)
	m, err := New(Options{Fetcher: fetcher, Clock: clock, Namespace: "shop", Name: "web", Interval: 15 * time.Second, Config: replicas.DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: clock, fetcher: fetcher, m: m}
	h.send(keySize(160, 60))
	h.run(m.Init())
	for range 5 {
		h.advance(15 * time.Second)
	}

	o := h.m.detail.snap.observation
	if o.Proposal != 1 || o.Stabilized != 7 || o.Reason != "ScaleDownStabilized" {
		t.Errorf("observation = %+v, want proposal 1 held at 7 by the observed recommendations", o)
	}
	h.requireScreenContains("Scale-down window 5m: highest recommendation 7 (latest at 03:00:45, in the window until 03:05:45)", "ScaleDownStabilized",
		// The watch covers 75s of the 5m window, so the hold rests on a
		// history merged with the inferred one.
		"rests on inferred history")

	// Without observations, the history inferred from events holds nothing.
	state := build(epoch.Add(2 * time.Minute))
	snap := buildSnapshot(state, replicas.DefaultConfig(), 0, historySource{}, epoch.Add(2*time.Minute))
	if snap.observation.Stabilized != 1 {
		t.Errorf("stabilized without observations = %d, want the proposal 1", snap.observation.Stabilized)
	}
}

func TestWatchCoversWindowOnScreen(t *testing.T) {
	h := newHarness(t, Options{Name: "web"}, webSpec())
	h.send(keySize(120, 60))
	h.requireScreenContains("First refresh")
	h.advance(15 * time.Second)
	h.requireScreenContains("Watched for 15s of the 5m")
	if !h.m.detail.snap.history.Inferred {
		t.Error("the recomputation used an observed history before covering the window")
	}
	for range 20 {
		h.advance(15 * time.Second)
	}
	h.requireScreenContains("Watched for 5m15s, covering the 5m")
	if h.m.detail.snap.history.Inferred {
		t.Error("the recomputation still used an inferred history after covering the window")
	}
}

func TestStabilizationTimeOnlyWhenObserved(t *testing.T) {
	snap := &detailSnapshot{
		at:          epoch,
		observation: observation{At: epoch, Recorded: true, Proposal: 2, Stabilized: 6, Reason: "ScaleDownStabilized"},
		history: replicas.History{Recommendations: []replicas.TimestampedRecommendation{
			{Recommendation: 6, Timestamp: epoch.Add(-time.Minute)},
		}},
	}
	w := windows{Known: true, Down: 5 * time.Minute}

	inferred := stabilizationText(snap, w, nil)
	if !strings.Contains(inferred, "highest recommendation 6 (inferred from events and status") || strings.Contains(inferred, "until") {
		t.Errorf("with an inferred recommendation: %q", inferred)
	}

	observed := stabilizationText(snap, w, []observation{{At: epoch.Add(-time.Minute), Recorded: true, Proposal: 6}})
	if !strings.Contains(observed, "latest at 02:59:00, in the window until 03:04:00") {
		t.Errorf("with an observed recommendation: %q", observed)
	}
}
