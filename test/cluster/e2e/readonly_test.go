package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// pluginUserAgentPrefix starts the user agent of every request the plugin
// sends: client-go's default, named after the binary, and the in-process
// runs' inProcessUserAgent.
const pluginUserAgentPrefix = "kubectl-hpametrics"

var (
	pluginBinaryOnce sync.Once
	pluginBinaryPath string
	pluginBinaryErr  error
)

// pluginBinary builds cmd/kubectl-hpametrics once for the test binary and
// returns its path, in the cluster directory, which Cluster.Stop removes.
func pluginBinary(t *testing.T) string {
	t.Helper()
	pluginBinaryOnce.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", "..", ".."))
		if err != nil {
			pluginBinaryErr = err
			return
		}
		pluginBinaryPath = filepath.Join(cluster.Dir, "plugin", "kubectl-hpametrics")
		cmd := exec.Command("go", "build", "-buildvcs=false", "-o", pluginBinaryPath, "./cmd/kubectl-hpametrics")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			pluginBinaryErr = fmt.Errorf("build the plugin in %s: %v\n%s", root, err, out)
		}
	})
	if pluginBinaryErr != nil {
		t.Fatal(pluginBinaryErr)
	}
	return pluginBinaryPath
}

// pluginRun is one run of the plugin binary and the time it took, to find
// its requests in the audit log.
type pluginRun struct {
	name       string
	start, end time.Time
}

