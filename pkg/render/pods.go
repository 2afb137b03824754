package render

import (
	"cmp"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// maxPodRows is the number of pods the text output lists. Beyond it the
// table would scroll the verdict and findings off the screen, and -o json
// still has every pod.
const maxPodRows = 50

// maxForeignPods is the number of pods owned by another workload that the
// note below the pods table names one by one.
const maxForeignPods = 5

// podRow is one row of the pods table.
type podRow struct {
	pod v1alpha1.Pod
	// listed is false for a pod that only a metric names, so its readiness,
	// phase and age are unknown.
	listed bool
	// samples has the pod's entry in each per-pod metric, nil where the
	// metric has none.
	samples []*v1alpha1.PodMetric
	rank    int
}

// pods writes the pods the controller considers, the ones that change the
// result first, with each pod's value per metric and how the controller
// counts it.
func (p *printer) pods(e *v1alpha1.Explanation) {
	perPod := perPodMetrics(e.Metrics)
	rows := podRows(e.Pods, perPod)

	note := plural(len(e.Pods), "pod")
	if e.Target.Selector != "" {
		note += " matched by " + clean(e.Target.Selector)
	}
	p.title("PODS", note)

	if len(rows) == 0 {
		p.line("  " + p.styled(&p.pal.faint, "No pods match the selector of the target."))
		return
	}

	tableRows := rows[:min(len(rows), maxPodRows)]
	p.table(p.podTable(tableRows, perPod))

	if hidden := len(rows) - len(tableRows); hidden > 0 {
		p.line("  " + p.styled(&p.pal.faint, "… and "+plural(hidden, "more pod")+" (use -o json for all)"))
	}
	p.foreignPods(rows, &e.Target)
}

// perPodMetrics returns the metrics that have per-pod values.
func perPodMetrics(metrics []v1alpha1.Metric) []*v1alpha1.Metric {
	var perPod []*v1alpha1.Metric
	for i := range metrics {
		if len(metrics[i].Pods) > 0 {
			perPod = append(perPod, &metrics[i])
		}
	}
	return perPod
}

// podRows joins the listed pods with their samples, adds pods that only a
// metric names, and orders the rows by relevance.
func podRows(pods []v1alpha1.Pod, perPod []*v1alpha1.Metric) []podRow {
	samples := make([]map[string]*v1alpha1.PodMetric, len(perPod))
	for j, m := range perPod {
		samples[j] = make(map[string]*v1alpha1.PodMetric, len(m.Pods))
		for k := range m.Pods {
			samples[j][m.Pods[k].Name] = &m.Pods[k]
		}
	}

	rowFor := func(pod v1alpha1.Pod, listed bool) podRow {
		row := podRow{pod: pod, listed: listed, samples: make([]*v1alpha1.PodMetric, len(perPod))}
		for j := range perPod {
			row.samples[j] = samples[j][pod.Name]
		}
		row.rank = podRank(&row)
		return row
	}

	rows := make([]podRow, 0, len(pods))
	seen := make(map[string]bool, len(pods))
	for _, pod := range pods {
		rows = append(rows, rowFor(pod, true))
		seen[pod.Name] = true
	}
	for _, m := range perPod {
		for _, sample := range m.Pods {
			if !seen[sample.Name] {
				rows = append(rows, rowFor(v1alpha1.Pod{Name: sample.Name}, false))
				seen[sample.Name] = true
			}
		}
	}

	slices.SortStableFunc(rows, func(a, b podRow) int {
		return cmp.Compare(a.rank, b.rank)
	})
	return rows
}

// podRank orders pods by how much they explain the result: pods without a
// metric value first, then unready pods, then pods the controller ignores or
// that belong elsewhere, then ready pods.
func podRank(row *podRow) int {
	rank := 3
	if !row.listed || row.pod.Deleting || !row.pod.OwnedByTarget {
		rank = 2
	}
	if row.listed && !row.pod.Ready {
		rank = min(rank, 1)
	}

	for _, s := range row.samples {
		if s == nil {
			continue
		}
		switch s.State {
		case "Missing":
			rank = 0
		case "Unready":
			rank = min(rank, 1)
		case "Ignored":
			rank = min(rank, 2)
		}
	}
	return rank
}

// podTable lays out the rows. Columns drop in this order when the width
// runs out: phase, readiness, age, then the metric values from the last
// metric to the first, except that the metric whose proposal decides goes
// last. The name and the treatment are cut instead, the name only when the
// treatment cannot give way any more.
func (p *printer) podTable(rows []podRow, perPod []*v1alpha1.Metric) *table {
	markers := &column{}
	names := &column{header: "NAME", cut: cutMiddle, minWidth: 20, cutLast: true}
	ready := &column{header: "READY", dropRank: 99}
	phases := &column{header: "PHASE", dropRank: 100}
	ages := &column{header: "AGE", dropRank: 98}
	values := make([]*column, len(perPod))
	winner := winningMetric(perPod)
	for j, m := range perPod {
		rank := 10 + j
		if j == winner {
			rank = 1
		}
		values[j] = &column{header: podColumnLabel(m), cut: cutEnd, dropRank: rank}
	}
	treatments := &column{header: "TREATMENT", cut: cutEnd, minWidth: 24}

	anyForeign := false
	for i := range rows {
		row := &rows[i]
		foreign := row.listed && !row.pod.OwnedByTarget
		anyForeign = anyForeign || foreign

		if foreign {
			markers.add("!", &p.pal.warning)
		} else {
			markers.add("", nil)
		}
		names.add(clean(row.pod.Name), nil)

		if row.listed {
			p.addPodStatus(row, ready, phases, ages)
		} else {
			ready.add("-", &p.pal.faint)
			phases.add("-", &p.pal.faint)
			ages.add("-", &p.pal.faint)
		}

		for j, m := range perPod {
			sample := row.samples[j]
			switch {
			case sample == nil:
				values[j].add("-", &p.pal.faint)
			case sample.Value == nil:
				values[j].add(formatPodValue(m, sample), &p.pal.warning)
			default:
				values[j].add(formatPodValue(m, sample), nil)
			}
		}

		text, style := p.treatment(row, perPod)
		treatments.add(text, style)
	}

	// A value column may cut its header but never a value.
	for _, c := range values {
		widest := 0
		for _, cl := range c.cells {
			widest = max(widest, termtext.Width(cl.text))
		}
		c.minWidth = max(widest, 8)
	}

	columns := []*column{names, ready, phases, ages}
	if anyForeign {
		columns = append([]*column{markers}, columns...)
	}
	columns = append(columns, values...)
	columns = append(columns, treatments)
	return &table{indent: 2, columns: columns}
}

// winningMetric returns the index of the valid metric with the largest
// proposal, the one the controller follows, or -1 when there is none.
func winningMetric(metrics []*v1alpha1.Metric) int {
	winner := -1
	for j, m := range metrics {
		if !m.Valid || m.ProposedReplicas == nil {
			continue
		}
		if winner < 0 || *m.ProposedReplicas > *metrics[winner].ProposedReplicas {
			winner = j
		}
	}
	return winner
}

// addPodStatus adds the readiness, phase and age of a listed pod. A pod
// being deleted shows as Terminating, as kubectl get pods shows it.
func (p *printer) addPodStatus(row *podRow, ready, phases, ages *column) {
	if row.pod.Ready {
		ready.add("yes", nil)
	} else {
		ready.add("no", &p.pal.warning)
	}

	switch {
	case row.pod.Deleting:
		phases.add("Terminating", &p.pal.faint)
	case row.pod.Phase == "":
		phases.add("-", &p.pal.faint)
	case row.pod.Phase == "Running":
		phases.add("Running", nil)
	default:
		phases.add(clean(row.pod.Phase), &p.pal.warning)
	}

	if row.pod.Created != nil {
		ages.add(formatAge(&row.pod.Created.Time, p.now), nil)
	} else {
		ages.add(formatAge(nil, p.now), &p.pal.faint)
	}
}

// treatment describes how the controller counts a pod: "ready",
// "missing → 0 (scale-up)", "unready → left out", "ignored: being deleted".
// Where the metrics count the pod differently, the description names each
// metric: "missing → cpu: 0 (scale-up), memory: target (scale-down)".
func (p *printer) treatment(row *podRow, perPod []*v1alpha1.Metric) (string, *lipgloss.Style) {
	type entry struct{ label, state, counted string }
	var entries []entry
	var style *lipgloss.Style

	for j, sample := range row.samples {
		if sample == nil {
			continue
		}
		entries = append(entries, entry{
			label:   podColumnLabel(perPod[j]),
			state:   describeState(sample, row.pod.Phase),
			counted: describeCounting(sample),
		})
		style = p.moreSevere(style, sample.State)
	}
	if len(entries) == 0 {
		return "", nil
	}

	sameState, sameCounting := true, true
	for _, en := range entries[1:] {
		sameState = sameState && en.state == entries[0].state
		sameCounting = sameCounting && en.counted == entries[0].counted
	}

	var parts []string
	switch {
	case sameState && sameCounting:
		return withCounting(entries[0].state, entries[0].counted), style
	case sameState:
		for _, en := range entries {
			counted := en.counted
			if counted == "" {
				counted = "own value"
			}
			parts = append(parts, en.label+": "+counted)
		}
		return entries[0].state + " → " + strings.Join(parts, ", "), style
	}
	for _, en := range entries {
		parts = append(parts, en.label+": "+withCounting(en.state, en.counted))
	}
	return strings.Join(parts, "; "), style
}

// describeState phrases a pod's state for one metric. The reason of an
// unready pod is left out when it only repeats the phase column.
func describeState(s *v1alpha1.PodMetric, phase string) string {
	state := strings.ToLower(clean(s.State))
	if state == "" {
		state = "unknown"
	}

	switch {
	case s.State == "Ignored" && s.Reason != "":
		return "ignored: " + clean(s.Reason)
	case s.State == "Unready" && s.Reason != "" && s.Reason != "phase "+phase:
		return state + " (" + clean(s.Reason) + ")"
	}
	return state
}

// describeCounting phrases how the usage ratio counts a pod; it is empty
// for a pod that counts with its own value, the normal case.
func describeCounting(s *v1alpha1.PodMetric) string {
	if s.CountedAs == "own value" {
		return ""
	}
	return clean(s.CountedAs)
}

func withCounting(state, counted string) string {
	if counted == "" {
		return state
	}
	return state + " → " + counted
}

// moreSevere returns the style of the state that matters most so far.
func (p *printer) moreSevere(current *lipgloss.Style, state string) *lipgloss.Style {
	switch state {
	case "Missing", "Unready":
		return &p.pal.warning
	case "Ignored":
		if current == nil {
			return &p.pal.faint
		}
	}
	return current
}

// foreignPods notes the pods that match the selector but belong to another
// workload. The controller counts them all the same, which skews the ratio.
func (p *printer) foreignPods(rows []podRow, target *v1alpha1.Target) {
	var foreign []*podRow
	for i := range rows {
		if rows[i].listed && !rows[i].pod.OwnedByTarget {
			foreign = append(foreign, &rows[i])
		}
	}
	if len(foreign) == 0 {
		return
	}

	for _, row := range foreign[:min(len(foreign), maxForeignPods)] {
		owner := "has no controller"
		if row.pod.Owner != "" {
			owner = "is owned by " + clean(row.pod.Owner)
		}
		text := clean(row.pod.Name) + " matches the selector but " + owner + ", not " + targetRef(target)
		p.paragraph(2, "! ", text, &p.pal.warning, nil)
	}
	if more := len(foreign) - maxForeignPods; more > 0 {
		p.line("  " + p.styled(&p.pal.faint, "… and "+plural(more, "more pod")+" owned by other workloads"))
	}
}
