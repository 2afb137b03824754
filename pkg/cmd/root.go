// Package cmd wires the kubectl-hpametrics command line: one Options struct
// per command with Complete, Validate and Run, as kubectl's own commands do.
package cmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// NewRootCmd returns the kubectl-hpametrics command with its subcommands.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	configFlags := genericclioptions.NewConfigFlags(true)

	root := &cobra.Command{
		Use: "kubectl-hpametrics",
		// kubectl runs the plugin as "kubectl hpametrics", so usage lines read that way.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl hpametrics"},
		Short:       "Explain what a HorizontalPodAutoscaler sees and why it scales",
		Long: `Inspect a HorizontalPodAutoscaler: fetch the per-pod metric values the HPA
controller reads, recompute the controller's decision, and explain in plain
words why the HPA did or did not scale.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)

	// Every client built from the flags shares one counter, so explain can
	// report how many API requests it made.
	counter := gather.NewRequestCounter()
	configFlags.WrapConfigFn = counter.WrapConfig

	flags := root.PersistentFlags()
	configFlags.AddFlags(flags)
	// Unlike kubectl, the plugin bounds every request: 0 means its default.
	if f := flags.Lookup("request-timeout"); f != nil {
		f.Usage = "How long to wait for each API request before giving up, such as 5s or 1m. 0 means the default of 10s."
	}

	root.AddCommand(NewCmdExplain(configFlags, counter, streams))
	root.AddCommand(NewCmdWatch(configFlags, counter, streams))
	root.AddCommand(NewCmdSnapshot(configFlags, counter, streams))
	root.AddCommand(NewCmdVersion(streams))
	return root
}
