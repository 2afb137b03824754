package tui

import (
	"io"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// styles are the watch screen's styles. The colors are the 16 basic ANSI
// colors, which the terminal's theme keeps readable on dark and light
// backgrounds. Without color every style renders plain text, so nothing on
// screen relies on color alone: the cursor row has a marker and states are
// spelled out.
type styles struct {
	title   lipgloss.Style
	header  lipgloss.Style
	faint   lipgloss.Style
	strong  lipgloss.Style
	plain   lipgloss.Style
	cursor  lipgloss.Style
	error   lipgloss.Style
	warning lipgloss.Style
	info    lipgloss.Style
	good    lipgloss.Style
	stale   lipgloss.Style
	help    help.Styles
}

// newStyles binds the styles to a renderer for out. The color profile is
// forced rather than detected, and the background is declared dark, so that
// lipgloss never queries the terminal while Bubble Tea reads its input.
func newStyles(out io.Writer, color bool) styles {
	r := lipgloss.NewRenderer(out)
	r.SetHasDarkBackground(true)
	if color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}

	faint := r.NewStyle().Faint(true)
	return styles{
		title:   r.NewStyle().Bold(true),
		header:  faint,
		faint:   faint,
		strong:  r.NewStyle().Bold(true),
		plain:   r.NewStyle(),
		cursor:  r.NewStyle().Reverse(true),
		error:   r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		warning: r.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
		info:    r.NewStyle().Foreground(lipgloss.Color("6")),
		good:    r.NewStyle().Foreground(lipgloss.Color("2")),
		stale:   r.NewStyle().Foreground(lipgloss.Color("3")).Reverse(true),
		help: help.Styles{
			Ellipsis:       faint,
			ShortKey:       r.NewStyle().Bold(true),
			ShortDesc:      faint,
			ShortSeparator: faint,
			FullKey:        r.NewStyle().Bold(true),
			FullDesc:       faint,
			FullSeparator:  faint,
		},
	}
}

// severity returns the style of a finding severity.
func (s *styles) severity(sev v1alpha1.Severity) lipgloss.Style {
	switch sev {
	case v1alpha1.SeverityError:
		return s.error
	case v1alpha1.SeverityWarning:
		return s.warning
	case v1alpha1.SeverityInfo:
		return s.info
	}
	return s.strong
}

// podState returns the style of a pod's state for a metric.
func (s *styles) podState(state string) lipgloss.Style {
	switch state {
	case "Missing":
		return s.error
	case "Unready", "Ignored":
		return s.warning
	}
	return s.plain
}
