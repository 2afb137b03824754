package main

import (
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

// The end-to-end tests install the plugin with a krew v0.4.3 binary into a
// temporary KREW_ROOT and run it through kubectl's plugin discovery
// (kubectl finds kubectl-hpametrics on PATH).

// TestKrewInstallFromArchive installs from the manifest and a local archive,
// as a developer would before publishing, then uninstalls.
func TestKrewInstallFromArchive(t *testing.T) {
	rel := releaseV1(t)
	host := hostPlatform(t, rel.Release)
	tw := newTripwire(t)
	dir := t.TempDir()
	krewPath := krew(t)

	// krew v0.4.3's uninstall rejects a KREW_ROOT without a local index,
	// which every real krew installation has. An empty local index replaces
	// the public one.
	index := newLocalIndex(t, filepath.Join(dir, "index"), tw)
	index.commit("Start an empty plugin index")
	root := filepath.Join(dir, "krew")
	env := krewEnv(root, filepath.Join(dir, "home"), index.repo, tw)
	mustRun(t, env, dir, krewPath, "update")

	out := mustRun(t, env, dir, krewPath, "install", "--manifest="+rel.Manifest, "--archive="+rel.ArchivePath(host))
	if !strings.Contains(out, "Installed plugin: hpametrics") {
		t.Fatalf("krew install printed no success line:\n%s", out)
	}
	assertReceipt(t, root, testVersion1, "detached")
	assertPluginVersion(t, env, dir, testVersion1)
	assertPluginListed(t, env, dir, root)

	// krew v0.4.3 has no --manifest or --archive on upgrade, and skips
	// plugins installed from a manifest file ("detached"). The upgrade path
	// is tested through an index in TestKrewUpgradeFromLocalIndex.
	out = mustRun(t, env, dir, krewPath, "upgrade", "hpametrics")
	if !strings.Contains(out, `Skipping upgrade for "hpametrics" because it was installed via manifest`) {
		t.Errorf("krew upgrade of a manifest install did not report the skip:\n%s", out)
	}
	assertReceipt(t, root, testVersion1, "detached")

	uninstall(t, env, dir, root)
	tw.check(t)
}

// TestKrewRejectsTamperedArchive checks that krew refuses an archive whose
// SHA-256 differs from the manifest's, so the manifest's checksums are what
// protects users.
func TestKrewRejectsTamperedArchive(t *testing.T) {
	rel := releaseV1(t)
	host := hostPlatform(t, rel.Release)
	tw := newTripwire(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "krew")
	env := krewEnv(root, filepath.Join(dir, "home"), filepath.Join(dir, "no-index"), tw)

	data, err := os.ReadFile(rel.ArchivePath(host))
	if err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(dir, rel.ArchiveName(host))
	if err := os.WriteFile(tampered, append(data, 0), 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := run(env, dir, krew(t), "install", "--manifest="+rel.Manifest, "--archive="+tampered)
	if err == nil {
		t.Fatalf("krew installed an archive with a wrong checksum:\n%s", out)
	}
	if !strings.Contains(out, "checksum does not match") {
		t.Errorf("krew install failed for another reason than the checksum:\n%s", out)
	}
	if _, err := os.Lstat(filepath.Join(root, "bin", "kubectl-hpametrics")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("krew left %s after the failed install (err %v)", filepath.Join(root, "bin", "kubectl-hpametrics"), err)
	}
	tw.check(t)
}

// TestKrewUpgradeFromLocalIndex installs from a plugin index, publishes a
// higher version to it, and upgrades. The index is a local git repository
// and the archives are served from loopback, so krew downloads and verifies
// them the way it does from a real release.
func TestKrewUpgradeFromLocalIndex(t *testing.T) {
	rel1 := releaseV1(t)
	host := hostPlatform(t, rel1.Release)
	tw := newTripwire(t)
	dir := t.TempDir()
	server := newReleaseServer(t)
	krewPath := krew(t)

	// The index repository holds v1, with download URLs on the loopback
	// server. "make krew-manifest" renders it from v1's SHA256SUMS.
	index := newLocalIndex(t, filepath.Join(dir, "index"), tw)
	indexManifest := filepath.Join(index.repo, "plugins", "hpametrics.yaml")
	rel1.ReleaseURL = server.url
	server.publish(testVersion1, rel1.DistDir)
	output, err := runMake("-C", repoRoot(t), "krew-manifest",
		"VERSION="+testVersion1,
		"DIST_DIR="+rel1.DistDir,
		"KREW_RELEASE_URL="+server.url,
		"KREW_MANIFEST="+indexManifest)
	if err != nil {
		t.Fatalf("make krew-manifest failed: %v\n%s", err, output)
	}
	if err := rel1.VerifyManifest(indexManifest); err != nil {
		t.Fatalf("index manifest for %s: %v", testVersion1, err)
	}
	index.commit("Add hpametrics " + testVersion1)

	root := filepath.Join(dir, "krew")
	env := krewEnv(root, filepath.Join(dir, "home"), index.repo, tw)
	out := mustRun(t, env, dir, krewPath, "update")
	if !strings.Contains(out, index.repo) {
		t.Errorf("krew update did not add the local index %s:\n%s", index.repo, out)
	}
	out = mustRun(t, env, dir, krewPath, "install", "hpametrics")
	if !strings.Contains(out, "Installed plugin: hpametrics") {
		t.Fatalf("krew install from the index printed no success line:\n%s", out)
	}
	server.assertServed(t, testVersion1+"/"+rel1.ArchiveName(host))
	assertReceipt(t, root, testVersion1, "default")
	assertPluginVersion(t, env, dir, testVersion1)

	// Publish v2, built for this machine only, and upgrade to it.
	rel2, err := makeDist(t, Release{
		DistDir:    filepath.Join(dir, "dist-v2"),
		Binary:     rel1.Binary,
		Version:    testVersion2,
		Platforms:  []Platform{host},
		ReleaseURL: server.url,
	}, indexManifest)
	if err != nil {
		t.Fatal(err)
	}
	server.publish(testVersion2, rel2.DistDir)
	index.commit("Update hpametrics to " + testVersion2)

	out = mustRun(t, env, dir, krewPath, "upgrade", "hpametrics")
	if !strings.Contains(out, "Upgraded plugin: hpametrics") {
		t.Fatalf("krew upgrade printed no success line:\n%s", out)
	}
	server.assertServed(t, testVersion2+"/"+rel2.ArchiveName(host))
	assertReceipt(t, root, testVersion2, "default")
	assertPluginVersion(t, env, dir, testVersion2)
	assertPluginListed(t, env, dir, root)
	if _, err := os.Stat(filepath.Join(root, "store", "hpametrics", testVersion1)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("krew upgrade kept the old version's directory (err %v)", err)
	}

	uninstall(t, env, dir, root)
	out = mustRun(t, env, dir, krewPath, "list")
	if strings.Contains(out, "hpametrics") {
		t.Errorf("krew list shows hpametrics after uninstall:\n%s", out)
	}
	tw.check(t)
}

// TestTripwireSeesKrewRequests shows that the tripwire would catch krew
// reaching for the network: an index clone (by git) and an archive download
// (by krew's HTTP client) both end at the tripwire. The .invalid names never
// resolve, so nothing leaves the machine.
func TestTripwireSeesKrewRequests(t *testing.T) {
	rel := releaseV1(t)
	tw := newTripwire(t)
	dir := t.TempDir()
	env := krewEnv(filepath.Join(dir, "krew"), filepath.Join(dir, "home"), "https://index.invalid/krew-index.git", tw)

	if out, err := run(env, dir, krew(t), "update"); err == nil {
		t.Errorf("krew update cloned an index from index.invalid:\n%s", out)
	}
	manifest := mutateManifest(t, rel.Manifest, func(spec map[string]any) {
		for i := range platformsOf(spec) {
			entry(spec, i)["uri"] = "https://release.invalid/kubectl-hpametrics.tar.gz"
		}
	})
	if out, err := run(env, dir, krew(t), "install", "--manifest="+manifest); err == nil {
		t.Errorf("krew install downloaded from release.invalid:\n%s", out)
	}

	tw.mu.Lock()
	defer tw.mu.Unlock()
	for _, target := range []string{"CONNECT index.invalid:443", "CONNECT release.invalid:443"} {
		found := false
		for _, line := range tw.seen {
			found = found || strings.HasPrefix(line, target)
		}
		if !found {
			t.Errorf("the tripwire did not see %q; it saw %q", target, tw.seen)
		}
	}
}

// localIndex is a krew plugin index in a local git repository, which krew
// clones and fetches with git like the public index.
type localIndex struct {
	t    *testing.T
	repo string
	env  []string
}

func newLocalIndex(t *testing.T, repo string, tw *tripwire) *localIndex {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(repo, "plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(filepath.Dir(repo), "git-home")
	index := &localIndex{t: t, repo: repo, env: krewEnv(filepath.Join(home, "krew"), home, "", tw)}
	index.git("init", "-q")
	return index
}

func (x *localIndex) git(args ...string) {
	x.t.Helper()
	identity := []string{"-c", "user.name=krew test", "-c", "user.email=krew-test@localhost", "-c", "init.defaultBranch=main"}
	mustRun(x.t, x.env, x.repo, "git", append(identity, args...)...)
}

// commit records the index's current plugin manifests.
func (x *localIndex) commit(message string) {
	x.t.Helper()
	x.git("add", "--all", "plugins")
	x.git("commit", "-q", "--allow-empty", "-m", message)
}

// uninstall runs "krew uninstall hpametrics" and checks that the plugin's
// link, files and receipt are gone and kubectl no longer finds it.
func uninstall(t *testing.T, env []string, dir, root string) {
	t.Helper()
	out := mustRun(t, env, dir, krew(t), "uninstall", "hpametrics")
	if !strings.Contains(out, "Uninstalled plugin: hpametrics") {
		t.Errorf("krew uninstall printed no success line:\n%s", out)
	}
	for _, path := range []string{
		filepath.Join(root, "bin", "kubectl-hpametrics"),
		filepath.Join(root, "store", "hpametrics"),
		filepath.Join(root, "receipts", "hpametrics.yaml"),
	} {
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still exists after krew uninstall (err %v)", path, err)
		}
	}
	// kubectl plugin list exits non-zero when it finds no plugin at all,
	// so only its output is checked.
	out, _ = run(env, dir, "kubectl", "plugin", "list")
	if strings.Contains(out, filepath.Join(root, "bin", "kubectl-hpametrics")) {
		t.Errorf("kubectl plugin list still shows the plugin after uninstall:\n%s", out)
	}
	if out, err := run(env, dir, "kubectl", "hpametrics", "version"); err == nil {
		t.Errorf("kubectl hpametrics version still runs after uninstall:\n%s", out)
	}
}

// assertPluginVersion runs the plugin through kubectl and checks the
// version that make dist linked into it.
func assertPluginVersion(t *testing.T, env []string, dir, version string) {
	t.Helper()
	out := mustRun(t, env, dir, "kubectl", "hpametrics", "version")
	want := "kubectl-hpametrics " + version + " (commit " + testCommit + ", built 2026-01-01T00:00:00Z,"
	if !strings.HasPrefix(out, want) {
		t.Errorf("kubectl hpametrics version printed %q, expected it to start with %q", out, want)
	}
}

func assertPluginListed(t *testing.T, env []string, dir, root string) {
	t.Helper()
	out := mustRun(t, env, dir, "kubectl", "plugin", "list")
	if !strings.Contains(out, filepath.Join(root, "bin", "kubectl-hpametrics")+"\n") {
		t.Errorf("kubectl plugin list does not show %s:\n%s", filepath.Join(root, "bin", "kubectl-hpametrics"), out)
	}
}

// assertReceipt checks krew's install receipt: the installed version and
// the index it came from ("detached" for --manifest installs).
func assertReceipt(t *testing.T, root, version, source string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "receipts", "hpametrics.yaml"))
	if err != nil {
		t.Fatalf("reading krew's receipt: %v", err)
	}
	var receipt index.Receipt
	if err := yaml.Unmarshal(raw, &receipt); err != nil {
		t.Fatalf("parsing krew's receipt: %v", err)
	}
	if receipt.Spec.Version != version {
		t.Errorf("receipt version is %q, expected %q", receipt.Spec.Version, version)
	}
	if receipt.Status.Source.Name != source {
		t.Errorf("receipt index is %q, expected %q", receipt.Status.Source.Name, source)
	}
	if _, err := os.Stat(filepath.Join(root, "store", "hpametrics", version, "LICENSE")); err != nil {
		t.Errorf("the installed plugin has no LICENSE: %v", err)
	}
}

