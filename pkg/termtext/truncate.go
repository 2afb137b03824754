package termtext

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Ellipsis marks the place where Truncate and TruncateMiddle cut text.
const Ellipsis = "…"

// Width returns the number of terminal cells s occupies, counting wide
// characters (East Asian scripts, most emoji) as two. It measures grapheme
// clusters as lipgloss does, so text laid out here lines up with text that
// lipgloss lays out.
func Width(s string) int {
	return ansi.StringWidth(s)
}

// Truncate shortens s to at most width cells, replacing the cut end with an
// ellipsis. It returns s unchanged when it fits and "" when width is not
// positive. A wide character that would straddle the limit is dropped, so
// the result can be one cell narrower than width.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if Width(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, Ellipsis)
}

// TruncateMiddle shortens s to at most width cells by replacing its middle
// with an ellipsis. Generated Kubernetes names carry their distinguishing
// hash at the end ("checkout-7d9f8b6c5d-x2k4p"), so the end keeps the larger
// half. It returns s unchanged when it fits and "" when width is not
// positive. Like Truncate it expects text without escape sequences, such as
// the output of Sanitize.
func TruncateMiddle(s string, width int) string {
	if width <= 0 {
		return ""
	}

	total := Width(s)
	if total <= width {
		return s
	}
	if width <= 2 {
		return Truncate(s, width)
	}

	keptWidth := width - Width(Ellipsis)
	headWidth := keptWidth / 2
	tailWidth := keptWidth - headWidth

	head := ansi.Truncate(s, headWidth, "")
	return head + Ellipsis + lastCells(s, tailWidth)
}

// lastCells returns the longest suffix of s made of whole grapheme clusters
// that is at most width cells wide.
func lastCells(s string, width int) string {
	var clusters []string
	var widths []int
	for rest := s; rest != ""; {
		cluster, w := ansi.FirstGraphemeCluster(rest, ansi.GraphemeWidth)
		if cluster == "" {
			break
		}
		clusters = append(clusters, cluster)
		widths = append(widths, w)
		rest = rest[len(cluster):]
	}

	start := len(clusters)
	used := 0
	for start > 0 && used+widths[start-1] <= width {
		start--
		used += widths[start]
	}

	var b strings.Builder
	for _, cluster := range clusters[start:] {
		b.WriteString(cluster)
	}
	return b.String()
}
