package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Versions of the releases that the tests build. The prerelease suffix keeps
// them apart from real tags; krew compares v0.90.0-krewtest < v0.90.1-krewtest.
const (
	testVersion1 = "v0.90.0-krewtest"
	testVersion2 = "v0.90.1-krewtest"
	// testCommit and testEpoch pin what dist.mk would read from git, so
	// commits made while the tests run do not change the build.
	testCommit = "krewtest"
	testEpoch  = "1767225600" // 2026-01-01T00:00:00Z
)

// workDir is a temporary directory shared by the tests of this run for
// built tools and releases. TestMain removes it.
var workDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hpametrics-krew-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "creating the test directory:", err)
		os.Exit(1)
	}
	workDir = dir
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "removing the test directory:", err)
	}
	os.Exit(code)
}

// repoRoot is the plugin repository, two levels above this module.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// lazy runs a build step at most once per test run and gives every caller
// its result.
type lazy[T any] struct {
	once  sync.Once
	value T
	err   error
}

func (l *lazy[T]) get(t *testing.T, build func() (T, error)) T {
	t.Helper()
	l.once.Do(func() { l.value, l.err = build() })
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.value
}

var (
	krewBinary      lazy[string]
	validatorBinary lazy[string]
	release1        lazy[testRelease]
)

// buildKrewTool builds a command of sigs.k8s.io/krew at the version this
// module requires (v0.4.3).
func buildKrewTool(pkg string) (string, error) {
	out := filepath.Join(workDir, "bin", filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s failed: %v\n%s", pkg, err, output)
	}
	return out, nil
}

// krew returns the path of a krew v0.4.3 binary built for this run.
func krew(t *testing.T) string {
	t.Helper()
	return krewBinary.get(t, func() (string, error) { return buildKrewTool("sigs.k8s.io/krew/cmd/krew") })
}

// validator returns the path of krew v0.4.3's validate-krew-manifest, the
// command the krew-index repository runs on every submitted manifest.
func validator(t *testing.T) string {
	t.Helper()
	return validatorBinary.get(t, func() (string, error) {
		return buildKrewTool("sigs.k8s.io/krew/cmd/validate-krew-manifest")
	})
}

// testRelease is a release built by make dist, and its rendered manifest.
type testRelease struct {
	Release
	Manifest string
}

// makeDist runs "make dist" in the repository with the given release
// settings and returns the release it built.
func makeDist(t *testing.T, rel Release, manifest string) (testRelease, error) {
	t.Helper()
	platforms := make([]string, len(rel.Platforms))
	for i, p := range rel.Platforms {
		platforms[i] = p.String()
	}
	args := []string{
		"-C", repoRoot(t), "dist",
		"VERSION=" + rel.Version,
		"COMMIT=" + testCommit,
		"SOURCE_DATE_EPOCH=" + testEpoch,
		"DIST_DIR=" + rel.DistDir,
		"DIST_PLATFORMS=" + strings.Join(platforms, " "),
		"KREW_MANIFEST=" + manifest,
		"KREW_RELEASE_URL=" + rel.ReleaseURL,
	}
	start := time.Now()
	output, err := runMake(args...)
	if err != nil {
		return testRelease{}, fmt.Errorf("make %s failed: %v\n%s", strings.Join(args, " "), err, output)
	}
	t.Logf("make dist VERSION=%s for %d platforms took %s", rel.Version, len(rel.Platforms), time.Since(start).Round(time.Second))
	return testRelease{Release: rel, Manifest: manifest}, nil
}

// runMake runs make without the MAKEFLAGS of a calling make, whose jobserver
// file descriptors this process does not pass on.
func runMake(args ...string) ([]byte, error) {
	cmd := exec.Command("make", args...)
	cmd.Env = withoutVars(os.Environ(), "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
	return cmd.CombinedOutput()
}

func withoutVars(env []string, names ...string) []string {
	var remaining []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			if strings.EqualFold(name, n) {
				drop = true
			}
		}
		if !drop {
			remaining = append(remaining, kv)
		}
	}
	return remaining
}

