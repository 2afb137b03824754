package tui

import (
	"strconv"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// metricColumnWidth caps a metric's column; a long metric name is cut in
// the header rather than widening the column for short values.
const metricColumnWidth = 16

// podSection renders the pods table: name, readiness, age, each per-pod
// metric's sample, and how the controller treats the pod for the selected
// metric.
func (m *Model) podSection(e *v1alpha1.Explanation) []string {
	d := &m.detail
	all := podRows(e)
	rows := filterPods(all, d.filter)
	sortPods(rows, d.sort, d.metric)

	note := strconv.Itoa(len(all)) + " selected"
	if d.filter != "" {
		note = strconv.Itoa(len(rows)) + " of " + strconv.Itoa(len(all)) + " matching \"" + clean(d.filter) + "\""
	}
	note += " · sorted by " + d.sort.String()
	if d.metric < len(e.Metrics) {
		note += " · treatment for " + metricLabel(&e.Metrics[d.metric])
	}
	lines := []string{m.sectionTitle("PODS", note)}
	if len(rows) == 0 {
		if len(all) > 0 {
			return append(lines, m.st.faint.Render("  no pod matches the filter; esc clears it"))
		}
		return append(lines, m.st.faint.Render("  no pods"))
	}

	// Only metrics with per-pod samples get a column.
	var perPod []int
	for i := range e.Metrics {
		if len(e.Metrics[i].Pods) > 0 {
			perPod = append(perPod, i)
		}
	}

	t := &table{cols: []column{
		{title: "NAME", minWidth: 16, lastResort: true, middle: true},
		{title: "READY", drop: 3},
		{title: "AGE", right: true, drop: 2},
	}}
	for n, i := range perPod {
		title := metricLabel(&e.Metrics[i])
		if i == d.metric {
			title = "▶" + title
		}
		// Columns of metrics other than the selected one go first.
		drop := 0
		if i != d.metric {
			drop = 5 + n
		}
		t.cols = append(t.cols, column{title: title, right: true, drop: drop, maxWidth: metricColumnWidth})
	}
	t.cols = append(t.cols, column{title: "CONTROLLER TREATS IT AS", drop: 1, shrink: 4, minWidth: 10})

	evaluated := e.EvaluatedAt.Time
	for _, r := range rows {
		row := []cell{
			{text: clean(r.pod.Name)},
			m.readyCell(r.pod),
			{text: ageText(r, evaluated)},
		}
		for _, i := range perPod {
			row = append(row, cell{text: formatPodValue(&e.Metrics[i], r.samples[i])})
		}
		var selected *v1alpha1.PodMetric
		if d.metric < len(r.samples) {
			selected = r.samples[d.metric]
		}
		treat := cell{text: treatment(selected)}
		if selected != nil {
			style := m.st.podState(selected.State)
			treat.style = &style
		}
		row = append(row, treat)
		t.rows = append(t.rows, row)
	}

	head, body := t.render(m.width-2, m.st.header)
	lines = append(lines, "  "+head)
	for _, line := range body {
		lines = append(lines, "  "+line)
	}
	return lines
}

func (m *Model) readyCell(p *v1alpha1.Pod) cell {
	switch {
	case p.Deleting:
		return cell{text: "deleting", style: &m.st.warning}
	case p.Phase == "" && !p.Ready:
		// A sample for a pod the selector did not list.
		return cell{text: "unlisted", style: &m.st.warning}
	case p.Ready:
		return cell{text: "yes"}
	}
	return cell{text: "no", style: &m.st.warning}
}

// ageText prints the pod's age at the evaluation time, so ages and values
// in one table describe the same moment.
func ageText(r podRow, evaluated time.Time) string {
	created := createdAt(r)
	if created.IsZero() {
		return "-"
	}
	return formatAge(created, evaluated)
}
