package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
)

// The golden screens are plain text: color is off. Regenerate them with
// go test ./pkg/tui -run Golden -update, and review the diff.

// goldenList returns a list of three HPAs with every finding gathered.
func goldenList(t *testing.T, width, height int) *harness {
	h := newHarness(t, Options{},
		webSpec(),
		hpaSpec{namespace: "shop", name: "checkout", min: 1, max: 4, cpuMilli: []int64{900, 950, 990, 1000}},
		hpaSpec{namespace: "shop", name: "gone", min: 1, max: 5, cpuMilli: []int64{100}, noTarget: true},
	)
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	// One finding gathering per second: three rows need two more seconds.
	for range 2 {
		h.advance(time.Second)
	}
	return h
}

// goldenDetail returns the detail view of web after four refreshes.
func goldenDetail(t *testing.T, width, height int) *harness {
	h := newHarness(t, Options{Name: "web"}, webSpec())
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	for range 3 {
		h.advance(15 * time.Second)
	}
	return h
}

func TestGoldenList80x24(t *testing.T) {
	golden.RequireEqual(t, []byte(goldenList(t, 80, 24).screen()))
}

func TestGoldenList160x48(t *testing.T) {
	golden.RequireEqual(t, []byte(goldenList(t, 160, 48).screen()))
}

func TestGoldenDetail80x24(t *testing.T) {
	golden.RequireEqual(t, []byte(goldenDetail(t, 80, 24).screen()))
}

func TestGoldenDetail160x48(t *testing.T) {
	golden.RequireEqual(t, []byte(goldenDetail(t, 160, 48).screen()))
}
