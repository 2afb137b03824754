package tui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

func TestNewRejectsMissingFetcher(t *testing.T) {
	if _, err := New(Options{Interval: time.Second}); err == nil {
		t.Error("New without a Fetcher returned no error")
	}
	if _, err := New(Options{Fetcher: newFakeFetcher(newFakeClock())}); err == nil {
		t.Error("New without an Interval returned no error")
	}
	if _, err := New(Options{Fetcher: newFakeFetcher(newFakeClock()), Interval: time.Second, Name: "web", AllNamespaces: true}); err == nil {
		t.Error("New with a Name across all namespaces returned no error")
	}
}

func TestListShowsRowsFromOneList(t *testing.T) {
	h := newHarness(t, Options{}, webSpec(), hpaSpec{namespace: "shop", name: "api", min: 1, max: 3, cpuMilli: []int64{100}})
	lists, _ := h.fetcher.counts()
	if lists != 1 {
		t.Errorf("lists = %d, want 1", lists)
	}
	h.requireScreenContains("HPAs in namespace shop (2)", "api", "web", "cpu 84%/80%", "updated 03:00:00")
}

func TestListGathersFindingsAtBoundedRate(t *testing.T) {
	h := newHarness(t, Options{}, webSpec(),
		hpaSpec{namespace: "shop", name: "api", min: 1, max: 3, cpuMilli: []int64{100}},
		hpaSpec{namespace: "shop", name: "gone", min: 1, max: 3, cpuMilli: []int64{100}, noTarget: true})

	// The cursor row (api, first by name) is gathered at once.
	_, gathers := h.fetcher.counts()
	if gathers[hpaKey{"shop", "api"}] != 1 || len(gathers) != 1 {
		t.Fatalf("gathers after the first list = %v, want only shop/api", gathers)
	}
	// The next one waits for findingGap.
	h.advance(findingGap - time.Millisecond)
	if _, gathers = h.fetcher.counts(); len(gathers) != 1 {
		t.Fatalf("gathers before the gap passed = %v", gathers)
	}
	h.advance(time.Millisecond)
	h.advance(findingGap)
	if _, gathers = h.fetcher.counts(); len(gathers) != 3 {
		t.Fatalf("gathers after two gaps = %v, want all three rows", gathers)
	}
	h.requireScreenContains("error ScaleTargetMissing")

	// Nothing is due until the next LIST, so no timer is armed: an idle
	// list wakes nothing but its refresh.
	if pending := len(h.clock.timers); pending != 1 {
		t.Errorf("pending timers = %d, want only the list refresh", pending)
	}

	// The next LIST makes every finding due again.
	h.advance(15 * time.Second)
	_, gathers = h.fetcher.counts()
	if gathers[hpaKey{"shop", "api"}] != 2 {
		t.Errorf("api gathered %d times after the second LIST, want 2", gathers[hpaKey{"shop", "api"}])
	}
}

func TestListCursorKeys(t *testing.T) {
	var specs []hpaSpec
	for _, name := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "c1", "c2", "c3", "c4", "c5", "c6", "c7"} {
		specs = append(specs, hpaSpec{namespace: "shop", name: name, min: 1, max: 3, cpuMilli: []int64{100}})
	}
	h := newHarness(t, Options{}, specs...)
	page := h.m.listBodyHeight()
	if page < 5 {
		t.Fatalf("list body height = %d at 80x24", page)
	}

	steps := []struct {
		key  string
		want int
	}{
		{"down", 1}, {"j", 2}, {"up", 1}, {"k", 0}, {"up", 0},
		{"pgdown", page}, {"f", min(2*page, 24)}, {"pgup", min(2*page, 24) - page},
		{"b", 0}, {"end", 24}, {"G", 24}, {"down", 24}, {"home", 0}, {"G", 24}, {"g", 0},
	}
	for _, s := range steps {
		h.key(s.key)
		if h.m.list.cursor != s.want {
			t.Errorf("after %q the cursor is %d, want %d", s.key, h.m.list.cursor, s.want)
		}
	}

	// The cursor row stays on screen after paging to the end.
	h.key("end")
	h.requireScreenContains("> c7")
}

