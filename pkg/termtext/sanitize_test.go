package termtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"plain name", "web-7d9f8b6c5d-x2k4p", "web-7d9f8b6c5d-x2k4p"},
		{"selector", "app=web,tier in (a,b)", "app=web,tier in (a,b)"},
		{"backslash kept", `C:\path`, `C:\path`},
		{"newline", "line1\nline2", `line1\nline2`},
		{"tab", "a\tb", `a\tb`},
		{"carriage return overwrites", "ok\rFAIL", `ok\rFAIL`},
		{"NUL", "a\x00b", `a\x00b`},
		{"bell", "a\x07", `a\x07`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"CSI color", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"cursor up and erase", "\x1b[1A\x1b[2K", `\x1b[1A\x1b[2K`},
		{"OSC window title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{
			"OSC 8 hyperlink",
			"\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
			`\x1b]8;;https://evil.example\x1b\click\x1b]8;;\x1b\`,
		},
		{"C1 CSI as code point", "a\u009b31mb", `a\u009b31mb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"raw C1 byte is invalid UTF-8", "a\x9bb", `a\x9bb`},
		{"invalid UTF-8 bytes", "a\xff\xfeb", `a\xff\xfeb`},
		{"truncated UTF-8 sequence", "ab\xe2\x80", `ab\xe2\x80`},
		{"encoded surrogate", "\xed\xa0\x80", `\xed\xa0\x80`},
		{"right-to-left override", "web-\u202egnp.exe", `web-\u202egnp.exe`},
		{"bidi isolates", "\u2066a\u2069\u2067b\u2069\u2068c\u2069", `\u2066a\u2069\u2067b\u2069\u2068c\u2069`},
		{"bidi marks", "a\u200eb\u200fc\u061cd", `a\u200eb\u200fc\u061cd`},
		{"zero-width space", "web\u200b-1", `web\u200b-1`},
		{"zero-width joiner", "a\u200db", `a\u200db`},
		{"byte order mark", "\ufeffweb", `\ufeffweb`},
		{"soft hyphen", "we\u00adb", `we\u00adb`},
		{"line separator", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"tag character", "a\U000e0041b", `a\U000e0041b`},
		{"Hangul filler", "web\u3164", `web\u3164`},
		{"combining grapheme joiner", "a\u034fb", `a\u034fb`},
		{"private use", "a\ue000b", `a\ue000b`},
		{"noncharacter", "a\uffffb", `a\uffffb`},
		{"accented letters kept", "café naïve", "café naïve"},
		{"CJK kept", "日本語のポッド", "日本語のポッド"},
		{"arrow and ellipsis kept", "a → b…", "a → b…"},
		{"emoji with variation selector kept", "warn ⚠️", "warn ⚠️"},
		{"no-break space kept", "a\u00a0b", "a\u00a0b"},
		{"replacement character kept", "a\ufffdb", "a\ufffdb"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizePlainASCIINoAllocation(t *testing.T) {
	in := "kube-system/metrics-server-6d94bc8694-abcde"
	allocs := testing.AllocsPerRun(100, func() {
		_ = Sanitize(in)
	})
	if allocs != 0 {
		t.Errorf("Sanitize allocated %.0f times on printable ASCII, want 0", allocs)
	}
}

func TestSanitizeLongInput(t *testing.T) {
	in := strings.Repeat("\x1b[31m\u202e\xff", 100000)
	got := Sanitize(in)
	if strings.ContainsRune(got, 0x1b) {
		t.Fatal("output contains ESC")
	}
	if want := 100000 * len(`\x1b[31m\u202e\xff`); len(got) != want {
		t.Errorf("len(output) = %d, want %d", len(got), want)
	}
}

// FuzzSanitize checks the guarantees a terminal relies on: no control
// character of any kind survives, the output is valid UTF-8 on one line, and
// strings that need no escaping come back unchanged.
func FuzzSanitize(f *testing.F) {
	seeds := []string{
		"",
		"web-1",
		"\x1b[2J\x1b[H",
		"\x1b]8;;http://x\x1b\\y\x1b]8;;\x1b\\",
		"\u009b1;31m",
		"\xc2\x9b",
		"\xff\xfe",
		"a\u202eb",
		"日本\n語\t",
		"\U000e0001\U000e007f",
	}
	for _, s := range seeds {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)

		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q is not valid UTF-8", in, out)
		}

		for _, r := range out {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
				t.Fatalf("Sanitize(%q) = %q contains control character %U", in, out, r)
			}
			if r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("Sanitize(%q) = %q contains separator or bidi control %U", in, out, r)
			}
		}

		if isPlainASCII(in) && out != in {
			t.Fatalf("Sanitize(%q) = %q, want printable ASCII unchanged", in, out)
		}

		if again := Sanitize(out); again != out {
			t.Fatalf("Sanitize is not idempotent on %q: %q then %q", in, out, again)
		}
	})
}

func TestNeedsEscape(t *testing.T) {
	tests := []struct {
		r    rune
		want bool
	}{
		{'a', false},
		{' ', false},
		{'~', false},
		{'\n', true},
		{0x1b, true},
		{0x7f, true},
		{0x9b, true},
		{0xa0, false},
		{'é', false},
		{0x202e, true},
		{0x200b, true},
		{0x3164, true},
		{0xfe0f, false},
		{0xfffd, false},
		{'日', false},
		{0xe0041, true},
	}
	for _, tt := range tests {
		if got := NeedsEscape(tt.r); got != tt.want {
			t.Errorf("NeedsEscape(%U) = %v, want %v", tt.r, got, tt.want)
		}
	}
}
