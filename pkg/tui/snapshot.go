package tui

import (
	"math"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// detailSnapshot is one refresh of the detail view, built off the UI
// goroutine from a gathered State.
type detailSnapshot struct {
	explanation *v1alpha1.Explanation
	uid         types.UID
	at          time.Time

	observation observation
	windows     windows
	coverage    coverage
	// history is the controller history the recomputation used.
	history replicas.History

	// metricKeys and metricValues feed the sparklines: one key and one
	// current value (NaN when unknown) per metric.
	metricKeys   []string
	metricValues []float64
}

// buildSnapshot recomputes the decision for state at now with the history
// the watch has observed, and records this refresh's recommendation.
func buildSnapshot(state *gather.State, cfg replicas.Config, staleAfter time.Duration, hs historySource, now time.Time) *detailSnapshot {
	inferred := explain.InferHistory(state.HPA, state.Events, now)
	history, cov := hs.history(now, inferred)

	e := explain.Build(state, explain.Options{Config: cfg, Now: now, StaleAfter: staleAfter, History: &history})
	snap := &detailSnapshot{
		explanation: e,
		uid:         state.HPA.UID,
		at:          now,
		coverage:    cov,
		history:     history,
		observation: observation{At: now, SpecReplicas: e.Replicas.Current},
	}
	if t := state.HPA.Status.LastScaleTime; t != nil {
		snap.observation.LastScaleTime = t.Time
	}

	// explain.Build keeps the controller's result to itself, and the
	// recommendation the controller records is the proposal before
	// stabilization, so the computation runs once more here.
	if in, ok := explain.ComputationInput(state, cfg, now, history); ok {
		r := replicas.Compute(*in)
		if r.Error == "" {
			snap.windows = windowsOf(r.Behavior, cfg)
			o := &snap.observation
			o.Recorded = r.ComputedMetrics && r.MetricProposal >= 0
			o.Proposal = max(r.MetricProposal, 0)
			o.Stabilized = r.Stabilized
			o.Desired = r.DesiredReplicas
			o.Reason = r.StabilizationReason
		}
	}

	for i := range e.Metrics {
		m := &e.Metrics[i]
		snap.metricKeys = append(snap.metricKeys, m.Type+"/"+m.Name+"/"+m.Container+"/"+m.Object)
		value := math.NaN()
		if m.Current != nil {
			value = m.Current.Value
		}
		snap.metricValues = append(snap.metricValues, value)
	}
	return snap
}

// rowSummary is the part of one HPA's full diagnosis that the list shows.
type rowSummary struct {
	// Finding is the most severe finding; nil when there is none.
	Finding  *v1alpha1.Finding
	Findings int
	Verdict  string
}

// summarize diagnoses state with the history inferred from events, since
// the list observes no HPA over time.
func summarize(state *gather.State, cfg replicas.Config, staleAfter time.Duration) rowSummary {
	e := explain.Build(state, explain.Options{Config: cfg, StaleAfter: staleAfter})
	s := rowSummary{Findings: len(e.Findings), Verdict: e.Verdict}
	for i := range e.Findings {
		f := &e.Findings[i]
		if s.Finding == nil || severityRank(f.Severity) < severityRank(s.Finding.Severity) {
			copied := *f
			s.Finding = &copied
		}
	}
	return s
}

// severityRank orders severities from the most severe (0) down; an unknown
// severity sorts last.
func severityRank(s v1alpha1.Severity) int {
	switch s {
	case v1alpha1.SeverityError:
		return 0
	case v1alpha1.SeverityWarning:
		return 1
	case v1alpha1.SeverityInfo:
		return 2
	}
	return 3
}
