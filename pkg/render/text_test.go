package render

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

func renderText(t *testing.T, e *v1alpha1.Explanation, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Text(&buf, e, opts); err != nil {
		t.Fatalf("Text: %v", err)
	}
	return buf.String()
}

// testWidths covers no width, terminals too narrow for any table, and the
// usual sizes.
var testWidths = []int{-5, 0, 1, 20, 40, 80, 120, 200}

func TestTextWithoutColorHasNoEscape(t *testing.T) {
	for _, f := range append(fixtures(), fixture{"odd-input", oddInput()}) {
		for _, width := range testWidths {
			out := renderText(t, f.e, Options{Width: width})
			if i := strings.IndexByte(out, 0x1b); i >= 0 {
				t.Errorf("%s at width %d: ESC at byte %d: %q", f.name, width, i, out[max(i-20, 0):min(i+20, len(out))])
			}
		}
	}
}

// sgr matches the Select Graphic Rendition sequences that styling emits.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestHostileStringsStayInert(t *testing.T) {
	e := hostileStrings()
	for _, width := range testWidths {
		for _, color := range []bool{false, true} {
			out := renderText(t, e, Options{Width: width, Color: color})
			plain := sgr.ReplaceAllString(out, "")

			if strings.IndexByte(plain, 0x1b) >= 0 {
				t.Errorf("width %d color %v: ESC outside styling", width, color)
			}
			if !utf8.ValidString(plain) {
				t.Errorf("width %d color %v: output is not valid UTF-8", width, color)
			}
			for _, r := range plain {
				if r != '\n' && termtext.NeedsEscape(r) {
					t.Errorf("width %d color %v: output contains %U", width, color, r)
					break
				}
			}
		}
	}
}

func TestHostileStringsSanitizedInText(t *testing.T) {
	out := renderText(t, hostileStrings(), Options{Width: 200})
	for _, want := range []string{
		`web\nFAKE LINE`,
		`web-\u202etxt.exe\x1b[8m-hidden`,
		`\x1b]8;;https://attacker.example/login\x1b\click here`,
		`first line\nsecond line`,
		`labels: app=web\nrole=\u202enimda`,
		`\x1b[1A\x1b[2Kerased the line above`,
		`app=web\r\x1b[Kapp=admin`,
		`WARNING\x1b[2J`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the escaped form %s", want)
		}
	}
}

func TestTextFitsWidth(t *testing.T) {
	for _, f := range fixtures() {
		for _, width := range []int{80, 120} {
			out := renderText(t, f.e, Options{Width: width})
			for n, line := range strings.Split(out, "\n") {
				if termtext.Width(line) <= width || overflowAllowed(line, width) {
					continue
				}
				t.Errorf("%s at width %d: line %d is %d cells wide: %q", f.name, width, n+1, termtext.Width(line), line)
			}
		}
	}
}

// overflowAllowed reports whether a line may be wider than the terminal: a
// check command stays whole for copying, and so does a single word longer
// than a line.
func overflowAllowed(line string, width int) bool {
	if strings.Contains(line, "check: ") {
		return true
	}
	for _, word := range strings.Fields(line) {
		if termtext.Width(word) > width/2 {
			return true
		}
	}
	return false
}

func TestTextSectionOrder(t *testing.T) {
	out := renderText(t, cpuClampedAtMax(), Options{Width: 120})
	last := -1
	for _, title := range []string{"HPA prod/api → Deployment/api", "Pinned at maxReplicas", "\nREPLICAS\n", "\nMETRICS\n", "\nPODS  ", "\nSTEPS\n", "\nFINDINGS\n", "\nEVENTS\n"} {
		i := strings.Index(out, title)
		if i < 0 {
			t.Fatalf("output lacks %q", title)
		}
		if i < last {
			t.Errorf("%q comes before the previous section", title)
		}
		last = i
	}
}

func TestTextHeader(t *testing.T) {
	out := renderText(t, cpuClampedAtMax(), Options{Width: 120})
	if !strings.Contains(out, "evaluated 2026-03-14T03:12:09Z · 9 API requests") {
		t.Errorf("header lacks the evaluation time and request count:\n%s", out)
	}
}

