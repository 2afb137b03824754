// Command cluster-bins builds the local test cluster's programs (etcd,
// kube-apiserver, kube-controller-manager and the fixture metrics adapter)
// where they are missing or stale, and prints their paths.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/binaries"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	set, err := binaries.Ensure(ctx, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster-bins:", err)
		os.Exit(1)
	}
	fmt.Println(set.Etcd)
	fmt.Println(set.KubeAPIServer)
	fmt.Println(set.KubeControllerManager)
	fmt.Println(set.MetricsAdapter)
}
