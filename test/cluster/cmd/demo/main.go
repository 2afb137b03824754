// Command demo runs the local control plane with workloads whose HPAs show
// the situations kubectl-hpametrics explains. They are a healthy HPA, a
// metric that is not served, pods without values, an HPA pinned at
// maxReplicas and a scale-down held by the stabilization window. The demo
// varies the metric values until it receives SIGTERM or SIGINT, then stops
// every process it started.
//
// "make demo" runs it in the background and "make demo-down" stops it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// State is what the demo writes to <state-dir>/state.json for "make demo"
// and "make demo-down".
type State struct {
	Pid        int            `json:"pid"`
	Ready      bool           `json:"ready"`
	Kubeconfig string         `json:"kubeconfig"`
	ClusterDir string         `json:"clusterDir"`
	Namespace  string         `json:"namespace"`
	HPAs       []string       `json:"hpas"`
	Pids       map[string]int `json:"pids"`
	Ports      map[string]int `json:"ports"`
	StartedAt  time.Time      `json:"startedAt"`
}

func main() {
	stateDir := flag.String("state-dir", ".demo", "Directory for state.json and the demo kubeconfig.")
	interval := flag.Duration("interval", 10*time.Second, "How often the metric values change.")
	flag.Parse()

	log.SetFlags(log.Ldate | log.Ltime)
	if err := run(*stateDir, *interval); err != nil {
		log.Printf("demo failed: %v", err)
		os.Exit(1)
	}
}

func run(stateDir string, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("invalid --interval %s: must be positive", interval)
	}
	stateDir, err := filepath.Abs(stateDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	statePath := filepath.Join(stateDir, "state.json")
	defer os.Remove(statePath)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log.Printf("starting the local control plane")
	cluster, err := harness.Start(ctx, harness.Options{
		Log:           log.Writer(),
		HPASyncPeriod: 5 * time.Second,
	})
	if err != nil {
		return err
	}
	defer func() {
		log.Printf("stopping the control plane")
		if err := cluster.Stop(); err != nil {
			log.Printf("stop the control plane: %v", err)
		}
	}()

	state := State{
		Pid:        os.Getpid(),
		Kubeconfig: filepath.Join(stateDir, "kubeconfig"),
		ClusterDir: cluster.Dir,
		Namespace:  demoNamespace,
		Pids:       cluster.Pids(),
		Ports:      cluster.Ports(),
		StartedAt:  time.Now(),
	}
	if err := cluster.WriteKubeconfig(state.Kubeconfig, demoNamespace); err != nil {
		return err
	}
	defer os.Remove(state.Kubeconfig)
	if err := writeState(statePath, state); err != nil {
		return err
	}

	scenario := newScenario(cluster)
	if err := scenario.setUp(ctx); err != nil {
		return err
	}
	// The HPA list goes to a plain file too, one name a line, for the
	// shell script behind "make demo".
	hpaListPath := filepath.Join(stateDir, "hpas")
	if err := os.WriteFile(hpaListPath, []byte(strings.Join(scenario.hpaNames(), "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("write HPA list: %w", err)
	}
	defer os.Remove(hpaListPath)
	state.HPAs = scenario.hpaNames()
	state.Ready = true
	if err := writeState(statePath, state); err != nil {
		return err
	}
	log.Printf("demo ready: export KUBECONFIG=%s", state.Kubeconfig)

	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			log.Printf("received a stop signal")
			return nil
		case <-ticker.C:
			if err := cluster.CheckAlive(); err != nil {
				return err
			}
			if err := scenario.update(ctx); err != nil && !errors.Is(err, context.Canceled) {
				// A missed update only delays the next values, so the
				// demo keeps going.
				log.Printf("update metric values: %v", err)
			}
		}
	}
}

// writeState replaces the state file atomically, so "make demo" never reads
// a half-written file.
func writeState(path string, state State) error {
	data, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write demo state: %w", err)
	}
	return os.Rename(tmp, path)
}