func TestTextPodsLimitedTo50(t *testing.T) {
	out := renderText(t, manyPods(120), Options{Width: 200})
	rows := podSectionRows(out)

	if len(rows) != maxPodRows {
		t.Fatalf("pods table has %d rows, want %d", len(rows), maxPodRows)
	}
	if !strings.Contains(out, "… and 70 more pods (use -o json for all)") {
		t.Error("output lacks the line counting the pods left out")
	}
	for i, row := range rows[:3] {
		if !strings.Contains(row, "missing") {
			t.Errorf("row %d is %q, want a missing pod first", i+1, row)
		}
	}
	for i, row := range rows[3:6] {
		if !strings.Contains(row, "unready") {
			t.Errorf("row %d is %q, want an unready pod after the missing ones", i+4, row)
		}
	}
}

func TestTextPodsAt50NotLimited(t *testing.T) {
	out := renderText(t, manyPods(maxPodRows), Options{Width: 200})
	if got := len(podSectionRows(out)); got != maxPodRows {
		t.Errorf("pods table has %d rows, want %d", got, maxPodRows)
	}
	if strings.Contains(out, "… and") {
		t.Error("output says pods were left out, but all fit")
	}
}

// podSectionRows returns the data rows of the pods table.
func podSectionRows(out string) []string {
	_, section, _ := strings.Cut(out, "\nPODS  ")
	section, _, _ = strings.Cut(section, "\n\n")
	lines := strings.Split(section, "\n")

	var rows []string
	for _, line := range lines[2:] {
		if strings.HasPrefix(line, "  …") || strings.HasPrefix(line, "  ! ") {
			break
		}
		rows = append(rows, line)
	}
	return rows
}

func TestTextForeignPodMarked(t *testing.T) {
	e := healthyPodsMetric()
	e.Pods[1].OwnedByTarget = false
	e.Pods[1].Owner = "StatefulSet/legacy-checkout"

	out := renderText(t, e, Options{Width: 120})
	if !strings.Contains(out, "  !  checkout-7d9f8b6c5d-9mzvw") {
		t.Errorf("foreign pod row lacks the marker:\n%s", out)
	}
	if !strings.Contains(out, "! checkout-7d9f8b6c5d-9mzvw matches the selector but is owned by StatefulSet/legacy-checkout, not Deployment/checkout") {
		t.Errorf("output lacks the note on the foreign pod:\n%s", out)
	}
}

func TestTextFindingsBySeverity(t *testing.T) {
	out := renderText(t, metricAPINotFound(), Options{Width: 120})
	errorAt := strings.Index(out, "  ERROR    MetricNotServed")
	secondErrorAt := strings.Index(out, "  ERROR    APIServiceUnavailable")
	warningAt := strings.Index(out, "  WARNING  StaleMetric")

	if errorAt < 0 || secondErrorAt < 0 || warningAt < 0 {
		t.Fatalf("output lacks a finding:\n%s", out)
	}
	if !(errorAt < secondErrorAt && secondErrorAt < warningAt) {
		t.Errorf("findings are not ordered error, error, warning with ties kept in order:\n%s", out)
	}
	wide := renderText(t, metricAPINotFound(), Options{Width: 200})
	if !strings.Contains(wide, "unavailable 6 times in the last hour. (inferred)") {
		t.Error("inferred finding lacks its mark")
	}
}

func TestTextNoFindings(t *testing.T) {
	out := renderText(t, healthyPodsMetric(), Options{Width: 80})
	if !strings.Contains(out, "FINDINGS\n  No findings.\n") {
		t.Errorf("output lacks \"No findings.\":\n%s", out)
	}
}

func TestTextEventsLatestTen(t *testing.T) {
	out := renderText(t, manyPods(120), Options{Width: 200})
	_, section, _ := strings.Cut(out, "\nEVENTS  latest 10 of 15\n")

	lines := strings.Split(strings.TrimSpace(section), "\n")
	if len(lines) != 11 {
		t.Fatalf("events section has %d lines, want a header and 10 events:\n%s", len(lines), section)
	}
	if !strings.Contains(lines[1], "New size: 80;") {
		t.Errorf("first event is %q, want the oldest of the latest 10", lines[1])
	}
	if !strings.Contains(lines[10], "New size: 116;") {
		t.Errorf("last event is %q, want the newest", lines[10])
	}
}

func TestTextReplicas(t *testing.T) {
	out := renderText(t, manyPods(120), Options{Width: 120})
	for _, want := range []string{
		"recomputed  140  (inferred from events)",
		"limited     ScaleUpLimit: ",
		"held back   ScaleUpStabilized: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	out = renderText(t, healthyPodsMetric(), Options{Width: 120})
	for _, unwanted := range []string{"DesiredWithinRange", "ReadyForNewScale"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("output shows the unremarkable reason %s", unwanted)
		}
	}
}

