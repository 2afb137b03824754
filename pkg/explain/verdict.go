package explain

import (
	"fmt"
	"strconv"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// Verdict returns one sentence on what the HPA is doing and why, followed by
// the number of error findings when there are any.
func Verdict(state *gather.State, result *replicas.Result, findings []v1alpha1.Finding) string {
	sentence := decisionSentence(state, result, findings)
	if result != nil && result.Inferred && restsOnHistory(result) {
		sentence += " (inferred from events: the controller's recommendation history is not readable)"
	}
	if n := countSeverity(findings, v1alpha1.SeverityError); n > 0 && !strings.HasPrefix(sentence, "Cannot") {
		sentence += fmt.Sprintf("; %d error(s) found below", n)
	}
	if strings.HasSuffix(sentence, "?") {
		return sentence
	}
	return sentence + "."
}

func decisionSentence(state *gather.State, r *replicas.Result, findings []v1alpha1.Finding) string {
	// A file without the parts the decision needs shows nothing about the
	// cluster, so the verdict names the missing part instead of a failure.
	if f := missingPart(findings); f != nil && (r == nil || blocked(r)) {
		return "Cannot recompute the decision: " + lowerFirst(strings.TrimSuffix(f.Message, "."))
	}
	for _, f := range findings {
		if f.Code == diagnose.CodeAmbiguousSelector || f.Code == diagnose.CodeSharedScaleTarget {
			return "Cannot scale: " + lowerFirst(strings.TrimSuffix(f.Message, "."))
		}
		if f.Code == diagnose.CodeMetricsAPIForbidden && r != nil && blocked(r) {
			return "Cannot recompute the decision: " + lowerFirst(strings.TrimSuffix(f.Message, ".")) + fmt.Sprintf(" (status.desiredReplicas is %d)", state.HPA.Status.DesiredReplicas)
		}
	}
	if r == nil {
		if f := firstOf(findings, v1alpha1.SeverityError); f != nil {
			return "Cannot recompute the decision: " + lowerFirst(strings.TrimSuffix(f.Message, "."))
		}
		return "Cannot recompute the decision: the scale target could not be read"
	}

	current, desired := r.CurrentReplicas, r.DesiredReplicas
	target := state.HPA.Spec.ScaleTargetRef.Kind + "/" + state.HPA.Spec.ScaleTargetRef.Name

	switch {
	case r.ScalingDisabled:
		return fmt.Sprintf("Autoscaling is off: %s was scaled to 0 replicas, and the controller leaves it there", target)
	case !r.ComputedMetrics:
		return fmt.Sprintf("Moving from %d to %d replicas without reading metrics: %d is outside [%d, %d]", current, desired, current, r.MinReplicas, r.MaxReplicas)
	case blocked(r) && r.InvalidMetrics >= len(r.Metrics):
		reason := "no metric could be computed"
		if f := firstOf(findings, v1alpha1.SeverityError); f != nil {
			reason = lowerFirst(strings.TrimSuffix(f.Message, "."))
		}
		return fmt.Sprintf("Cannot scale: stuck at %d replicas because %s", current, reason)
	case blocked(r):
		return fmt.Sprintf("Holding at %d replicas: %d invalid metric(s) block the scale-down the other metrics propose", current, r.InvalidMetrics)
	}

	reason := winnerClause(state, r)
	switch {
	case desired > current:
		s := fmt.Sprintf("Scaling up from %d to %d replicas: %s", current, desired, reason)
		return s + limitClause(r)
	case desired < current:
		s := fmt.Sprintf("Scaling down from %d to %d replicas: all metrics are below target (%s)", current, desired, reason)
		return s + limitClause(r)
	}

	switch {
	case r.StabilizationReason == "ScaleDownStabilized":
		return fmt.Sprintf("Holding at %d replicas: metrics propose %d, but the scale-down stabilization window keeps the highest recent recommendation", current, r.MetricProposal)
	case r.StabilizationReason == "ScaleUpStabilized":
		return fmt.Sprintf("Holding at %d replicas: metrics propose %d, but the scale-up stabilization window keeps the lowest recent recommendation", current, r.MetricProposal)
	case r.LimitReason == "TooManyReplicas":
		return fmt.Sprintf("Pinned at maxReplicas %d: %s, which asks for %d", current, reason, r.Stabilized)
	case r.LimitReason == "TooFewReplicas":
		return fmt.Sprintf("Holding at minReplicas %d: metrics ask for only %d", current, r.Stabilized)
	case r.LimitReason == "ScaleUpLimit" || r.LimitReason == "ScaleDownLimit":
		return fmt.Sprintf("Holding at %d replicas: metrics propose %d, but the scaling policy allows no change now", current, r.Stabilized)
	}
	if m := rebalancedWinner(r); m != nil {
		outcome := "so the proposal stays"
		if m.WithinTolerance {
			outcome = "inside the tolerance band, so the proposal stays"
		}
		return fmt.Sprintf("Stable at %d replicas: %s, but counting %s at the controller's fallback turns the usage ratio to %s, %s at %d",
			current, reason, rebalancedPods(m), strconv.FormatFloat(m.RebalancedRatio, 'f', 3, 64), outcome, current)
	}
	if allWithinTolerance(r) {
		return fmt.Sprintf("Stable at %d replicas: %s, within the tolerance band", current, reason)
	}
	return fmt.Sprintf("Stable at %d replicas: %s", current, reason)
}

// winnerClause names the metric whose proposal won and its value against
// its target.
func winnerClause(state *gather.State, r *replicas.Result) string {
	for i, m := range r.Metrics {
		if !m.Valid || m.Name != r.MetricName && r.MetricName != "" && !strings.Contains(r.MetricName, m.Name) {
			continue
		}
		if m.ProposedReplicas != r.MetricProposal {
			continue
		}
		spec := describeSpec(state.HPA.Spec.Metrics[i])
		cur := currentOf(m.Status, state.HPA.Spec.Metrics[i])
		if cur == nil {
			return fmt.Sprintf("%s proposes %d", m.Name, m.ProposedReplicas)
		}
		ratio := "usage ratio " + strconv.FormatFloat(m.UsageRatio, 'f', 3, 64)
		if m.RebalancedRatio != 0 && m.RebalancedRatio != m.UsageRatio && !m.WithinTolerance && m.ProposedReplicas != r.CurrentReplicas {
			ratio += fmt.Sprintf(", %s with unready and missing pods counted at the fallback", strconv.FormatFloat(m.RebalancedRatio, 'f', 3, 64))
		}
		return fmt.Sprintf("%s is %s against a target of %s (%s)", m.Name,
			FormatValue(m.Name, *cur), FormatValue(m.Name, spec.Target), ratio)
	}
	return fmt.Sprintf("metrics propose %d", r.MetricProposal)
}

func limitClause(r *replicas.Result) string {
	switch r.LimitReason {
	case "TooManyReplicas":
		return fmt.Sprintf(", capped by maxReplicas %d (metrics ask for %d)", r.MaxReplicas, r.Stabilized)
	case "TooFewReplicas":
		return fmt.Sprintf(", held up by minReplicas %d (metrics ask for %d)", r.MinReplicas, r.Stabilized)
	case "ScaleUpLimit":
		return fmt.Sprintf(", limited by the scale-up rate (metrics ask for %d)", r.Stabilized)
	case "ScaleDownLimit":
		return fmt.Sprintf(", limited by the scale-down rate (metrics ask for %d)", r.Stabilized)
	}
	return ""
}

// rebalancedWinner returns the winning metric when rebalancing unready and
// missing pods changed its usage ratio enough to keep the replica count.
func rebalancedWinner(r *replicas.Result) *replicas.MetricResult {
	for i := range r.Metrics {
		m := &r.Metrics[i]
		if m.Valid && m.ProposedReplicas == r.MetricProposal && m.RebalancedRatio != 0 && m.RebalancedRatio != m.UsageRatio {
			return m
		}
	}
	return nil
}

// rebalancedPods names the pods the controller counted at a fallback value:
// "2 pods without a value", "1 unready pod", or both.
func rebalancedPods(m *replicas.MetricResult) string {
	missing, unready := 0, 0
	for _, p := range m.Pods {
		switch p.State {
		case replicas.PodMissing:
			missing++
		case replicas.PodUnready:
			unready++
		}
	}
	var parts []string
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("%d %s without a value", missing, plural(missing, "pod", "pods")))
	}
	if unready > 0 {
		parts = append(parts, fmt.Sprintf("%d unready %s", unready, plural(unready, "pod", "pods")))
	}
	if len(parts) == 0 {
		return "unready pods and pods without a value"
	}
	return strings.Join(parts, " and ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func allWithinTolerance(r *replicas.Result) bool {
	for _, m := range r.Metrics {
		if m.Valid && !m.WithinTolerance {
			return false
		}
	}
	return true
}

