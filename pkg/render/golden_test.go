package render

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata with the current output")

// checkGolden compares got with testdata/name, or rewrites the file when
// -update is set. On a mismatch it reports the first line that differs.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)

	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
		return
	}

	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run go test -update to create it)", path, err)
	}
	if bytes.Equal(got, want) {
		return
	}

	gotLines := strings.Split(string(got), "\n")
	wantLines := strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d (run go test -update if the change is intended)\n got: %q\nwant: %q", path, i+1, g, w)
		}
	}
	t.Fatalf("%s differs (run go test -update if the change is intended)", path)
}

func TestTextGolden(t *testing.T) {
	for _, f := range fixtures() {
		for _, width := range []int{120, 80} {
			name := fmt.Sprintf("%s.w%d", f.name, width)
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Text(&buf, f.e, Options{Width: width}); err != nil {
					t.Fatalf("Text: %v", err)
				}
				checkGolden(t, name+".txt", buf.Bytes())
			})
		}
	}
}

func TestTextGoldenColor(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, cpuClampedAtMax(), Options{Width: 120, Color: true}); err != nil {
		t.Fatalf("Text: %v", err)
	}
	checkGolden(t, "cpu-clamped-at-max.color.w120.txt", buf.Bytes())
}

func TestJSONGolden(t *testing.T) {
	for _, f := range fixtures() {
		if len(f.e.Pods) > 20 {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := JSON(&buf, f.e); err != nil {
				t.Fatalf("JSON: %v", err)
			}
			checkGolden(t, f.name+".json", buf.Bytes())
		})
	}
}

func TestYAMLGolden(t *testing.T) {
	for _, f := range fixtures() {
		if len(f.e.Pods) > 20 {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := YAML(&buf, f.e); err != nil {
				t.Fatalf("YAML: %v", err)
			}
			checkGolden(t, f.name+".yaml", buf.Bytes())
		})
	}
}