func TestEnterOpensDetailAndEscGoesBack(t *testing.T) {
	h := newHarness(t, Options{}, webSpec())
	h.key("enter")
	if h.m.view != viewDetail {
		t.Fatal("enter did not open the detail view")
	}
	h.requireScreenContains("shop/web → Deployment/web", "PODS", "web-7d9f8b6c5d-00002")

	lists, _ := h.fetcher.counts()
	h.key("esc")
	if h.m.view != viewList {
		t.Fatal("esc did not go back to the list")
	}
	if after, _ := h.fetcher.counts(); after != lists+1 {
		t.Errorf("going back listed %d times, want once", after-lists)
	}
	h.requireScreenContains("HPAs in namespace shop")

	// The detail refresh timer armed before going back must not fetch.
	_, before := h.fetcher.counts()
	h.advance(20 * time.Second)
	_, after := h.fetcher.counts()
	if after[hpaKey{"shop", "web"}] > before[hpaKey{"shop", "web"}]+1 {
		t.Errorf("the detail view kept refreshing after esc: %d gathers, was %d", after[hpaKey{"shop", "web"}], before[hpaKey{"shop", "web"}])
	}
}

func TestEnterOnEmptyListDoesNothing(t *testing.T) {
	h := newHarness(t, Options{})
	h.key("enter")
	if h.m.view != viewList {
		t.Error("enter on an empty list left the list")
	}
	h.requireScreenContains("no HPAs in namespace shop")
}

func TestRefreshKeyFetchesNow(t *testing.T) {
	h := newHarness(t, Options{}, webSpec())
	h.key("r")
	if lists, _ := h.fetcher.counts(); lists != 2 {
		t.Errorf("lists after r = %d, want 2", lists)
	}
	// The refresh replaced the scheduled one: a single timer is pending.
	if delays := h.clock.refreshDelays(sourceList); len(delays) == 0 {
		t.Error("no refresh scheduled after r")
	}
	h.advance(15 * time.Second)
	if lists, _ := h.fetcher.counts(); lists != 3 {
		t.Errorf("lists after r and one interval = %d, want 3 (the timer replaced by r must not fire)", lists)
	}
}

func TestPauseStopsRefreshes(t *testing.T) {
	h := newHarness(t, Options{}, webSpec())
	h.key("p")
	h.requireScreenContains("PAUSED", "paused: press p to resume")
	h.advance(time.Minute)
	if lists, _ := h.fetcher.counts(); lists != 1 {
		t.Errorf("lists while paused = %d, want 1", lists)
	}

	// r still refreshes once while paused, and schedules nothing.
	h.key("r")
	if lists, _ := h.fetcher.counts(); lists != 2 {
		t.Errorf("lists after r while paused = %d, want 2", lists)
	}
	h.advance(time.Minute)
	if lists, _ := h.fetcher.counts(); lists != 2 {
		t.Errorf("lists a minute after r while paused = %d, want 2", lists)
	}

	// Resuming refreshes at once and then on the interval.
	h.key("p")
	h.requireScreenLacks("PAUSED")
	if lists, _ := h.fetcher.counts(); lists != 3 {
		t.Errorf("lists after resuming = %d, want 3", lists)
	}
	h.advance(15 * time.Second)
	if lists, _ := h.fetcher.counts(); lists != 4 {
		t.Errorf("lists one interval after resuming = %d, want 4", lists)
	}
}

func TestHelpKeyTogglesFullHelp(t *testing.T) {
	h := newHarness(t, Options{}, webSpec())
	short := h.m.listBodyHeight()
	h.key("?")
	h.requireScreenContains("page down", "top", "bottom")
	if h.m.listBodyHeight() >= short {
		t.Errorf("the full help did not take room from the list: %d rows, was %d", h.m.listBodyHeight(), short)
	}
	h.key("?")
	h.requireScreenLacks("page down")
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		h := newHarness(t, Options{}, webSpec())
		h.key(k)
		if !h.quit {
			t.Errorf("%s did not quit", k)
		}
		if h.m.ctx.Err() == nil {
			t.Errorf("%s left the fetch context running", k)
		}
	}
}

