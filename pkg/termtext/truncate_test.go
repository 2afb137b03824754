package termtext

import (
	"strings"
	"testing"
)

func TestWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"web-1", 5},
		{"…", 1},
		{"日本", 4},
		{"café", 4},
	}
	for _, tt := range tests {
		if got := Width(tt.in); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		want  string
	}{
		{"fits", "web-1", 10, "web-1"},
		{"exact fit", "web-1", 5, "web-1"},
		{"one cell short", "web-12", 5, "web-…"},
		{"width one", "web-12", 1, "…"},
		{"width zero", "web", 0, ""},
		{"negative width", "web", -3, ""},
		{"empty input", "", 3, ""},
		{"wide characters", "日本語のポッド", 7, "日本語…"},
		{"wide character straddles the limit", "日本語", 4, "日…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.in, tt.width)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			}
		})
	}
}

func TestTruncateMiddle(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		want  string
	}{
		{"fits", "web-1", 10, "web-1"},
		{"keeps the hash suffix", "checkout-7d9f8b6c5d-x2k4p", 12, "check…-x2k4p"},
		{"odd width", "checkout-7d9f8b6c5d-x2k4p", 11, "check…x2k4p"},
		{"width two", "checkout", 2, "c…"},
		{"width one", "checkout", 1, "…"},
		{"width zero", "checkout", 0, ""},
		{"wide characters", "日本語のポッド名前です", 9, "日本…です"},
		{"wide character straddles the tail", "日本語のポッド名前です", 6, "日…す"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TruncateMiddle(tt.in, tt.width)
			if got != tt.want {
				t.Errorf("TruncateMiddle(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			}
		})
	}
}

func TestTruncateNeverExceedsWidth(t *testing.T) {
	inputs := []string{
		"checkout-7d9f8b6c5d-x2k4p",
		"日本語のポッド名前です",
		"ab日本c",
		"e\u0301e\u0301e\u0301e\u0301",
		strings.Repeat("x", 300),
	}
	for _, in := range inputs {
		for width := -1; width <= Width(in)+1; width++ {
			if got := Truncate(in, width); Width(got) > max(width, 0) {
				t.Errorf("Truncate(%q, %d) = %q is %d cells wide", in, width, got, Width(got))
			}
			if got := TruncateMiddle(in, width); Width(got) > max(width, 0) {
				t.Errorf("TruncateMiddle(%q, %d) = %q is %d cells wide", in, width, got, Width(got))
			}
		}
	}
}
