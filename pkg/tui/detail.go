package tui

import "time"

// detailModel is the view of one HPA.
type detailModel struct {
	key    hpaKey
	poller poller
	snap   *detailSnapshot

	// metric is the index of the selected metric: the one the pods table
	// sorts by value and shows the controller's treatment for.
	metric int
	sort   podSort
	filter string
	scroll int

	// body caches the rendered scrollable part, which only data, size,
	// sort, filter or metric changes invalidate; scrolling reuses it.
	body      []string
	bodyWidth int
	bodyDirty bool
}

func newDetailModel(key hpaKey, interval time.Duration) detailModel {
	return detailModel{
		key:       key,
		poller:    poller{src: sourceDetail, interval: interval},
		bodyDirty: true,
	}
}

func (d *detailModel) setSnapshot(snap *detailSnapshot) {
	d.snap = snap
	if n := len(snap.explanation.Metrics); d.metric >= n {
		d.metric = 0
	}
	d.bodyDirty = true
}

func (d *detailModel) nextMetric() {
	if d.snap == nil || len(d.snap.explanation.Metrics) == 0 {
		return
	}
	d.metric = (d.metric + 1) % len(d.snap.explanation.Metrics)
	d.bodyDirty = true
}

func (d *detailModel) nextSort() {
	d.sort = (d.sort + 1) % podSortCount
	d.bodyDirty = true
}

func (d *detailModel) setFilter(filter string) {
	d.filter = filter
	d.scroll = 0
	d.bodyDirty = true
}

// scrollBy moves the body by delta lines within [0, lines-height].
func (d *detailModel) scrollBy(delta, height int) {
	d.scroll += delta
	d.clampScroll(height)
}

func (d *detailModel) clampScroll(height int) {
	d.scroll = max(min(d.scroll, len(d.body)-max(height, 1)), 0)
}