func TestFilterListByName(t *testing.T) {
	h := newHarness(t, Options{}, webSpec(),
		hpaSpec{namespace: "shop", name: "api", min: 1, max: 3, cpuMilli: []int64{100}},
		hpaSpec{namespace: "shop", name: "webhooks", min: 1, max: 3, cpuMilli: []int64{100}})
	h.key("/")
	h.typeText("WEB")
	h.requireScreenContains("/WEB", "2 of 3 matching \"WEB\"", "webhooks")
	h.requireScreenLacks("  api ")

	// q types into the filter instead of quitting.
	h.typeText("q")
	if h.quit {
		t.Fatal("q quit while typing a filter")
	}
	h.requireScreenContains("no HPA matches the filter")
	h.key("backspace")
	h.key("enter")
	if h.m.filtering {
		t.Fatal("enter did not close the filter line")
	}
	h.requireScreenContains("2 of 3 matching")

	// Esc clears an applied filter.
	h.key("esc")
	h.requireScreenContains("HPAs in namespace shop (3)")

	// Esc while typing cancels the filter.
	h.key("/")
	h.typeText("api")
	h.key("esc")
	if h.m.list.filter != "" || h.m.filtering {
		t.Errorf("esc while typing left filter %q, filtering %v", h.m.list.filter, h.m.filtering)
	}

	// Ctrl+c quits even while typing.
	h.key("/")
	h.key("ctrl+c")
	if !h.quit {
		t.Error("ctrl+c while typing did not quit")
	}
}

