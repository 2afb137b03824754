package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/render"
	"github.com/hpametrics/kubectl-hpametrics/pkg/snapshot"
)

const explainLong = `Explain what a HorizontalPodAutoscaler sees and why it scales.

explain reads the HPA, its scale target, the pods the target's scale selector
matches, every metric value the HPA controller reads for those pods, the
metrics APIServices and the HPA's events. It then recomputes the controller's
decision as kube-controller-manager v1.37 makes it and prints, on one screen:
a one-line verdict, the replica counts, each metric against its target, each
pod's value and how the controller treats it, the computation steps, and
findings with a fix to try.

explain never writes to the cluster. The controller keeps its recommendation
history in memory, where no client can read it: conclusions that rest on it
are reconstructed from events and marked as inferred. Metrics APIs may need a
minute or two after a pod starts before they return its values.

With --from, explain reads a file instead of the cluster and needs no
kubeconfig: a snapshot written by "kubectl hpametrics snapshot", or the
output of "kubectl get hpa,deploy,pods -o yaml" and "kubectl get --raw"
metric responses appended to one file. Parts the file lacks are reported as
findings with the command that captures them. With -f, explain reads an HPA
manifest that is not applied and explains, against the cluster, what it
would do if applied now.

Exit status: 0 when an explanation was produced, whatever it found; 1 when
none could be produced; with --fail-on, 3 when a finding of that severity or
worse was found.`

const explainExample = `  # Explain the HPA "web" in the current namespace
  kubectl hpametrics explain web

  # Explain an HPA in another namespace, as JSON for scripts
  kubectl hpametrics explain web -n shop -o json

  # Match a controller-manager started with --horizontal-pod-autoscaler-tolerance=0.05
  kubectl hpametrics explain web --tolerance=0.05

  # Fail a CI job when explain finds an error
  kubectl hpametrics explain web --fail-on=error

  # Explain from a snapshot a user captured, without access to the cluster
  kubectl hpametrics explain --from snapshot.yaml

  # Explain from plain kubectl output, at a chosen time
  kubectl get hpa,deploy,pods -n shop -o yaml > web.yaml
  kubectl get --raw '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/http_requests' >> web.yaml
  kubectl hpametrics explain --from web.yaml web --now 2026-03-14T02:47:31Z

  # Check an HPA manifest before applying it
  kubectl hpametrics explain -f hpa.yaml`

// ExitFindings is the exit status when --fail-on matched a finding.
const ExitFindings = 3

// ExplainOptions holds the flags and clients of the explain command.
type ExplainOptions struct {
	configFlags *genericclioptions.ConfigFlags
	counter     *gather.RequestCounter
	genericiooptions.IOStreams

	Name      string
	Namespace string

	// From is the file (or "-" for stdin) explained instead of the
	// cluster; Filename is an HPA manifest explained against the cluster.
	From     string
	Filename string
	// NowText is --now as given; now is it parsed.
	NowText  string
	now      time.Time
	loaded   *snapshot.Loaded
	manifest *autoscalingv2.HorizontalPodAutoscaler

	Output     string
	NoColor    bool
	FailOn     string
	StaleAfter time.Duration

	ControllerSettings

	requestTimeout time.Duration
	clients        *gather.Clients
}

// NewExplainOptions returns options with the controller's defaults.
func NewExplainOptions(configFlags *genericclioptions.ConfigFlags, counter *gather.RequestCounter, streams genericiooptions.IOStreams) *ExplainOptions {
	return &ExplainOptions{
		configFlags:        configFlags,
		counter:            counter,
		IOStreams:          streams,
		ControllerSettings: defaultControllerSettings(),
	}
}

