package tui

import (
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// columnGap is the number of spaces between two columns.
const columnGap = 2

// column describes one table column and how it gives way on a narrow
// screen. Shrinking a flexible column and dropping a column are steps
// ranked on one scale: the highest rank goes first.
type column struct {
	title string
	// drop is the rank at which the column disappears; 0 never.
	drop int
	// shrink is the rank at which the column narrows to minWidth; 0 never.
	shrink   int
	minWidth int
	// lastResort columns (names) narrow to minWidth only once every
	// ranked step is taken.
	lastResort bool
	// maxWidth caps the column; 0 leaves it uncapped.
	maxWidth int
	right    bool
	// middle truncates in the middle, which keeps the hash at the end of
	// generated names such as pod names.
	middle bool
}

// cell is one table cell: text already sanitized, and an optional style.
type cell struct {
	text  string
	style *lipgloss.Style
}

// table lays out rows of cells under columns.
type table struct {
	cols []column
	rows [][]cell
}

// layoutStep is one way to win room: shrink or drop one column.
type layoutStep struct {
	rank   int
	col    int
	shrink bool
}

// layout returns the indexes of the columns that fit in width and their
// widths. It takes the ranked steps, highest rank first and shrinking
// before dropping at equal rank, until the columns fit, then returns any
// room a later drop freed to the columns shrunk before it. When even every
// step does not fit, the caller cuts the lines.
func (t *table) layout(width int) (visible []int, widths []int) {
	n := len(t.cols)
	w := t.naturalWidths()
	natural := append([]int(nil), w...)
	shown := make([]bool, n)
	for i := range shown {
		shown[i] = true
	}

	var steps []layoutStep
	for i, c := range t.cols {
		if c.shrink > 0 && c.minWidth > 0 {
			steps = append(steps, layoutStep{rank: c.shrink, col: i, shrink: true})
		}
		if c.drop > 0 {
			steps = append(steps, layoutStep{rank: c.drop, col: i})
		}
	}
	sort.SliceStable(steps, func(a, b int) bool {
		if steps[a].rank != steps[b].rank {
			return steps[a].rank > steps[b].rank
		}
		return steps[a].shrink && !steps[b].shrink
	})

	excess := columnGap*max(n-1, 0) - width
	for _, x := range w {
		excess += x
	}
	for _, s := range steps {
		if excess <= 0 {
			break
		}
		if !shown[s.col] {
			continue
		}
		if s.shrink {
			cut := min(excess, max(w[s.col]-t.cols[s.col].minWidth, 0))
			w[s.col] -= cut
			excess -= cut
			continue
		}
		shown[s.col] = false
		excess -= w[s.col] + columnGap
	}
	if excess > 0 {
		for i := n - 1; i >= 0 && excess > 0; i-- {
			if shown[i] && t.cols[i].lastResort && t.cols[i].minWidth > 0 {
				cut := min(excess, max(w[i]-t.cols[i].minWidth, 0))
				w[i] -= cut
				excess -= cut
			}
		}
	}
	// Give room freed by a drop back to the columns shrunk before it.
	for i := 0; i < n && excess < 0; i++ {
		if shown[i] && w[i] < natural[i] {
			grow := min(-excess, natural[i]-w[i])
			w[i] += grow
			excess += grow
		}
	}

	for i := range t.cols {
		if shown[i] {
			visible = append(visible, i)
			widths = append(widths, w[i])
		}
	}
	return visible, widths
}

// naturalWidths returns the width each column needs for its widest cell.
func (t *table) naturalWidths() []int {
	natural := make([]int, len(t.cols))
	for i, c := range t.cols {
		natural[i] = termtext.Width(c.title)
	}
	for _, row := range t.rows {
		for i := 0; i < len(row) && i < len(t.cols); i++ {
			natural[i] = max(natural[i], termtext.Width(row[i].text))
		}
	}
	for i, c := range t.cols {
		if c.maxWidth > 0 {
			natural[i] = min(natural[i], c.maxWidth)
		}
	}
	return natural
}

// render returns the header line and one line per row, each at most width
// cells wide.
func (t *table) render(width int, header lipgloss.Style) (head string, lines []string) {
	visible, widths := t.layout(width)

	titles := make([]cell, len(t.cols))
	for i, c := range t.cols {
		titles[i] = cell{text: c.title, style: &header}
	}
	head = t.renderRow(titles, visible, widths, width)

	lines = make([]string, 0, len(t.rows))
	for _, row := range t.rows {
		lines = append(lines, t.renderRow(row, visible, widths, width))
	}
	return head, lines
}

func (t *table) renderRow(row []cell, visible, widths []int, width int) string {
	var b strings.Builder
	for j, i := range visible {
		if j > 0 {
			b.WriteString(strings.Repeat(" ", columnGap))
		}
		var c cell
		if i < len(row) {
			c = row[i]
		}
		b.WriteString(t.fitCell(c, t.cols[i], widths[j], j == len(visible)-1))
	}
	return cutLine(b.String(), width)
}

// fitCell truncates and pads one cell to w cells. The last column is not
// padded, so lines carry no trailing spaces.
func (t *table) fitCell(c cell, col column, w int, last bool) string {
	text := c.text
	if termtext.Width(text) > w {
		if col.middle {
			text = termtext.TruncateMiddle(text, w)
		} else {
			text = termtext.Truncate(text, w)
		}
	}
	pad := max(w-termtext.Width(text), 0)
	if c.style != nil {
		text = c.style.Render(text)
	}
	switch {
	case col.right:
		return strings.Repeat(" ", pad) + text
	case last:
		return text
	}
	return text + strings.Repeat(" ", pad)
}

// cutLine cuts a line, which may carry styles, to width cells, so the
// terminal never wraps it.
func cutLine(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "")
}