func TestFilterEditingKeys(t *testing.T) {
	var f filterInput
	for _, r := range "web api" {
		f.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	if f.String() != "web api" {
		t.Fatalf("typed %q", f.String())
	}
	f.update(keyMsg("ctrl+w"))
	if f.String() != "web " {
		t.Errorf("after ctrl+w: %q, want %q", f.String(), "web ")
	}
	f.update(keyMsg("ctrl+u"))
	if f.String() != "" {
		t.Errorf("after ctrl+u: %q", f.String())
	}
	if f.update(keyMsg("backspace")) {
		t.Error("backspace on an empty filter reported a change")
	}
	f.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a\x1b[31mb")})
	if strings.ContainsRune(f.String(), 0x1b) {
		t.Errorf("the filter kept an escape character: %q", f.String())
	}
	f.set(strings.Repeat("x", 1000))
	if len(f.value) != maxFilterLength {
		t.Errorf("filter length = %d, want the cap %d", len(f.value), maxFilterLength)
	}
}

// podNames returns the pod names in the order the screen shows them.
func podNames(screen string) []string {
	var names []string
	for _, line := range strings.Split(screen, "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 && strings.HasPrefix(fields[0], "web-7d9f8b6c5d-") {
			names = append(names, fields[0])
		}
	}
	return names
}

func TestDetailSortKeyCyclesOrders(t *testing.T) {
	spec := webSpec()
	spec.cpuMilli = []int64{300, 100, 500, 200}
	spec.rps = []float64{1, 40, 2, 3}
	h := newHarness(t, Options{Name: "web"}, spec)
	h.send(tea.WindowSizeMsg{Width: 160, Height: 48})

	want := map[podSort][]string{
		// cpu, highest first
		sortByValue: {"web-7d9f8b6c5d-00002", "web-7d9f8b6c5d-00000", "web-7d9f8b6c5d-00003", "web-7d9f8b6c5d-00001"},
		sortByName:  {"web-7d9f8b6c5d-00000", "web-7d9f8b6c5d-00001", "web-7d9f8b6c5d-00002", "web-7d9f8b6c5d-00003"},
		// pod i was created i minutes before pod 0
		sortByAge: {"web-7d9f8b6c5d-00000", "web-7d9f8b6c5d-00001", "web-7d9f8b6c5d-00002", "web-7d9f8b6c5d-00003"},
	}
	for _, by := range []podSort{sortByValue, sortByName, sortByAge} {
		if h.m.detail.sort != by {
			t.Fatalf("sort = %v, want %v", h.m.detail.sort, by)
		}
		if got := podNames(h.screen()); strings.Join(got, ",") != strings.Join(want[by], ",") {
			t.Errorf("sorted by %v: %v, want %v", by, got, want[by])
		}
		h.requireScreenContains("sorted by " + by.String())
		h.key("s")
	}
	if h.m.detail.sort != sortByValue {
		t.Errorf("s after the last order gave %v, want value again", h.m.detail.sort)
	}

	// Tab selects the second metric: the value sort follows it.
	h.key("tab")
	h.requireScreenContains("treatment for http_requests_per_second", "▶ http_requests_per_second")
	got := podNames(h.screen())
	if len(got) == 0 || got[0] != "web-7d9f8b6c5d-00001" {
		t.Errorf("sorted by http_requests_per_second: %v, want web-7d9f8b6c5d-00001 first", got)
	}
	h.key("tab")
	if h.m.detail.metric != 0 {
		t.Errorf("tab after the last metric selected %d, want 0", h.m.detail.metric)
	}
}

func TestDetailFilterPods(t *testing.T) {
	spec := webSpec()
	spec.max = 100
	spec.cpuMilli = make([]int64, 30)
	spec.rps = nil
	for i := range spec.cpuMilli {
		spec.cpuMilli[i] = int64(100 + i)
	}
	h := newHarness(t, Options{Name: "web"}, spec)
	h.key("/")
	h.typeText("-0001")
	h.key("enter")
	got := podNames(h.screen())
	want := []string{"web-7d9f8b6c5d-00019", "web-7d9f8b6c5d-00018", "web-7d9f8b6c5d-00017"}
	if len(got) != 10 || strings.Join(got[:3], ",") != strings.Join(want, ",") {
		t.Errorf("filtered pods = %v, want the ten of 00010-00019, highest value first", got)
	}
	h.requireScreenContains("10 of 30 matching \"-0001\"")

	// The first esc clears the filter, the second goes back.
	h.key("esc")
	if h.m.view != viewDetail || h.m.detail.filter != "" {
		t.Fatalf("first esc: view %v, filter %q", h.m.view, h.m.detail.filter)
	}
	h.key("esc")
	if h.m.view != viewList {
		t.Error("second esc did not go back to the list")
	}
}

func TestDetailScrollKeys(t *testing.T) {
	spec := webSpec()
	spec.max = 1000
	spec.cpuMilli = make([]int64, 100)
	spec.rps = nil
	for i := range spec.cpuMilli {
		spec.cpuMilli[i] = 400
	}
	h := newHarness(t, Options{Name: "web"}, spec)
	height := h.m.detailBodyHeight()
	last := len(h.m.detail.body) - height

	steps := []struct {
		key  string
		want int
	}{
		{"down", 1}, {"j", 2}, {"k", 1}, {"up", 0}, {"up", 0},
		{"pgdown", height - 1}, {" ", 2 * (height - 1)}, {"pgup", height - 1}, {"b", 0},
		{"G", last}, {"down", last}, {"g", 0}, {"end", last}, {"home", 0},
	}
	for _, s := range steps {
		h.key(s.key)
		if h.m.detail.scroll != s.want {
			t.Errorf("after %q the scroll is %d, want %d", s.key, h.m.detail.scroll, s.want)
		}
	}
	h.key("end")
	h.requireScreenContains("FINDINGS  1", "WithinTolerance")
}

func TestResizeRelaysWithoutWrapping(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {160, 48}, {40, 12}, {20, 5}, {1, 1}, {200, 3}, {0, 0}} {
		for _, name := range []string{"", "web"} {
			h := newHarness(t, Options{Name: name}, webSpec())
			h.advance(2 * time.Second)
			h.send(tea.WindowSizeMsg{Width: size.w, Height: size.h})
			screen := h.screen()
			if size.w == 0 {
				if screen != "" {
					t.Errorf("%dx%d %q: screen %q, want empty", size.w, size.h, name, screen)
				}
				continue
			}
			lines := strings.Split(screen, "\n")
			if len(lines) != size.h {
				t.Errorf("%dx%d %q: %d lines", size.w, size.h, name, len(lines))
			}
			for i, line := range lines {
				if w := displayWidth(line); w > size.w {
					t.Errorf("%dx%d %q: line %d is %d cells wide: %q", size.w, size.h, name, i, w, line)
				}
			}
		}
	}
}

