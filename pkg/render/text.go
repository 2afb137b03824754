// Package render prints an Explanation: as text for people, styled with
// lipgloss, and as JSON or YAML for scripts. Every string that came from the
// cluster passes through termtext.Sanitize before it reaches the text
// output.
package render

import (
	"errors"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// DefaultWidth is the width Text lays out for when Options.Width is not set.
const DefaultWidth = 80

// Options controls the text output.
type Options struct {
	// Color enables ANSI colors and bold text. Without it the output has no
	// escape sequences at all.
	Color bool
	// Width is the terminal width in columns. Zero or less means
	// DefaultWidth. Tables drop and cut columns to fit. Prose wraps at
	// this width, but commands in "check:" lines stay on one line so that
	// they can be copied.
	Width int
	// Now is the time ages are measured from. Zero means the explanation's
	// EvaluatedAt, or the current time when that is unset too.
	Now time.Time
}

// errNilExplanation is returned for a nil document.
var errNilExplanation = errors.New("render: explanation is nil")

// Text writes the human-readable explanation of an HPA: header, verdict,
// replicas, metrics, pods, computation steps, findings and events.
func Text(w io.Writer, e *v1alpha1.Explanation, opts Options) error {
	if e == nil {
		return errNilExplanation
	}

	p := &printer{
		width: opts.Width,
		pal:   newPalette(w, opts.Color),
		now:   opts.Now,
	}
	if p.width <= 0 {
		p.width = DefaultWidth
	}
	if p.now.IsZero() {
		p.now = e.EvaluatedAt.Time
	}
	if p.now.IsZero() {
		p.now = time.Now()
	}

	sections := []func(*v1alpha1.Explanation){
		p.header,
		p.verdict,
		p.replicas,
		p.metrics,
		p.pods,
		p.steps,
		p.findings,
		p.events,
	}
	for i, section := range sections {
		if i > 0 {
			p.blank()
		}
		section(e)
	}

	_, err := io.WriteString(w, p.out.String())
	return err
}

// printer accumulates the text output.
type printer struct {
	out   strings.Builder
	width int
	pal   palette
	now   time.Time
}

// line writes one line without its trailing spaces.
func (p *printer) line(s string) {
	p.out.WriteString(strings.TrimRight(s, " "))
	p.out.WriteByte('\n')
}

func (p *printer) blank() {
	p.out.WriteByte('\n')
}

// styled renders s in style, or returns it as it is for a nil style or an
// empty s.
func (p *printer) styled(style *lipgloss.Style, s string) string {
	if style == nil || s == "" {
		return s
	}
	return style.Render(s)
}

// title writes a section title with an optional faint note after it.
func (p *printer) title(name, note string) {
	s := p.styled(&p.pal.title, name)
	if note != "" {
		s += "  " + p.styled(&p.pal.faint, note)
	}
	p.line(s)
}

// paragraph writes sanitized text wrapped to the width. The first line
// starts with prefix at indent, the others are indented to line up with
// the text after the prefix.
func (p *printer) paragraph(indent int, prefix, text string, prefixStyle, style *lipgloss.Style) {
	p.hanging(indent, p.styled(prefixStyle, prefix), termtext.Width(prefix), text, style)
}

// hanging is paragraph for a prefix that is already styled and therefore
// cannot be measured; prefixWidth is its printed width. When the prefix
// leaves less than minHangWidth for the text, the prefix gets a line of its
// own and the text follows two columns in.
func (p *printer) hanging(indent int, prefix string, prefixWidth int, text string, style *lipgloss.Style) {
	hang := indent + prefixWidth
	if prefixWidth > 0 && p.width-hang < minHangWidth {
		p.line(strings.Repeat(" ", indent) + prefix)
		p.block(indent+2, text, style)
		return
	}

	width := max(p.width-hang, minWrapWidth)
	for i, l := range wrapText(text, width, width, false) {
		var b strings.Builder
		if i == 0 {
			b.WriteString(strings.Repeat(" ", indent))
			b.WriteString(prefix)
		} else {
			b.WriteString(strings.Repeat(" ", hang))
		}
		b.WriteString(p.styled(style, l))
		p.line(b.String())
	}
}

// block writes sanitized text wrapped to the width with every line at indent.
func (p *printer) block(indent int, text string, style *lipgloss.Style) {
	width := max(p.width-indent, minWrapWidth)
	for _, l := range wrapText(text, width, width, false) {
		p.line(strings.Repeat(" ", indent) + p.styled(style, l))
	}
}

const (
	// minWrapWidth keeps wrapped text readable in a very narrow terminal:
	// below it lines overflow instead of breaking after every word.
	minWrapWidth = 20
	// minHangWidth is the narrowest text column next to a prefix. Below it
	// the text moves under the prefix rather than forming a thin column.
	minHangWidth = 36
)

// clean sanitizes a cluster-supplied string for a one-line context.
func clean(s string) string {
	return termtext.Sanitize(s)
}
