// Package tui is the live terminal view of "kubectl hpametrics watch": a
// list of HPAs and a detail view of one, refreshed on an interval. It is a
// Bubble Tea program whose cluster access goes through a Fetcher and whose
// time comes from a Clock, so tests drive it without a cluster or sleeps.
package tui

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// Options configure a Model.
type Options struct {
	Fetcher Fetcher
	// Clock is SystemClock when nil.
	Clock Clock
	// Namespace is the namespace to list, and the namespace of Name.
	Namespace string
	// AllNamespaces lists the HPAs of every namespace.
	AllNamespaces bool
	// Name opens the detail view of this HPA first; empty starts with the
	// list.
	Name string
	// Interval is the time between refreshes.
	Interval time.Duration
	// Config holds the controller settings to recompute with.
	Config replicas.Config
	// StaleAfter is the metric sample age reported as stale; zero means
	// the diagnosis default.
	StaleAfter time.Duration
	// Color enables colors; without it the screen is plain text.
	Color bool
	// Output is the terminal the styles are bound to; io.Discard when nil.
	Output io.Writer
	// Context bounds every fetch; the model cancels its own child of it
	// when it quits.
	Context context.Context
}

type view int

const (
	viewList view = iota
	viewDetail
)

// Model is the watch screen. It is a tea.Model; use it as a pointer.
type Model struct {
	opts   Options
	clock  Clock
	keys   KeyMap
	st     styles
	help   help.Model
	ctx    context.Context
	cancel context.CancelFunc

	width  int
	height int

	view      view
	paused    bool
	showHelp  bool
	filtering bool
	input     filterInput

	list     listModel
	detail   detailModel
	trackers map[hpaKey]*tracker

	ageTicking bool
}

// New returns a model for opts.
func New(opts Options) (*Model, error) {
	if opts.Fetcher == nil {
		return nil, errors.New("tui: Options.Fetcher is required")
	}
	if opts.Interval <= 0 {
		return nil, errors.New("tui: Options.Interval must be positive")
	}
	if opts.Name != "" && (opts.Namespace == "" || opts.AllNamespaces) {
		return nil, errors.New("tui: Options.Name needs Options.Namespace and no AllNamespaces")
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	parent := opts.Context
	if parent == nil {
		parent = context.Background()
	}

	m := &Model{
		opts:     opts,
		clock:    opts.Clock,
		keys:     DefaultKeyMap(),
		st:       newStyles(opts.Output, opts.Color),
		help:     help.New(),
		list:     newListModel(opts.Interval),
		trackers: map[hpaKey]*tracker{},
	}
	m.ctx, m.cancel = context.WithCancel(parent)
	m.help.Styles = m.st.help
	// Two spaces instead of " • " keep the detail view's keys, quit
	// included, on one line of 80 columns.
	m.help.ShortSeparator = "  "

	if opts.Name != "" {
		m.view = viewDetail
		m.detail = newDetailModel(hpaKey{Namespace: opts.Namespace, Name: opts.Name}, opts.Interval)
	}
	return m, nil
}

// Init starts the first fetch.
func (m *Model) Init() tea.Cmd {
	if m.view == viewDetail {
		return m.fetchDetail()
	}
	return m.fetchList()
}

// listNamespace is the namespace the list reads; "" for all namespaces.
func (m *Model) listNamespace() string {
	if m.opts.AllNamespaces {
		return ""
	}
	return m.opts.Namespace
}

// activePoller returns the poller of the view on screen.
func (m *Model) activePoller() *poller {
	if m.view == viewDetail {
		return &m.detail.poller
	}
	return &m.list.poller
}

// Update handles one message. Fetching runs in the commands it returns,
// never here.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 0), max(msg.Height, 0)
		m.help.Width = m.width
		m.relayout()
		return m, m.scheduleFindings()
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	case listLoadedMsg:
		return m, m.onListLoaded(msg)
	case detailLoadedMsg:
		return m, m.onDetailLoaded(msg)
	case findingLoadedMsg:
		return m, m.onFindingLoaded(msg)
	case refreshDueMsg:
		return m, m.onRefreshDue(msg)
	case findingDueMsg:
		m.list.findingTimer = false
		return m, m.scheduleFindings()
	case ageTickMsg:
		m.ageTicking = false
		return m, m.ensureAgeTick()
	}
	return m, nil
}

// relayout keeps the cursor and the scroll position valid after a change of
// size or content.
func (m *Model) relayout() {
	m.list.ensureVisible(m.listBodyHeight())
	if m.view == viewDetail {
		m.detailBody()
		m.detail.clampScroll(m.detailBodyHeight())
	}
}

func (m *Model) onRefreshDue(msg refreshDueMsg) tea.Cmd {
	p := &m.list.poller
	if msg.src == sourceDetail {
		p = &m.detail.poller
	}
	if msg.gen != p.timerGen || p.inFlight || m.paused {
		return nil
	}
	if msg.src == sourceDetail {
		if m.view != viewDetail {
			return nil
		}
		return m.fetchDetail()
	}
	if m.view != viewList {
		return nil
	}
	return m.fetchList()
}

// afterFetch schedules the next refresh of p after d, unless paused.
func (m *Model) afterFetch(p *poller, d time.Duration) tea.Cmd {
	if m.paused {
		return nil
	}
	return p.schedule(m.clock, d)
}

// ensureAgeTick keeps a one-second redraw running while the status line
// shows a running age. Otherwise nothing wakes the program between
// refreshes.
func (m *Model) ensureAgeTick() tea.Cmd {
	if m.ageTicking || m.activePoller().err == nil {
		return nil
	}
	m.ageTicking = true
	return m.clock.After(time.Second, ageTickMsg{})
}

func (m *Model) quit() tea.Cmd {
	m.cancel()
	return tea.Quit
}
