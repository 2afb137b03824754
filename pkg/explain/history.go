package explain

import (
	"regexp"
	"sort"
	"strconv"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// newSizePattern matches the controller's SuccessfulRescale event message,
// "New size: 4; reason: ...".
var newSizePattern = regexp.MustCompile(`^New size: (\d+);`)

// historyHorizon is older than any stabilization window or policy period
// the API accepts (at most 3600 and 1800 seconds).
const historyHorizon = 2 * time.Hour

// rescale is one SuccessfulRescale event: the new size and when it happened.
type rescale struct {
	size int32
	at   time.Time
}

// InferHistory reconstructs what it can of the controller's in-memory
// history for an HPA. The controller keeps its recommendations and recent
// scale events in memory only, so this reads the traces they leave:
//
//   - each SuccessfulRescale event records a rescale to "New size". The
//     change from the previous rescale is a scale event for scaling
//     policies. The new size is a lower bound of the recommendation that
//     caused a scale-up, and an upper bound for a scale-down;
//   - an AbleToScale condition with reason ScaleDownStabilized or
//     ScaleUpStabilized means that, at the last sync, the window held a
//     recommendation at status.desiredReplicas.
//
// The result is marked Inferred. Events are aggregated by the API server (one
// object per message with a count), so repeated rescales to the same size
// within an hour collapse into one; the reconstruction sees the last.
func InferHistory(hpa *autoscalingv2.HorizontalPodAutoscaler, events []corev1.Event, now time.Time) replicas.History {
	// An HPA the controller never synced has no history: the controller
	// will start it with the current replica count, as Compute does for an
	// unknown history.
	if hpa.Status.ObservedGeneration == nil && len(hpa.Status.Conditions) == 0 {
		return replicas.History{}
	}

	// A controller that has synced the HPA before always holds at least one
	// recommendation. With nothing else known, the window is taken to hold
	// no other recommendation than the current one: this sentinel lies
	// outside every window (the API caps windows at one hour), so it only
	// marks the history as started.
	history := replicas.History{
		Known:    true,
		Inferred: true,
		Recommendations: []replicas.TimestampedRecommendation{{
			Recommendation: hpa.Status.DesiredReplicas,
			Timestamp:      now.Add(-historyHorizon),
		}},
	}

	rescales := rescaleEvents(events)
	for i, r := range rescales {
		if r.at.After(now) {
			continue
		}
		history.Recommendations = append(history.Recommendations, replicas.TimestampedRecommendation{
			Recommendation: r.size,
			Timestamp:      r.at,
		})
		if i == 0 {
			continue // the size before the first recorded rescale is unknown
		}
		change := r.size - rescales[i-1].size
		switch {
		case change > 0:
			history.ScaleUpEvents = append(history.ScaleUpEvents, replicas.ScaleEvent{Change: change, Timestamp: r.at})
		case change < 0:
			history.ScaleDownEvents = append(history.ScaleDownEvents, replicas.ScaleEvent{Change: -change, Timestamp: r.at})
		}
	}

	for _, c := range hpa.Status.Conditions {
		if c.Type != autoscalingv2.AbleToScale {
			continue
		}
		if c.Reason == "ScaleDownStabilized" || c.Reason == "ScaleUpStabilized" {
			// The controller rewrites the condition at every sync, so the
			// held recommendation was in the window at the last sync. Its
			// exact time is unknown; now is the latest it can be.
			history.Recommendations = append(history.Recommendations, replicas.TimestampedRecommendation{
				Recommendation: hpa.Status.DesiredReplicas,
				Timestamp:      now,
			})
		}
	}
	return history
}

// rescaleEvents returns the HPA's SuccessfulRescale events, oldest first.
func rescaleEvents(events []corev1.Event) []rescale {
	var out []rescale
	for _, e := range events {
		if e.Reason != "SuccessfulRescale" {
			continue
		}
		m := newSizePattern.FindStringSubmatch(e.Message)
		if m == nil {
			continue
		}
		size, err := strconv.ParseInt(m[1], 10, 32)
		if err != nil {
			continue
		}
		out = append(out, rescale{size: int32(size), at: eventTime(e)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// eventTime returns the most recent time an event was seen, whichever field
// the reporting client filled.
func eventTime(e corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}
