package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// spec500 is web with 500 busy pods and both metrics.
func spec500() hpaSpec {
	spec := webSpec()
	spec.max = 1000
	spec.cpuMilli = make([]int64, 500)
	spec.rps = make([]float64, 500)
	for i := range spec.cpuMilli {
		spec.cpuMilli[i] = int64(200 + i%400)
		spec.rps[i] = float64(i%37) / 2
	}
	return spec
}

// BenchmarkDetailView500Pods renders the whole detail view of an HPA with
// 500 pods at 160x48, with the body cache dropped each time, as after a
// refresh, a resize or a sort.
func BenchmarkDetailView500Pods(b *testing.B) {
	h := newHarness(b, Options{Name: "web"}, spec500())
	h.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	h.advance(15 * time.Second)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.m.detail.bodyDirty = true
		_ = h.m.View()
	}
}

// BenchmarkDetailScroll500Pods renders the detail view after a scroll,
// which reuses the cached body.
func BenchmarkDetailScroll500Pods(b *testing.B) {
	h := newHarness(b, Options{Name: "web"}, spec500())
	h.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.m.Update(keyMsg("down"))
		_ = h.m.View()
	}
}

// BenchmarkSnapshot500Pods recomputes and diagnoses an HPA with 500 pods,
// the work each detail refresh does off the UI goroutine.
func BenchmarkSnapshot500Pods(b *testing.B) {
	state := buildState(spec500())(epoch)
	cfg := replicas.DefaultConfig()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buildSnapshot(state, cfg, 0, historySource{}, epoch)
	}
}
