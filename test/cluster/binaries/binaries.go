// Package binaries builds the programs the local test cluster runs: etcd,
// kube-apiserver and kube-controller-manager from the module versions pinned
// in test/cluster/upstream/go.mod, and the fixture metrics adapter from this
// module's source.
package binaries

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// ModulePath is the module path of test/cluster.
const ModulePath = "github.com/hpametrics/kubectl-hpametrics/test/cluster"

// KubernetesVersion is the release the control plane is built from. It must
// match the k8s.io/kubernetes requirement in test/cluster/upstream/go.mod.
const KubernetesVersion = "v1.37.2"

// Environment variables that override where things are found.
const (
	// EnvModuleDir points at the test/cluster directory when the current
	// directory is not inside it.
	EnvModuleDir = "HPAMETRICS_CLUSTER_DIR"
	// EnvBinDir overrides the directory the binaries are built into.
	EnvBinDir = "HPAMETRICS_CLUSTER_BIN_DIR"
)

// Set is the absolute paths of the built programs.
type Set struct {
	Etcd                  string
	KubeAPIServer         string
	KubeControllerManager string
	MetricsAdapter        string
}

// upstreamPrograms maps binary names to the packages they are built from.
// The packages are listed as tools in test/cluster/upstream/go.mod so that
// its go.sum keeps every module they need.
var upstreamPrograms = []struct{ name, pkg string }{
	{"etcd", "go.etcd.io/etcd/server/v3"},
	{"kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver"},
	{"kube-controller-manager", "k8s.io/kubernetes/cmd/kube-controller-manager"},
}

const (
	upstreamModuleDir = "upstream"
	adapterName       = "metrics-adapter"
	adapterPackage    = "./cmd/metrics-adapter"
	stampName         = "upstream.stamp"
	lockName          = "build.lock"
)

// Ensure builds whatever is missing or stale and returns the paths of all
// programs. The upstream programs are rebuilt only when the upstream
// module's go.mod or go.sum, the Go version or the build flags changed, because a cold build takes several
// minutes. The adapter is handed to "go build" every time, which relinks it
// only when its sources changed. Build output goes to log.
func Ensure(ctx context.Context, log io.Writer) (Set, error) {
	moduleDir, err := ModuleDir()
	if err != nil {
		return Set{}, err
	}
	binDir := os.Getenv(EnvBinDir)
	if binDir == "" {
		binDir = filepath.Join(moduleDir, ".cache", "bin")
	}
	binDir, err = filepath.Abs(binDir)
	if err != nil {
		return Set{}, fmt.Errorf("resolve binary directory %q: %w", binDir, err)
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return Set{}, fmt.Errorf("create binary directory %s: %w", binDir, err)
	}

	// Two builders at once (a demo and a test run) would race on the same
	// output files, so they take turns.
	unlock, err := lockDir(binDir)
	if err != nil {
		return Set{}, err
	}
	defer unlock()

	if err := ensureUpstream(ctx, moduleDir, binDir, log); err != nil {
		return Set{}, err
	}

	adapter := filepath.Join(binDir, adapterName)
	if err := goBuild(ctx, moduleDir, log, "-o", adapter, adapterPackage); err != nil {
		return Set{}, fmt.Errorf("build the metrics adapter: %w", err)
	}

	return Set{
		Etcd:                  filepath.Join(binDir, "etcd"),
		KubeAPIServer:         filepath.Join(binDir, "kube-apiserver"),
		KubeControllerManager: filepath.Join(binDir, "kube-controller-manager"),
		MetricsAdapter:        adapter,
	}, nil
}

func ensureUpstream(ctx context.Context, moduleDir, binDir string, log io.Writer) error {
	upstreamDir := filepath.Join(moduleDir, upstreamModuleDir)
	ldflags := VersionLDFlags()
	want, err := upstreamStamp(upstreamDir, ldflags)
	if err != nil {
		return err
	}

	stampPath := filepath.Join(binDir, stampName)
	have, _ := os.ReadFile(stampPath)
	if string(have) == want && allExist(binDir) {
		return nil
	}

	// Remove the stamp first so an interrupted build is redone next time.
	_ = os.Remove(stampPath)
	for _, p := range upstreamPrograms {
		fmt.Fprintf(log, "building %s from %s (a cold build takes several minutes)\n", p.name, p.pkg)
		out := filepath.Join(binDir, p.name)
		if err := goBuild(ctx, upstreamDir, log, "-ldflags", ldflags, "-o", out, p.pkg); err != nil {
			return fmt.Errorf("build %s: %w", p.name, err)
		}
	}
	if err := os.WriteFile(stampPath, []byte(want), 0o644); err != nil {
		return fmt.Errorf("write build stamp: %w", err)
	}
	return nil
}

// VersionLDFlags returns the linker flags that stamp the release version into
// the Kubernetes binaries, so that "kubectl version" and discovery report
// v1.37.2 instead of the v0.0.0-master placeholder of a plain module build.
// "-s -w" drops debug information, which shortens the link.
func VersionLDFlags() string {
	major, minor := "1", "37"
	flags := []string{"-s", "-w"}
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		flags = append(flags,
			"-X", pkg+".gitVersion="+KubernetesVersion,
			"-X", pkg+".gitMajor="+major,
			"-X", pkg+".gitMinor="+minor,
			"-X", pkg+".gitTreeState=clean",
		)
	}
	return strings.Join(flags, " ")
}

// upstreamStamp hashes every input that changes the upstream binaries.
func upstreamStamp(moduleDir, ldflags string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(moduleDir, name))
		if err != nil {
			return "", fmt.Errorf("read %s for the build stamp: %w", name, err)
		}
		h.Write(data)
	}
	fmt.Fprintf(h, "%s\n%s/%s\n%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, ldflags)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func allExist(binDir string) bool {
	for _, p := range upstreamPrograms {
		if _, err := os.Stat(filepath.Join(binDir, p.name)); err != nil {
			return false
		}
	}
	return true
}

func goBuild(ctx context.Context, dir string, log io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", append([]string{"build"}, args...)...)
	cmd.Dir = dir
	// Static binaries, as upstream releases them. -buildvcs=false because
	// the modules sit inside the plugin's repository, whose VCS state is
	// irrelevant to these programs.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s in %s: %w", strings.Join(args, " "), dir, err)
	}
	return nil
}

func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open build lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("take build lock %s: %w", f.Name(), err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// ModuleDir returns the absolute path of the test/cluster module: the
// HPAMETRICS_CLUSTER_DIR variable if set, else the nearest parent of the
// current directory whose go.mod declares ModulePath.
func ModuleDir() (string, error) {
	if dir := os.Getenv(EnvModuleDir); dir != "" {
		return filepath.Abs(dir)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("test/cluster module not found above the current directory: run from inside test/cluster or set " + EnvModuleDir)
		}
		dir = parent
	}
}

func declaresModule(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if line := strings.TrimSpace(scanner.Text()); strings.HasPrefix(line, "module ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "module ")) == ModulePath
		}
	}
	return false
}
