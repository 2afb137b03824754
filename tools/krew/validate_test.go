package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

// validateWithKrew runs krew v0.4.3's validate-krew-manifest on a manifest:
// krew's structural validation (apiVersion, name, semantic version, sha256
// format, bin, selectors), a check that every selector matches a platform
// krew supports, and a check that no two selectors match one platform. It
// skips installing every platform, which would download the archives.
func validateWithKrew(t *testing.T, manifest string) (string, error) {
	t.Helper()
	return run(os.Environ(), filepath.Dir(manifest), validator(t), "-manifest", manifest, "-skip-install")
}

func TestRenderedManifestValid(t *testing.T) {
	rel := releaseV1(t)

	out, err := validateWithKrew(t, rel.Manifest)
	if err != nil {
		t.Fatalf("validate-krew-manifest rejected the rendered manifest: %v\n%s", err, out)
	}
	if err := rel.VerifyManifest(rel.Manifest); err != nil {
		t.Errorf("rendered manifest does not match the archives: %v", err)
	}
	if err := verifySums(rel.Release); err != nil {
		t.Error(err)
	}
}

// verifySums checks SHA256SUMS against the archive files with the standard
// sha256sum tool, the way users check a download.
func verifySums(rel Release) error {
	out, err := run(os.Environ(), rel.DistDir, "sha256sum", "--check", "--strict", "SHA256SUMS")
	if err != nil {
		return fmt.Errorf("sha256sum --check SHA256SUMS in %s failed: %v\n%s", rel.DistDir, err, out)
	}
	return nil
}

// TestCommittedManifestValid checks plugins/hpametrics.yaml, the manifest
// committed for the current release. krew must accept it. Rendering the
// current template with its values must give the same bytes, which fails when
// the file was edited by hand or the template changed after rendering.
func TestCommittedManifestValid(t *testing.T) {
	committed := filepath.Join(repoRoot(t), "plugins", "hpametrics.yaml")
	out, err := validateWithKrew(t, committed)
	if err != nil {
		t.Fatalf("validate-krew-manifest rejected %s: %v\n%s", committed, err, out)
	}

	raw, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	var plugin index.Plugin
	if err := yaml.UnmarshalStrict(raw, &plugin); err != nil {
		t.Fatalf("parsing %s: %v", committed, err)
	}
	data := manifestData{Version: plugin.Spec.Version}
	for _, p := range plugin.Spec.Platforms {
		data.Platforms = append(data.Platforms, manifestPlatform{
			OS:     p.Selector.MatchLabels["os"],
			Arch:   p.Selector.MatchLabels["arch"],
			URI:    p.URI,
			SHA256: p.Sha256,
			Bin:    p.Bin,
		})
	}
	rendered, err := renderTemplate(filepath.Join(repoRoot(t), "krew-manifest.yaml"), data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rendered, raw) {
		t.Errorf("%s differs from krew-manifest.yaml rendered with its values: run make dist VERSION=%s", committed, plugin.Spec.Version)
	}

	// The committed manifest must describe a full release.
	release := Release{Binary: "kubectl-hpametrics", Version: plugin.Spec.Version, ReleaseURL: defaultReleaseURL}
	release.Platforms, _ = ParsePlatforms(strings.Join(defaultPlatforms, " "))
	if len(plugin.Spec.Platforms) != len(release.Platforms) {
		t.Errorf("%s has %d platforms, expected %d", committed, len(plugin.Spec.Platforms), len(release.Platforms))
	}
	for i, p := range plugin.Spec.Platforms {
		if i >= len(release.Platforms) {
			break
		}
		if want := release.URI(release.Platforms[i]); p.URI != want {
			t.Errorf("spec.platforms[%d].uri is %q, expected %q", i, p.URI, want)
		}
	}
}

