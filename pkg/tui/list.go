package tui

import (
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// findingGap is the shortest time between the starts of two full
// gatherings for the list's FINDING column. A full gathering costs about
// ten API requests, so the list adds at most about ten requests per second
// to its one LIST per refresh, however many HPAs the namespace has.
const findingGap = time.Second

// listModel is the list of HPAs.
type listModel struct {
	poller poller
	rows   []listRow
	// shown indexes the rows that pass the filter.
	shown  []int
	filter string
	cursor int
	top    int
	// loadedAt is the time of the last successful LIST; a row's finding
	// gathered before it is due again.
	loadedAt time.Time

	findings map[hpaKey]rowFinding
	// findingKey is the HPA whose finding is being gathered; findingBusy
	// is false when none is.
	findingKey   hpaKey
	findingBusy  bool
	findingTimer bool
	findingStart time.Time
}

// rowFinding is the diagnosis of one row, or why it failed.
type rowFinding struct {
	uid     types.UID
	summary rowSummary
	err     error
	at      time.Time
}

func newListModel(interval time.Duration) listModel {
	return listModel{
		poller:   poller{src: sourceList, interval: interval},
		findings: map[hpaKey]rowFinding{},
	}
}

// setRows replaces the rows, keeping the cursor on the same HPA.
func (l *listModel) setRows(rows []listRow, now time.Time) {
	var current hpaKey
	hadCursor := l.cursor < len(l.shown)
	if hadCursor {
		current = l.rows[l.shown[l.cursor]].key
	}

	l.rows = rows
	l.loadedAt = now
	present := make(map[hpaKey]bool, len(rows))
	for _, r := range rows {
		present[r.key] = true
	}
	for k := range l.findings {
		if !present[k] {
			delete(l.findings, k)
		}
	}
	l.applyFilter()

	if hadCursor {
		for i, idx := range l.shown {
			if l.rows[idx].key == current {
				l.cursor = i
				break
			}
		}
	}
	l.clampCursor()
}

// applyFilter recomputes the rows shown.
func (l *listModel) applyFilter() {
	l.shown = l.shown[:0]
	for i := range l.rows {
		if l.rows[i].matches(l.filter) {
			l.shown = append(l.shown, i)
		}
	}
	l.clampCursor()
}

func (l *listModel) setFilter(filter string) {
	l.filter = filter
	l.applyFilter()
}

func (l *listModel) clampCursor() {
	l.cursor = max(min(l.cursor, len(l.shown)-1), 0)
}

// move moves the cursor by delta rows.
func (l *listModel) move(delta int) {
	l.cursor += delta
	l.clampCursor()
}

// ensureVisible scrolls so the cursor row is among the height rows shown.
func (l *listModel) ensureVisible(height int) {
	if height <= 0 {
		l.top = l.cursor
		return
	}
	if l.cursor < l.top {
		l.top = l.cursor
	}
	if l.cursor >= l.top+height {
		l.top = l.cursor - height + 1
	}
	l.top = max(min(l.top, len(l.shown)-height), 0)
}

// selected returns the row under the cursor.
func (l *listModel) selected() (*listRow, bool) {
	if l.cursor >= len(l.shown) {
		return nil, false
	}
	return &l.rows[l.shown[l.cursor]], true
}

// visibleRows returns the shown rows on screen for a body of height rows.
func (l *listModel) visibleRows(height int) []int {
	end := min(l.top+max(height, 0), len(l.shown))
	if l.top >= end {
		return nil
	}
	return l.shown[l.top:end]
}

// nextFinding picks the row whose finding to gather next: the cursor row
// when its finding is due, else the due row on screen gathered longest ago.
// A finding is due when it is missing, belongs to an older incarnation of
// the HPA, or predates the last LIST.
func (l *listModel) nextFinding(height int) (hpaKey, bool) {
	due := func(r *listRow) (time.Time, bool) {
		f, ok := l.findings[r.key]
		if !ok || f.uid != r.uid {
			return time.Time{}, true
		}
		return f.at, f.at.Before(l.loadedAt)
	}

	if r, ok := l.selected(); ok {
		if _, isDue := due(r); isDue {
			return r.key, true
		}
	}
	var best *listRow
	var bestAt time.Time
	for _, idx := range l.visibleRows(height) {
		r := &l.rows[idx]
		at, isDue := due(r)
		if isDue && (best == nil || at.Before(bestAt)) {
			best, bestAt = r, at
		}
	}
	if best == nil {
		return hpaKey{}, false
	}
	return best.key, true
}

// uidOf returns the UID of the listed HPA key.
func (l *listModel) uidOf(key hpaKey) types.UID {
	for i := range l.rows {
		if l.rows[i].key == key {
			return l.rows[i].uid
		}
	}
	return ""
}
