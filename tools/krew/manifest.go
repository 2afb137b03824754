package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

// manifestData is the input of the krew-manifest.yaml template.
type manifestData struct {
	Version   string
	Platforms []manifestPlatform
}

// manifestPlatform is one spec.platforms entry of the manifest.
type manifestPlatform struct {
	OS     string
	Arch   string
	URI    string
	SHA256 string
	Bin    string
}

// RenderManifest fills the krew manifest template with the release's
// version and one platform entry per archive listed in SHA256SUMS.
func (r Release) RenderManifest(templatePath, out string) error {
	sums, err := readSums(r.SumsPath())
	if err != nil {
		return err
	}
	data := manifestData{Version: r.Version}
	for _, p := range r.Platforms {
		sum, ok := sums[r.ArchiveName(p)]
		if !ok {
			return fmt.Errorf("%s lists no %s for platform %s: run make dist VERSION=%s", r.SumsPath(), r.ArchiveName(p), p, r.Version)
		}
		data.Platforms = append(data.Platforms, manifestPlatform{
			OS:     p.OS,
			Arch:   p.Arch,
			URI:    r.URI(p),
			SHA256: sum,
			Bin:    r.BinName(p),
		})
	}

	rendered, err := renderTemplate(templatePath, data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, rendered, 0o644)
}

func renderTemplate(templatePath string, data manifestData) ([]byte, error) {
	tmpl, err := template.New(filepath.Base(templatePath)).Option("missingkey=error").ParseFiles(templatePath)
	if err != nil {
		return nil, fmt.Errorf("parsing manifest template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("rendering manifest template %s: %w", templatePath, err)
	}
	return buf.Bytes(), nil
}

// VerifyManifest reads a rendered manifest back and checks it against the
// release on disk. It checks the version and requires exactly one entry per
// platform, with the expected URI and bin and the SHA-256 of the archive
// file. The archive must contain the bin and LICENSE. krew's own validation
// checks the structure only, because it never reads the archives.
func (r Release) VerifyManifest(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// Strict decoding catches misspelled fields, which krew ignores.
	var plugin index.Plugin
	if err := yaml.UnmarshalStrict(raw, &plugin); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	if plugin.Spec.Version != r.Version {
		return fmt.Errorf("spec.version is %q, expected %q", plugin.Spec.Version, r.Version)
	}

	entries := map[Platform][]index.Platform{}
	for i, entry := range plugin.Spec.Platforms {
		if entry.Selector == nil || len(entry.Selector.MatchExpressions) > 0 {
			return fmt.Errorf("spec.platforms[%d] must select by matchLabels os and arch only", i)
		}
		p := Platform{OS: entry.Selector.MatchLabels["os"], Arch: entry.Selector.MatchLabels["arch"]}
		entries[p] = append(entries[p], entry)
	}
	for _, p := range r.Platforms {
		switch n := len(entries[p]); {
		case n == 0:
			return fmt.Errorf("no spec.platforms entry for %s", p)
		case n > 1:
			return fmt.Errorf("%d spec.platforms entries for %s, expected one", n, p)
		}
		if err := r.verifyPlatform(p, entries[p][0]); err != nil {
			return fmt.Errorf("spec.platforms entry for %s: %w", p, err)
		}
		delete(entries, p)
	}
	for p := range entries {
		return fmt.Errorf("spec.platforms has an entry for %s, which this release does not build", p)
	}
	return nil
}

func (r Release) verifyPlatform(p Platform, entry index.Platform) error {
	if entry.URI != r.URI(p) {
		return fmt.Errorf("uri is %q, expected %q", entry.URI, r.URI(p))
	}
	if entry.Bin != r.BinName(p) {
		return fmt.Errorf("bin is %q, expected %q", entry.Bin, r.BinName(p))
	}
	sum, err := sha256File(r.ArchivePath(p))
	if err != nil {
		return err
	}
	if entry.Sha256 != sum {
		return fmt.Errorf("sha256 is %q, but %s has %s", entry.Sha256, r.ArchivePath(p), sum)
	}

	names, err := archiveMembers(r.ArchivePath(p))
	if err != nil {
		return err
	}
	for _, want := range []string{entry.Bin, "LICENSE"} {
		mode, ok := names[want]
		if !ok {
			return fmt.Errorf("%s does not contain %s", r.ArchivePath(p), want)
		}
		if want == entry.Bin && p.OS != "windows" && mode&0o111 == 0 {
			return fmt.Errorf("%s in %s is not executable (mode %v)", want, r.ArchivePath(p), mode)
		}
	}
	return nil
}

// archiveMembers lists the regular files of a .tar.gz or .zip archive with
// their permission bits.
func archiveMembers(path string) (map[string]os.FileMode, error) {
	members := map[string]os.FileMode{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, fmt.Errorf("reading zip archive %s: %w", path, err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.Mode().IsRegular() {
				members[f.Name] = f.Mode().Perm()
			}
		}
		return members, nil
	}

	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("reading gzip archive %s: %w", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return members, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar archive %s: %w", path, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			members[hdr.Name] = os.FileMode(hdr.Mode).Perm()
		}
	}
}