// mutateManifest parses a manifest into generic YAML, lets change edit it
// and writes it as hpametrics.yaml in a new directory, the file name
// validate-krew-manifest expects for the plugin hpametrics.
func mutateManifest(t *testing.T, manifest string, change func(spec map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	change(doc["spec"].(map[string]any))
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hpametrics.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func platformsOf(spec map[string]any) []any { return spec["platforms"].([]any) }

func entry(spec map[string]any, i int) map[string]any {
	return platformsOf(spec)[i].(map[string]any)
}

// TestBrokenManifestsRejected breaks a valid rendered manifest in one way per
// case and checks who catches it: krew's validation for structural faults,
// VerifyManifest for faults that only a comparison with the archives shows.
func TestBrokenManifestsRejected(t *testing.T) {
	rel := releaseV1(t)

	// Unchanged, the round trip through generic YAML passes both checks, so
	// each failure below comes from its change.
	unchanged := mutateManifest(t, rel.Manifest, func(map[string]any) {})
	if out, err := validateWithKrew(t, unchanged); err != nil {
		t.Fatalf("validate-krew-manifest rejected the unchanged manifest: %v\n%s", err, out)
	}
	if err := rel.VerifyManifest(unchanged); err != nil {
		t.Fatalf("VerifyManifest rejected the unchanged manifest: %v", err)
	}

	cases := []struct {
		name   string
		change func(spec map[string]any)
		// krewError is a substring of krew's error, or "" when krew
		// accepts the manifest.
		krewError string
		// verifyError is a substring of VerifyManifest's error.
		verifyError string
	}{
		{
			name:        "malformed sha256",
			change:      func(spec map[string]any) { entry(spec, 0)["sha256"] = "not-a-checksum" },
			krewError:   "`sha256` value not-a-checksum is not valid",
			verifyError: `sha256 is "not-a-checksum"`,
		},
		{
			name: "uppercase sha256",
			change: func(spec map[string]any) {
				e := entry(spec, 0)
				e["sha256"] = strings.ToUpper(e["sha256"].(string))
			},
			krewError:   "is not valid, must match pattern",
			verifyError: "sha256 is",
		},
		{
			name: "sha256 of another archive",
			change: func(spec map[string]any) {
				entry(spec, 0)["sha256"] = entry(spec, 1)["sha256"]
			},
			verifyError: "spec.platforms entry for linux/amd64: sha256 is",
		},
		{
			name:        "no platforms",
			change:      func(spec map[string]any) { delete(spec, "platforms") },
			krewError:   "should have a platform specified",
			verifyError: "no spec.platforms entry for linux/amd64",
		},
		{
			name: "windows platform missing",
			change: func(spec map[string]any) {
				platforms := platformsOf(spec)
				spec["platforms"] = platforms[:len(platforms)-1]
			},
			verifyError: "no spec.platforms entry for windows/amd64",
		},
		{
			name: "duplicate platform",
			change: func(spec map[string]any) {
				spec["platforms"] = append(platformsOf(spec), platformsOf(spec)[0])
			},
			krewError:   "overlapping selectors",
			verifyError: "2 spec.platforms entries for linux/amd64",
		},
		{
			name:        "missing bin",
			change:      func(spec map[string]any) { delete(entry(spec, 2), "bin") },
			krewError:   "`bin` has to be set",
			verifyError: `spec.platforms entry for darwin/amd64: bin is ""`,
		},
		{
			name: "unsupported platform",
			change: func(spec map[string]any) {
				entry(spec, 0)["selector"] = map[string]any{"matchLabels": map[string]any{"os": "plan9", "arch": "amd64"}}
			},
			krewError:   "doesn't match any supported platforms",
			verifyError: "no spec.platforms entry for linux/amd64",
		},
		{
			name:        "version without v",
			change:      func(spec map[string]any) { spec["version"] = strings.TrimPrefix(testVersion1, "v") },
			krewError:   "failed to parse plugin version",
			verifyError: "spec.version is",
		},
		{
			name: "uri of another version",
			change: func(spec map[string]any) {
				e := entry(spec, 0)
				e["uri"] = strings.ReplaceAll(e["uri"].(string), testVersion1, testVersion2)
			},
			verifyError: "spec.platforms entry for linux/amd64: uri is",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			manifest := mutateManifest(t, rel.Manifest, tc.change)

			out, err := validateWithKrew(t, manifest)
			switch {
			case tc.krewError == "" && err != nil:
				t.Errorf("validate-krew-manifest rejected it, expected krew to accept it: %v\n%s", err, out)
			case tc.krewError != "" && err == nil:
				t.Errorf("validate-krew-manifest accepted it, expected an error containing %q", tc.krewError)
			case tc.krewError != "" && !strings.Contains(out, tc.krewError):
				t.Errorf("validate-krew-manifest output lacks %q:\n%s", tc.krewError, out)
			}

			err = rel.VerifyManifest(manifest)
			if err == nil {
				t.Fatalf("VerifyManifest accepted it, expected an error containing %q", tc.verifyError)
			}
			if !strings.Contains(err.Error(), tc.verifyError) {
				t.Errorf("VerifyManifest error %q lacks %q", err, tc.verifyError)
			}
		})
	}
}
