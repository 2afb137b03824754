package render

import (
	"io"
	"os"

	"golang.org/x/term"
)

// ColorWanted reports whether text output to out should be colored: out is
// a terminal, --no-color is off, NO_COLOR is unset or empty (the convention
// of no-color.org) and TERM is not "dumb".
func ColorWanted(out io.Writer, noColorFlag bool) bool {
	if noColorFlag {
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	if os.Getenv("TERM") == "dumb" {
		return false
	}

	f, ok := out.(*os.File)
	if !ok || f == nil {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
