package tui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// maxFilterLength bounds the filter, which matches names of at most 253
// characters.
const maxFilterLength = 253

// filterInput is the one-line editor of the filter. It edits at the end
// only: a name filter is short, and a cursor that does not blink costs no
// redraws.
type filterInput struct {
	value []rune
}

func (f *filterInput) set(s string) {
	f.value = []rune(s)
	if len(f.value) > maxFilterLength {
		f.value = f.value[:maxFilterLength]
	}
}

func (f *filterInput) String() string {
	return string(f.value)
}

// update applies one key: printable runes append, backspace deletes a rune,
// ctrl+w a word and ctrl+u everything. It reports whether the value
// changed.
func (f *filterInput) update(msg tea.KeyMsg) bool {
	switch msg.Type {
	case tea.KeyRunes, tea.KeySpace:
		added := false
		for _, r := range msg.Runes {
			if len(f.value) >= maxFilterLength || r < 0x20 || r == 0x7f {
				continue
			}
			f.value = append(f.value, r)
			added = true
		}
		return added
	case tea.KeyBackspace:
		if len(f.value) == 0 {
			return false
		}
		f.value = f.value[:len(f.value)-1]
		return true
	case tea.KeyCtrlW:
		end := len(f.value)
		for end > 0 && f.value[end-1] == ' ' {
			end--
		}
		for end > 0 && f.value[end-1] != ' ' {
			end--
		}
		changed := end != len(f.value)
		f.value = f.value[:end]
		return changed
	case tea.KeyCtrlU:
		changed := len(f.value) > 0
		f.value = f.value[:0]
		return changed
	}
	return false
}

// view renders the prompt, the sanitized value and a cursor block.
func (f *filterInput) view() string {
	return "/" + clean(string(f.value)) + "█"
}
