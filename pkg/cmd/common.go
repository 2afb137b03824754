package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// completionTimeout bounds the HPA list request that shell completion makes,
// both as the request timeout and as the context deadline, so that a slow
// cluster delays the shell by about that long at most.
const completionTimeout = 5 * time.Second

// ControllerSettings are the kube-controller-manager settings that change
// the HPA computation. Commands embed them so that their flags, checks and
// defaults are the same everywhere.
type ControllerSettings struct {
	Tolerance                    float64
	CPUInitializationPeriod      time.Duration
	InitialReadinessDelay        time.Duration
	DownscaleStabilizationWindow time.Duration
}

// defaultControllerSettings returns the controller's defaults.
func defaultControllerSettings() ControllerSettings {
	defaults := replicas.DefaultConfig()
	return ControllerSettings{
		Tolerance:                    defaults.Tolerance,
		CPUInitializationPeriod:      defaults.CPUInitializationPeriod,
		InitialReadinessDelay:        defaults.DelayOfInitialReadinessStatus,
		DownscaleStabilizationWindow: defaults.DownscaleStabilizationWindow,
	}
}

// AddFlags adds the settings as flags named after the controller's own.
func (s *ControllerSettings) AddFlags(flags *pflag.FlagSet) {
	flags.Float64Var(&s.Tolerance, "tolerance", s.Tolerance,
		"Usage ratio tolerance, as kube-controller-manager's --horizontal-pod-autoscaler-tolerance. Per-HPA behavior tolerances still apply.")
	flags.DurationVar(&s.CPUInitializationPeriod, "cpu-initialization-period", s.CPUInitializationPeriod,
		"As --horizontal-pod-autoscaler-cpu-initialization-period: how long after start a pod's cpu sample may be ignored.")
	flags.DurationVar(&s.InitialReadinessDelay, "initial-readiness-delay", s.InitialReadinessDelay,
		"As --horizontal-pod-autoscaler-initial-readiness-delay: how long after start an unready pod counts as never ready.")
	flags.DurationVar(&s.DownscaleStabilizationWindow, "downscale-stabilization", s.DownscaleStabilizationWindow,
		"As --horizontal-pod-autoscaler-downscale-stabilization: the scale-down stabilization window of HPAs without spec.behavior.")
}

// Validate rejects negative settings.
func (s *ControllerSettings) Validate() error {
	if s.Tolerance < 0 {
		return fmt.Errorf("invalid --tolerance %g: it must be 0 or more", s.Tolerance)
	}
	for _, d := range []struct {
		flag  string
		value time.Duration
	}{
		{"--cpu-initialization-period", s.CPUInitializationPeriod},
		{"--initial-readiness-delay", s.InitialReadinessDelay},
		{"--downscale-stabilization", s.DownscaleStabilizationWindow},
	} {
		if d.value < 0 {
			return fmt.Errorf("invalid %s %s: it must be 0 or more", d.flag, d.value)
		}
	}
	return nil
}

// Config returns the computation settings: the controller's defaults with
// these settings applied.
func (s *ControllerSettings) Config() replicas.Config {
	cfg := replicas.DefaultConfig()
	cfg.Tolerance = s.Tolerance
	cfg.CPUInitializationPeriod = s.CPUInitializationPeriod
	cfg.DelayOfInitialReadinessStatus = s.InitialReadinessDelay
	cfg.DownscaleStabilizationWindow = s.DownscaleStabilizationWindow
	return cfg
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

// kubectlFlags returns the connection flags the user set, in kubectl's
// syntax, so that suggested kubectl commands reach the same cluster as the
// same user.
func kubectlFlags(configFlags *genericclioptions.ConfigFlags) []string {
	var flags []string
	add := func(name string, value *string) {
		if value != nil && *value != "" {
			flags = append(flags, "--"+name+"="+shellQuote(*value))
		}
	}
	add("kubeconfig", configFlags.KubeConfig)
	add("context", configFlags.Context)
	add("cluster", configFlags.ClusterName)
	add("user", configFlags.AuthInfoName)
	add("as", configFlags.Impersonate)
	if configFlags.ImpersonateGroup != nil {
		for _, group := range *configFlags.ImpersonateGroup {
			add("as-group", &group)
		}
	}
	return flags
}

// shellQuote quotes a value for a POSIX shell when it holds anything but
// plain characters.
func shellQuote(value string) string {
	for _, r := range value {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@=,", r)) {
			return "'" + strings.ReplaceAll(value, "'", `'\''`) + "'"
		}
	}
	return value
}
