package snapshot

import (
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// newestTime returns the newest timestamp in the state's objects: the
// HPA's status, pods, events and metric samples. It is the best guess of
// when a file without a capture time was taken.
func newestTime(state *gather.State) time.Time {
	var newest time.Time
	note := func(t time.Time) {
		if t.After(newest) {
			newest = t
		}
	}

	hpa := state.HPA
	note(hpa.CreationTimestamp.Time)
	if hpa.Status.LastScaleTime != nil {
		note(hpa.Status.LastScaleTime.Time)
	}
	for _, c := range hpa.Status.Conditions {
		note(c.LastTransitionTime.Time)
	}
	for i := range state.Pods {
		pod := &state.Pods[i]
		note(pod.CreationTimestamp.Time)
		if pod.Status.StartTime != nil {
			note(pod.Status.StartTime.Time)
		}
		for _, c := range pod.Status.Conditions {
			note(c.LastTransitionTime.Time)
		}
	}
	for i := range state.Events {
		note(eventTime(&state.Events[i]))
	}
	if rm := state.ResourceMetrics; rm != nil && rm.List != nil {
		for _, item := range rm.List.Items {
			note(item.Timestamp.Time)
		}
	}
	for _, m := range state.Metrics {
		if m.Values != nil {
			for _, item := range m.Values.Items {
				note(item.Timestamp.Time)
			}
		}
		if m.External != nil {
			for _, item := range m.External.Items {
				note(item.Timestamp.Time)
			}
		}
	}
	return newest
}

// TimeSource is the origin of the evaluation time of a loaded file.
type TimeSource int

const (
	// TimeSet: the caller set it (the --now flag).
	TimeSet TimeSource = iota
	// TimeCaptured: the capture time a snapshot records.
	TimeCaptured
	// TimeNewest: the newest timestamp in the file.
	TimeNewest
	// TimeCurrent: the current time, because the file has no timestamp.
	TimeCurrent
)

// EvaluationTime picks the time to explain the file at: set when not zero,
// else the capture time, else the newest timestamp in the file, else now.
func (l *Loaded) EvaluationTime(set, now time.Time) (time.Time, TimeSource) {
	switch {
	case !set.IsZero():
		return set, TimeSet
	case !l.CapturedAt.IsZero():
		return l.CapturedAt, TimeCaptured
	case !l.Newest.IsZero():
		return l.Newest, TimeNewest
	}
	return now, TimeCurrent
}

// Describe returns the explanation step that states the evaluation time
// and where it came from.
func (s TimeSource) Describe(t time.Time) string {
	at := t.UTC().Format(time.RFC3339)
	switch s {
	case TimeSet:
		return "evaluated at " + at + ", the time set by --now"
	case TimeCaptured:
		return "evaluated at " + at + ", when the snapshot was captured (" + AnnotationCapturedAt + "); --now sets another time"
	case TimeNewest:
		return "evaluated at " + at + ", the newest timestamp in the file, because it records no capture time; --now sets another time"
	}
	return "evaluated at " + at + ", the current time, because the file has no timestamps; --now sets another time"
}
