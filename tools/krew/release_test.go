package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParsePlatforms(t *testing.T) {
	got, err := ParsePlatforms(" linux/amd64  windows/amd64 ")
	if err != nil {
		t.Fatal(err)
	}
	want := []Platform{{"linux", "amd64"}, {"windows", "amd64"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ParsePlatforms = %v, expected %v", got, want)
	}

	for _, list := range []string{"", "linux", "linux/amd64 linux/amd64", "plan9/amd64", "linux/riscv64", "linux/amd64/v3"} {
		if _, err := ParsePlatforms(list); err == nil {
			t.Errorf("ParsePlatforms(%q) returned no error", list)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	for _, v := range []string{"v0.1.0", "v1.2.3-rc.1", testVersion1, "v1.0.0+build.5"} {
		if err := CheckVersion(v); err != nil {
			t.Errorf("CheckVersion(%q) = %v, expected nil", v, err)
		}
	}
	// git describe gives the last two on an untagged or dirty tree.
	for _, v := range []string{"", "0.1.0", "v0.1", "v1.2.3.4", "d097f5c", "d097f5c-dirty"} {
		if err := CheckVersion(v); err == nil {
			t.Errorf("CheckVersion(%q) returned no error", v)
		}
	}
}

func TestArchiveNames(t *testing.T) {
	rel := Release{DistDir: "out", Binary: "kubectl-hpametrics", Version: "v0.2.0", ReleaseURL: defaultReleaseURL}
	linux := Platform{"linux", "arm64"}
	windows := Platform{"windows", "amd64"}

	if got, want := rel.ArchiveName(linux), "kubectl-hpametrics_v0.2.0_linux_arm64.tar.gz"; got != want {
		t.Errorf("linux archive is %q, expected %q", got, want)
	}
	if got, want := rel.ArchiveName(windows), "kubectl-hpametrics_v0.2.0_windows_amd64.zip"; got != want {
		t.Errorf("windows archive is %q, expected %q", got, want)
	}
	if got, want := rel.BinName(windows), "kubectl-hpametrics.exe"; got != want {
		t.Errorf("windows binary is %q, expected %q", got, want)
	}
	if got, want := rel.BinaryPath(linux), filepath.Join("out", "build", "linux_arm64", "kubectl-hpametrics"); got != want {
		t.Errorf("linux binary path is %q, expected %q", got, want)
	}
	want := "https://github.com/hpametrics/kubectl-hpametrics/releases/download/v0.2.0/kubectl-hpametrics_v0.2.0_linux_arm64.tar.gz"
	if got := rel.URI(linux); got != want {
		t.Errorf("URI is %q, expected %q", got, want)
	}
}

// fakeRelease lays out DIST/build/ with small fake binaries, so packaging
// can be tested without compiling the plugin.
func fakeRelease(t *testing.T, platforms ...Platform) (Release, string) {
	t.Helper()
	dir := t.TempDir()
	rel := Release{
		DistDir:    filepath.Join(dir, "dist"),
		Binary:     "kubectl-hpametrics",
		Version:    "v0.2.0",
		Platforms:  platforms,
		ReleaseURL: defaultReleaseURL,
	}
	for _, p := range platforms {
		path := rel.BinaryPath(p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		// Mode 0700 checks that the archive takes its fixed mode, not the
		// file's.
		if err := os.WriteFile(path, []byte("binary for "+p.String()), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	license := filepath.Join(dir, "LICENSE")
	if err := os.WriteFile(license, []byte("license text\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return rel, license
}

var (
	linuxAMD64   = Platform{"linux", "amd64"}
	windowsAMD64 = Platform{"windows", "amd64"}
)

func TestPackageTarGzContents(t *testing.T) {
	rel, license := fakeRelease(t, linuxAMD64)
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := rel.Package(license, mtime); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(rel.ArchivePath(linuxAMD64))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header has name %q and time %v, expected both empty", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	want := []struct {
		name    string
		mode    int64
		content string
	}{
		{"LICENSE", 0o644, "license text\n"},
		{"kubectl-hpametrics", 0o755, "binary for linux/amd64"},
	}
	for i, w := range want {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if hdr.Name != w.name {
			t.Errorf("entry %d is %q, expected %q", i, hdr.Name, w.name)
		}
		if hdr.Mode != w.mode {
			t.Errorf("%s has mode %o, expected %o", hdr.Name, hdr.Mode, w.mode)
		}
		if !hdr.ModTime.Equal(mtime) {
			t.Errorf("%s has mtime %v, expected %v", hdr.Name, hdr.ModTime, mtime)
		}
		if hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" {
			t.Errorf("%s has owner %d:%d (%q:%q), expected 0:0 without names", hdr.Name, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname)
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if string(content) != w.content {
			t.Errorf("%s contains %q, expected %q", hdr.Name, content, w.content)
		}
	}
	if hdr, err := tr.Next(); err != io.EOF {
		t.Errorf("archive has an extra entry %v (err %v)", hdr, err)
	}
}

func TestPackageZipContents(t *testing.T) {
	rel, license := fakeRelease(t, windowsAMD64)
	mtime := time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC)
	if _, err := rel.Package(license, mtime); err != nil {
		t.Fatal(err)
	}

	zr, err := zip.OpenReader(rel.ArchivePath(windowsAMD64))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(mtime) {
			t.Errorf("%s has mtime %v, expected %v", f.Name, f.Modified, mtime)
		}
		if f.Method != zip.Deflate {
			t.Errorf("%s uses method %d, expected deflate", f.Name, f.Method)
		}
	}
	if got, want := strings.Join(names, ","), "LICENSE,kubectl-hpametrics.exe"; got != want {
		t.Errorf("zip entries are %s, expected %s", got, want)
	}
	if mode := zr.File[1].Mode().Perm(); mode != 0o755 {
		t.Errorf("kubectl-hpametrics.exe has mode %o, expected 755", mode)
	}
}

// TestZipClampsTimeTo1980 covers SOURCE_DATE_EPOCH=0, which a zip entry
// cannot carry.
func TestZipClampsTimeTo1980(t *testing.T) {
	rel, license := fakeRelease(t, windowsAMD64)
	if _, err := rel.Package(license, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(rel.ArchivePath(windowsAMD64))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if got := zr.File[0].Modified; !got.Equal(zipEpoch) {
		t.Errorf("entry time is %v, expected %v", got, zipEpoch)
	}
}

// TestPackageReproducible packages the same binaries twice in different
// directories and checks the archives are byte-identical, and that another
// mtime gives other bytes, which shows the time is really written.
func TestPackageReproducible(t *testing.T) {
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	packageOnce := func(mtime time.Time) (Release, []Checksum) {
		rel, license := fakeRelease(t, linuxAMD64, windowsAMD64)
		sums, err := rel.Package(license, mtime)
		if err != nil {
			t.Fatal(err)
		}
		return rel, sums
	}
	relA, sumsA := packageOnce(mtime)
	relB, sumsB := packageOnce(mtime)
	_, sumsC := packageOnce(mtime.Add(2 * time.Second))

	for i := range sumsA {
		if sumsA[i] != sumsB[i] {
			t.Errorf("packaging twice gave different checksums: %v and %v", sumsA[i], sumsB[i])
		}
		if sumsA[i].SHA256 == sumsC[i].SHA256 {
			t.Errorf("%s has the same SHA-256 for two mtimes", sumsA[i].Name)
		}
	}
	a, err := os.ReadFile(relA.SumsPath())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(relB.SumsPath())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("SHA256SUMS differ:\n%s\n%s", a, b)
	}
	// sha256sum's format: hex, two spaces, name; sorted by name.
	wantPrefix := sumsA[0].SHA256 + "  kubectl-hpametrics_v0.2.0_linux_amd64.tar.gz\n"
	if !strings.HasPrefix(string(a), wantPrefix) {
		t.Errorf("SHA256SUMS starts with %q, expected %q", a, wantPrefix)
	}
}

func TestPackageMissingBinary(t *testing.T) {
	rel, license := fakeRelease(t, linuxAMD64)
	rel.Platforms = append(rel.Platforms, windowsAMD64)
	_, err := rel.Package(license, time.Unix(1767225600, 0))
	if err == nil || !strings.Contains(err.Error(), "windows/amd64") {
		t.Errorf("Package with no windows binary returned %v, expected an error naming windows/amd64", err)
	}
}

func TestReadSumsRejectsMalformedLines(t *testing.T) {
	good := strings.Repeat("ab", 32)
	for _, line := range []string{
		good + " kubectl-hpametrics.tar.gz",        // one space
		strings.ToUpper(good) + "  archive.tar.gz", // uppercase hex
		good[:62] + "  archive.tar.gz",             // short
		good + "  ",                                // no name
		good + "  ../archive.tar.gz",               // a path, not a name
	} {
		path := filepath.Join(t.TempDir(), "SHA256SUMS")
		if err := os.WriteFile(path, []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readSums(path); err == nil {
			t.Errorf("readSums accepted %q", line)
		}
	}
}

func TestRenderManifestRequiresEveryPlatform(t *testing.T) {
	rel, license := fakeRelease(t, linuxAMD64)
	if _, err := rel.Package(license, time.Unix(1767225600, 0)); err != nil {
		t.Fatal(err)
	}
	template := filepath.Join("..", "..", "krew-manifest.yaml")
	out := filepath.Join(t.TempDir(), "hpametrics.yaml")
	if err := rel.RenderManifest(template, out); err != nil {
		t.Fatal(err)
	}
	if err := rel.VerifyManifest(out); err != nil {
		t.Errorf("VerifyManifest rejected a fresh render: %v", err)
	}

	rel.Platforms = append(rel.Platforms, windowsAMD64)
	err := rel.RenderManifest(template, out)
	if err == nil || !strings.Contains(err.Error(), "windows/amd64") {
		t.Errorf("RenderManifest without a windows archive returned %v, expected an error naming windows/amd64", err)
	}
}

// TestVerifyManifestChecksArchiveContents repackages an archive without the
// license, with a matching SHA-256 in the manifest, which only the look
// inside the archive catches.
func TestVerifyManifestChecksArchiveContents(t *testing.T) {
	rel, license := fakeRelease(t, linuxAMD64)
	if _, err := rel.Package(license, time.Unix(1767225600, 0)); err != nil {
		t.Fatal(err)
	}
	entries := []archiveEntry{{Name: "kubectl-hpametrics", Path: rel.BinaryPath(linuxAMD64), Mode: 0o755}}
	if err := writeTarGz(rel.ArchivePath(linuxAMD64), entries, time.Unix(1767225600, 0)); err != nil {
		t.Fatal(err)
	}
	sum, err := sha256File(rel.ArchivePath(linuxAMD64))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSums(rel.SumsPath(), []Checksum{{SHA256: sum, Name: rel.ArchiveName(linuxAMD64)}}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "hpametrics.yaml")
	if err := rel.RenderManifest(filepath.Join("..", "..", "krew-manifest.yaml"), out); err != nil {
		t.Fatal(err)
	}

	err = rel.VerifyManifest(out)
	if err == nil || !strings.Contains(err.Error(), "does not contain LICENSE") {
		t.Errorf("VerifyManifest returned %v, expected an error about the missing LICENSE", err)
	}
}
