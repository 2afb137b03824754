package render

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// palette holds the styles of the text output. The colors are the 16 basic
// ANSI colors, which the terminal's theme maps to shades that stay readable
// on both dark and light backgrounds.
type palette struct {
	title    lipgloss.Style
	header   lipgloss.Style
	faint    lipgloss.Style
	strong   lipgloss.Style
	error    lipgloss.Style
	warning  lipgloss.Style
	info     lipgloss.Style
	good     lipgloss.Style
	label    lipgloss.Style
	inferred lipgloss.Style
}

// newPalette binds the styles to a renderer for w. The color profile is
// forced rather than detected, so output depends only on color and never on
// the environment, and the background is declared dark so that lipgloss
// never queries the terminal.
func newPalette(w io.Writer, color bool) palette {
	r := lipgloss.NewRenderer(w)
	r.SetHasDarkBackground(true)
	if color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}

	return palette{
		title:    r.NewStyle().Bold(true),
		header:   r.NewStyle().Faint(true),
		faint:    r.NewStyle().Faint(true),
		strong:   r.NewStyle().Bold(true),
		error:    r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		warning:  r.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
		info:     r.NewStyle().Foreground(lipgloss.Color("6")),
		good:     r.NewStyle().Foreground(lipgloss.Color("2")),
		label:    r.NewStyle().Foreground(lipgloss.Color("4")),
		inferred: r.NewStyle().Faint(true).Italic(true),
	}
}

// severityStyle returns the style of a finding's severity label.
func (p *palette) severityStyle(s v1alpha1.Severity) lipgloss.Style {
	switch s {
	case v1alpha1.SeverityError:
		return p.error
	case v1alpha1.SeverityWarning:
		return p.warning
	case v1alpha1.SeverityInfo:
		return p.info
	}
	return p.strong
}
