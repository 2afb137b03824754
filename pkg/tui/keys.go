package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// handleKey dispatches one key press. Bubble Tea delivers runes that
// arrive in one read, such as "jjj" from a held key or a terminal
// multiplexer, as one message. Outside the filter each rune is its own key.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if m.filtering {
		return m.handleFilterKey(msg)
	}
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		var cmds []tea.Cmd
		for i, r := range msg.Runes {
			cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			if m.ctx.Err() != nil {
				break // the rune quit
			}
			if m.filtering {
				// "/" opened the filter: the rest of the runes are its text.
				cmds = append(cmds, m.handleFilterKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: msg.Runes[i+1:]}))
				break
			}
		}
		return tea.Batch(cmds...)
	}

	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Help):
		m.showHelp = !m.showHelp
		m.relayout()
		return m.scheduleFindings()
	case key.Matches(msg, m.keys.Pause):
		return m.togglePause()
	case key.Matches(msg, m.keys.Refresh):
		return m.refreshNow()
	case key.Matches(msg, m.keys.Filter):
		m.filtering = true
		m.input.set(m.currentFilter())
		return nil
	}

	if m.view == viewDetail {
		return m.handleDetailKey(msg)
	}
	return m.handleListKey(msg)
}

func (m *Model) handleListKey(msg tea.KeyMsg) tea.Cmd {
	page := max(m.listBodyHeight(), 1)
	switch {
	case key.Matches(msg, m.keys.Up):
		m.list.move(-1)
	case key.Matches(msg, m.keys.Down):
		m.list.move(1)
	case key.Matches(msg, m.keys.PageUp):
		m.list.move(-page)
	case key.Matches(msg, m.keys.PageDown):
		m.list.move(page)
	case key.Matches(msg, m.keys.Top):
		m.list.move(-len(m.list.shown))
	case key.Matches(msg, m.keys.Bottom):
		m.list.move(len(m.list.shown))
	case key.Matches(msg, m.keys.Open):
		return m.openDetail()
	case key.Matches(msg, m.keys.Back):
		if m.list.filter != "" {
			m.list.setFilter("")
		}
	default:
		return nil
	}
	m.list.ensureVisible(m.listBodyHeight())
	return m.scheduleFindings()
}

func (m *Model) handleDetailKey(msg tea.KeyMsg) tea.Cmd {
	height := m.detailBodyHeight()
	page := max(height-1, 1)
	switch {
	case key.Matches(msg, m.keys.Up):
		m.detail.scrollBy(-1, height)
	case key.Matches(msg, m.keys.Down):
		m.detail.scrollBy(1, height)
	case key.Matches(msg, m.keys.PageUp):
		m.detail.scrollBy(-page, height)
	case key.Matches(msg, m.keys.PageDown):
		m.detail.scrollBy(page, height)
	case key.Matches(msg, m.keys.Top):
		m.detail.scroll = 0
	case key.Matches(msg, m.keys.Bottom):
		m.detail.scrollBy(len(m.detail.body), height)
	case key.Matches(msg, m.keys.NextMetric):
		m.detail.nextMetric()
		m.relayout()
	case key.Matches(msg, m.keys.Sort):
		m.detail.nextSort()
		m.relayout()
	case key.Matches(msg, m.keys.Back):
		// Esc clears an active filter first, as in the list.
		if m.detail.filter != "" {
			m.detail.setFilter("")
			m.relayout()
			return nil
		}
		return m.openList()
	}
	return nil
}

// handleFilterKey edits the filter; the rows follow each key press.
func (m *Model) handleFilterKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case msg.Type == tea.KeyCtrlC:
		return m.quit()
	case key.Matches(msg, m.keys.FilterAccept):
		m.filtering = false
		return m.scheduleFindings()
	case key.Matches(msg, m.keys.FilterCancel):
		m.filtering = false
		m.input.set("")
		m.setFilter("")
		return m.scheduleFindings()
	}
	if m.input.update(msg) {
		m.setFilter(m.input.String())
	}
	return nil
}

func (m *Model) currentFilter() string {
	if m.view == viewDetail {
		return m.detail.filter
	}
	return m.list.filter
}

func (m *Model) setFilter(filter string) {
	if m.view == viewDetail {
		m.detail.setFilter(filter)
	} else {
		m.list.setFilter(filter)
	}
	m.relayout()
}

// togglePause stops or resumes the automatic refreshes. Resuming refreshes
// at once, since the data on screen may be old.
func (m *Model) togglePause() tea.Cmd {
	m.paused = !m.paused
	p := m.activePoller()
	if m.paused {
		p.timerGen++ // disarm the scheduled refresh
		p.nextAt = time.Time{}
		return nil
	}
	if p.inFlight {
		return nil
	}
	return m.refreshNow()
}

// refreshNow fetches the view's data now, also while paused; a fetch
// already in flight is not doubled.
func (m *Model) refreshNow() tea.Cmd {
	if m.activePoller().inFlight {
		return nil
	}
	if m.view == viewDetail {
		return m.fetchDetail()
	}
	return m.fetchList()
}

// openDetail switches to the HPA under the cursor.
func (m *Model) openDetail() tea.Cmd {
	row, ok := m.list.selected()
	if !ok {
		return nil
	}
	m.list.poller.stop()
	m.view = viewDetail
	m.detail = newDetailModel(row.key, m.opts.Interval)
	return m.fetchDetail()
}

// openList goes back to the list and refreshes it.
func (m *Model) openList() tea.Cmd {
	m.detail.poller.stop()
	m.view = viewList
	m.relayout()
	return m.fetchList()
}
