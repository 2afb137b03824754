package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/render"
	"github.com/hpametrics/kubectl-hpametrics/pkg/tui"
)

const watchLong = `Watch HorizontalPodAutoscalers live in the terminal.

Without NAME, watch lists the HPAs of the namespace (or of all namespaces with
-A): target, replicas, each metric against its target as the HPA's status
reports it, and the most severe finding of a full diagnosis. The list costs
one LIST of HPAs per refresh; the FINDING column gathers the rows on screen
one at a time, at most one per second, starting with the row under the
cursor. Enter opens an HPA; Esc goes back.

The view of one HPA shows the verdict, the replicas, each metric against its
target with a sparkline of the values seen, the pods with their values and
how the controller treats them, the recommendation this watch recomputed at
each refresh and what the stabilization windows make of them, recent events
and the findings. The controller keeps its recommendation history in memory,
where no client can read it. Until the watch has run without a break for as
long as the windows the controller reads, the recomputation merges its own
observations with history inferred from events, and says so.

Keys: arrows or j/k move, enter opens, esc goes back or clears the filter,
r refreshes now, p pauses, / filters by name, tab selects the metric, s
changes the pods' sort order, ? shows every key, q quits.

An API error shows in the status line with its age. The last good data stays
on screen marked STALE, and retries back off from 2s, doubling up to 2m (or
--interval when longer). watch never writes to the cluster.`

const watchExample = `  # List the HPAs of the current namespace, refreshed every 15s
  kubectl hpametrics watch

  # Watch one HPA, refreshed every 5s
  kubectl hpametrics watch web --interval=5s

  # List the HPAs of every namespace, without colors, keeping the output in the scrollback
  kubectl hpametrics watch -A --no-color --no-alt-screen`

// watchFPS is the frame rate of the screen. Bubble Tea's renderer wakes at
// this rate whether or not anything changed, which is nearly all the CPU
// the view uses between refreshes. Measured over 60 s in tmux against
// pkg/tui/testdata/fakeapi on a shared 2-core VM, the detail view used
// 0.54% of a core at 60 fps and 0.26% at 20 fps. At 20 fps a key press
// shows within 50 ms.
const watchFPS = 20

// minWatchInterval keeps the refreshes from turning into a load test of the
// API server.
const minWatchInterval = time.Second

// WatchOptions holds the flags and clients of the watch command.
type WatchOptions struct {
	configFlags *genericclioptions.ConfigFlags
	counter     *gather.RequestCounter
	genericiooptions.IOStreams

	Name          string
	Namespace     string
	AllNamespaces bool

	Interval    time.Duration
	NoAltScreen bool
	NoColor     bool

	ControllerSettings

	fetcher tui.Fetcher
}

// NewWatchOptions returns options with the controller's defaults.
func NewWatchOptions(configFlags *genericclioptions.ConfigFlags, counter *gather.RequestCounter, streams genericiooptions.IOStreams) *WatchOptions {
	return &WatchOptions{
		configFlags:        configFlags,
		counter:            counter,
		IOStreams:          streams,
		Interval:           15 * time.Second,
		ControllerSettings: defaultControllerSettings(),
	}
}

// NewCmdWatch returns the watch command.
func NewCmdWatch(configFlags *genericclioptions.ConfigFlags, counter *gather.RequestCounter, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewWatchOptions(configFlags, counter, streams)
	cmd := &cobra.Command{
		Use:                   "watch [NAME]",
		DisableFlagsInUseLine: true,
		Short:                 "Watch HPAs live: metrics, pods, recommendations and findings",
		Long:                  watchLong,
		Example:               watchExample,
		Args:                  cobra.MaximumNArgs(1),
		ValidArgsFunction:     completeHPANames(configFlags),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}

	flags := cmd.Flags()
	flags.DurationVar(&o.Interval, "interval", o.Interval,
		"Time between refreshes; the default matches the controller's default sync period (--horizontal-pod-autoscaler-sync-period).")
	flags.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List the HPAs of every namespace.")
	flags.BoolVar(&o.NoAltScreen, "no-alt-screen", false, "Draw in the main screen, so the last screen stays in the terminal's scrollback after quitting.")
	flags.BoolVar(&o.NoColor, "no-color", false, "Draw without colors (also when NO_COLOR is set).")
	o.ControllerSettings.AddFlags(flags)
	return cmd
}

// Complete reads the HPA name and fills the namespace and the fetcher from
// the kubeconfig flags.
func (o *WatchOptions) Complete(args []string) error {
	if len(args) > 0 {
		o.Name = args[0]
	}
	namespace, _, err := o.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return fmt.Errorf("failed to read the namespace from the kubeconfig: %w", err)
	}
	o.Namespace = namespace

	timeout, err := requestTimeout(o.configFlags)
	if err != nil {
		return err
	}

	// The request counter keeps one string per request for the life of the
	// process, which a watch running for days would grow without bound, and
	// watch shows no request counts, so its clients are built uncounted.
	// NOTE: with a count-only mode in gather.RequestCounter, watch could
	// keep counting.
	o.configFlags.WrapConfigFn = nil
	o.fetcher, err = newClusterFetcher(o.configFlags, o.counter, timeout)
	return err
}

// Validate checks the flags.
func (o *WatchOptions) Validate() error {
	if o.Name != "" && o.AllNamespaces {
		return errors.New("an HPA cannot be watched by name across all namespaces: drop -A, or drop NAME to list every namespace")
	}
	if o.Interval < minWatchInterval {
		return fmt.Errorf("invalid --interval %s: use %s or more", o.Interval, minWatchInterval)
	}
	return o.ControllerSettings.Validate()
}

// Run draws the live view until the user quits.
func (o *WatchOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	out, ok := o.Out.(*os.File)
	if !ok || !term.IsTerminal(out.Fd()) {
		return errors.New("watch needs a terminal on standard output; for scripts use: kubectl hpametrics explain NAME -o json")
	}

	cfg := o.ControllerSettings.Config()

	model, err := tui.New(tui.Options{
		Fetcher:       o.fetcher,
		Namespace:     o.Namespace,
		AllNamespaces: o.AllNamespaces,
		Name:          o.Name,
		Interval:      o.Interval,
		Config:        cfg,
		Color:         render.ColorWanted(o.Out, o.NoColor),
		Output:        o.Out,
		Context:       ctx,
	})
	if err != nil {
		return err
	}

	programOptions := []tea.ProgramOption{tea.WithFPS(watchFPS), tea.WithContext(ctx), tea.WithOutput(o.Out), tea.WithInput(o.In)}
	if !o.NoAltScreen {
		programOptions = append(programOptions, tea.WithAltScreen())
	}
	_, err = tea.NewProgram(model, programOptions...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}
