// Command release-tool packages kubectl-hpametrics release archives and
// renders the krew plugin manifest for them. dist.mk runs it after building
// the binaries:
//
//	release-tool check-version -version v0.2.0
//	release-tool package -dist dist -version v0.2.0 -platforms "linux/amd64 ..." -license LICENSE -mtime 1700000000
//	release-tool render -dist dist -version v0.2.0 -platforms "linux/amd64 ..." -template krew-manifest.yaml -o plugins/hpametrics.yaml
//
// package reads the binaries from DIST/build/OS_ARCH/, writes one archive per
// platform into DIST and writes DIST/SHA256SUMS. render fills the template
// from SHA256SUMS, then reads the result back and checks it against the
// archives on disk.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: release-tool check-version|package|render [flags]; run release-tool COMMAND -h for the flags")
		os.Exit(2)
	}
	var err error
	switch command, args := os.Args[1], os.Args[2:]; command {
	case "check-version":
		err = runCheckVersion(args)
	case "package":
		err = runPackage(args)
	case "render":
		err = runRender(args)
	default:
		err = fmt.Errorf("unknown command %q: use check-version, package or render", command)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "release-tool:", err)
		os.Exit(1)
	}
}

// releaseFlags are the flags that name a release: its version, platforms and
// where its archives are.
type releaseFlags struct {
	distDir    string
	binary     string
	version    string
	platforms  string
	releaseURL string
}

func (r *releaseFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.distDir, "dist", "dist", "directory of the archives and SHA256SUMS")
	fs.StringVar(&r.binary, "binary", "kubectl-hpametrics", "name of the plugin executable, without .exe")
	fs.StringVar(&r.version, "version", "", "release version, a semantic version with a leading v such as v0.2.0")
	fs.StringVar(&r.platforms, "platforms", strings.Join(defaultPlatforms, " "), "space-separated OS/ARCH pairs")
	fs.StringVar(&r.releaseURL, "release-url", defaultReleaseURL, "URL under which each release tag's archives are downloadable")
}

func (r *releaseFlags) release() (Release, error) {
	platforms, err := ParsePlatforms(r.platforms)
	if err != nil {
		return Release{}, err
	}
	rel := Release{
		DistDir:    r.distDir,
		Binary:     r.binary,
		Version:    r.version,
		Platforms:  platforms,
		ReleaseURL: strings.TrimSuffix(r.releaseURL, "/"),
	}
	return rel, CheckVersion(rel.Version)
}

func runCheckVersion(args []string) error {
	fs := flag.NewFlagSet("check-version", flag.ExitOnError)
	version := fs.String("version", "", "release version to check")
	_ = fs.Parse(args)
	return CheckVersion(*version)
}

func runPackage(args []string) error {
	fs := flag.NewFlagSet("package", flag.ExitOnError)
	var rf releaseFlags
	rf.register(fs)
	license := fs.String("license", "LICENSE", "license file to put into every archive")
	mtime := fs.Int64("mtime", 0, "modification time of the archive entries, in seconds since the Unix epoch")
	_ = fs.Parse(args)

	rel, err := rf.release()
	if err != nil {
		return err
	}
	sums, err := rel.Package(*license, time.Unix(*mtime, 0))
	if err != nil {
		return err
	}
	for _, s := range sums {
		fmt.Printf("%s  %s\n", s.SHA256, s.Name)
	}
	return nil
}

func runRender(args []string) error {
	fs := flag.NewFlagSet("render", flag.ExitOnError)
	var rf releaseFlags
	rf.register(fs)
	templatePath := fs.String("template", "krew-manifest.yaml", "krew manifest template")
	out := fs.String("o", "plugins/hpametrics.yaml", "rendered manifest to write")
	_ = fs.Parse(args)

	rel, err := rf.release()
	if err != nil {
		return err
	}
	if err := rel.RenderManifest(*templatePath, *out); err != nil {
		return err
	}
	if err := rel.VerifyManifest(*out); err != nil {
		return fmt.Errorf("rendered manifest %s does not match the archives in %s: %w", *out, rel.DistDir, err)
	}
	fmt.Printf("wrote %s for %s (%d platforms)\n", *out, rel.Version, len(rel.Platforms))
	return nil
}
