// Package harness starts a real Kubernetes v1.37.2 control plane on
// 127.0.0.1 for end-to-end tests and the demo: etcd, kube-apiserver,
// kube-controller-manager (with the HPA, deployment, replicaset and
// statefulset controllers) and the fixture metrics adapter, registered
// through APIServices. There is no kubelet or scheduler, so the harness
// drives pod status itself (see PodStatusDriver).
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	aggregatorclient "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/binaries"
)

// Options configures a cluster. The zero value starts a cluster with a
// two-second HPA sync period and upstream defaults for everything else.
type Options struct {
	// Dir receives certificates, etcd data, kubeconfigs and logs. Empty
	// means a new temporary directory, which Stop removes unless KeepDir.
	Dir     string
	KeepDir bool

	// AuditPolicy, when set, is the audit policy YAML kube-apiserver
	// loads. The audit log is then written to Cluster.AuditLogPath.
	AuditPolicy string

	// HPA controller settings. Zero values keep upstream defaults, except
	// HPASyncPeriod, which defaults to 2s instead of 15s so tests are fast.
	HPASyncPeriod              time.Duration
	HPATolerance               float64 // upstream default 0.1
	HPACPUInitializationPeriod time.Duration
	HPAInitialReadinessDelay   time.Duration
	HPADownscaleStabilization  time.Duration

	// CustomMetricsV1Beta1Only registers only v1beta1.custom.metrics.k8s.io,
	// like an old adapter. The adapter still serves v1beta2, but the
	// aggregator does not route to it.
	CustomMetricsV1Beta1Only bool
	// NoResourceMetrics leaves metrics.k8s.io unregistered, like a cluster
	// without metrics-server.
	NoResourceMetrics bool

	// Log receives progress messages. Nil discards them.
	Log io.Writer
}

// Cluster is a running control plane.
type Cluster struct {
	// Dir contains certificates, data, kubeconfigs and the logs of every
	// process (Dir/logs/<name>.log).
	Dir string
	// Kubeconfig is the path of an admin kubeconfig (client certificate in
	// group system:masters).
	Kubeconfig string
	// Host is the kube-apiserver URL, https://127.0.0.1:<port>.
	Host string
	// AuditLogPath is the audit log, empty unless Options.AuditPolicy.
	AuditLogPath string

	RESTConfig *rest.Config
	Client     kubernetes.Interface
	Aggregator aggregatorclient.Interface
	// Metrics sets the values the fixture adapter serves.
	Metrics *control.Client
	// Pods sets pod status in place of a kubelet: Running and Ready unless a
	// test's policy picks otherwise.
	Pods *PodStatusDriver

	opts         Options
	binaries     binaries.Set
	pki          *pki
	ports        ports
	removeDir    bool
	procs        []*process // in start order
	stopDriver   context.CancelFunc
	stopOnce     sync.Once
	stopErr      error
	StartElapsed time.Duration
}

type ports struct {
	etcdClient, etcdPeer, apiServer, controllerManager, adapter, adapterControl int
}

// Start builds the binaries if needed (several minutes the first time),
// then starts the control plane and waits until the HPA controller and
// every metrics API are ready. On error everything started is stopped.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	set, err := binaries.Ensure(ctx, log)
	if err != nil {
		return nil, fmt.Errorf("build the control-plane binaries: %w", err)
	}

	started := time.Now()
	c := &Cluster{opts: opts, binaries: set}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	if err := c.start(ctx, log); err != nil {
		stopErr := c.Stop()
		if stopErr != nil {
			return nil, fmt.Errorf("%w (and stopping what had started failed: %v)", err, stopErr)
		}
		return nil, err
	}
	c.StartElapsed = time.Since(started)
	fmt.Fprintf(log, "cluster ready in %s: export KUBECONFIG=%s\n", c.StartElapsed.Round(100*time.Millisecond), c.Kubeconfig)
	return c, nil
}

func (c *Cluster) prepareDir() error {
	if c.opts.Dir == "" {
		dir, err := os.MkdirTemp("", "hpametrics-cluster-")
		if err != nil {
			return fmt.Errorf("create cluster directory: %w", err)
		}
		c.Dir = dir
		c.removeDir = !c.opts.KeepDir
	} else {
		dir, err := filepath.Abs(c.opts.Dir)
		if err != nil {
			return err
		}
		c.Dir = dir
	}
	for _, sub := range []string{"logs", "pki", "etcd"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, sub), 0o700); err != nil {
			return fmt.Errorf("create %s in the cluster directory: %w", sub, err)
		}
	}
	return nil
}

