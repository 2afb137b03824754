// Package e2e runs end-to-end tests against a real local control plane
// (see package harness), started once for the whole package.
package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// cluster is shared by every test. Tests isolate themselves by namespace.
var cluster *harness.Cluster

// auditPolicy records every request at Metadata level, so tests can check
// which verbs a client used.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
`

// Timeouts sized for the two-second HPA sync period: the controller needs
// a few syncs to read metrics, scale and report.
const (
	readyTimeout = 60 * time.Second
	scaleTimeout = 90 * time.Second
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// Building the binaries takes several minutes on a cold cache, which
	// counts against this context.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	started := time.Now()
	var err error
	cluster, err = harness.Start(ctx, harness.Options{
		Log: os.Stderr,
		Dir: os.Getenv("HPAMETRICS_E2E_DIR"),
		// A short CPU initialization period lets freshly started fixture
		// pods count toward cpu utilization within the test's timeout.
		HPACPUInitializationPeriod: 5 * time.Second,
		AuditPolicy:                auditPolicy,
	})
	if err != nil {
		// Failing here fails every test in the package: a missing cluster
		// must never look like a pass.
		fmt.Fprintf(os.Stderr, "e2e: start the local control plane: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: cluster up in %s (including any binary build: %s)\n",
		cluster.StartElapsed.Round(100*time.Millisecond), time.Since(started).Round(100*time.Millisecond))

	code := m.Run()

	if code != 0 {
		cluster.KeepDir()
		fmt.Fprintf(os.Stderr, "e2e: control-plane logs are in %s/logs (kept because a test failed)\n", cluster.Dir)
	}
	if err := cluster.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stop the control plane: %v\n", err)
		return 1
	}
	return code
}
