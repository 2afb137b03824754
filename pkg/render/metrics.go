package render

import (
	"strconv"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// metrics writes one row per entry of spec.metrics and, below the table,
// the error of each metric the controller cannot use.
func (p *printer) metrics(e *v1alpha1.Explanation) {
	p.title("METRICS", "")
	if len(e.Metrics) == 0 {
		p.line("  " + p.styled(&p.pal.faint, "The HPA has no metrics."))
		return
	}

	kinds := &column{header: "TYPE", dropRank: 2}
	names := &column{header: "NAME", cut: cutEnd, minWidth: 24}
	currents := &column{header: "CURRENT"}
	targets := &column{header: "TARGET"}
	ratios := &column{header: "RATIO", right: true}
	proposals := &column{header: "REPLICAS", right: true}
	apis := &column{header: "API", dropRank: 3}

	for i := range e.Metrics {
		m := &e.Metrics[i]

		kinds.add(clean(m.Type), nil)
		names.add(metricLabel(m), nil)

		if !m.Valid || m.Current == nil {
			currents.add("<unknown>", &p.pal.error)
		} else {
			currents.add(formatMetricValue(m, m.Current), nil)
		}
		targets.add(formatMetricValue(m, &m.Target), nil)

		if m.UsageRatio != nil {
			ratios.add(formatRatio(*m.UsageRatio), nil)
		} else {
			ratios.add("-", &p.pal.faint)
		}
		if m.ProposedReplicas != nil {
			proposals.add(strconv.Itoa(int(*m.ProposedReplicas)), &p.pal.strong)
		} else {
			proposals.add("-", &p.pal.faint)
		}

		if m.APIVersion != "" {
			apis.add(clean(m.APIVersion), &p.pal.faint)
		} else {
			apis.add("-", &p.pal.faint)
		}
	}

	p.table(&table{indent: 2, columns: []*column{kinds, names, currents, targets, ratios, proposals, apis}})

	for i := range e.Metrics {
		m := &e.Metrics[i]
		if m.Valid {
			continue
		}
		message := clean(m.Error)
		if message == "" {
			message = "the controller cannot use this metric, and no error was recorded"
		}
		p.paragraph(2, metricLabel(m)+": ", message, &p.pal.error, nil)
	}
}

// metricLabel names a metric with what narrows it down:
// "cpu (container app)", "queue_depth{queue=orders}",
// "requests_per_second on Ingress/main".
func metricLabel(m *v1alpha1.Metric) string {
	label := clean(m.Name)
	if label == "" {
		label = "<unnamed>"
	}
	if m.Selector != "" {
		label += "{" + clean(m.Selector) + "}"
	}
	if m.Container != "" {
		label += " (container " + clean(m.Container) + ")"
	}
	if m.Object != "" {
		label += " on " + clean(m.Object)
	}
	return label
}

// podColumnLabel names a metric in the header of the pods table, where the
// selector and object are not needed because the values are per pod.
func podColumnLabel(m *v1alpha1.Metric) string {
	label := clean(m.Name)
	if label == "" {
		label = "<unnamed>"
	}
	if m.Container != "" {
		label += " (" + clean(m.Container) + ")"
	}
	return label
}
