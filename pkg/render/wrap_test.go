package render

import (
	"slices"
	"strings"
	"testing"

	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

func TestWrapText(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		first    int
		rest     int
		cutWords bool
		want     []string
	}{
		{"empty", "", 10, 10, false, []string{""}},
		{"fits", "one two", 10, 10, false, []string{"one two"}},
		{"breaks at spaces", "one two three four", 9, 9, false, []string{"one two", "three", "four"}},
		{"keeps hyphenated names whole", "pod web-7d9f-x2k4p is missing", 12, 12, false, []string{"pod", "web-7d9f-x2k4p", "is missing"}},
		{"long word overflows", "see /apis/custom.metrics.k8s.io/v1beta2 now", 10, 10, false, []string{"see", "/apis/custom.metrics.k8s.io/v1beta2", "now"}},
		{"long word cut for cells", "abcdefghij", 4, 4, true, []string{"abcd", "efgh", "ij"}},
		{"first line narrower", "aa bb cc dd", 2, 5, false, []string{"aa", "bb cc", "dd"}},
		{"collapses runs of spaces", "a    b", 10, 10, false, []string{"a b"}},
		{"wide characters", "日本語 ポッド", 6, 6, false, []string{"日本語", "ポッド"}},
		{"width below one", "a b", 0, -1, true, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrapText(tt.text, tt.first, tt.rest, tt.cutWords)
			if !slices.Equal(got, tt.want) {
				t.Errorf("wrapText(%q, %d, %d, %v) = %q, want %q", tt.text, tt.first, tt.rest, tt.cutWords, got, tt.want)
			}
		})
	}
}

func TestWrapTextCutWordsFitWidth(t *testing.T) {
	text := strings.Repeat("日本語ポッド", 10) + " " + strings.Repeat("x", 50)
	for width := 1; width <= 12; width++ {
		for _, line := range wrapText(text, width, width, true) {
			// A lone wide character may exceed a width of one.
			if w := termtext.Width(line); w > max(width, 2) {
				t.Errorf("width %d: line %q is %d cells wide", width, line, w)
			}
		}
	}
}

func TestSplitAtWidthAlwaysProgresses(t *testing.T) {
	head, rest := splitAtWidth("日本", 1)
	if head != "日" || rest != "本" {
		t.Errorf("splitAtWidth(\"日本\", 1) = %q, %q, want \"日\", \"本\"", head, rest)
	}
}
