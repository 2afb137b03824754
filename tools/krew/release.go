package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

// defaultPlatforms are the OS/ARCH pairs of a release, in manifest order.
var defaultPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"}

// defaultReleaseURL is the URL under which each release tag's archives are
// published.
const defaultReleaseURL = "https://github.com/hpametrics/kubectl-hpametrics/releases/download"

// supportedPlatforms are the OS/ARCH pairs that krew v0.4.3 can select (the
// list in its validate-krew-manifest command). A pair outside it would give
// a manifest entry that no krew installs.
var supportedPlatforms = map[Platform]bool{
	{"windows", "386"}: true, {"windows", "amd64"}: true, {"windows", "arm64"}: true,
	{"linux", "386"}: true, {"linux", "amd64"}: true, {"linux", "arm"}: true, {"linux", "arm64"}: true,
	{"darwin", "386"}: true, {"darwin", "amd64"}: true, {"darwin", "arm64"}: true,
}

// Platform is a GOOS/GOARCH pair, which krew selects by the labels os and arch.
type Platform struct {
	OS   string
	Arch string
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// ParsePlatforms parses a space-separated list of OS/ARCH pairs.
func ParsePlatforms(list string) ([]Platform, error) {
	var platforms []Platform
	seen := map[Platform]bool{}
	for _, field := range strings.Fields(list) {
		osName, arch, ok := strings.Cut(field, "/")
		p := Platform{OS: osName, Arch: arch}
		if !ok || !supportedPlatforms[p] {
			return nil, fmt.Errorf("invalid platform %q: use an OS/ARCH pair that krew supports, such as linux/amd64", field)
		}
		if seen[p] {
			return nil, fmt.Errorf("platform %s is listed twice", p)
		}
		seen[p] = true
		platforms = append(platforms, p)
	}
	if len(platforms) == 0 {
		return nil, fmt.Errorf("no platforms given: list OS/ARCH pairs such as %q", strings.Join(defaultPlatforms, " "))
	}
	return platforms, nil
}

// CheckVersion rejects versions that krew v0.4.3 cannot parse: it requires a
// leading "v" followed by a semantic version, and compares versions with
// k8s.io/apimachinery's ParseSemantic to decide on upgrades.
func CheckVersion(v string) error {
	if v == "" {
		return fmt.Errorf("missing version: pass VERSION=vX.Y.Z, such as make dist VERSION=v0.2.0")
	}
	if !strings.HasPrefix(v, "v") {
		return fmt.Errorf("invalid version %q: krew requires a leading v, such as v0.2.0", v)
	}
	if _, err := version.ParseSemantic(v); err != nil {
		return fmt.Errorf("invalid version %q: it is not a semantic version such as v0.2.0 (%v); tag the commit or pass VERSION=vX.Y.Z", v, err)
	}
	return nil
}

// Release names one set of release archives.
type Release struct {
	// DistDir contains build/OS_ARCH/ with the binaries, and receives the
	// archives and SHA256SUMS.
	DistDir    string
	Binary     string
	Version    string
	Platforms  []Platform
	ReleaseURL string
}

// BinName returns the executable's name inside the archive for p.
func (r Release) BinName(p Platform) string {
	if p.OS == "windows" {
		return r.Binary + ".exe"
	}
	return r.Binary
}

// ArchiveName returns the file name of p's archive: a .zip for Windows,
// where that is the usual format, and a .tar.gz elsewhere.
func (r Release) ArchiveName(p Platform) string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("%s_%s_%s_%s%s", r.Binary, r.Version, p.OS, p.Arch, ext)
}

// BinaryPath returns the path where dist.mk's go build writes the
// executable for p.
func (r Release) BinaryPath(p Platform) string {
	return filepath.Join(r.DistDir, "build", p.OS+"_"+p.Arch, r.BinName(p))
}

// ArchivePath returns the path of p's archive.
func (r Release) ArchivePath(p Platform) string {
	return filepath.Join(r.DistDir, r.ArchiveName(p))
}

// SumsPath returns the path of the release's SHA256SUMS file.
func (r Release) SumsPath() string {
	return filepath.Join(r.DistDir, "SHA256SUMS")
}

// URI returns the download URL of p's archive.
func (r Release) URI(p Platform) string {
	return r.ReleaseURL + "/" + r.Version + "/" + r.ArchiveName(p)
}
