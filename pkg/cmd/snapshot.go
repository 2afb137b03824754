package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/snapshot"
)

const snapshotLong = `Capture everything explain reads for an HPA into one file.

snapshot gathers what explain gathers (the HPA and the other HPAs of its
namespace, the scale target's scale subresource, the selected pods, the
ReplicaSets' metadata, the HPA's events, the metrics APIServices, the custom
metrics discovery document and every metric response, failures included) and
prints it as a kubectl-style v1 List. "kubectl hpametrics explain --from FILE"
explains the file later, anywhere, without access to the cluster.

Pods are redacted: their annotations, container env and envFrom, command,
args, probes, volumes and volume mounts are left out. Requests, labels, owner
references, conditions and images are kept, because the computation reads
them. Read the file before sharing it.`

const snapshotExample = `  # Capture the HPA "web" for a colleague or a support ticket
  kubectl hpametrics snapshot web -n shop > web-snapshot.yaml

  # Explain it later, without the cluster
  kubectl hpametrics explain --from web-snapshot.yaml`

// SnapshotOptions holds the flags and clients of the snapshot command.
type SnapshotOptions struct {
	configFlags *genericclioptions.ConfigFlags
	counter     *gather.RequestCounter
	genericiooptions.IOStreams

	Name      string
	Namespace string
	// Output is the file format: yaml or json.
	Output string

	clients *gather.Clients
}

// NewCmdSnapshot returns the snapshot command.
func NewCmdSnapshot(configFlags *genericclioptions.ConfigFlags, counter *gather.RequestCounter, streams genericiooptions.IOStreams) *cobra.Command {
	o := &SnapshotOptions{configFlags: configFlags, counter: counter, IOStreams: streams, Output: "yaml"}
	cmd := &cobra.Command{
		Use:                   "snapshot NAME",
		DisableFlagsInUseLine: true,
		Short:                 "Capture what explain reads for an HPA into a file",
		Long:                  snapshotLong,
		Example:               snapshotExample,
		Args:                  cobra.ExactArgs(1),
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
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "File format: yaml or json.")
	return cmd
}

// Complete reads the HPA name and builds the clients from the kubeconfig.
func (o *SnapshotOptions) Complete(args []string) error {
	o.Name = args[0]
	namespace, _, err := o.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return fmt.Errorf("failed to read the namespace from the kubeconfig: %w", err)
	}
	o.Namespace = namespace

	timeout, err := requestTimeout(o.configFlags)
	if err != nil {
		return err
	}
	o.clients, err = gather.NewClients(o.configFlags, o.counter, gather.Options{RequestTimeout: timeout})
	return err
}

// Validate checks the flags.
func (o *SnapshotOptions) Validate() error {
	switch o.Output {
	case "yaml", "json":
		return nil
	}
	return fmt.Errorf("invalid --output %q: use yaml or json", o.Output)
}

// Run gathers and writes the snapshot to stdout, and one line about it to
// stderr so that a redirected stdout holds only the file.
func (o *SnapshotOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	state, err := o.clients.Gather(ctx, o.Namespace, o.Name)
	if err != nil {
		return explainError(err, o.Namespace)
	}
	data, err := snapshot.Encode(state, o.Output)
	if err != nil {
		return err
	}
	if _, err := o.Out.Write(data); err != nil {
		return fmt.Errorf("failed to write the snapshot: %w", err)
	}
	fmt.Fprintf(o.ErrOut, "Captured HPA %s/%s with %d pods in %d API requests. Explain it with: kubectl hpametrics explain --from FILE\n",
		state.Namespace, state.Name, len(state.Pods), state.Requests)
	return nil
}
