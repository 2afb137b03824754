package snapshot

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/render"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

const readmeIntro = `# Example snapshots

Each file here is a snapshot as "kubectl hpametrics snapshot NAME" writes it:
a v1 List of the objects explain reads. Explain one without a cluster:

    kubectl hpametrics explain --from examples/healthy-request-rate.yaml

Most files are generated from scenarios built in code
(pkg/snapshot/cases_test.go), all captured at 2026-03-14T02:47:31Z. The files
named captured-demo-* were captured from the local control plane that
"make demo" starts. A test explains every file and checks its verdict and
finding codes. After changing a scenario or the snapshot format, regenerate
the generated files and this page with:

    go test ./pkg/snapshot -run TestGenerateExamples -update

Each section below shows the command and an excerpt of its output: the
header, the verdict, and the first lines of each finding. docs/snapshots.md
describes the file format.
`

// capturedExamples are the files in examples/ captured from the local
// control plane rather than generated, which -update leaves as they are.
var capturedExamples = []scenario{{
	example: "captured-demo-pinned-at-max.yaml",
	title:   "Captured from make demo: an HPA pinned at maxReplicas",
	about:   "The demo's imageproc pods use almost four times their cpu target, so the metrics ask for 16 replicas, but maxReplicas is 4. Captured with kubectl hpametrics snapshot imageproc -n demo.",
}}

// examplesReadme renders examples/README.md from the scenarios and the
// text output of explain --from for each.
func examplesReadme(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(readmeIntro)
	for _, sc := range scenarios() {
		if sc.example == "" {
			continue
		}
		data, err := Encode(sc.state(), "yaml")
		if err != nil {
			t.Fatal(err)
		}
		writeReadmeSection(t, &b, sc, data)
	}
	for _, sc := range capturedExamples {
		data, err := os.ReadFile(filepath.Join(examplesDir, sc.example))
		if err != nil {
			t.Fatal(err)
		}
		writeReadmeSection(t, &b, sc, data)
	}
	return b.Bytes()
}

func writeReadmeSection(t *testing.T, b *bytes.Buffer, sc scenario, data []byte) {
	t.Helper()
	loaded, err := Load(bytes.NewReader(data), Options{Source: sc.example})
	if err != nil {
		t.Fatal(err)
	}
	now, source := loaded.EvaluationTime(zeroTime(), capturedAt)
	e := loaded.Explain(explain.Options{Config: replicas.DefaultConfig(), Now: now}, source)
	var out bytes.Buffer
	if err := render.Text(&out, e, render.Options{Width: 100, Now: now}); err != nil {
		t.Fatal(err)
	}

	fmt.Fprintf(b, "\n## %s\n\n%s\n\n", sc.title, wrapText(sc.about, 76))
	fmt.Fprintf(b, "    kubectl hpametrics explain --from examples/%s\n\n", sc.example)
	for _, line := range excerpt(out.String()) {
		b.WriteString(strings.TrimRight("    "+line, " ") + "\n")
	}
}

// excerpt keeps the header and verdict of a text explanation, and the
// message and check command of each finding.
func excerpt(text string) []string {
	lines := strings.Split(text, "\n")
	var out []string
	i := 0
	for blanks := 0; i < len(lines) && blanks < 2; i++ {
		if lines[i] == "" {
			blanks++
		}
		out = append(out, lines[i])
	}
	out = append(out, "…", "")

	for ; i < len(lines) && lines[i] != "FINDINGS"; i++ {
	}
	inMessage := false
	for ; i < len(lines); i++ {
		line := lines[i]
		switch {
		case line == "FINDINGS":
			out = append(out, line)
		case line != "" && line[0] != ' ':
			return out
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   "):
			inMessage = true
			out = append(out, line)
		case strings.HasPrefix(strings.TrimSpace(line), "check:"):
			out = append(out, line)
			inMessage = false
		case strings.HasPrefix(strings.TrimSpace(line), "- "), strings.HasPrefix(strings.TrimSpace(line), "fix:"):
			inMessage = false
		case inMessage:
			out = append(out, line)
		}
	}
	return out
}

// wrapText breaks text into lines of at most width columns at spaces.
func wrapText(text string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
