package render

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// severityOrder lists the severities from the most to the least severe.
var severityOrder = []v1alpha1.Severity{
	v1alpha1.SeverityError,
	v1alpha1.SeverityWarning,
	v1alpha1.SeverityInfo,
}

// severityRank returns a severity's position in severityOrder, and
// len(severityOrder) for an unknown one, which sorts last.
func severityRank(s v1alpha1.Severity) int {
	if i := slices.Index(severityOrder, s); i >= 0 {
		return i
	}
	return len(severityOrder)
}

const (
	// severityWidth is the width of the longest severity label, "WARNING".
	severityWidth = 7
	// findingIndent is where a finding's evidence, fix and check start.
	findingIndent = 2 + severityWidth + columnGap
)

// steps writes the narrated computation, numbered.
func (p *printer) steps(e *v1alpha1.Explanation) {
	p.title("STEPS", "")
	if len(e.Steps) == 0 {
		p.line("  " + p.styled(&p.pal.faint, "No computation steps were recorded."))
		return
	}

	numberWidth := len(strconv.Itoa(len(e.Steps)))
	for i, step := range e.Steps {
		prefix := fmt.Sprintf("%*d. ", numberWidth, i+1)
		text := clean(step.Text)
		if step.Inferred {
			p.paragraph(2, prefix, text+" (inferred)", nil, &p.pal.inferred)
		} else {
			p.paragraph(2, prefix, text, nil, nil)
		}
	}
}

// findings writes the findings, the most severe first.
func (p *printer) findings(e *v1alpha1.Explanation) {
	p.title("FINDINGS", "")
	if len(e.Findings) == 0 {
		p.line("  No findings.")
		return
	}

	sorted := slices.Clone(e.Findings)
	slices.SortStableFunc(sorted, func(a, b v1alpha1.Finding) int {
		return cmp.Compare(severityRank(a.Severity), severityRank(b.Severity))
	})

	for i := range sorted {
		if i > 0 {
			p.blank()
		}
		p.finding(&sorted[i])
	}
}

// finding writes "ERROR    CODE  message", then the evidence, the fix and
// the command that checks it, indented under the message.
func (p *printer) finding(f *v1alpha1.Finding) {
	// Upper-case before sanitizing, or the escapes would turn into "\X1B".
	label := clean(strings.ToUpper(string(f.Severity)))
	if label == "" {
		label = "?"
	}
	style := p.pal.severityStyle(f.Severity)
	labelWidth := max(termtext.Width(label), severityWidth)

	prefix := p.styled(&style, label) + strings.Repeat(" ", labelWidth-termtext.Width(label)+columnGap)
	prefixWidth := labelWidth + columnGap
	if f.Code != "" {
		code := clean(f.Code)
		prefix += p.styled(&p.pal.strong, code) + strings.Repeat(" ", columnGap)
		prefixWidth += termtext.Width(code) + columnGap
	}

	message := clean(f.Message)
	if message == "" {
		message = "(no message)"
	}
	if f.Inferred {
		message += " (inferred)"
	}

	// The message continues under the evidence rather than under itself, so
	// a long code does not squeeze it into a thin column.
	first := p.width - 2 - prefixWidth
	if first < minWrapWidth {
		p.line("  " + prefix)
		p.block(findingIndent, message, nil)
	} else {
		rest := max(p.width-findingIndent, minWrapWidth)
		for i, l := range wrapText(message, first, rest, false) {
			if i == 0 {
				p.line("  " + prefix + l)
			} else {
				p.line(strings.Repeat(" ", findingIndent) + l)
			}
		}
	}

	for _, evidence := range f.Evidence {
		p.paragraph(findingIndent, "- ", clean(evidence), &p.pal.faint, &p.pal.faint)
	}
	if f.Fix != "" {
		p.paragraph(findingIndent, "fix:   ", clean(f.Fix), &p.pal.good, nil)
	}
	if f.Check != "" {
		// A command stays on one line, even past the width, so that it can
		// be copied and run as it is.
		p.line(strings.Repeat(" ", findingIndent) + p.styled(&p.pal.label, "check: ") + clean(f.Check))
	}
}
