package explain

import (
	"fmt"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// fitFirstRescale fills in the one scale event that events cannot tell.
//
// A SuccessfulRescale event names only the new size, so the change made by
// the oldest recorded rescale is unknown, and scaling policies count that
// change within their periods. When the recomputation disagrees with the
// status.desiredReplicas the controller last wrote, fitFirstRescale tries
// each possible size before that rescale, nearest first, and keeps the first
// that reproduces the controller's decision. The controller's own output is
// the evidence, so the result stays marked as inferred.
func fitFirstRescale(state *gather.State, in replicas.Input, result replicas.Result) (replicas.Input, replicas.Result, bool) {
	hpa := state.HPA
	if hpa.Spec.Behavior == nil || hpa.Status.ObservedGeneration == nil {
		return in, result, false // scale events only matter to scaling policies
	}
	if !result.ComputedMetrics || result.MetricProposal < 0 || result.DesiredReplicas == hpa.Status.DesiredReplicas {
		return in, result, false
	}

	var rescales []rescale
	for _, r := range rescaleEvents(state.Events) {
		if !r.at.After(in.Now) {
			rescales = append(rescales, r)
		}
	}
	if len(rescales) == 0 {
		return in, result, false
	}
	first := rescales[0]

	limit := max(hpa.Spec.MaxReplicas, first.size) + 1
	for distance := int32(1); distance <= limit; distance++ {
		for _, before := range []int32{first.size - distance, first.size + distance} {
			if before < 0 || before > limit {
				continue
			}
			candidate := in
			candidate.History = withFirstChange(in.History, first, before)
			r := replicas.Compute(candidate)
			if r.DesiredReplicas != hpa.Status.DesiredReplicas {
				continue
			}
			r.Inferred = true
			r.Steps = append(r.Steps, replicas.Step{
				Text: fmt.Sprintf("the events do not say how many replicas there were before the rescale to %d at %s; %d reproduces the controller's last decision (status.desiredReplicas %d), so the scaling policies count that change",
					first.size, first.at.UTC().Format("15:04:05"), before, hpa.Status.DesiredReplicas),
				Inferred: true,
			})
			return candidate, r, true
		}
	}
	return in, result, false
}

// withFirstChange returns a copy of history with the scale event of the
// first rescale added, given the replica count before it.
func withFirstChange(history replicas.History, first rescale, before int32) replicas.History {
	out := history
	out.ScaleUpEvents = append([]replicas.ScaleEvent(nil), history.ScaleUpEvents...)
	out.ScaleDownEvents = append([]replicas.ScaleEvent(nil), history.ScaleDownEvents...)
	switch change := first.size - before; {
	case change > 0:
		out.ScaleUpEvents = append(out.ScaleUpEvents, replicas.ScaleEvent{Change: change, Timestamp: first.at})
	case change < 0:
		out.ScaleDownEvents = append(out.ScaleDownEvents, replicas.ScaleEvent{Change: -change, Timestamp: first.at})
	}
	return out
}
