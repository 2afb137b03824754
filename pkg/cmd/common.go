package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// completionTimeout bounds the API request shell completion makes, so a
// slow cluster never hangs the shell.
const completionTimeout = 5 * time.Second

// addControllerFlags adds the kube-controller-manager settings that change
// the HPA computation, named after the controller's own flags.
func addControllerFlags(flags *pflag.FlagSet, tolerance *float64, cpuInit, readinessDelay, downscale *time.Duration) {
	flags.Float64Var(tolerance, "tolerance", *tolerance,
		"Usage ratio tolerance, as kube-controller-manager's --horizontal-pod-autoscaler-tolerance. Per-HPA behavior tolerances still apply.")
	flags.DurationVar(cpuInit, "cpu-initialization-period", *cpuInit,
		"As --horizontal-pod-autoscaler-cpu-initialization-period: how long after start a pod's cpu sample may be ignored.")
	flags.DurationVar(readinessDelay, "initial-readiness-delay", *readinessDelay,
		"As --horizontal-pod-autoscaler-initial-readiness-delay: how long after start an unready pod counts as never ready.")
	flags.DurationVar(downscale, "downscale-stabilization", *downscale,
		"As --horizontal-pod-autoscaler-downscale-stabilization: the scale-down stabilization window of HPAs without spec.behavior.")
}

func validateControllerFlags(tolerance float64, cpuInit, readinessDelay, downscale time.Duration) error {
	if tolerance < 0 {
		return fmt.Errorf("invalid --tolerance %g: it must be 0 or more", tolerance)
	}
	for name, d := range map[string]time.Duration{
		"--cpu-initialization-period": cpuInit,
		"--initial-readiness-delay":   readinessDelay,
		"--downscale-stabilization":   downscale,
	} {
		if d < 0 {
			return fmt.Errorf("invalid %s %s: it must be 0 or more", name, d)
		}
	}
	return nil
}

// requestTimeout parses --request-timeout; zero means gather's default.
func requestTimeout(configFlags *genericclioptions.ConfigFlags) (time.Duration, error) {
	if configFlags.Timeout == nil || *configFlags.Timeout == "" || *configFlags.Timeout == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(*configFlags.Timeout)
	if err != nil {
		return 0, fmt.Errorf("invalid --request-timeout %q: use a duration such as 10s", *configFlags.Timeout)
	}
	return d, nil
}

// completeHPANames completes HPA names from the cluster.
func completeHPANames(configFlags *genericclioptions.ConfigFlags) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		namespace, _, err := configFlags.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		clients, err := gather.NewClients(configFlags, gather.NewRequestCounter(), gather.Options{RequestTimeout: completionTimeout})
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
		defer cancel()
		names, err := clients.HPANames(ctx, namespace)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
