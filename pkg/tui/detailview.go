package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

const (
	// maxVerdictLines bounds the verdict, so the body keeps its room.
	maxVerdictLines = 3
	// maxMetricLines bounds the metric lines at the top; the rest are
	// summed up in one line.
	maxMetricLines = 5
	// maxSparkWidth bounds a metric's sparkline.
	maxSparkWidth = 30
	// compactHeight is the terminal height below which the top of the
	// detail view shrinks to leave the pods some room.
	compactHeight = 20
)

// topLimits returns how many lines the verdict, the replicas and the
// metrics may take at the top of the detail view at the current height.
func (m *Model) topLimits() (verdict, replicasLines, metrics int) {
	switch {
	case m.height < compactHeight:
		return 1, 1, 2
	case m.height < 30:
		return 2, 2, maxMetricLines
	}
	return maxVerdictLines, 2, maxMetricLines
}

// detailTop renders the fixed part of the detail view: title, verdict,
// replicas and metrics.
func (m *Model) detailTop() []string {
	d := &m.detail
	title := clean(d.key.String())
	if d.snap != nil {
		t := d.snap.explanation.Target
		title += " → " + clean(t.Kind) + "/" + clean(t.Name)
	}
	lines := []string{m.headerLine(title, m.refreshNote(&d.poller))}

	if d.snap == nil {
		if d.poller.err == nil {
			lines = append(lines, m.st.faint.Render("gathering…"))
		}
		return lines
	}
	e := d.snap.explanation
	verdictLines, replicasLines, metricLines := m.topLimits()
	lines = append(lines, m.wrapLines(clean(e.Verdict), m.width, verdictLines, &m.st.strong)...)
	lines = append(lines, m.wrapLines(m.replicasLine(e), m.width, replicasLines, nil)...)
	lines = append(lines, m.metricLines(e, metricLines)...)
	if m.height < compactHeight {
		return lines
	}
	return append(lines, "")
}

// wrapLines wraps text to width and keeps at most limit lines, marking a
// cut with an ellipsis.
func (m *Model) wrapLines(text string, width, limit int, style *lipgloss.Style) []string {
	return m.wrapHanging(text, width, limit, "", style)
}

// wrapHanging wraps like wrapLines and starts each line after the first
// with hang, for list items whose continuation lines sit under their text.
func (m *Model) wrapHanging(text string, width, limit int, hang string, style *lipgloss.Style) []string {
	if width <= 0 || limit <= 0 {
		return nil
	}
	lines := strings.Split(ansi.Wrap(text, width, ""), "\n")
	if hang != "" && len(lines) > 1 {
		rest := strings.Join(lines[1:], " ")
		lines = append(lines[:1], strings.Split(ansi.Wrap(rest, max(width-termtext.Width(hang), 1), ""), "\n")...)
		for i := 1; i < len(lines); i++ {
			lines[i] = hang + lines[i]
		}
	}
	if len(lines) > limit {
		lines = lines[:limit]
		lines[limit-1] = termtext.Truncate(lines[limit-1]+" "+termtext.Ellipsis, width)
	}
	if style != nil {
		for i := range lines {
			lines[i] = style.Render(lines[i])
		}
	}
	return lines
}

func (m *Model) replicasLine(e *v1alpha1.Explanation) string {
	r := e.Replicas
	parts := []string{
		"replicas " + strconv.Itoa(int(r.Current)),
		"status desired " + strconv.Itoa(int(r.StatusDesired)),
	}
	if r.Recommended != nil {
		parts = append(parts, "recomputed "+strconv.Itoa(int(*r.Recommended)))
	} else {
		parts = append(parts, "recomputed -")
	}
	parts = append(parts, "min "+strconv.Itoa(int(r.Min))+" max "+strconv.Itoa(int(r.Max)))
	if r.LimitReason != "" && r.LimitReason != "DesiredWithinRange" {
		parts = append(parts, clean(r.LimitReason))
	}
	if r.StabilizationReason != "" && r.StabilizationReason != "ReadyForNewScale" {
		parts = append(parts, clean(r.StabilizationReason))
	}
	if r.Recommended != nil && r.Inferred {
		parts = append(parts, "rests on inferred history")
	}
	return strings.Join(parts, " · ")
}

