package render

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// header writes the HPA, its target, the evaluation time and the request count.
func (p *printer) header(e *v1alpha1.Explanation) {
	hpa := clean(e.HPA.Name)
	if e.HPA.Namespace != "" {
		hpa = clean(e.HPA.Namespace) + "/" + hpa
	}
	p.paragraph(0, "HPA ", hpa+" → "+targetRef(&e.Target), &p.pal.strong, &p.pal.strong)

	if !e.Target.Found {
		p.paragraph(0, "", "The scale subresource of the target could not be read.", nil, &p.pal.warning)
	}

	meta := "evaluated " + formatTimestamp(e.EvaluatedAt.Time) + " · " + plural(e.APIRequests, "API request")
	p.paragraph(0, "", meta, nil, &p.pal.faint)
}

// targetRef returns "Kind/name" of the scale target.
func targetRef(t *v1alpha1.Target) string {
	if t.Kind == "" && t.Name == "" {
		return "<unknown target>"
	}
	return clean(t.Kind) + "/" + clean(t.Name)
}

// verdict writes the one-sentence verdict in the color of the most severe
// finding.
func (p *printer) verdict(e *v1alpha1.Explanation) {
	if e.Verdict == "" {
		p.line(p.styled(&p.pal.faint, "No verdict."))
		return
	}

	style := p.pal.strong
	if worst, ok := worstSeverity(e.Findings); ok {
		style = p.pal.severityStyle(worst).Bold(true)
	}
	p.paragraph(0, "", clean(e.Verdict), nil, &style)
}

// replicas writes the replica counts and why the recomputation was limited
// or held back.
func (p *printer) replicas(e *v1alpha1.Explanation) {
	r := &e.Replicas
	p.title("REPLICAS", "")

	labels := &column{}
	values := &column{}
	notes := &column{cut: cutWrap, minWidth: 20}
	row := func(label, value string, valueStyle *lipgloss.Style, note string, noteStyle *lipgloss.Style) {
		labels.add(label, nil)
		values.add(value, valueStyle)
		notes.add(note, noteStyle)
	}

	row("current", strconv.Itoa(int(r.Current)), nil, "spec.replicas of "+targetRef(&e.Target), &p.pal.faint)
	row("in status", strconv.Itoa(int(r.StatusDesired)), nil, "status.desiredReplicas, as the controller last wrote it", &p.pal.faint)

	switch {
	case r.Recommended == nil:
		row("recomputed", "<unknown>", &p.pal.warning, "no decision could be recomputed", &p.pal.faint)
	case r.Inferred:
		row("recomputed", strconv.Itoa(int(*r.Recommended)), &p.pal.strong, "(inferred from events)", &p.pal.inferred)
	default:
		row("recomputed", strconv.Itoa(int(*r.Recommended)), &p.pal.strong, "", nil)
	}

	row("min", strconv.Itoa(int(r.Min)), nil, "spec.minReplicas", &p.pal.faint)
	row("max", strconv.Itoa(int(r.Max)), nil, "spec.maxReplicas", &p.pal.faint)

	p.table(&table{indent: 2, columns: []*column{labels, values, notes}, noHeader: true})

	if r.LimitReason != "" && r.LimitReason != "DesiredWithinRange" {
		p.reason("limited", r.LimitReason)
	}
	if r.StabilizationReason != "" && r.StabilizationReason != "ReadyForNewScale" {
		p.reason("held back", r.StabilizationReason)
	}
}

// replicaLabelWidth is the width of the longest label of the replica table,
// "recomputed", so that the reason lines below it line up with it.
const replicaLabelWidth = 10

// reason writes a ScalingLimited or AbleToScale reason with its meaning.
func (p *printer) reason(label, reason string) {
	text := clean(reason)
	if meaning, ok := reasonMeanings[reason]; ok {
		text += ": " + meaning
	}
	prefix := label + strings.Repeat(" ", max(replicaLabelWidth-len(label), 0)+columnGap)
	p.paragraph(2, prefix, text, &p.pal.warning, nil)
}

// reasonMeanings explains the ScalingLimited and AbleToScale reasons that
// the HPA controller sets. Other reasons print without a meaning.
var reasonMeanings = map[string]string{
	"TooManyReplicas":     "the desired count is above maxReplicas, so it was capped",
	"TooFewReplicas":      "the desired count is below minReplicas, so it was raised",
	"ScaleUpLimit":        "the desired count rises faster than the maximum scale-up rate allows",
	"ScaleDownLimit":      "the desired count falls faster than the maximum scale-down rate allows",
	"ScaleUpStabilized":   "a lower recommendation within the scale-up stabilization window wins",
	"ScaleDownStabilized": "a higher recommendation within the scale-down stabilization window wins",
}

// worstSeverity returns the most severe severity among findings, and false
// when there are none with a known severity.
func worstSeverity(findings []v1alpha1.Finding) (v1alpha1.Severity, bool) {
	best := len(severityOrder)
	for _, f := range findings {
		best = min(best, severityRank(f.Severity))
	}
	if best >= len(severityOrder) {
		return "", false
	}
	return severityOrder[best], true
}