func TestNarrowListDropsColumns(t *testing.T) {
	h := newHarness(t, Options{}, webSpec())
	h.advance(time.Second)
	h.send(tea.WindowSizeMsg{Width: 160, Height: 24})
	h.requireScreenContains("TARGET", "MIN-MAX", "METRICS", "FINDING")
	h.send(tea.WindowSizeMsg{Width: 50, Height: 24})
	h.requireScreenContains("NAME", "REPLICAS")
	h.requireScreenLacks("TARGET", "MIN-MAX")
	h.send(tea.WindowSizeMsg{Width: 24, Height: 24})
	h.requireScreenContains("web")
	h.requireScreenLacks("FINDING", "METRICS")
}

func TestListErrorBeforeAnyData(t *testing.T) {
	clock := newFakeClock()
	fetcher := newFakeFetcher(clock)
	fetcher.setListErr(errConnRefused)
	m, err := New(Options{Fetcher: fetcher, Clock: clock, Namespace: "shop", Interval: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: clock, fetcher: fetcher, m: m}
	h.send(tea.WindowSizeMsg{Width: 120, Height: 24})
	h.run(m.Init())

	h.requireScreenContains("✗ listing HPAs failing for 0s", "retry in 2s", "connection refused")
	// No data yet, so nothing is stale.
	h.requireScreenLacks("STALE", "showing data from")

	// The age runs while the error shows.
	h.advance(time.Second)
	h.requireScreenContains("failing for 1s", "retry in 1s")
}

func TestListErrorKeepsStaleData(t *testing.T) {
	h := newHarness(t, Options{}, webSpec())
	h.send(tea.WindowSizeMsg{Width: 140, Height: 24})
	h.fetcher.setListErr(errConnRefused)
	h.advance(15 * time.Second)
	h.requireScreenContains("STALE", "web", "showing data from 03:00:00", "failing for 0s")
	h.advance(2 * time.Second)
	h.requireScreenContains("failing for 2s (2 attempts)")

	h.fetcher.setListErr(nil)
	h.advance(4 * time.Second)
	h.requireScreenLacks("STALE", "failing")
	h.requireScreenContains("updated 03:00:21")
}

func TestDetailErrorKeepsStaleData(t *testing.T) {
	h := newHarness(t, Options{Name: "web"}, webSpec())
	h.send(tea.WindowSizeMsg{Width: 140, Height: 30})
	h.fetcher.setGatherErr(errors.New("context deadline exceeded"))
	h.advance(15 * time.Second)
	h.requireScreenContains("STALE", "✗ reading shop/web failing for 0s", "deadline exceeded", "web-7d9f8b6c5d-00002")
}

func TestBackoffDoublesToCap(t *testing.T) {
	h := newHarness(t, Options{}, webSpec())
	h.fetcher.setListErr(errConnRefused)
	h.advance(15 * time.Second)

	want := []time.Duration{2, 4, 8, 16, 32, 64, 120, 120}
	for i, w := range want {
		delays := h.clock.refreshDelays(sourceList)
		if len(delays) != 1 || delays[0] != w*time.Second {
			t.Fatalf("retry %d: pending delays %v, want [%s]", i+1, delays, w*time.Second)
		}
		h.advance(w * time.Second)
	}

	// A success returns to the interval.
	h.fetcher.setListErr(nil)
	h.advance(120 * time.Second)
	if delays := h.clock.refreshDelays(sourceList); len(delays) != 1 || delays[0] != 15*time.Second {
		t.Errorf("after recovering, pending delays %v, want [15s]", delays)
	}
}

func TestBackoffCapIsIntervalWhenLonger(t *testing.T) {
	p := poller{interval: 5 * time.Minute}
	if d := p.retryDelay(100); d != 5*time.Minute {
		t.Errorf("delay after 100 failures = %s, want the 5m interval", d)
	}
	if d := p.retryDelay(1); d != retryBaseDelay {
		t.Errorf("first delay = %s, want %s", d, retryBaseDelay)
	}
}

func TestStaleResponseIsDropped(t *testing.T) {
	h := newHarness(t, Options{}, webSpec())
	// A response to a fetch that was superseded changes nothing.
	h.send(listLoadedMsg{seq: h.m.list.poller.seq - 1, err: errConnRefused})
	h.requireScreenLacks("failing")
	h.send(detailLoadedMsg{seq: 99, key: hpaKey{"shop", "web"}, err: errConnRefused})
	h.requireScreenLacks("failing")
}

func TestHostileStringsReachNoTerminal(t *testing.T) {
	spec := webSpec()
	spec.podNames = func(i int) string { return "web-\x1b[2J\x1b]0;pwned\x07-" + string(rune('a'+i)) }
	spec.events = []corev1.Event{{
		ObjectMeta:    metav1.ObjectMeta{Name: "evil", Namespace: "shop"},
		Type:          "Warning\x1b[31m",
		Reason:        "Evil\u202e",
		Message:       "line1\nline2\x1b]8;;http://127.0.0.1/\x07link\x1b]8;;\x07\r\x9b2J",
		LastTimestamp: metav1.NewTime(epoch.Add(-time.Minute)),
	}}
	for _, color := range []bool{false, true} {
		h := newHarness(t, Options{Name: "web", Color: color}, spec)
		h.send(tea.WindowSizeMsg{Width: 200, Height: 80})
		screen := h.screen()
		for _, bad := range []string{"\x1b[2J", "\x1b]", "\x07", "\u202e", "\r", "\x9b", "\nline2"} {
			if strings.Contains(screen, bad) {
				t.Errorf("color %v: screen contains %q", color, bad)
			}
		}
		if !color && strings.ContainsRune(screen, 0x1b) {
			t.Errorf("screen without color contains an escape character")
		}
		h.requireScreenContains(`\x1b]0;pwned\x07`, `Evil\u202e`)
	}
}

func TestZeroPodsAndNoTarget(t *testing.T) {
	empty := webSpec()
	empty.cpuMilli = nil
	empty.rps = nil
	h := newHarness(t, Options{Name: "web"}, empty)
	h.requireScreenContains("PODS", "no pods")

	gone := webSpec()
	gone.noTarget = true
	h = newHarness(t, Options{Name: "web"}, gone)
	h.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	h.requireScreenContains("ScaleTargetMissing", "no pods", "did not reach the stabilization step")
}

func TestDetailBeforeFirstData(t *testing.T) {
	clock := newFakeClock()
	fetcher := newFakeFetcher(clock)
	m, err := New(Options{Fetcher: fetcher, Clock: clock, Namespace: "shop", Name: "web", Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if !strings.Contains(m.View(), "gathering…") {
		t.Errorf("screen before the first gathering:\n%s", m.View())
	}
	// Keys that need data do nothing without it.
	for _, k := range []string{"tab", "s", "down", "end", "pgdown"} {
		m.Update(keyMsg(k))
	}
	_ = m.View()
}

func TestHugePodCountRenders(t *testing.T) {
	spec := webSpec()
	spec.max = 100000
	spec.cpuMilli = make([]int64, 20000)
	spec.rps = nil
	for i := range spec.cpuMilli {
		spec.cpuMilli[i] = int64(i % 977)
	}
	h := newHarness(t, Options{Name: "web"}, spec)
	start := time.Now()
	h.key("end")
	h.key("s")
	h.key("pgup")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("three keys on 20000 pods took %s", elapsed)
	}
	h.key("g")
	h.requireScreenContains("20000 selected", "sorted by name")
}

func TestNotFoundShowsError(t *testing.T) {
	h := newHarness(t, Options{Name: "nope"}, webSpec())
	h.send(tea.WindowSizeMsg{Width: 160, Height: 24})
	h.requireScreenContains(`✗ reading shop/nope failing`, `"nope" not found`)
}

func TestRunesInOneMessageAreSeparateKeys(t *testing.T) {
	var specs []hpaSpec
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		specs = append(specs, hpaSpec{namespace: "shop", name: name, min: 1, max: 3, cpuMilli: []int64{100}})
	}
	h := newHarness(t, Options{}, specs...)
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	if h.m.list.cursor != 3 {
		t.Errorf("cursor after \"jjj\" in one message = %d, want 3", h.m.list.cursor)
	}
	// "/" starts the filter, and the runes after it are typed into it.
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("k/sh")})
	if h.m.list.cursor != 2 {
		t.Errorf("cursor after \"k/sh\" = %d, want 2", h.m.list.cursor)
	}
	if !h.m.filtering || h.m.list.filter != "sh" {
		t.Errorf("after \"k/sh\": filtering %v, filter %q; want the filter \"sh\" open", h.m.filtering, h.m.list.filter)
	}

	// Runes after a quit are not handled.
	h.key("esc")
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("qj")})
	if !h.quit || h.m.list.cursor != 2 {
		t.Errorf("after \"qj\": quit %v, cursor %d; want a quit with the cursor left at 2", h.quit, h.m.list.cursor)
	}
}

