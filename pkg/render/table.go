package render

import (
	"cmp"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// columnGap is the number of spaces between table columns.
const columnGap = 2

// cutMode is the way a column narrower than its content shows a cell.
type cutMode int

const (
	// cutNone keeps the column as wide as its widest cell.
	cutNone cutMode = iota
	// cutEnd ends a cell that does not fit with an ellipsis.
	cutEnd
	// cutMiddle replaces the middle of a cell that does not fit with an
	// ellipsis, for names that end in a generated suffix.
	cutMiddle
	// cutWrap wraps a cell over several lines. Only the last column should
	// wrap, or the lines of a row would no longer read left to right.
	cutWrap
)

// cell is one sanitized table value and its style; a nil style prints plain.
type cell struct {
	text  string
	style *lipgloss.Style
}

// column is a table column and the rules for fitting it into the width.
type column struct {
	header string
	cells  []cell
	right  bool

	cut cutMode
	// minWidth is the narrowest the column may be cut to.
	minWidth int
	// maxWidth caps the column even when there is room; 0 means no cap.
	maxWidth int
	// dropRank orders the columns that may be left out when even the cut
	// columns do not fit: the highest rank goes first, 0 is never dropped.
	dropRank int
	// cutLast keeps the column whole while other columns can still be cut,
	// for names, which lose their identity when cut.
	cutLast bool
}

func (c *column) add(text string, style *lipgloss.Style) {
	c.cells = append(c.cells, cell{text: text, style: style})
}

// table is a set of columns of equal length, printed without wrapping the
// terminal: columns are cut and then dropped until the table fits.
type table struct {
	indent   int
	columns  []*column
	noHeader bool
}

// layout returns the printed width of each column, 0 for a dropped one.
// It keeps as many columns as fit at their minimum widths, then removes the
// excess by shrinking the widest cut column, one cell at a time, leaving
// the cutLast columns for the end. When even the columns that cannot be
// dropped do not fit, the table overflows.
func (t *table) layout(width int) []int {
	available := width - t.indent
	natural := make([]int, len(t.columns))
	floor := make([]int, len(t.columns))

	for i, c := range t.columns {
		w := termtext.Width(c.header)
		for _, cl := range c.cells {
			w = max(w, termtext.Width(cl.text))
		}
		if c.maxWidth > 0 {
			w = min(w, c.maxWidth)
		}
		natural[i] = w

		floor[i] = w
		if c.cut != cutNone || c.maxWidth > 0 {
			floor[i] = min(w, max(c.minWidth, 1))
		}
	}

	var droppable []int
	for i, c := range t.columns {
		if c.dropRank > 0 {
			droppable = append(droppable, i)
		}
	}
	slices.SortStableFunc(droppable, func(a, b int) int {
		return cmp.Compare(t.columns[b].dropRank, t.columns[a].dropRank)
	})

	visible := make([]bool, len(t.columns))
	for i, c := range t.columns {
		visible[i] = !c.empty()
	}
	sumOf := func(widths []int) int {
		total, count := 0, 0
		for i, w := range widths {
			if visible[i] {
				total += w
				count++
			}
		}
		return total + columnGap*max(count-1, 0)
	}

	for _, i := range droppable {
		if sumOf(floor) <= available {
			break
		}
		visible[i] = false
	}

	widths := make([]int, len(t.columns))
	for i := range widths {
		if visible[i] {
			widths[i] = natural[i]
		}
	}

	excess := sumOf(widths) - available
	for _, late := range []bool{false, true} {
		for ; excess > 0; excess-- {
			widest := -1
			for i, c := range t.columns {
				shrinkable := visible[i] && widths[i] > floor[i] && (late || !c.cutLast)
				if shrinkable && (widest < 0 || widths[i] > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			widths[widest]--
		}
	}
	return widths
}

// fits reports whether a table laid out with widths fits in width.
func (t *table) fits(widths []int, width int) bool {
	total, count := t.indent, 0
	for _, w := range widths {
		if w > 0 {
			total += w
			count++
		}
	}
	return total+columnGap*max(count-1, 0) <= width
}

// empty reports whether the column has rows but no values, so that its
// header alone would waste space.
func (c *column) empty() bool {
	if len(c.cells) == 0 {
		return false
	}
	for _, cl := range c.cells {
		if cl.text != "" {
			return false
		}
	}
	return true
}

// fit returns the lines a cell takes in a column of the given width.
func (c *column) fit(text string, width int) []string {
	if termtext.Width(text) <= width {
		return []string{text}
	}

	switch c.cut {
	case cutMiddle:
		return []string{termtext.TruncateMiddle(text, width)}
	case cutWrap:
		return wrapText(text, width, width, true)
	}
	return []string{termtext.Truncate(text, width)}
}

// table prints t within the printer's width.
func (p *printer) table(t *table) {
	widths := t.layout(p.width)

	if !t.noHeader {
		headers := make([]cell, len(t.columns))
		for i, c := range t.columns {
			headers[i] = cell{text: c.header, style: &p.pal.header}
		}
		p.tableRow(t, widths, headers)
	}

	rows := 0
	for _, c := range t.columns {
		rows = max(rows, len(c.cells))
	}
	for row := range rows {
		cells := make([]cell, len(t.columns))
		for i, c := range t.columns {
			if row < len(c.cells) {
				cells[i] = c.cells[row]
			}
		}
		p.tableRow(t, widths, cells)
	}
}

// tableRow prints one row, over several lines when a cell wraps.
func (p *printer) tableRow(t *table, widths []int, cells []cell) {
	fitted := make([][]string, len(cells))
	height := 1
	for i, c := range t.columns {
		if widths[i] == 0 {
			continue
		}
		fitted[i] = c.fit(cells[i].text, widths[i])
		height = max(height, len(fitted[i]))
	}

	for line := range height {
		last := -1
		for i := range cells {
			if widths[i] > 0 && line < len(fitted[i]) && fitted[i][line] != "" {
				last = i
			}
		}

		var b strings.Builder
		b.WriteString(strings.Repeat(" ", t.indent))
		first := true
		for i := 0; i <= last; i++ {
			if widths[i] == 0 {
				continue
			}
			if !first {
				b.WriteString(strings.Repeat(" ", columnGap))
			}
			first = false

			text := ""
			if line < len(fitted[i]) {
				text = fitted[i][line]
			}
			padding := strings.Repeat(" ", max(widths[i]-termtext.Width(text), 0))

			if t.columns[i].right {
				b.WriteString(padding)
			}
			b.WriteString(p.styled(cells[i].style, text))
			if !t.columns[i].right && i < last {
				b.WriteString(padding)
			}
		}
		p.line(b.String())
	}
}
