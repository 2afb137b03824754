package replicas

import (
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// effectiveHistory returns the history the controller works with in this
// reconciliation, as fresh copies. Unknown history is taken to be a freshly
// started controller's, so it is marked Inferred.
//
// The controller records the current replica count as the first
// recommendation of an HPA without one, at the start of the reconciliation
// and so just before it stabilizes. One nanosecond before Now reproduces
// that order, which matters for a stabilization window of 0.
func effectiveHistory(in *Input, current int32) History {
	h := History{Known: true, Inferred: in.History.Inferred || !in.History.Known}
	if in.History.Known {
		h.Recommendations = append([]TimestampedRecommendation(nil), in.History.Recommendations...)
		h.ScaleUpEvents = append([]ScaleEvent(nil), in.History.ScaleUpEvents...)
		h.ScaleDownEvents = append([]ScaleEvent(nil), in.History.ScaleDownEvents...)
	}
	if len(h.Recommendations) == 0 {
		h.Recommendations = []TimestampedRecommendation{{Recommendation: current, Timestamp: in.Now.Add(-time.Nanosecond)}}
	}
	return h
}

// recordRecommendation returns a copy of recs with the proposal recorded as
// the controller records it: over the last recommendation outside every
// stabilization window (oldIndex), or appended when there is none.
func recordRecommendation(recs []TimestampedRecommendation, oldIndex int, proposal int32, now time.Time) []TimestampedRecommendation {
	out := append([]TimestampedRecommendation(nil), recs...)
	rec := TimestampedRecommendation{Recommendation: proposal, Timestamp: now}
	if oldIndex >= 0 {
		out[oldIndex] = rec
		return out
	}
	return append(out, rec)
}

// recordScaleEvent returns copies of the scale events with a rescale from
// current to desired recorded as the controller records it for an HPA with
// behavior: events older than the longest policy period of that direction
// are marked outdated for good, and the new event overwrites the last
// outdated one or is appended. Without behavior the controller records
// nothing.
func recordScaleEvent(h History, behavior *autoscalingv2.HorizontalPodAutoscalerBehavior, current, desired int32, now time.Time) History {
	if behavior == nil {
		return h
	}
	if desired > current {
		h.ScaleUpEvents = storeEvent(h.ScaleUpEvents, longestPolicyPeriod(behavior.ScaleUp), desired-current, now)
	} else {
		h.ScaleDownEvents = storeEvent(h.ScaleDownEvents, longestPolicyPeriod(behavior.ScaleDown), current-desired, now)
	}
	return h
}

func storeEvent(events []ScaleEvent, periodSeconds int32, change int32, now time.Time) []ScaleEvent {
	out := append([]ScaleEvent(nil), events...)
	cutoff := now.Add(-time.Second * time.Duration(periodSeconds))
	oldIndex := -1
	for i := range out {
		if out[i].Timestamp.Before(cutoff) {
			out[i].Outdated = true
		}
		if out[i].Outdated {
			oldIndex = i
		}
	}

	event := ScaleEvent{Change: change, Timestamp: now}
	if oldIndex >= 0 {
		out[oldIndex] = event
		return out
	}
	return append(out, event)
}

func longestPolicyPeriod(rules *autoscalingv2.HPAScalingRules) int32 {
	var longest int32
	for _, p := range rules.Policies {
		if p.PeriodSeconds > longest {
			longest = p.PeriodSeconds
		}
	}
	return longest
}
