package tui

import (
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
)

// fetchList starts a LIST of HPAs.
func (m *Model) fetchList() tea.Cmd {
	seq := m.list.poller.begin()
	fetcher, ctx, namespace := m.opts.Fetcher, m.ctx, m.listNamespace()
	return func() tea.Msg {
		hpas, err := fetcher.ListHPAs(ctx, namespace)
		return listLoadedMsg{seq: seq, hpas: hpas, err: err}
	}
}

func (m *Model) onListLoaded(msg listLoadedMsg) tea.Cmd {
	p := &m.list.poller
	if !p.accepts(msg.seq) {
		return nil
	}
	now := m.clock.Now()
	if msg.err != nil {
		return tea.Batch(m.afterFetch(p, p.fail(msg.err, now)), m.ensureAgeTick())
	}
	delay := p.succeed(now)
	m.list.setRows(listRows(msg.hpas), now)
	m.list.ensureVisible(m.listBodyHeight())
	return tea.Batch(m.afterFetch(p, delay), m.scheduleFindings())
}

// fetchDetail starts a full gathering of the detail view's HPA. The
// recomputation runs in the command too, with a copy of the history.
func (m *Model) fetchDetail() tea.Cmd {
	seq := m.detail.poller.begin()
	key := m.detail.key
	hs := m.tracker(key).source()
	fetcher, ctx, clock := m.opts.Fetcher, m.ctx, m.clock
	cfg, staleAfter := m.opts.Config, m.opts.StaleAfter
	return func() tea.Msg {
		state, err := fetcher.Gather(ctx, key.Namespace, key.Name)
		if err == nil && (state == nil || state.HPA == nil) {
			err = fmt.Errorf("gathering HPA %s returned no HPA", key)
		}
		if err != nil {
			return detailLoadedMsg{seq: seq, key: key, err: err}
		}
		now := state.GatheredAt
		if now.IsZero() {
			now = clock.Now()
		}
		return detailLoadedMsg{seq: seq, key: key, snap: buildSnapshot(state, cfg, staleAfter, hs, now)}
	}
}

func (m *Model) onDetailLoaded(msg detailLoadedMsg) tea.Cmd {
	p := &m.detail.poller
	if !p.accepts(msg.seq) || msg.key != m.detail.key {
		return nil
	}
	now := m.clock.Now()
	if msg.err != nil {
		return tea.Batch(m.afterFetch(p, p.fail(msg.err, now)), m.ensureAgeTick())
	}
	delay := p.succeed(now)

	snap := msg.snap
	t := m.tracker(msg.key)
	t.record(snap.uid, snap.observation, snap.windows)
	t.recordSamples(snap.metricKeys, snap.metricValues)
	m.detail.setSnapshot(snap)
	m.relayout()
	return m.afterFetch(p, delay)
}

// tracker returns the history tracker of key, creating it.
func (m *Model) tracker(key hpaKey) *tracker {
	t, ok := m.trackers[key]
	if !ok {
		t = newTracker(m.opts.Interval)
		m.trackers[key] = t
	}
	return t
}

// scheduleFindings starts the next finding gathering of the list when the
// rate limit allows, or arms a timer for when it will. It does nothing
// while paused, off the list, or when every row on screen is up to date,
// so an idle list wakes nothing.
func (m *Model) scheduleFindings() tea.Cmd {
	l := &m.list
	if m.view != viewList || m.paused || l.findingBusy || l.findingTimer || l.loadedAt.IsZero() {
		return nil
	}
	key, ok := l.nextFinding(m.listBodyHeight())
	if !ok {
		return nil
	}
	now := m.clock.Now()
	if wait := l.findingStart.Add(findingGap).Sub(now); wait > 0 {
		l.findingTimer = true
		return m.clock.After(wait, findingDueMsg{})
	}

	l.findingBusy = true
	l.findingKey = key
	l.findingStart = now
	fetcher, ctx := m.opts.Fetcher, m.ctx
	cfg, staleAfter := m.opts.Config, m.opts.StaleAfter
	return func() tea.Msg {
		state, err := fetcher.Gather(ctx, key.Namespace, key.Name)
		if err == nil && (state == nil || state.HPA == nil) {
			err = errors.New("gathering returned no HPA")
		}
		if err != nil {
			return findingLoadedMsg{key: key, err: err}
		}
		return findingLoadedMsg{key: key, summary: summarize(state, cfg, staleAfter)}
	}
}

func (m *Model) onFindingLoaded(msg findingLoadedMsg) tea.Cmd {
	l := &m.list
	if !l.findingBusy || msg.key != l.findingKey {
		return nil
	}
	l.findingBusy = false
	l.findings[msg.key] = rowFinding{
		uid:     l.uidOf(msg.key),
		summary: msg.summary,
		err:     msg.err,
		at:      l.findingStart,
	}
	return m.scheduleFindings()
}
