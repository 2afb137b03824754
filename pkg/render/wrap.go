package render

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// wrapText breaks sanitized text into lines, the first at most first cells
// wide and the others at most rest cells. It breaks at spaces only, unlike
// ansi.Wrap, which also breaks at hyphens and so would split pod names. A
// word longer than a line is cut across lines when cutWords is set, for
// table cells, and otherwise gets a line of its own that overflows, so that
// paths and names stay whole for copying.
func wrapText(text string, first, rest int, cutWords bool) []string {
	first = max(first, 1)
	rest = max(rest, 1)
	width := first

	var lines []string
	var current strings.Builder
	currentWidth := 0

	flush := func() {
		lines = append(lines, current.String())
		current.Reset()
		currentWidth = 0
		width = rest
	}

	for _, word := range strings.Split(text, " ") {
		if word == "" {
			continue
		}
		wordWidth := termtext.Width(word)

		for cutWords && wordWidth > width {
			if currentWidth > 0 {
				flush()
			}
			head, tail := splitAtWidth(word, width)
			current.WriteString(head)
			flush()
			word = tail
			wordWidth = termtext.Width(word)
		}
		if word == "" {
			continue
		}

		switch {
		case currentWidth == 0:
			current.WriteString(word)
			currentWidth = wordWidth
		case currentWidth+1+wordWidth <= width:
			current.WriteByte(' ')
			current.WriteString(word)
			currentWidth += 1 + wordWidth
		default:
			flush()
			current.WriteString(word)
			currentWidth = wordWidth
		}
	}

	if currentWidth > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// splitAtWidth splits s after the last whole grapheme cluster that fits in
// width cells. The head holds at least one cluster, even one wider than
// width, so callers that loop over the rest always make progress.
func splitAtWidth(s string, width int) (head, rest string) {
	used := 0
	end := 0
	for end < len(s) {
		cluster, clusterWidth := ansi.FirstGraphemeCluster(s[end:], ansi.GraphemeWidth)
		if cluster == "" {
			break
		}
		if end > 0 && used+clusterWidth > width {
			break
		}
		used += clusterWidth
		end += len(cluster)
	}
	return s[:end], s[end:]
}
