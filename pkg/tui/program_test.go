package tui

import (
	"bytes"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// TestProgramDrivenLikeAPerson runs the model in a real Bubble Tea program
// with teatest and drives it with keys and resizes, as a person would.
func TestProgramDrivenLikeAPerson(t *testing.T) {
	clock := newFakeClock()
	fetcher := newFakeFetcher(clock)
	fetcher.add(buildState(webSpec()))
	fetcher.add(buildState(hpaSpec{namespace: "shop", name: "checkout", min: 1, max: 4, cpuMilli: []int64{900, 950}}))
	m, err := New(Options{Fetcher: fetcher, Clock: clock, Namespace: "shop", Interval: 15 * time.Second, Config: replicas.DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}

	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))

	// The renderer repaints only the lines that change, so each wait looks
	// at the output written since the last action, kept across waits.
	var output bytes.Buffer
	mark := 0
	act := func(msgs ...tea.Msg) {
		mark = output.Len()
		for _, msg := range msgs {
			tm.Send(msg)
		}
	}
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, err := io.Copy(&output, tm.Output()); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(output.Bytes()[mark:], []byte(what)) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the screen did not show %q within 5s; output since the last action:\n%s", what, output.Bytes()[mark:])
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	waitFor("HPAs in namespace shop (2)")
	waitFor("checkout")

	// checkout sorts first; down moves to web, enter opens it.
	act(tea.KeyMsg{Type: tea.KeyDown}, tea.KeyMsg{Type: tea.KeyEnter})
	waitFor("shop/web → Deployment/web")
	waitFor("sorted by value ↓")

	act(keyMsg("s"))
	waitFor("sorted by name")

	act(keyMsg("/"), keyMsg("0"), keyMsg("0"), keyMsg("0"), keyMsg("0"), keyMsg("1"), keyMsg("enter"))
	waitFor(`1 of 3 matching "00001"`)

	act(tea.WindowSizeMsg{Width: 160, Height: 48})
	waitFor("http_requests_p…")

	act(keyMsg("tab"))
	waitFor("treatment for http_requests_per_second")

	act(keyMsg("esc")) // clears the filter
	waitFor("3 selected")
	act(keyMsg("esc")) // back to the list
	waitFor("MIN-MAX")

	act(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final, ok := tm.FinalModel(t).(*Model)
	if !ok {
		t.Fatalf("final model is %T", tm.FinalModel(t))
	}
	if final.view != viewList {
		t.Errorf("final view = %v, want the list", final.view)
	}
	if final.ctx.Err() == nil {
		t.Error("quitting left the fetch context running")
	}
}
