package tui

import (
	"strconv"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// maxEvents bounds the events listed, newest first.
const maxEvents = 10

// eventSection renders the HPA's recent events.
func (m *Model) eventSection(e *v1alpha1.Explanation) []string {
	lines := []string{m.sectionTitle("EVENTS", "newest first")}
	if len(e.Events) == 0 {
		return append(lines, m.st.faint.Render("  none"))
	}
	t := &table{cols: []column{
		{title: "TYPE", drop: 2},
		{title: "REASON", shrink: 3, minWidth: 10, maxWidth: 28},
		{title: "AGE", right: true, drop: 1},
		{title: "MESSAGE", shrink: 5, minWidth: 10},
	}}
	now := e.EvaluatedAt.Time
	for i := range e.Events {
		if i == maxEvents {
			break
		}
		ev := &e.Events[i]
		age := "-"
		if ev.Last != nil {
			age = formatAge(ev.Last.Time, now)
		}
		if ev.Count > 1 {
			age += " (x" + strconv.Itoa(int(ev.Count)) + ")"
		}
		typ := cell{text: clean(ev.Type)}
		if ev.Type == "Warning" {
			typ.style = &m.st.warning
		}
		t.rows = append(t.rows, []cell{typ, {text: clean(ev.Reason)}, {text: age}, {text: clean(ev.Message)}})
	}
	head, body := t.render(m.width-2, m.st.header)
	lines = append(lines, "  "+head)
	for _, line := range body {
		lines = append(lines, "  "+line)
	}
	if len(e.Events) > maxEvents {
		lines = append(lines, m.st.faint.Render("  +"+strconv.Itoa(len(e.Events)-maxEvents)+" older"))
	}
	return lines
}

// findingSection renders every finding with its evidence, fix and check,
// most severe first.
func (m *Model) findingSection(e *v1alpha1.Explanation) []string {
	lines := []string{m.sectionTitle("FINDINGS", strconv.Itoa(len(e.Findings)))}
	if len(e.Findings) == 0 {
		return append(lines, m.st.faint.Render("  none"))
	}
	width := m.width - 4
	for rank := 0; rank <= 3; rank++ {
		for i := range e.Findings {
			f := &e.Findings[i]
			if severityRank(f.Severity) != rank {
				continue
			}
			style := m.st.severity(f.Severity)
			head := "  " + style.Render(string(f.Severity)) + " " + m.st.strong.Render(clean(f.Code))
			if f.Inferred {
				head += m.st.faint.Render(" (inferred)")
			}
			lines = append(lines, head)
			lines = append(lines, indent(m.wrapLines(clean(f.Message), width, 6, nil), "    ")...)
			for _, ev := range f.Evidence {
				lines = append(lines, indent(m.wrapHanging("- "+clean(ev), width, 3, "  ", &m.st.faint), "    ")...)
			}
			if f.Fix != "" {
				lines = append(lines, indent(m.wrapHanging("fix: "+clean(f.Fix), width, 4, "     ", nil), "    ")...)
			}
			if f.Check != "" {
				lines = append(lines, indent(m.wrapHanging("check: "+clean(f.Check), width, 3, "       ", &m.st.faint), "    ")...)
			}
		}
	}
	return lines
}

func indent(lines []string, prefix string) []string {
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return lines
}