// NewCmdExplain returns the explain command.
func NewCmdExplain(configFlags *genericclioptions.ConfigFlags, counter *gather.RequestCounter, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewExplainOptions(configFlags, counter, streams)
	cmd := &cobra.Command{
		Use:                   "explain (NAME | --from FILE [NAME] | -f MANIFEST)",
		DisableFlagsInUseLine: true,
		Short:                 "Recompute an HPA's decision and explain it",
		Long:                  explainLong,
		Example:               explainExample,
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
	flags.StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml. Human-readable text when empty.")
	flags.BoolVar(&o.NoColor, "no-color", false, "Print plain text without colors (also when NO_COLOR is set or stdout is not a terminal).")
	flags.StringVar(&o.FailOn, "fail-on", "", "Exit with status 3 when a finding of this severity or worse is found: error or warning.")
	flags.DurationVar(&o.StaleAfter, "stale-after", 3*time.Minute, "Report metric samples older than this as stale.")
	flags.StringVar(&o.From, "from", "", "Explain from this file (- for stdin) instead of the cluster: a snapshot, or kubectl get output and metric responses in YAML or JSON.")
	flags.StringVarP(&o.Filename, "filename", "f", "", "Explain this HPA manifest (- for stdin) as a dry run against the cluster, as if it were applied now.")
	flags.StringVar(&o.NowText, "now", "", "With --from, the evaluation time in RFC 3339, such as 2026-03-14T02:47:31Z. Default: the file's capture time, else its newest timestamp, else the current time.")
	o.ControllerSettings.AddFlags(flags)
	return cmd
}

// Complete reads the HPA name and fills the namespace and clients from the
// kubeconfig flags. With --from it only reads the file, so no kubeconfig is
// needed; with -f it also reads the manifest.
func (o *ExplainOptions) Complete(args []string) error {
	if len(args) > 0 {
		o.Name = args[0]
	}
	if err := o.validateSources(); err != nil {
		return err
	}
	if err := o.completeNow(); err != nil {
		return err
	}
	if o.From != "" {
		return o.completeFrom()
	}
	if o.Filename == "" && o.Name == "" {
		return fmt.Errorf("accepts 1 arg(s), received 0: name the HPA, or pass --from FILE or -f MANIFEST")
	}

	namespace, _, err := o.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return fmt.Errorf("failed to read the namespace from the kubeconfig: %w", err)
	}
	o.Namespace = namespace

	o.requestTimeout, err = requestTimeout(o.configFlags)
	if err != nil {
		return err
	}
	o.clients, err = gather.NewClients(o.configFlags, o.counter, gather.Options{RequestTimeout: o.requestTimeout})
	if err != nil {
		return err
	}
	if o.Filename != "" {
		return o.completeManifest()
	}
	return nil
}

// Validate checks the flags.
func (o *ExplainOptions) Validate() error {
	switch o.Output {
	case "", "json", "yaml":
	default:
		return fmt.Errorf("invalid --output %q: use json or yaml, or leave it empty for text", o.Output)
	}
	switch o.FailOn {
	case "", string(v1alpha1.SeverityError), string(v1alpha1.SeverityWarning):
	default:
		return fmt.Errorf("invalid --fail-on %q: use error or warning", o.FailOn)
	}
	if o.StaleAfter <= 0 {
		return fmt.Errorf("invalid --stale-after %s: it must be positive", o.StaleAfter)
	}
	if err := o.validateSources(); err != nil {
		return err
	}
	return o.ControllerSettings.Validate()
}

// Run gathers, explains and prints.
func (o *ExplainOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	switch {
	case o.loaded != nil:
		return o.runFrom()
	case o.manifest != nil:
		return o.runManifest(ctx)
	}
	state, err := o.clients.Gather(ctx, o.Namespace, o.Name)
	if err != nil {
		return explainError(err, o.Namespace)
	}

	e := explain.Build(state, explain.Options{
		Config:       o.ControllerSettings.Config(),
		StaleAfter:   o.StaleAfter,
		KubectlFlags: kubectlFlags(o.configFlags),
	})
	if err := o.print(e); err != nil {
		return err
	}
	return failOn(o.FailOn, e.Findings)
}

func (o *ExplainOptions) print(e *v1alpha1.Explanation) error {
	switch o.Output {
	case "json":
		return render.JSON(o.Out, e)
	case "yaml":
		return render.YAML(o.Out, e)
	}
	return render.Text(o.Out, e, render.Options{
		Color: render.ColorWanted(o.Out, o.NoColor),
		Width: terminalWidth(o.Out),
		Now:   e.EvaluatedAt.Time,
	})
}

// failOn returns an ExitError when a finding at or above the severity exists.
func failOn(severity string, findings []v1alpha1.Finding) error {
	if severity == "" {
		return nil
	}
	var matched []string
	for _, f := range findings {
		if f.Severity == v1alpha1.SeverityError || (severity == string(v1alpha1.SeverityWarning) && f.Severity == v1alpha1.SeverityWarning) {
			matched = append(matched, f.Code)
		}
	}
	if len(matched) == 0 {
		return nil
	}
	return &ExitError{Code: ExitFindings, Err: fmt.Errorf("--fail-on=%s: found %s", severity, strings.Join(matched, ", "))}
}

// explainError turns a gathering failure into one line with the next step.
func explainError(err error, namespace string) error {
	var notFound *gather.NotFoundError
	var forbidden *gather.ForbiddenError
	var unreachable *gather.UnreachableError
	switch {
	case errors.As(err, &notFound):
		msg := err.Error()
		if len(notFound.Similar) == 0 {
			msg += fmt.Sprintf("; list the HPAs with: kubectl get hpa -n %s", namespace)
		}
		return errors.New(msg)
	case errors.As(err, &forbidden):
		return fmt.Errorf("%w; check your access with: kubectl auth can-i %s %s -n %s", err, forbidden.Verb, forbidden.Resource, forbidden.Namespace)
	case errors.As(err, &unreachable):
		return fmt.Errorf("%w; check the cluster address and your network, or pick another context with --context", err)
	}
	return err
}

// terminalWidth returns the terminal's width, or 0 when out is not one.
func terminalWidth(out any) int {
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return 0
	}
	width, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return width
}
