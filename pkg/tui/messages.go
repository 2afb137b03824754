package tui

import (
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// hpaKey identifies an HPA.
type hpaKey struct {
	Namespace string
	Name      string
}

func (k hpaKey) String() string {
	return k.Namespace + "/" + k.Name
}

// source names a periodically refreshed data source.
type source int

const (
	sourceList source = iota
	sourceDetail
)

// listLoadedMsg carries the result of one LIST of HPAs.
type listLoadedMsg struct {
	seq  int
	hpas []autoscalingv2.HorizontalPodAutoscaler
	err  error
	at   time.Time
}

// detailLoadedMsg carries the result of one full gathering for the detail
// view.
type detailLoadedMsg struct {
	seq  int
	key  hpaKey
	snap *detailSnapshot
	err  error
	at   time.Time
}

// findingLoadedMsg carries the diagnosis of one list row.
type findingLoadedMsg struct {
	key     hpaKey
	summary rowSummary
	err     error
	at      time.Time
}

// refreshDueMsg fires when a scheduled refresh of src is due. gen
// identifies the timer, so one replaced since is ignored.
type refreshDueMsg struct {
	src source
	gen int
}

// findingDueMsg fires when the rate limit of the list's finding gathering
// allows the next one.
type findingDueMsg struct{}

// ageTickMsg redraws the screen while it shows a running age, such as the
// age of an API error.
type ageTickMsg struct{}