func TestShortTerminalKeepsPodsVisible(t *testing.T) {
	spec := webSpec()
	spec.max = 100
	spec.cpuMilli = make([]int64, 20)
	spec.rps = nil
	for i := range spec.cpuMilli {
		spec.cpuMilli[i] = 400
	}
	h := newHarness(t, Options{Name: "web"}, spec)
	h.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	if got := len(podNames(h.screen())); got < 2 {
		t.Errorf("a 40x12 terminal shows %d pod rows, want at least 2:\n%s", got, h.screen())
	}
}

func TestSelectedMetricStaysOnScreen(t *testing.T) {
	h := newHarness(t, Options{Name: "web"}, webSpec())
	h.send(tea.WindowSizeMsg{Width: 80, Height: 12})
	h.key("tab")
	h.requireScreenContains("▶ http_requests_per_second")
}

// nilFetcher gathers neither a state nor an error, as a broken Fetcher
// might, and lists hpas.
type nilFetcher struct {
	hpas []autoscalingv2.HorizontalPodAutoscaler
}

func (f nilFetcher) ListHPAs(context.Context, string) ([]autoscalingv2.HorizontalPodAutoscaler, error) {
	return f.hpas, nil
}

func (nilFetcher) Gather(context.Context, string, string) (*gather.State, error) {
	return nil, nil
}