// releaseServer serves release archives on loopback under
// /releases/download/VERSION/ARCHIVE, like a release host, and records the
// paths it served.
type releaseServer struct {
	url    string
	mu     sync.Mutex
	dirs   map[string]string
	served []string
}

func newReleaseServer(t *testing.T) *releaseServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &releaseServer{url: "http://" + l.Addr().String() + "/releases/download", dirs: map[string]string{}}
	srv := &http.Server{Handler: http.StripPrefix("/releases/download/", http.HandlerFunc(s.serve))}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// publish makes the archives in distDir downloadable as version.
func (s *releaseServer) publish(version, distDir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirs[version] = distDir
}

func (s *releaseServer) serve(w http.ResponseWriter, r *http.Request) {
	version, name, ok := strings.Cut(r.URL.Path, "/")
	s.mu.Lock()
	distDir, published := s.dirs[version]
	s.mu.Unlock()
	if !ok || !published || name == "" || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.served = append(s.served, r.URL.Path)
	s.mu.Unlock()
	http.ServeFile(w, r, filepath.Join(distDir, name))
}

func (s *releaseServer) assertServed(t *testing.T, path string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.served {
		if p == path {
			return
		}
	}
	t.Errorf("krew did not download %s from the release server; served: %q", path, s.served)
}