func (c *Cluster) start(ctx context.Context, log io.Writer) error {
	ports, err := freePorts(6)
	if err != nil {
		return err
	}
	c.ports = ports2struct(ports)

	c.pki, err = newPKI(filepath.Join(c.Dir, "pki"), adapterServiceName+"."+adapterServiceNamespace+".svc")
	if err != nil {
		return fmt.Errorf("generate certificates: %w", err)
	}

	fmt.Fprintln(log, "starting etcd")
	if err := c.startEtcd(ctx); err != nil {
		return err
	}
	fmt.Fprintln(log, "starting kube-apiserver")
	if err := c.startAPIServer(ctx); err != nil {
		return err
	}
	fmt.Fprintln(log, "starting the metrics adapter")
	if err := c.startAdapter(ctx); err != nil {
		return err
	}
	if err := c.registerAPIServices(ctx); err != nil {
		return err
	}
	fmt.Fprintln(log, "starting kube-controller-manager")
	if err := c.startControllerManager(ctx); err != nil {
		return err
	}

	driverCtx, cancel := context.WithCancel(context.Background())
	c.stopDriver = cancel
	c.Pods = newPodStatusDriver(c.Client)
	if err := c.Pods.start(driverCtx); err != nil {
		return err
	}
	return nil
}

func ports2struct(p []int) ports {
	return ports{etcdClient: p[0], etcdPeer: p[1], apiServer: p[2], controllerManager: p[3], adapter: p[4], adapterControl: p[5]}
}

// Stop stops every process in reverse start order and, for a temporary
// directory, removes it. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		if c.stopDriver != nil {
			c.stopDriver()
		}
		var errs []error
		for i := len(c.procs) - 1; i >= 0; i-- {
			if err := c.procs[i].stop(); err != nil {
				errs = append(errs, err)
			}
		}
		if len(c.procs) > 0 {
			errs = append(errs, c.checkPortsClosed()...)
		}
		if c.removeDir && len(errs) == 0 {
			if err := os.RemoveAll(c.Dir); err != nil {
				errs = append(errs, fmt.Errorf("remove cluster directory: %w", err))
			}
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

// KeepDir makes Stop leave the cluster directory in place, for example to
// read the logs after a failed test.
func (c *Cluster) KeepDir() {
	c.removeDir = false
}

// checkPortsClosed returns an error for every cluster port that still
// accepts connections after the processes stopped.
func (c *Cluster) checkPortsClosed() []error {
	var errs []error
	for name, port := range c.Ports() {
		address := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		conn, err := net.DialTimeout("tcp", address, time.Second)
		if err == nil {
			conn.Close()
			errs = append(errs, fmt.Errorf("port %d (%s) still accepts connections after stop", port, name))
		}
	}
	return errs
}

// Pids returns the process ids of the running control-plane programs.
func (c *Cluster) Pids() map[string]int {
	pids := map[string]int{}
	for _, p := range c.procs {
		if done, _ := p.exited(); !done {
			pids[p.name] = p.cmd.Process.Pid
		}
	}
	return pids
}

// Ports returns the loopback ports the cluster listens on, by use.
func (c *Cluster) Ports() map[string]int {
	return map[string]int{
		"etcd-client":             c.ports.etcdClient,
		"etcd-peer":               c.ports.etcdPeer,
		"kube-apiserver":          c.ports.apiServer,
		"kube-controller-manager": c.ports.controllerManager,
		"metrics-adapter":         c.ports.adapter,
		"metrics-adapter-control": c.ports.adapterControl,
	}
}

// LogPath returns the log file of a process: "etcd", "kube-apiserver",
// "kube-controller-manager" or "metrics-adapter".
func (c *Cluster) LogPath(name string) string {
	return filepath.Join(c.Dir, "logs", name+".log")
}

// CheckAlive returns an error naming every control-plane process that has
// exited, with the end of its log.
func (c *Cluster) CheckAlive() error {
	var errs []error
	for _, p := range c.procs {
		if done, err := p.exited(); done {
			errs = append(errs, fmt.Errorf("%s exited (%v); last log lines:\n%s", p.name, err, p.logTail(20)))
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) launch(name, binary string, args []string) (*process, error) {
	p, err := startProcess(name, binary, c.LogPath(name), args)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

// waitReady polls check until it returns nil, the process exits, or the
// timeout passes; the error then carries the end of the process log.
func waitReady(ctx context.Context, p *process, timeout time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if done, err := p.exited(); done {
			return fmt.Errorf("%s exited during startup (%v); last log lines of %s:\n%s", p.name, err, p.logPath, p.logTail(30))
		}
		if last = check(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %v; last log lines of %s:\n%s", p.name, timeout, last, p.logPath, p.logTail(30))
		case <-time.After(200 * time.Millisecond):
		}
	}
}