// runPlugin runs the plugin binary with args against the e2e cluster and
// returns its standard output.
func runPlugin(t *testing.T, ctx context.Context, namespace, cacheDir string, args ...string) ([]byte, pluginRun) {
	t.Helper()
	args = append(args, "--kubeconfig", cluster.Kubeconfig, "-n", namespace, "--cache-dir", cacheDir)
	cmd := exec.CommandContext(ctx, pluginBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	run := pluginRun{name: strings.Join(args[:2], " "), start: time.Now()}
	out, err := cmd.Output()
	run.end = time.Now()
	if err != nil {
		t.Fatalf("kubectl-hpametrics %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, run
}

// runWatch runs the watch view of one HPA in a pseudo-terminal, lets it
// refresh a few times and quits it with "q".
func runWatch(t *testing.T, ctx context.Context, namespace, name, cacheDir string) (string, pluginRun) {
	t.Helper()
	cmd := exec.CommandContext(ctx, pluginBinary(t), "watch", name, "--interval=1s", "--no-color",
		"--kubeconfig", cluster.Kubeconfig, "-n", namespace, "--cache-dir", cacheDir)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	run := pluginRun{name: "watch " + name, start: time.Now()}
	terminal, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatalf("start watch in a pseudo-terminal: %v", err)
	}
	defer terminal.Close()

	var screenMu sync.Mutex
	var screen bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		respondToTerminalQueries(terminal, func(p []byte) {
			screenMu.Lock()
			defer screenMu.Unlock()
			screen.Write(p)
		})
	}()
	screenText := func() string {
		screenMu.Lock()
		defer screenMu.Unlock()
		return screen.String()
	}

	time.Sleep(3500 * time.Millisecond)
	if _, err := terminal.Write([]byte("q")); err != nil {
		t.Fatalf("send q to watch: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("watch exited with %v after q", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Errorf("watch did not quit within 10s of q; output: %q", screenText())
	}
	run.end = time.Now()
	terminal.Close()
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	return screenText(), run
}

// Queries a terminal program sends at start, and the responses a terminal
// emulator sends back: the background color (OSC 11, a black background
// here) and the cursor position (DSR 6, the top left corner).
var terminalResponses = []struct{ query, response string }{
	{"\x1b]11;?", "\x1b]11;rgb:0000/0000/0000\x1b\\"},
	{"\x1b[6n", "\x1b[1;1R"},
}

// respondToTerminalQueries reads the program's output from terminal until
// it closes, passes it to out, and responds to the queries a terminal
// emulator responds to. Without a response the program waits for several
// seconds, and keys typed meanwhile are lost.
func respondToTerminalQueries(terminal io.ReadWriter, out func([]byte)) {
	var pending []byte
	buf := make([]byte, 4096)
	for {
		n, err := terminal.Read(buf)
		if n > 0 {
			out(buf[:n])
			pending = append(pending, buf[:n]...)
			for _, qr := range terminalResponses {
				for {
					i := bytes.Index(pending, []byte(qr.query))
					if i < 0 {
						break
					}
					pending = pending[i+len(qr.query):]
					_, _ = terminal.Write([]byte(qr.response))
				}
			}
			// Keep only a tail that could start a query split across reads.
			if len(pending) > 16 {
				pending = pending[len(pending)-16:]
			}
		}
		if err != nil {
			return
		}
	}
}

// auditEvent is the part of an audit.k8s.io/v1 Event the check reads.
type auditEvent struct {
	Stage      string `json:"stage"`
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	UserAgent  string `json:"userAgent"`
	ObjectRef  *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		APIGroup    string `json:"apiGroup"`
	} `json:"objectRef"`
	RequestReceivedTimestamp time.Time `json:"requestReceivedTimestamp"`
}

// readAuditEvents returns the ResponseComplete events of requests whose
// user agent starts with prefix, received at or after since.
func readAuditEvents(t *testing.T, prefix string, since time.Time) []auditEvent {
	t.Helper()
	f, err := os.Open(cluster.AuditLogPath)
	if err != nil {
		t.Fatalf("open the audit log: %v", err)
	}
	defer f.Close()
	var events []auditEvent
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for scanner.Scan() {
		var e auditEvent
		if err := json.Unmarshal(scanner.Bytes(), &e); err != nil {
			t.Fatalf("parse an audit log line: %v\n%s", err, scanner.Text())
		}
		if e.Stage != "ResponseComplete" || !strings.HasPrefix(e.UserAgent, prefix) || e.RequestReceivedTimestamp.Before(since) {
			continue
		}
		events = append(events, e)
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read the audit log: %v", err)
	}
	return events
}

// allowedWrite reports whether a write is one a read-only client may
// send: the access reviews that ask the API server what the user may do.
func allowedWrite(e auditEvent) bool {
	if e.Verb != "create" || e.ObjectRef == nil || e.ObjectRef.APIGroup != "authorization.k8s.io" {
		return false
	}
	return e.ObjectRef.Resource == "selfsubjectaccessreviews" || e.ObjectRef.Resource == "selfsubjectrulesreviews"
}

var writeVerbs = map[string]bool{"create": true, "update": true, "patch": true, "delete": true, "deletecollection": true}

// The plugin's explain, snapshot and watch, and explain in process, run
// against a scaled HPA; the API server's audit log must then show their
// requests and not one write among them.
func TestPluginReadOnly(t *testing.T) {
	ctx := t.Context()
	if cluster.AuditLogPath == "" {
		t.Fatal("the e2e cluster has no audit log; start it with harness.Options.AuditPolicy")
	}
	ns := newNamespace(t, ctx, "plugin-read-only")
	createDeployment(t, ctx, harness.Deployment(ns, "web", 2))
	feedPodMetric(t, ns, harness.AppLabels("web"), "http_requests_per_second", spread(40))
	createHPA(t, ctx, harness.HPA(ns, "web", harness.DeploymentRef("web"), 1, 10,
		harness.PodsMetric("http_requests_per_second", qty("10"))))
	hpa, _, err := waitSettled(ctx, ns, "web", scaleTimeout, desired(4))
	if err != nil {
		t.Fatal(err)
	}
	pluginBinary(t)

	// Audit timestamps have microseconds and come from the same clock.
	since := time.Now()
	cacheDir := t.TempDir()
	var runs []pluginRun

	out, run := runPlugin(t, ctx, ns, cacheDir, "explain", "web", "-o", "json")
	runs = append(runs, run)
	var doc v1alpha1.Explanation
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("parse explain -o json: %v\n%s", err, out)
	}
	if doc.Replicas.Recommended == nil || *doc.Replicas.Recommended != hpa.Status.DesiredReplicas {
		t.Errorf("explain -o json recommends %s, want the controller's %d", optionalInt(doc.Replicas.Recommended), hpa.Status.DesiredReplicas)
	}

	snapshotData, run := runPlugin(t, ctx, ns, cacheDir, "snapshot", "web")
	runs = append(runs, run)
	snapshotFile := filepath.Join(t.TempDir(), "web-snapshot.yaml")
	if err := os.WriteFile(snapshotFile, snapshotData, 0o600); err != nil {
		t.Fatal(err)
	}

	screen, run := runWatch(t, ctx, ns, "web", cacheDir)
	runs = append(runs, run)
	if !strings.Contains(screen, "web") {
		t.Errorf("watch drew no screen naming the HPA web; output:\n%s", screen)
	}

	inProcessStart := time.Now()
	if _, _, err := newExplainer(t, ns).explain(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	runs = append(runs, pluginRun{name: "explain in process", start: inProcessStart, end: time.Now()})

	// explain --from reads only the file, so it sends no request at all.
	fromStart := time.Now()
	cmd := exec.CommandContext(ctx, pluginBinary(t), "explain", "--from", snapshotFile, "-o", "json", "--kubeconfig", filepath.Join(t.TempDir(), "no-such-kubeconfig"))
	fromOut, err := cmd.Output()
	if err != nil {
		t.Fatalf("explain --from %s without a kubeconfig: %v", snapshotFile, describeExitError(err))
	}
	var fromDoc v1alpha1.Explanation
	if err := json.Unmarshal(fromOut, &fromDoc); err != nil {
		t.Fatalf("parse explain --from -o json: %v\n%s", err, fromOut)
	}
	if optionalInt(fromDoc.Replicas.Recommended) != optionalInt(doc.Replicas.Recommended) {
		t.Errorf("explain --from recommends %s, the live explain %s", optionalInt(fromDoc.Replicas.Recommended), optionalInt(doc.Replicas.Recommended))
	}
	fromEnd := time.Now()

	// With blocking audit mode each event is written before its response
	// is sent, so the log is complete once the runs have returned.
	events := readAuditEvents(t, pluginUserAgentPrefix, since)
	for _, r := range runs {
		count := 0
		for _, e := range events {
			if !e.RequestReceivedTimestamp.Before(r.start) && !e.RequestReceivedTimestamp.After(r.end) {
				count++
			}
		}
		if count == 0 {
			t.Errorf("the audit log has no request from %s between %s and %s: the user agent filter %q misses the plugin", r.name,
				r.start.Format(time.StampMicro), r.end.Format(time.StampMicro), pluginUserAgentPrefix)
		}
		t.Logf("%s: %d requests in the audit log", r.name, count)
	}
	for _, e := range events {
		if !e.RequestReceivedTimestamp.Before(fromStart) && !e.RequestReceivedTimestamp.After(fromEnd) {
			t.Errorf("explain --from sent %s %s, want no request", e.Verb, e.RequestURI)
		}
		if writeVerbs[e.Verb] && !allowedWrite(e) {
			t.Errorf("the plugin wrote to the cluster: %s %s (user agent %q)", e.Verb, e.RequestURI, e.UserAgent)
		}
	}
}

// describeExitError adds a command's standard error to its exit error.
func describeExitError(err error) string {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return fmt.Sprintf("%v\nstderr: %s", err, exitErr.Stderr)
	}
	return err.Error()
}
