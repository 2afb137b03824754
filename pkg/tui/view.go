package tui

import (
	"strconv"
	"strings"

	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// View renders the screen: exactly height lines, none wider than width.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	var top, body []string
	if m.view == viewDetail {
		top = m.detailTop()
		body = m.detailVisibleBody(m.detailBodyHeight())
	} else {
		top, body = m.listScreen()
	}
	return m.frame(top, body, m.footer())
}

// frame stacks the parts into exactly height lines. The footer (status and
// help) keeps its place at the bottom; on a very short terminal the top is
// cut next, then the body.
func (m *Model) frame(top, body, footer []string) string {
	height := m.height
	if len(footer) > height {
		footer = footer[len(footer)-height:]
	}
	room := height - len(footer)
	if len(top) > room {
		top = top[:room]
	}
	room -= len(top)
	if len(body) > room {
		body = body[:room]
	}

	lines := make([]string, 0, height)
	lines = append(lines, top...)
	lines = append(lines, body...)
	for len(lines) < height-len(footer) {
		lines = append(lines, "")
	}
	lines = append(lines, footer...)
	for i := range lines {
		lines[i] = cutLine(lines[i], m.width)
	}
	return strings.Join(lines, "\n")
}

// footer is the status and the help.
func (m *Model) footer() []string {
	return append(m.statusLines(), m.helpLines()...)
}

func (m *Model) helpLines() []string {
	keys := helpKeys{km: &m.keys, view: m.view, filtering: m.filtering}
	m.help.ShowAll = m.showHelp
	return strings.Split(m.help.View(keys), "\n")
}

// footerHeight is the number of lines footer returns.
func (m *Model) footerHeight() int {
	return len(m.statusLines()) + len(m.helpLines())
}

// maxStatusLines bounds the status, so an error message cannot push the
// data off screen.
const maxStatusLines = 3

// statusLines shows, by priority: the filter being typed, the current API
// error with its age and the next retry, the pause, a fetch in flight. It
// is always at least one line, so the layout does not jump.
func (m *Model) statusLines() []string {
	if m.filtering {
		return []string{m.input.view()}
	}
	p := m.activePoller()
	now := m.clock.Now()
	switch {
	case p.err != nil:
		operation := "listing HPAs"
		if m.view == viewDetail {
			operation = "reading " + clean(m.detail.key.String())
		}
		// The short facts come first, so a long error cut at the last
		// line never hides how long it has lasted.
		s := "✗ " + operation + " failing for " + formatAge(p.errSince, now)
		if p.failures > 1 {
			s += " (" + strconv.Itoa(p.failures) + " attempts)"
		}
		switch {
		case m.paused:
			s += ", paused"
		case !p.nextAt.IsZero():
			s += ", retry in " + formatDuration(p.nextAt.Sub(now))
		}
		if p.stale() {
			s += ", showing data from " + formatClock(p.lastSuccess)
		}
		s += ": " + errorText(p.err)
		return m.wrapLines(s, m.width, maxStatusLines, &m.st.error)
	case m.paused:
		return []string{m.st.warning.Render("paused: press p to resume, r to refresh once")}
	case p.inFlight:
		return []string{m.st.faint.Render("refreshing…")}
	}
	return []string{""}
}

// headerLine puts left and right on one line, right-aligned, cutting left
// when both do not fit.
func (m *Model) headerLine(left, right string) string {
	rw := termtext.Width(right)
	if rw+1 >= m.width {
		return termtext.Truncate(left, m.width)
	}
	left = termtext.Truncate(left, m.width-rw-1)
	gap := m.width - termtext.Width(left) - rw
	return m.st.title.Render(left) + strings.Repeat(" ", gap) + right
}

// refreshNote is the right side of the header: the time of the data, the
// interval and the PAUSED and STALE marks.
func (m *Model) refreshNote(p *poller) string {
	var parts []string
	if !p.lastSuccess.IsZero() {
		parts = append(parts, "updated "+formatClock(p.lastSuccess))
	}
	parts = append(parts, "every "+formatWindow(p.interval))
	s := m.st.faint.Render(strings.Join(parts, " · "))
	if m.paused {
		s += " " + m.st.warning.Render("PAUSED")
	}
	if p.stale() {
		s += " " + m.st.stale.Render("STALE")
	}
	return s
}
