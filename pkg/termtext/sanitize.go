// Package termtext prepares strings that come from the cluster (names,
// labels, event messages, error texts) for printing on a terminal. Anyone who
// can create a pod or an event controls those strings, so they are printed as
// data: nothing in them may move the cursor, recolor the screen, set the
// window title, plant a hyperlink or reorder the text around it.
package termtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize returns s with everything a terminal would interpret, or that
// would hide or reorder text, replaced by a visible Go-style escape. The
// result is valid UTF-8 on one line:
//
//   - newline, tab and carriage return become \n, \t and \r;
//   - other C0 controls, ESC and DEL become \xNN, so an ANSI or OSC escape
//     sequence loses its introducer and prints as plain text ("\x1b[31m");
//   - C1 controls, format characters (bidi embeddings, overrides and
//     isolates, zero-width spaces and joiners, byte order marks, tag
//     characters), line and paragraph separators, private-use and unassigned
//     code points, and invisible fillers become \uNNNN or \UNNNNNNNN;
//   - each byte of invalid UTF-8 becomes \xNN.
//
// Backslashes are kept as they are, so the escaping is for reading and cannot
// be reversed. Strings of printable ASCII are returned unchanged without
// allocating.
func Sanitize(s string) string {
	if isPlainASCII(s) {
		return s
	}

	var b strings.Builder
	b.Grow(len(s) + 16)

	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])

		switch {
		case r == utf8.RuneError && size == 1:
			writeByteEscape(&b, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < utf8.RuneSelf && NeedsEscape(r):
			writeByteEscape(&b, byte(r))
		case NeedsEscape(r):
			writeRuneEscape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}

		i += size
	}

	return b.String()
}

// isPlainASCII reports whether s consists only of printable ASCII, the common
// case for Kubernetes names, which needs no escaping.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// NeedsEscape reports whether Sanitize replaces the rune r with an escape.
// Other encoders can use it to escape the same runes in their own syntax.
// Bytes of invalid UTF-8 are escaped as well, but they are not runes, so
// they are not covered here.
func NeedsEscape(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}

	// unicode.IsGraphic excludes controls (Cc), format characters (Cf), line
	// and paragraph separators, private use, surrogates and unassigned code
	// points.
	if !unicode.IsGraphic(r) {
		return true
	}
	return isInvisible(r)
}

// isInvisible reports whether r is graphic by category but renders as
// nothing, so it can pad or disguise a name. These are the default-ignorable
// code points of Unicode that are not format characters, except the
// variation selectors, which only pick a glyph variant of the previous
// character (as in emoji) and cannot hide text.
func isInvisible(r rune) bool {
	switch {
	case r == 0x034f: // combining grapheme joiner
		return true
	case r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0: // Hangul fillers
		return true
	case r == 0x17b4 || r == 0x17b5: // Khmer inherent vowels
		return true
	case r >= 0x180b && r <= 0x180f: // Mongolian variation selectors and separator
		return true
	case r >= 0x1d173 && r <= 0x1d17a: // musical formatting symbols
		return true
	}
	return false
}

func writeByteEscape(b *strings.Builder, c byte) {
	const hexDigits = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0x0f])
}

func writeRuneEscape(b *strings.Builder, r rune) {
	hex := strconv.FormatInt(int64(r), 16)
	if r <= 0xffff {
		b.WriteString(`\u`)
		b.WriteString(strings.Repeat("0", 4-len(hex)))
	} else {
		b.WriteString(`\U`)
		b.WriteString(strings.Repeat("0", 8-len(hex)))
	}
	b.WriteString(hex)
}
