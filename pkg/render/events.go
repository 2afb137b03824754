package render

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// maxEvents is the number of events the text output lists.
const maxEvents = 10

// events writes the HPA's most recent events, oldest first as kubectl
// describe lists them, so the latest event is the last line.
func (p *printer) events(e *v1alpha1.Explanation) {
	recent := recentEvents(e.Events, maxEvents)

	note := ""
	if len(recent) < len(e.Events) {
		note = "latest " + strconv.Itoa(len(recent)) + " of " + strconv.Itoa(len(e.Events))
	}
	p.title("EVENTS", note)

	if len(recent) == 0 {
		p.line("  " + p.styled(&p.pal.faint, "No recent events."))
		return
	}

	kinds := &column{header: "TYPE", dropRank: 2}
	reasons := &column{header: "REASON", cut: cutEnd, minWidth: 32, maxWidth: 32}
	ages := &column{header: "AGE"}
	messages := &column{header: "MESSAGE", cut: cutWrap, minWidth: minEventMessageWidth}

	for _, ev := range recent {
		if ev.Type == "Warning" {
			kinds.add("Warning", &p.pal.warning)
		} else {
			kinds.add(clean(ev.Type), nil)
		}
		reasons.add(clean(ev.Reason), nil)

		var last *time.Time
		if ev.Last != nil {
			last = &ev.Last.Time
		}
		age := formatAge(last, p.now)
		if ev.Count > 1 {
			age += " (x" + strconv.Itoa(int(ev.Count)) + ")"
		}
		ages.add(age, nil)

		messages.add(clean(ev.Message), nil)
	}

	t := &table{indent: 2, columns: []*column{kinds, reasons, ages, messages}}
	longest := 0
	for _, c := range messages.cells {
		longest = max(longest, termtext.Width(c.text))
	}
	if widths := t.layout(p.width); t.fits(widths, p.width) && widths[3] >= min(longest, minEventMessageWidth) {
		p.table(t)
		return
	}

	// Too narrow for a message column: each message goes under its event.
	typeWidth := 0
	for _, c := range kinds.cells {
		typeWidth = max(typeWidth, termtext.Width(c.text))
	}
	for i := range recent {
		kind := kinds.cells[i]
		padding := strings.Repeat(" ", typeWidth-termtext.Width(kind.text)+columnGap)
		p.line("  " + p.styled(kind.style, kind.text) + padding + reasons.cells[i].text + "  " + ages.cells[i].text)
		p.block(2+typeWidth+columnGap, messages.cells[i].text, nil)
	}
}

// minEventMessageWidth is the narrowest message column of the events table.
// To keep it, the type column is dropped, and when that is not enough each
// message is printed under its event instead.
const minEventMessageWidth = 48

// recentEvents returns at most limit events, the most recent ones, in
// chronological order. Events without a time count as the oldest.
func recentEvents(events []v1alpha1.Event, limit int) []v1alpha1.Event {
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b v1alpha1.Event) int {
		return eventTime(&a).Compare(eventTime(&b))
	})
	return sorted[max(len(sorted)-limit, 0):]
}

func eventTime(ev *v1alpha1.Event) time.Time {
	if ev.Last == nil {
		return time.Time{}
	}
	return ev.Last.Time
}
