package tui

import (
	"strconv"
	"strings"

	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// listTopHeight is the title line and the table header.
const listTopHeight = 2

// cursorMark marks the cursor row, which must show without color too.
const cursorMark = "> "

// listBodyHeight is the number of table rows on screen.
func (m *Model) listBodyHeight() int {
	// The line above the footer describes the row under the cursor.
	return max(m.height-listTopHeight-1-m.footerHeight(), 0)
}

// listScreen renders the title, the table header and the rows on screen,
// and the line that describes the row under the cursor.
func (m *Model) listScreen() (top, body []string) {
	l := &m.list
	scope := "namespace " + clean(m.opts.Namespace)
	if m.opts.AllNamespaces {
		scope = "all namespaces"
	}
	count := strconv.Itoa(len(l.rows))
	if l.filter != "" {
		count = strconv.Itoa(len(l.shown)) + " of " + count + " matching \"" + clean(l.filter) + "\""
	}
	title := m.headerLine("HPAs in "+scope+" ("+count+")", m.refreshNote(&l.poller))

	height := m.listBodyHeight()
	visible := l.visibleRows(height)
	t := m.listTable(visible)
	// The cursor row is drawn reversed as a whole; a cell style inside it
	// would end the reverse at its reset sequence.
	if i := l.cursor - l.top; i >= 0 && i < len(t.rows) {
		for j := range t.rows[i] {
			t.rows[i][j].style = nil
		}
	}
	head, lines := t.render(max(m.width-len(cursorMark), 0), m.st.header)

	top = []string{title, "  " + head}
	for i, line := range lines {
		if l.top+i == l.cursor {
			// In color the reversed bar spans the screen, so the row
			// reads as selected; without color the mark alone shows it.
			pad := 0
			if m.opts.Color {
				pad = max(m.width-len(cursorMark)-termtext.Width(line), 0)
			}
			body = append(body, m.st.cursor.Render(cursorMark+line+strings.Repeat(" ", pad)))
		} else {
			body = append(body, "  "+line)
		}
	}
	switch {
	case l.poller.lastSuccess.IsZero() && l.poller.err == nil:
		body = append(body, m.st.faint.Render("  loading…"))
	case len(l.rows) == 0 && l.poller.err == nil:
		body = append(body, m.st.faint.Render("  no HPAs in "+scope))
	case len(l.shown) == 0 && len(l.rows) > 0:
		body = append(body, m.st.faint.Render("  no HPA matches the filter; esc clears it"))
	}
	for len(body) < height {
		body = append(body, "")
	}
	body = append(body, m.selectedLine())
	return top, body
}

// listTable builds the table of the given rows. On a narrow screen long
// targets shrink, MIN-MAX and TARGET go, METRICS and FINDING shrink, then
// NAMESPACE (with -A), METRICS and FINDING go; NAME and REPLICAS stay.
func (m *Model) listTable(rows []int) *table {
	t := &table{cols: []column{
		{title: "NAMESPACE", drop: 3, shrink: 4, minWidth: 8, maxWidth: 20},
		{title: "NAME", minWidth: 12, maxWidth: 40, lastResort: true, middle: true},
		{title: "TARGET", drop: 5, shrink: 7, minWidth: 20, maxWidth: 40},
		{title: "REPLICAS", right: true},
		{title: "MIN-MAX", drop: 6},
		{title: "METRICS", drop: 2, shrink: 4, minWidth: 14, maxWidth: 60},
		{title: "FINDING", drop: 1, shrink: 3, minWidth: 12},
	}}
	for _, idx := range rows {
		r := &m.list.rows[idx]
		replicasText := strconv.Itoa(int(r.current))
		// The controller leaves status.desiredReplicas at 0 when it could
		// not compute anything, which is no plan to scale to zero.
		if r.desired != r.current && r.desired > 0 {
			replicasText += "→" + strconv.Itoa(int(r.desired))
		}
		finding := m.findingCell(r)
		row := []cell{
			{text: clean(r.key.Namespace)},
			{text: clean(r.key.Name)},
			{text: r.target},
			{text: replicasText},
			{text: strconv.Itoa(int(r.min)) + "-" + strconv.Itoa(int(r.max))},
			{text: strings.Join(r.metrics, ", ")},
			finding,
		}
		t.rows = append(t.rows, row)
	}
	if !m.opts.AllNamespaces {
		// One namespace needs no NAMESPACE column.
		t.cols = t.cols[1:]
		for i := range t.rows {
			t.rows[i] = t.rows[i][1:]
		}
	}
	return t
}

// findingCell shows the most severe finding of a row: "…" before its
// gathering, "?" when that failed, "ok" when there is none.
func (m *Model) findingCell(r *listRow) cell {
	f, ok := m.list.findings[r.key]
	switch {
	case !ok || f.uid != r.uid:
		return cell{text: "…", style: &m.st.faint}
	case f.err != nil:
		return cell{text: "? gathering failed", style: &m.st.warning}
	case f.summary.Finding == nil:
		return cell{text: "ok", style: &m.st.good}
	}
	finding := f.summary.Finding
	style := m.st.severity(finding.Severity)
	return cell{text: string(finding.Severity) + " " + clean(finding.Code), style: &style}
}

// selectedLine describes the row under the cursor in one line: its
// verdict, or why the diagnosis failed.
func (m *Model) selectedLine() string {
	r, ok := m.list.selected()
	if !ok {
		return ""
	}
	f, ok := m.list.findings[r.key]
	var text string
	switch {
	case !ok || f.uid != r.uid:
		text = "diagnosing " + clean(r.key.String()) + "…"
	case f.err != nil:
		text = clean(r.key.String()) + ": " + clean(f.err.Error())
	default:
		text = clean(r.key.String()) + ": " + clean(f.summary.Verdict)
		if f.summary.Finding != nil {
			text += " [" + clean(f.summary.Finding.Message) + "]"
		}
	}
	return m.st.faint.Render(termtext.Truncate(text, m.width))
}