// restsOnHistory reports whether the decision depends on the controller's
// history: stabilization or a policy limit shaped it.
func restsOnHistory(r *replicas.Result) bool {
	return r.StabilizationReason == "ScaleDownStabilized" || r.StabilizationReason == "ScaleUpStabilized" ||
		r.LimitReason == "ScaleUpLimit" || r.LimitReason == "ScaleDownLimit"
}

// missingPart returns the first error about a part missing from the file
// explained with --from.
func missingPart(findings []v1alpha1.Finding) *v1alpha1.Finding {
	for i := range findings {
		if findings[i].Code == diagnose.CodeSnapshotMissingPart && findings[i].Severity == v1alpha1.SeverityError {
			return &findings[i]
		}
	}
	return nil
}

func firstOf(findings []v1alpha1.Finding, severity v1alpha1.Severity) *v1alpha1.Finding {
	for i := range findings {
		if findings[i].Severity == severity {
			return &findings[i]
		}
	}
	return nil
}

func countSeverity(findings []v1alpha1.Finding, severity v1alpha1.Severity) int {
	n := 0
	for _, f := range findings {
		if f.Severity == severity {
			n++
		}
	}
	return n
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	// Keep acronyms and names ("HPA", "APIService") as they are.
	if len(s) > 1 && strings.ToUpper(s[:2]) == s[:2] {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// FormatValue prints a metric value as a plain number with its unit: cpu in
// cores, memory in bytes with a binary suffix, utilization in percent.
func FormatValue(metric string, v v1alpha1.MetricValue) string {
	if v.Type == string(autoscalingv2.UtilizationMetricType) {
		return strconv.FormatFloat(v.Value, 'f', -1, 64) + "% of request"
	}
	switch metric {
	case "cpu":
		return formatNumber(v.Value) + " cores"
	case "memory":
		return formatBytes(v.Value)
	}
	return formatNumber(v.Value)
}

// formatNumber prints at most three decimals and no exponent.
func formatNumber(f float64) string {
	s := strconv.FormatFloat(f, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func formatBytes(b float64) string {
	units := []string{"", "Ki", "Mi", "Gi", "Ti", "Pi"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return formatNumber(b) + units[i]
}