// releaseV1 returns testVersion1 built for every default platform, with the
// default release URL. The tests share it because building five platforms
// takes minutes.
func releaseV1(t *testing.T) testRelease {
	t.Helper()
	return release1.get(t, func() (testRelease, error) {
		platforms, err := ParsePlatforms(strings.Join(defaultPlatforms, " "))
		if err != nil {
			return testRelease{}, err
		}
		rel := Release{
			DistDir:    filepath.Join(workDir, "dist-v1"),
			Binary:     "kubectl-hpametrics",
			Version:    testVersion1,
			Platforms:  platforms,
			ReleaseURL: defaultReleaseURL,
		}
		return makeDist(t, rel, filepath.Join(workDir, "manifest-v1", "hpametrics.yaml"))
	})
}

// hostPlatform is the platform of the machine running the tests, whose
// archive krew installs and kubectl runs.
func hostPlatform(t *testing.T, rel Release) Platform {
	t.Helper()
	host := Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	for _, p := range rel.Platforms {
		if p == host {
			return host
		}
	}
	t.Fatalf("release %s has no archive for this machine's platform %s, so krew cannot install it here", rel.Version, host)
	return Platform{}
}

// tripwire listens on loopback and records every connection. The tests
// point HTTP_PROXY and HTTPS_PROXY at it, so any request that krew or git
// sends to a host other than loopback arrives here instead of the network.
type tripwire struct {
	listener net.Listener
	mu       sync.Mutex
	seen     []string
}

func newTripwire(t *testing.T) *tripwire {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tw := &tripwire{listener: l}
	go tw.serve()
	t.Cleanup(func() { l.Close() })
	return tw
}

func (tw *tripwire) serve() {
	for {
		conn, err := tw.listener.Accept()
		if err != nil {
			return
		}
		// The first line of a proxy request names the target, such as
		// "CONNECT github.com:443 HTTP/1.1".
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 256)
		n, _ := conn.Read(buf)
		line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		conn.Close()
		tw.mu.Lock()
		tw.seen = append(tw.seen, line)
		tw.mu.Unlock()
	}
}

func (tw *tripwire) URL() string { return "http://" + tw.listener.Addr().String() }

// check fails the test if anything tried to reach the network.
func (tw *tripwire) check(t *testing.T) {
	t.Helper()
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if len(tw.seen) > 0 {
		t.Errorf("krew or git tried to reach the network through the proxy: %q", tw.seen)
	}
}

// krewEnv is an environment for krew and kubectl that keeps them inside the
// test's directories. KREW_ROOT and HOME are temporary, kubectl reads no
// kubeconfig, and krew skips its self-upgrade check. The default index URI is
// indexURI: a local git repository, or a missing path that makes any index
// access fail. Proxies point at the tripwire.
func krewEnv(root, home, indexURI string, tw *tripwire) []string {
	env := withoutVars(os.Environ(),
		"HOME", "KUBECONFIG", "PATH",
		"KREW_ROOT", "KREW_OS", "KREW_ARCH", "KREW_DEFAULT_INDEX_URI", "KREW_NO_UPGRADE_CHECK",
		"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
		"GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM")
	return append(env,
		"HOME="+home,
		"KUBECONFIG="+filepath.Join(home, "no-kubeconfig"),
		"PATH="+filepath.Join(root, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KREW_ROOT="+root,
		"KREW_DEFAULT_INDEX_URI="+indexURI,
		"KREW_NO_UPGRADE_CHECK=1",
		"HTTP_PROXY="+tw.URL(), "http_proxy="+tw.URL(),
		"HTTPS_PROXY="+tw.URL(), "https_proxy="+tw.URL(),
		"ALL_PROXY="+tw.URL(), "all_proxy="+tw.URL(),
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"GIT_CONFIG_NOSYSTEM=1",
	)
}

// run runs a command in env and returns its combined output and error.
func run(env []string, dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

// mustRun runs a command, logs its output for "go test -v", and fails the
// test when it exits non-zero.
func mustRun(t *testing.T, env []string, dir, name string, args ...string) string {
	t.Helper()
	out, err := run(env, dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s failed: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	t.Logf("$ %s %s\n%s", filepath.Base(name), strings.Join(args, " "), out)
	return out
}
