package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the one set of bindings that both the key handlers and the
// help line read, so the help never lists a key that does nothing.
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding

	Open key.Binding
	Back key.Binding

	Refresh      key.Binding
	Pause        key.Binding
	Filter       key.Binding
	NextMetric   key.Binding
	Sort         key.Binding
	Help         key.Binding
	Quit         key.Binding
	FilterAccept key.Binding
	FilterCancel key.Binding
}

// DefaultKeyMap returns the watch command's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f", " "), key.WithHelp("pgdn/f", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "bottom")),

		Open: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),

		Refresh:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Pause:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		NextMetric: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "metric")),
		Sort:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		FilterAccept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		FilterCancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
	}
}

// helpKeys adapts the KeyMap to help.KeyMap for one screen state, listing
// only the keys that work there.
type helpKeys struct {
	km        *KeyMap
	view      view
	filtering bool
}

// ShortHelp lists the keys of the one-line help.
func (h helpKeys) ShortHelp() []key.Binding {
	km := h.km
	if h.filtering {
		return []key.Binding{km.FilterAccept, km.FilterCancel}
	}
	if h.view == viewDetail {
		return []key.Binding{km.Back, km.NextMetric, km.Sort, km.Filter, km.Refresh, km.Pause, km.Help, km.Quit}
	}
	return []key.Binding{km.Open, km.Filter, km.Refresh, km.Pause, km.Help, km.Quit}
}

// FullHelp lists every key of the screen, in columns.
func (h helpKeys) FullHelp() [][]key.Binding {
	km := h.km
	if h.filtering {
		return [][]key.Binding{{km.FilterAccept, km.FilterCancel}}
	}
	move := []key.Binding{km.Up, km.Down, km.PageUp, km.PageDown, km.Top, km.Bottom}
	data := []key.Binding{km.Refresh, km.Pause, km.Filter}
	if h.view == viewDetail {
		return [][]key.Binding{move, {km.Back, km.NextMetric, km.Sort}, data, {km.Help, km.Quit}}
	}
	return [][]key.Binding{move, {km.Open}, data, {km.Help, km.Quit}}
}