// metricLines shows up to limit metrics' current value against the target
// with a sparkline of the samples this watch has seen. The selected metric
// is marked.
func (m *Model) metricLines(e *v1alpha1.Explanation, limit int) []string {
	d := &m.detail
	t := m.tracker(d.key)
	var lines []string
	// The selected metric always shows: the window starts at it when it
	// lies past the limit.
	first := 0
	if d.metric >= limit {
		first = d.metric - limit + 1
	}
	for i := first; i < len(e.Metrics); i++ {
		if i-first == limit {
			lines = append(lines, m.st.faint.Render("  +"+strconv.Itoa(len(e.Metrics)-limit)+" more metrics: tab selects them"))
			break
		}
		metric := &e.Metrics[i]
		mark := "  "
		if i == d.metric {
			mark = "▶ "
		}
		text := mark + metricLabel(metric) + "  " + formatValue(metric, metric.Current) + " / " + formatValue(metric, &metric.Target)
		if !metric.Valid {
			// An empty error means the controller did not get to the
			// metrics, for example with replicas outside [min, max].
			reason := clean(metric.Error)
			if reason == "" {
				reason = "not computed"
			}
			lines = append(lines, m.st.error.Render(termtext.Truncate(text+"  ✗ "+reason, m.width)))
			continue
		}
		tail := ""
		if metric.UsageRatio != nil {
			tail += "  ratio " + strconv.FormatFloat(*metric.UsageRatio, 'f', 2, 64)
		}
		if metric.ProposedReplicas != nil {
			tail += " → " + strconv.Itoa(int(*metric.ProposedReplicas))
		}
		room := m.width - termtext.Width(text) - termtext.Width(tail) - 2
		if i < len(t.samples) && room >= 4 {
			text += "  " + sparkline(t.samples[i], metric.Target.Value, min(room, maxSparkWidth))
		}
		lines = append(lines, text+tail)
	}
	if len(e.Metrics) == 0 {
		lines = append(lines, m.st.faint.Render("  no metrics in spec"))
	}
	return lines
}

// detailBodyHeight is the number of body lines on screen.
func (m *Model) detailBodyHeight() int {
	return max(m.height-len(m.detailTop())-m.footerHeight(), 0)
}

// detailVisibleBody returns the body lines on screen.
func (m *Model) detailVisibleBody(height int) []string {
	body := m.detailBody()
	m.detail.clampScroll(height)
	start := min(m.detail.scroll, len(body))
	end := min(start+height, len(body))
	return body[start:end]
}

// detailBody returns the scrollable part, rendering it again only when
// something it shows changed.
func (m *Model) detailBody() []string {
	d := &m.detail
	if !d.bodyDirty && d.bodyWidth == m.width && d.body != nil {
		return d.body
	}
	d.body = m.renderDetailBody()
	d.bodyWidth = m.width
	d.bodyDirty = false
	return d.body
}

// renderDetailBody renders the pods, the observed recommendations, the
// events and the findings.
func (m *Model) renderDetailBody() []string {
	d := &m.detail
	if d.snap == nil {
		return []string{}
	}
	e := d.snap.explanation
	var lines []string
	lines = append(lines, m.podSection(e)...)
	lines = append(lines, "")
	lines = append(lines, m.historySection()...)
	lines = append(lines, "")
	lines = append(lines, m.eventSection(e)...)
	lines = append(lines, "")
	lines = append(lines, m.findingSection(e)...)
	return lines
}

// sectionTitle renders a section title followed by a faint note.
func (m *Model) sectionTitle(name, note string) string {
	s := m.st.title.Render(name)
	if note != "" {
		s += "  " + m.st.faint.Render(note)
	}
	return s
}