func TestNilStateIsAnError(t *testing.T) {
	clock := newFakeClock()
	fetcher := nilFetcher{hpas: []autoscalingv2.HorizontalPodAutoscaler{{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}}}}
	m, err := New(Options{Fetcher: fetcher, Clock: clock, Namespace: "shop", Name: "web", Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: clock, m: m}
	h.send(tea.WindowSizeMsg{Width: 120, Height: 20})
	h.run(m.Init())
	h.requireScreenContains("gathering HPA shop/web returned no HPA")

	// The list shows a nil state from the finding gathering as a failed
	// row, without a panic.
	h.key("esc")
	h.requireScreenContains("? gathering failed", "gathering returned no HPA")
}

func TestLongErrorKeepsAgeAndCause(t *testing.T) {
	h := newHarness(t, Options{Name: "checkout"}, hpaSpec{namespace: "shop", name: "checkout", min: 1, max: 4, cpuMilli: []int64{100}})
	// The error as gather and explainError wrap client-go's.
	cause := &url.Error{
		Op:  "Get",
		URL: "https://127.0.0.1:41325/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/checkout?timeout=10s",
		Err: &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41325}, Err: syscall.ECONNREFUSED},
	}
	unreachable := &gather.UnreachableError{Server: "https://127.0.0.1:41325", Err: cause}
	h.fetcher.setGatherErr(fmt.Errorf("%w; check the cluster address and your network, or pick another context with --context", unreachable))
	h.advance(15 * time.Second)
	h.advance(2 * time.Second)
	h.requireScreenContains("✗ reading shop/checkout failing for 2s (2 attempts), retry in 4s,", "connection refused", "STALE")
	h.requireScreenLacks("timeout=10s")
	if lines := len(h.m.statusLines()); lines != maxStatusLines {
		t.Errorf("status takes %d lines at 80 columns, want %d", lines, maxStatusLines)
	}
}
