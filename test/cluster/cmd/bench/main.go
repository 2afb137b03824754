// Command bench measures "kubectl hpametrics explain", as the plugin binary
// and through kubectl, next to "kubectl describe hpa" for the same HPA on
// the local control plane: the wall time and API requests of each, run in
// rotating order. It prints a Markdown table for docs/benchmarks.md.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

const (
	namespace = "bench"
	hpaName   = "web"
	// replicas is the size of the benchmarked Deployment: enough pods for
	// explain to list and reduce per-pod values.
	replicas = 4
)

func main() {
	runs := flag.Int("runs", 20, "Measured runs of each command, after one warm-up run each.")
	plugin := flag.String("plugin", "../../bin/kubectl-hpametrics", "Path of the kubectl-hpametrics binary to measure.")
	kubectl := flag.String("kubectl", "kubectl", "Path of the kubectl binary to measure.")
	showRequests := flag.Bool("show-requests", false, "Print the request lines of kubectl's last run to stderr.")
	flag.Parse()
	if *runs < 1 {
		log.Fatalf("invalid -runs %d: use 1 or more", *runs)
	}
	if err := run(*runs, *plugin, *kubectl, *showRequests); err != nil {
		log.Fatal(err)
	}
}

func run(runs int, plugin, kubectl string, showRequests bool) error {
	plugin, err := filepath.Abs(plugin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(plugin); err != nil {
		return fmt.Errorf("plugin binary not found: %w; build it with make build", err)
	}
	kubectlVersion, err := exec.Command(kubectl, "version", "--client").Output()
	if err != nil {
		return fmt.Errorf("run %s version --client: %w", kubectl, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cluster, err := harness.Start(ctx, harness.Options{Log: os.Stderr})
	if err != nil {
		return fmt.Errorf("start the local control plane: %w", err)
	}
	defer func() {
		if err := cluster.Stop(); err != nil {
			log.Printf("stop the local control plane: %v", err)
		}
	}()

	if err := setUp(ctx, cluster); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "hpametrics-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := cluster.WriteKubeconfig(kubeconfig, namespace); err != nil {
		return err
	}

	// Each tool keeps its own discovery cache, warmed by the first run,
	// as on a workstation where both are used every day. Users run the
	// plugin through kubectl, which finds it on PATH and execs it, so that
	// path is measured too.
	pluginCache := filepath.Join(dir, "cache-plugin")
	explainArgs := []string{"explain", hpaName, "--no-color", "--kubeconfig", kubeconfig, "--cache-dir", pluginCache}
	describeArgs := []string{"describe", "hpa", hpaName, "--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(dir, "cache-kubectl")}
	pluginPath := "PATH=" + filepath.Dir(plugin) + string(os.PathListSeparator) + os.Getenv("PATH")
	commands := []*command{
		{name: "kubectl-hpametrics explain", path: plugin, args: explainArgs, requests: explainRequests},
		{name: "kubectl hpametrics explain", path: kubectl, args: append([]string{"hpametrics"}, explainArgs...), env: []string{pluginPath}, requests: explainRequests},
		// kubectl logs its requests only at -v=6 and above, and writing
		// that log takes time, so its requests are counted in the
		// untimed warm-up and final runs.
		{name: "kubectl describe hpa", path: kubectl, args: describeArgs, countArgs: append(describeArgs, "-v=6"), requests: kubectlRequests},
	}

	for _, c := range commands {
		if err := c.warmUp(); err != nil {
			return err
		}
	}
	for i := range runs {
		// Rotate which command goes first, so none always runs right
		// after the same other one.
		for j := range commands {
			c := commands[(i+j)%len(commands)]
			elapsed, requests, err := c.run()
			if err != nil {
				return err
			}
			c.times = append(c.times, elapsed)
			if c.countArgs == nil {
				c.requestCounts = append(c.requestCounts, requests)
			}
		}
	}
	for _, c := range commands {
		if c.countArgs != nil {
			if err := c.warmUp(); err != nil {
				return err
			}
		}
	}

	describe := commands[len(commands)-1]
	if showRequests {
		for _, line := range kubectlRequestPattern.FindAllString(describe.lastStderr, -1) {
			fmt.Fprintln(os.Stderr, line)
		}
	}
	report(os.Stdout, runs, commands, strings.TrimSpace(string(kubectlVersion)))
	return nil
}

// setUp creates a Deployment with one value per pod and an HPA on it, and
// waits until the controller has synced it, so both commands describe an
// HPA with status, metrics and events.
func setUp(ctx context.Context, cluster *harness.Cluster) error {
	if err := cluster.CreateNamespace(ctx, namespace); err != nil {
		return err
	}
	if err := cluster.CreateDeployment(ctx, harness.Deployment(namespace, hpaName, replicas), 2*time.Minute); err != nil {
		return err
	}
	if _, err := cluster.SetPodMetricForPods(ctx, namespace, harness.AppLabels(hpaName), "http_requests_per_second", "10"); err != nil {
		return err
	}
	hpa := harness.HPA(namespace, hpaName, harness.DeploymentRef(hpaName), 1, 10,
		harness.PodsMetric("http_requests_per_second", resource.MustParse("10")))
	if _, err := cluster.Client.AutoscalingV2().HorizontalPodAutoscalers(namespace).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create HPA %s/%s: %w", namespace, hpaName, err)
	}
	_, err := cluster.WaitForHPACondition(ctx, namespace, hpaName, autoscalingv2.ScalingActive, corev1.ConditionTrue, 2*time.Minute)
	return err
}

// command is one measured command line and its results.
type command struct {
	name string
	path string
	args []string
	// env is added to the environment of this process.
	env []string
	// countArgs, when set, are the arguments of untimed runs that count
	// the requests; the timed runs then use args and are not counted.
	countArgs []string
	requests  func(stdout, stderr []byte) (int, error)

	times         []time.Duration
	requestCounts []int
	// lastStderr is the standard error of the last run.
	lastStderr string
}

// warmUp runs the command once, untimed, and records its request count.
func (c *command) warmUp() error {
	args := c.args
	if c.countArgs != nil {
		args = c.countArgs
	}
	_, requests, err := c.runWith(args, true)
	if err != nil {
		return fmt.Errorf("untimed run: %w", err)
	}
	c.requestCounts = append(c.requestCounts, requests)
	return nil
}

// run runs the command once and returns its wall time and, unless the
// command is counted separately, its request count.
func (c *command) run() (time.Duration, int, error) {
	return c.runWith(c.args, c.countArgs == nil)
}

func (c *command) runWith(args []string, count bool) (time.Duration, int, error) {
	cmd := exec.Command(c.path, args...)
	cmd.Env = append(os.Environ(), c.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	started := time.Now()
	err := cmd.Run()
	elapsed := time.Since(started)
	c.lastStderr = stderr.String()
	if err != nil {
		return 0, 0, fmt.Errorf("%s failed: %w\nstderr: %s", c.name, err, stderr.String())
	}
	if !count {
		return elapsed, 0, nil
	}
	requests, err := c.requests(stdout.Bytes(), stderr.Bytes())
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", c.name, err)
	}
	return elapsed, requests, nil
}

// explainRequestsPattern matches the request count in explain's summary
// line, "... · 11 API requests".
var explainRequestsPattern = regexp.MustCompile(`(\d+) API requests?`)

func explainRequests(stdout, _ []byte) (int, error) {
	m := explainRequestsPattern.FindSubmatch(stdout)
	if m == nil {
		return 0, errors.New("the output has no API request count")
	}
	return strconv.Atoi(string(m[1]))
}

// kubectlRequestPattern matches the line client-go logs at -v=6 for each
// response: "GET https://... 200 OK in 3 milliseconds" in older releases,
// `"Response" verb="GET" url="https://..."` in newer ones.
var kubectlRequestPattern = regexp.MustCompile(`(?m)^I.*(\] (GET|POST|PUT|PATCH|DELETE) https?://|"Response" verb=).*$`)

func kubectlRequests(_, stderr []byte) (int, error) {
	n := len(kubectlRequestPattern.FindAll(stderr, -1))
	if n == 0 {
		return 0, fmt.Errorf("found no request lines in the -v=6 log:\n%s", stderr)
	}
	return n, nil
}

// percentile returns the p-th percentile (0 to 100) of sorted durations by
// the nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// report prints the table of results and the ratio of each command's
// median to that of the last command, kubectl describe.
func report(out *os.File, runs int, commands []*command, kubectlVersion string) {
	fmt.Fprintf(out, "Runs: %d of each, in rotating order, after one warm-up run each, on %d CPUs (%s/%s).\n\n", runs, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintln(out, "| command | median | p90 | API requests |")
	fmt.Fprintln(out, "| --- | --- | --- | --- |")
	medians := make([]time.Duration, len(commands))
	for i, c := range commands {
		times := slices.Clone(c.times)
		slices.Sort(times)
		counts := slices.Clone(c.requestCounts)
		slices.Sort(counts)
		requests := strconv.Itoa(counts[0])
		if counts[0] != counts[len(counts)-1] {
			requests = fmt.Sprintf("%d to %d", counts[0], counts[len(counts)-1])
		}
		medians[i] = median(times)
		fmt.Fprintf(out, "| `%s` | %s | %s | %s |\n", c.name, ms(medians[i]), ms(percentile(times, 90)), requests)
	}

	describe := len(commands) - 1
	fmt.Fprintln(out)
	for i, c := range commands[:describe] {
		fmt.Fprintf(out, "Ratio of medians, `%s` / `%s`: %.2f\n", c.name, commands[describe].name, float64(medians[i])/float64(medians[describe]))
	}
	fmt.Fprintf(out, "kubectl: %s\n", strings.ReplaceAll(kubectlVersion, "\n", "; "))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}
