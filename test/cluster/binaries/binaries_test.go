package binaries

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestModuleDirFindsTestClusterModule(t *testing.T) {
	t.Setenv(EnvModuleDir, "")
	dir, err := ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	if !declaresModule(filepath.Join(dir, "go.mod")) {
		t.Errorf("ModuleDir() = %s, whose go.mod does not declare %s", dir, ModulePath)
	}
	if _, err := os.Stat(filepath.Join(dir, upstreamModuleDir, "go.mod")); err != nil {
		t.Errorf("ModuleDir() = %s has no upstream module: %v", dir, err)
	}
}

func TestModuleDirOutsideModule(t *testing.T) {
	t.Setenv(EnvModuleDir, "")
	t.Chdir(t.TempDir())
	if _, err := ModuleDir(); err == nil || !strings.Contains(err.Error(), EnvModuleDir) {
		t.Errorf("err = %v, want one naming %s", err, EnvModuleDir)
	}
}

func TestModuleDirFromEnvironment(t *testing.T) {
	want := t.TempDir()
	t.Setenv(EnvModuleDir, want)
	got, err := ModuleDir()
	if err != nil || got != want {
		t.Errorf("ModuleDir() = %q, %v; want %q", got, err, want)
	}
}

func TestVersionLDFlagsStampRelease(t *testing.T) {
	flags := VersionLDFlags()
	for _, want := range []string{
		"k8s.io/component-base/version.gitVersion=" + KubernetesVersion,
		"k8s.io/client-go/pkg/version.gitVersion=" + KubernetesVersion,
		"k8s.io/component-base/version.gitMinor=37",
	} {
		if !strings.Contains(flags, want) {
			t.Errorf("VersionLDFlags() = %q, missing %q", flags, want)
		}
	}
}

func TestUpstreamStampChangesWithGoSum(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example\n")
	write("go.sum", "a v1 h1:x\n")
	first, err := upstreamStamp(dir, "-s")
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", "a v2 h1:y\n")
	second, err := upstreamStamp(dir, "-s")
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Error("stamp did not change when go.sum changed")
	}
	third, err := upstreamStamp(dir, "-w")
	if err != nil {
		t.Fatal(err)
	}
	if third == second {
		t.Error("stamp did not change when the linker flags changed")
	}
}