func TestTextInvalidMetric(t *testing.T) {
	out := renderText(t, metricAPINotFound(), Options{Width: 200})
	if !strings.Contains(out, "<unknown>") {
		t.Error("invalid metric does not show <unknown> as its current value")
	}
	if !strings.Contains(out, "rabbitmq_queue_messages_ready{queue=orders}: unable to get metric") {
		t.Errorf("output lacks the metric's error below the table:\n%s", out)
	}
}

func TestTextColor(t *testing.T) {
	colored := renderText(t, cpuClampedAtMax(), Options{Width: 120, Color: true})
	plain := renderText(t, cpuClampedAtMax(), Options{Width: 120})

	if !strings.Contains(colored, "\x1b[") {
		t.Fatal("colored output has no escape sequences")
	}
	if got := sgr.ReplaceAllString(colored, ""); got != plain {
		t.Error("colored output without its styling differs from the plain output")
	}
}

func TestTextNowDefaultsToEvaluatedAt(t *testing.T) {
	e := cpuClampedAtMax()
	implicit := renderText(t, e, Options{Width: 120})
	explicit := renderText(t, e, Options{Width: 120, Now: evaluatedAt})
	if implicit != explicit {
		t.Error("output with Now unset differs from output with Now = EvaluatedAt")
	}

	later := renderText(t, e, Options{Width: 120, Now: evaluatedAt.Add(time.Hour)})
	if !strings.Contains(later, "27h") {
		t.Error("ages do not follow Options.Now")
	}
}

func TestTextNilExplanation(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, nil, Options{}); err == nil {
		t.Error("Text(nil) returned no error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWriteFailed }

var errWriteFailed = bytes.ErrTooLarge

func TestTextWriteError(t *testing.T) {
	if err := Text(failingWriter{}, healthyPodsMetric(), Options{}); err != errWriteFailed {
		t.Errorf("Text returned %v, want the writer's error", err)
	}
}

// oddInput has every optional field unset or extreme.
func oddInput() *v1alpha1.Explanation {
	long := strings.Repeat("x", 5000)
	return &v1alpha1.Explanation{
		HPA:     v1alpha1.ObjectRef{Name: long},
		Target:  v1alpha1.Target{Kind: "Deployment"},
		Verdict: long + " " + long,
		Replicas: v1alpha1.Replicas{
			Current: math.MaxInt32, StatusDesired: math.MinInt32, Recommended: ptr(int32(math.MaxInt32)),
			Max: math.MaxInt32, LimitReason: "SomethingNew",
		},
		Metrics: []v1alpha1.Metric{
			{},
			{Type: "Resource", Name: "cpu", Valid: true, Current: &v1alpha1.MetricValue{Value: math.Inf(1)}, UsageRatio: ptr(math.NaN()), ProposedReplicas: ptr(int32(math.MaxInt32))},
			{Type: "Resource", Name: "memory", Valid: true, Target: v1alpha1.MetricValue{Type: "AverageValue", Value: 1e300}, Current: &v1alpha1.MetricValue{Value: -1e-300}},
			{Type: "Pods", Name: long, Valid: true, Target: v1alpha1.MetricValue{Type: "Utilization", Value: math.NaN()},
				Pods: []v1alpha1.PodMetric{{Name: long, Value: ptr(math.Inf(-1)), Request: ptr(0.0)}, {}}},
		},
		Pods:     []v1alpha1.Pod{{}, {Name: long, Created: &metav1.Time{}}},
		Steps:    []v1alpha1.Step{{}, {Text: long}},
		Findings: []v1alpha1.Finding{{}, {Severity: "fatal", Code: long, Evidence: []string{""}}},
		Events:   []v1alpha1.Event{{}, {Type: long, Reason: long, Message: long, Count: math.MaxInt32}},
	}
}

func TestTextOddInput(t *testing.T) {
	for _, e := range []*v1alpha1.Explanation{{}, oddInput()} {
		for _, width := range testWidths {
			out := renderText(t, e, Options{Width: width, Color: true})
			if !strings.HasSuffix(out, "\n") {
				t.Errorf("width %d: output does not end in a newline", width)
			}
		}
	}
}

func BenchmarkText500Pods(b *testing.B) {
	e := manyPods(500)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Text(&buf, e, Options{Width: 120, Color: true}); err != nil {
			b.Fatal(err)
		}
	}
}
