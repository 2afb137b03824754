package render

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// openTerminal returns the master side of a new pseudo-terminal, which is a
// terminal device like the one a user's shell writes to.
func openTerminal(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal available: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestColorWanted(t *testing.T) {
	tty := openTerminal(t)

	pipeReader, pipeWriter, err := os.Pipe()
	if err != nil {
		t.Fatalf("pipe: %v", err)
	}
	t.Cleanup(func() {
		pipeReader.Close()
		pipeWriter.Close()
	})

	tests := []struct {
		name    string
		out     io.Writer
		noColor bool
		env     map[string]string
		want    bool
	}{
		{"terminal", tty, false, nil, true},
		{"terminal with empty NO_COLOR", tty, false, map[string]string{"NO_COLOR": ""}, true},
		{"terminal with NO_COLOR", tty, false, map[string]string{"NO_COLOR": "1"}, false},
		{"terminal with --no-color", tty, true, nil, false},
		{"dumb terminal", tty, false, map[string]string{"TERM": "dumb"}, false},
		{"pipe", pipeWriter, false, nil, false},
		{"buffer", &bytes.Buffer{}, false, nil, false},
		{"nil file", (*os.File)(nil), false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			os.Unsetenv("NO_COLOR")
			t.Setenv("TERM", "xterm-256color")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}

			if got := ColorWanted(tt.out, tt.noColor); got != tt.want {
				t.Errorf("ColorWanted = %v, want %v", got, tt.want)
			}
		})
	}
}
