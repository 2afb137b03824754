// Command metrics-adapter is the fixture metrics adapter of the local test
// cluster. It serves custom.metrics.k8s.io (v1beta1 and v1beta2),
// external.metrics.k8s.io and metrics.k8s.io from values that tests set
// through a loopback control endpoint (see package adapter/control).
package main

import (
	"flag"
	"fmt"
	"os"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/logs"
	"k8s.io/klog/v2"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter"
)

func main() {
	logs.InitLogs()
	defer logs.FlushLogs()

	a := adapter.NewAdapter()
	klogFlags := flag.NewFlagSet("klog", flag.ExitOnError)
	klog.InitFlags(klogFlags)
	a.FlagSet.AddGoFlagSet(klogFlags)
	if err := a.FlagSet.Parse(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "metrics-adapter:", err)
		os.Exit(2)
	}

	ctx := genericapiserver.SetupSignalContext()
	if err := a.Run(ctx); err != nil {
		klog.ErrorS(err, "Metrics adapter failed")
		logs.FlushLogs()
		os.Exit(1)
	}
}
