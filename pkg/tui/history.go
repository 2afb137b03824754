package tui

import (
	"slices"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/types"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// historyHorizon is how long observations are kept: the API caps
// stabilization windows at one hour and policy periods at 30 minutes.
const historyHorizon = time.Hour

// maxSamples caps each metric's sparkline history.
const maxSamples = 120

// observation is one refresh's recomputed decision.
type observation struct {
	At time.Time
	// Recorded is false when the controller would record no
	// recommendation at this sync: it did not compute the metrics (replicas
	// outside [min, max], scaling disabled) or invalid metrics blocked the
	// decision.
	Recorded bool
	// Proposal is the recommendation the controller records: the metrics'
	// proposal before stabilization.
	Proposal int32
	// Stabilized is the recommendation after the stabilization windows.
	Stabilized int32
	Desired    int32
	Reason     string

	// SpecReplicas and LastScaleTime let the tracker spot the controller's
	// rescales between two refreshes.
	SpecReplicas  int32
	LastScaleTime time.Time
}

// windows are the lengths of history the controller reads for an HPA.
type windows struct {
	Known bool
	// Up and Down are the scale-up and scale-down stabilization windows.
	// Without spec.behavior, Up is 0 and Down is the controller's
	// --horizontal-pod-autoscaler-downscale-stabilization.
	Up   time.Duration
	Down time.Duration
	// Policies is the longest scaling policy period; 0 without behavior.
	Policies time.Duration
	// Behavior is true when the HPA has spec.behavior.
	Behavior bool
}

// longest returns the longest span of history the controller's decision
// reads.
func (w windows) longest() time.Duration {
	return max(w.Up, w.Down, w.Policies)
}

// windowsOf reads the windows from the behavior the computation used, which
// is nil for an HPA without spec.behavior.
func windowsOf(behavior *autoscalingv2.HorizontalPodAutoscalerBehavior, cfg replicas.Config) windows {
	if behavior == nil {
		return windows{Known: true, Down: cfg.DownscaleStabilizationWindow}
	}
	w := windows{Known: true, Behavior: true}
	for _, rules := range []*autoscalingv2.HPAScalingRules{behavior.ScaleUp, behavior.ScaleDown} {
		if rules == nil {
			continue
		}
		for _, p := range rules.Policies {
			w.Policies = max(w.Policies, time.Duration(p.PeriodSeconds)*time.Second)
		}
	}
	if r := behavior.ScaleUp; r != nil && r.StabilizationWindowSeconds != nil {
		w.Up = time.Duration(*r.StabilizationWindowSeconds) * time.Second
	}
	if r := behavior.ScaleDown; r != nil && r.StabilizationWindowSeconds != nil {
		w.Down = time.Duration(*r.StabilizationWindowSeconds) * time.Second
	} else {
		w.Down = cfg.DownscaleStabilizationWindow
	}
	return w
}

// tracker is the record of what the watch observed of one HPA over time.
// The controller keeps its recommendations and scale events in memory,
// where no client can read them, so the tracker rebuilds them from the
// plugin's own recomputation at each refresh.
type tracker struct {
	uid          types.UID
	observations []observation
	scaleUp      []replicas.ScaleEvent
	scaleDown    []replicas.ScaleEvent
	windows      windows
	// coveredSince is the first observation of the current unbroken run of
	// refreshes; zero before the first observation.
	coveredSince time.Time
	// maxGap is the longest pause between two observations that still
	// counts as watching without a break.
	maxGap time.Duration

	// metricKeys identify the metrics that samples belong to; the samples
	// restart when the HPA's metrics change.
	metricKeys []string
	samples    [][]float64
}

func newTracker(interval time.Duration) *tracker {
	return &tracker{maxGap: 2 * interval}
}

// historySource is a copy of a tracker's history, for a fetch command to
// build the controller history from without touching the model.
type historySource struct {
	recommendations []replicas.TimestampedRecommendation
	scaleUp         []replicas.ScaleEvent
	scaleDown       []replicas.ScaleEvent
	coveredSince    time.Time
	lastAt          time.Time
	maxGap          time.Duration
	windows         windows
}

// source copies the observations of the current unbroken run.
func (t *tracker) source() historySource {
	hs := historySource{coveredSince: t.coveredSince, maxGap: t.maxGap, windows: t.windows}
	for _, o := range t.observations {
		if o.At.Before(t.coveredSince) {
			continue
		}
		hs.lastAt = o.At
		if o.Recorded {
			hs.recommendations = append(hs.recommendations, replicas.TimestampedRecommendation{Recommendation: o.Proposal, Timestamp: o.At})
		}
	}
	hs.scaleUp = eventsSince(t.scaleUp, t.coveredSince)
	hs.scaleDown = eventsSince(t.scaleDown, t.coveredSince)
	return hs
}

// coverage is how much of the controller's history the watch has seen.
type coverage struct {
	// Watched is how long the current unbroken run of refreshes lasts.
	Watched time.Duration
	// Window is the span the controller reads; zero when not yet known.
	Window time.Duration
	// Complete is true when the run covers the whole span, so the history
	// is observed, not inferred.
	Complete bool
	// Broken is true when the run restarted at this refresh after a gap
	// (failed refreshes or a pause).
	Broken bool
}

// history returns the controller history to recompute with at now. Once
// the unbroken run of refreshes covers every window the controller reads,
// the observed history replaces the inferred one. Before that, both are
// merged: every inferred recommendation, because each bounds what the
// controller may hold, and the inferred scale events from before the run.
func (hs historySource) history(now time.Time, inferred replicas.History) (replicas.History, coverage) {
	if hs.coveredSince.IsZero() || now.Sub(hs.lastAt) > hs.maxGap {
		return inferred, coverage{Window: hs.windows.longest(), Broken: !hs.coveredSince.IsZero()}
	}

	cov := coverage{Watched: now.Sub(hs.coveredSince), Window: hs.windows.longest()}
	if hs.windows.Known && cov.Watched >= cov.Window {
		cov.Complete = true
		return replicas.History{
			Recommendations: hs.recommendations,
			ScaleUpEvents:   hs.scaleUp,
			ScaleDownEvents: hs.scaleDown,
			Known:           true,
			Inferred:        false,
		}, cov
	}

	merged := replicas.History{Known: true, Inferred: true}
	merged.Recommendations = append(append(merged.Recommendations, inferred.Recommendations...), hs.recommendations...)
	merged.ScaleUpEvents = append(eventsBefore(inferred.ScaleUpEvents, hs.coveredSince), hs.scaleUp...)
	merged.ScaleDownEvents = append(eventsBefore(inferred.ScaleDownEvents, hs.coveredSince), hs.scaleDown...)
	return merged, cov
}

// record adds one refresh's observation. A different UID means the HPA was
// deleted and created again, which starts a new controller history.
func (t *tracker) record(uid types.UID, o observation, w windows) {
	if t.uid != uid {
		*t = tracker{uid: uid, maxGap: t.maxGap}
	}
	if w.Known {
		t.windows = w
	}

	last := t.last()
	switch {
	case last == nil:
		t.coveredSince = o.At
	case o.At.Sub(last.At) > t.maxGap:
		t.coveredSince = o.At
	case o.LastScaleTime.After(last.LastScaleTime) && o.SpecReplicas != last.SpecReplicas:
		// The controller rescaled between the two refreshes. When it
		// rescaled more than once, only the net change shows.
		change := o.SpecReplicas - last.SpecReplicas
		if change > 0 {
			t.scaleUp = append(t.scaleUp, replicas.ScaleEvent{Change: change, Timestamp: o.LastScaleTime})
		} else {
			t.scaleDown = append(t.scaleDown, replicas.ScaleEvent{Change: -change, Timestamp: o.LastScaleTime})
		}
	}
	t.observations = append(t.observations, o)
	t.prune(o.At)
}

// recordSamples appends one refresh's current metric values; NaN marks a
// metric without a value.
func (t *tracker) recordSamples(keys []string, values []float64) {
	if !slices.Equal(keys, t.metricKeys) {
		t.metricKeys = keys
		t.samples = make([][]float64, len(keys))
	}
	for i := range t.samples {
		t.samples[i] = append(t.samples[i], values[i])
		if n := len(t.samples[i]); n > maxSamples {
			t.samples[i] = append(t.samples[i][:0], t.samples[i][n-maxSamples:]...)
		}
	}
}

func (t *tracker) last() *observation {
	if len(t.observations) == 0 {
		return nil
	}
	return &t.observations[len(t.observations)-1]
}

// prune drops what is older than any window the API allows.
func (t *tracker) prune(now time.Time) {
	cutoff := now.Add(-historyHorizon)
	i := 0
	for i < len(t.observations) && t.observations[i].At.Before(cutoff) {
		i++
	}
	t.observations = append(t.observations[:0], t.observations[i:]...)
	t.scaleUp = eventsSince(t.scaleUp, cutoff)
	t.scaleDown = eventsSince(t.scaleDown, cutoff)
}

func eventsSince(events []replicas.ScaleEvent, since time.Time) []replicas.ScaleEvent {
	var out []replicas.ScaleEvent
	for _, e := range events {
		if !e.Timestamp.Before(since) {
			out = append(out, e)
		}
	}
	return out
}

func eventsBefore(events []replicas.ScaleEvent, before time.Time) []replicas.ScaleEvent {
	var out []replicas.ScaleEvent
	for _, e := range events {
		if e.Timestamp.Before(before) {
			out = append(out, e)
		}
	}
	return out
}
