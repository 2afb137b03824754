package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// Fetcher reads the cluster for the model. The watch command backs it with
// gather.Clients; tests pass a fake. The model calls it only from tea.Cmds,
// so it may block, and it must be safe for concurrent use: a list refresh
// and a finding gathering can be in flight at once.
type Fetcher interface {
	// ListHPAs lists the HPAs in namespace, or in every namespace when
	// namespace is "".
	ListHPAs(ctx context.Context, namespace string) ([]autoscalingv2.HorizontalPodAutoscaler, error)
	// Gather reads one HPA and everything the controller reads for it, as
	// gather.Clients.Gather does.
	Gather(ctx context.Context, namespace, name string) (*gather.State, error)
}

// Clock is the model's source of time. Tests inject a fake one to control
// ages, history timestamps and the back-off without sleeping.
type Clock interface {
	Now() time.Time
	// After returns a command that delivers msg once d has passed.
	After(d time.Duration, msg tea.Msg) tea.Cmd
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After schedules msg with tea.Tick.
func (SystemClock) After(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}
