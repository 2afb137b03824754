package tui

import (
	"strconv"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// maxHistoryRows bounds the observations listed; the sparkline covers the
// rest.
const maxHistoryRows = 12

// historySection renders the recommendations this watch recomputed, newest
// first, and what the stabilization windows make of them.
func (m *Model) historySection() []string {
	d := &m.detail
	t := m.tracker(d.key)
	snap := d.snap
	lines := []string{m.sectionTitle("RECOMMENDATIONS", "recomputed at each refresh of this watch")}

	lines = append(lines, m.wrapLines(coverageText(snap.coverage, t.windows), m.width-2, 3, &m.st.faint)...)
	lines = append(lines, m.wrapLines(stabilizationText(snap, t.windows, t.observations), m.width-2, 3, nil)...)
	for i := range lines[1:] {
		lines[1+i] = "  " + lines[1+i]
	}

	if len(t.observations) == 0 {
		return lines
	}

	var proposals []float64
	for _, o := range t.observations {
		if o.Recorded {
			proposals = append(proposals, float64(o.Proposal))
		} else {
			proposals = append(proposals, nan())
		}
	}
	lines = append(lines, "  "+m.st.faint.Render("trend ")+sparkline(proposals, 0, min(m.width-8, maxSamples)))

	tbl := &table{cols: []column{
		{title: "TIME"},
		{title: "RECOMMENDATION", right: true},
		{title: "STABILIZED", right: true, drop: 2},
		{title: "DESIRED", right: true, drop: 3},
		{title: "IN WINDOW", drop: 1},
	}}
	now := snap.at
	shown := 0
	for i := len(t.observations) - 1; i >= 0 && shown < maxHistoryRows; i-- {
		o := t.observations[i]
		shown++
		row := []cell{{text: formatClock(o.At)}}
		if !o.Recorded {
			row = append(row, cell{text: "none", style: &m.st.faint}, cell{text: "-"}, cell{text: "-"}, cell{text: "-"})
			tbl.rows = append(tbl.rows, row)
			continue
		}
		row = append(row,
			cell{text: strconv.Itoa(int(o.Proposal))},
			cell{text: strconv.Itoa(int(o.Stabilized))},
			cell{text: strconv.Itoa(int(o.Desired))},
			cell{text: windowMembership(o.At, now, t.windows)},
		)
		tbl.rows = append(tbl.rows, row)
	}
	head, body := tbl.render(m.width-2, m.st.header)
	lines = append(lines, "  "+head)
	for _, line := range body {
		lines = append(lines, "  "+line)
	}
	if older := len(t.observations) - shown; older > 0 {
		lines = append(lines, m.st.faint.Render("  +"+strconv.Itoa(older)+" older"))
	}
	return lines
}

// coverageText describes whether the history is observed or partly inferred.
func coverageText(c coverage, w windows) string {
	switch {
	case !w.Known:
		return "The controller's windows are not known yet: the decision uses the history inferred from events."
	case c.Complete:
		return "Watched for " + formatDuration(c.Watched) + ", covering the " + formatWindow(c.Window) +
			" of history the controller reads: the decision uses the observed recommendations, not the events."
	case c.Broken:
		return "The watch restarted after a gap (failed refreshes or a pause): the decision uses the history inferred from events."
	case c.Watched == 0 && c.Window == 0:
		return "First refresh: the decision uses the history inferred from events."
	}
	return "Watched for " + formatDuration(c.Watched) + " of the " + formatWindow(c.Window) +
		" the controller reads: the decision merges the observed recommendations with history inferred from events (marked inferred) until the watch covers it."
}

// stabilizationText describes what the windows made of the recommendations
// in them at the last refresh. It gives the time a holding recommendation
// leaves the window only when the watch observed it: an inferred one
// carries a bound, not its time.
func stabilizationText(snap *detailSnapshot, w windows, observed []observation) string {
	o := snap.observation
	if !o.Recorded {
		return "No recommendation at the last refresh: the controller did not reach the stabilization step."
	}
	recs := snap.history.Recommendations
	now := snap.at
	if !w.Behavior {
		high, at := highestSince(recs, now.Add(-w.Down), true, o.Proposal)
		s := "Scale-down window " + formatWindow(w.Down) + ": highest recommendation " + strconv.Itoa(int(high))
		switch {
		case at.IsZero():
		case wasObserved(observed, high, at):
			s += " (latest at " + formatClock(at) + ", in the window until " + formatClock(at.Add(w.Down)) + ")"
		default:
			s += " (inferred from events and status, so its time is not known)"
		}
		return s + " against the proposal " + strconv.Itoa(int(o.Proposal)) + " gives " + strconv.Itoa(int(o.Stabilized)) + " (" + clean(o.Reason) + ")."
	}
	low := lowestSince(recs, now.Add(-w.Up), o.Proposal)
	high, _ := highestSince(recs, now.Add(-w.Down), false, o.Proposal)
	return "Scale-up window " + formatWindow(w.Up) + ": lowest " + strconv.Itoa(int(low)) +
		"; scale-down window " + formatWindow(w.Down) + ": highest " + strconv.Itoa(int(high)) +
		"; the current replicas kept within [" + strconv.Itoa(int(low)) + ", " + strconv.Itoa(int(high)) + "] give " +
		strconv.Itoa(int(o.Stabilized)) + " (" + clean(o.Reason) + ")."
}

// highestSince returns the highest recommendation at or after cutoff
// (after it when inclusive is false, as the controller's behavior path
// tests), starting from proposal. When a recommendation above the proposal
// sets it, at is the time of the latest one at that value: the hold ends
// when that one leaves the window.
func highestSince(recs []replicas.TimestampedRecommendation, cutoff time.Time, inclusive bool, proposal int32) (high int32, at time.Time) {
	inWindow := func(r replicas.TimestampedRecommendation) bool {
		return r.Timestamp.After(cutoff) || (inclusive && r.Timestamp.Equal(cutoff))
	}
	high = proposal
	for _, r := range recs {
		if inWindow(r) && r.Recommendation > high {
			high = r.Recommendation
		}
	}
	if high == proposal {
		return high, time.Time{}
	}
	for _, r := range recs {
		if inWindow(r) && r.Recommendation == high && r.Timestamp.After(at) {
			at = r.Timestamp
		}
	}
	return high, at
}

// wasObserved reports whether the watch recorded the recommendation value
// at time at.
func wasObserved(observed []observation, value int32, at time.Time) bool {
	for _, o := range observed {
		if o.Recorded && o.Proposal == value && o.At.Equal(at) {
			return true
		}
	}
	return false
}

// lowestSince returns the lowest recommendation after cutoff, starting
// from proposal.
func lowestSince(recs []replicas.TimestampedRecommendation, cutoff time.Time, proposal int32) int32 {
	low := proposal
	for _, r := range recs {
		if r.Timestamp.After(cutoff) && r.Recommendation < low {
			low = r.Recommendation
		}
	}
	return low
}

// windowMembership names the windows an observation at t falls in at now.
func windowMembership(t, now time.Time, w windows) string {
	age := now.Sub(t)
	var in []string
	if w.Up > 0 && age < w.Up {
		in = append(in, "up")
	}
	if age <= w.Down && w.Down > 0 {
		in = append(in, "down")
	}
	switch len(in) {
	case 0:
		return "-"
	case 1:
		return in[0]
	}
	return in[0] + ", " + in[1]
}
