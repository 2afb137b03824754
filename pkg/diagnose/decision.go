package diagnose

import (
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// checkDecision reports what shaped the recomputed decision: invalid
// metrics, the tolerance band, min and max clamps, scaling policies and the
// stabilization window.
func (d *diagnosis) checkDecision() {
	r := d.in.Result
	if r == nil {
		return
	}
	hpa := d.state.HPA
	ns, name := hpa.Namespace, hpa.Name
	describeCheck := fmt.Sprintf("kubectl describe hpa %s -n %s", name, ns)

	if r.ScalingDisabled {
		d.add(v1alpha1.Finding{
			Code:     CodeScalingDisabled,
			Severity: v1alpha1.SeverityWarning,
			Message:  "Autoscaling is disabled: the scale target has 0 replicas, and the controller leaves a workload scaled to zero by hand alone.",
			Evidence: []string{"scale.spec.replicas is 0"},
			Fix:      "Scale the workload to at least 1 replica; to let the HPA scale to and from zero, set minReplicas: 0 with an Object or External metric.",
			Check:    describeCheck,
		})
		return
	}

	d.checkInvalidMetrics()

	if !r.ComputedMetrics {
		d.checkOutOfRange()
		return
	}

	for _, m := range r.Metrics {
		if !m.Valid || !m.WithinTolerance || r.Rescale {
			continue
		}
		d.add(v1alpha1.Finding{
			Code:     CodeWithinTolerance,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("The usage ratio of %s is %.3f, inside the tolerance band [%.2f, %.2f], so this metric asks for no change.", m.Name, ratioShown(m.RebalancedRatio, m.UsageRatio), 1-r.Tolerances.ScaleDown, 1+r.Tolerances.ScaleUp),
			Evidence: []string{fmt.Sprintf("usage ratio %.3f; tolerance down %.2f, up %.2f", ratioShown(m.RebalancedRatio, m.UsageRatio), r.Tolerances.ScaleDown, r.Tolerances.ScaleUp)},
			Fix:      "Nothing to fix if this is the intended steady state; lower behavior.scaleUp.tolerance or scaleDown.tolerance for finer steps.",
		})
	}

	d.checkLimits()

	switch r.StabilizationReason {
	case "ScaleDownStabilized", "ScaleUpStabilized":
		direction := "down"
		if r.StabilizationReason == "ScaleUpStabilized" {
			direction = "up"
		}
		d.add(v1alpha1.Finding{
			Code:     CodeStabilizationHold,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("The stabilization window holds the scale-%s: metrics propose %d replicas, the window's recommendations keep %d.", direction, r.MetricProposal, r.Stabilized),
			Evidence: stepTexts(r.Steps, "stabiliz"),
			Fix:      fmt.Sprintf("Wait for the window to pass, or shorten behavior.scale%s.stabilizationWindowSeconds.", titleDirection(direction)),
			Check:    describeCheck,
			Inferred: r.Inferred,
		})
	}
}

// checkInvalidMetrics reports metrics the controller cannot use, and the
// rule that any invalid metric blocks a scale-down.
func (d *diagnosis) checkInvalidMetrics() {
	r := d.in.Result
	valid := 0
	for i, m := range r.Metrics {
		if m.Valid {
			valid++
			continue
		}
		if d.fetchFailed(i) {
			continue // the API error is already reported for this metric
		}
		d.add(v1alpha1.Finding{
			Code:     CodeMetricInvalid,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("The controller cannot compute a proposal from %s.", describe(m.Spec)),
			Evidence: []string{m.Err},
			Fix:      "Fix the cause in the error; the findings above name missing requests or values where that is the cause.",
			Check:    fmt.Sprintf("kubectl describe hpa %s -n %s", d.state.HPA.Name, d.state.HPA.Namespace),
		})
	}
	if r.InvalidMetrics > 0 && valid > 0 && r.MetricProposal == -1 {
		d.add(v1alpha1.Finding{
			Code:     CodeInvalidMetricsBlock,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("%d metric(s) are invalid and the valid ones propose a scale-down; the controller does not scale down while any metric is invalid.", r.InvalidMetrics),
			Evidence: []string{r.MetricsError},
			Fix:      "Fix the invalid metrics; a scale-up would still happen, but a scale-down waits for them.",
		})
	}
}

// fetchFailed reports whether metric index could not be read at all.
func (d *diagnosis) fetchFailed(index int) bool {
	if index >= len(d.state.Metrics) {
		return false
	}
	metric := &d.state.Metrics[index]
	if metricGroup(metric.Spec) == groupResource {
		return d.state.ResourceMetrics != nil && d.state.ResourceMetrics.Error != nil
	}
	return metric.Error != nil
}

// checkOutOfRange reports a current replica count outside [min, max], which
// the controller corrects without reading any metric.
func (d *diagnosis) checkOutOfRange() {
	r := d.in.Result
	switch {
	case r.CurrentReplicas > r.MaxReplicas:
		d.add(v1alpha1.Finding{
			Code:     CodeClampedAtMax,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("The target runs %d replicas, above maxReplicas %d; the controller scales it to %d without reading metrics.", r.CurrentReplicas, r.MaxReplicas, r.MaxReplicas),
			Evidence: []string{r.RescaleReason},
			Fix:      "Raise maxReplicas if the workload needs more, or stop scaling it by hand.",
		})
	case r.CurrentReplicas < r.MinReplicas:
		d.add(v1alpha1.Finding{
			Code:     CodeClampedAtMin,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("The target runs %d replicas, below minReplicas %d; the controller scales it to %d without reading metrics.", r.CurrentReplicas, r.MinReplicas, r.MinReplicas),
			Evidence: []string{r.RescaleReason},
			Fix:      "Nothing to fix: this is the HPA enforcing minReplicas.",
		})
	}
}

// checkLimits reports a recommendation cut by maxReplicas, minReplicas or a
// scaling policy.
func (d *diagnosis) checkLimits() {
	r := d.in.Result
	behavior := d.state.HPA.Spec.Behavior
	evidence := []string{fmt.Sprintf("metrics propose %d, stabilized %d, limited to %d (%s)", r.MetricProposal, r.Stabilized, r.DesiredReplicas, r.LimitReason)}

	switch r.LimitReason {
	case "TooManyReplicas":
		d.add(v1alpha1.Finding{
			Code:     CodeClampedAtMax,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("The HPA is pinned at maxReplicas %d; the metrics ask for %d.", r.MaxReplicas, r.Stabilized),
			Evidence: evidence,
			Fix:      "Raise maxReplicas if the cluster has room, or make each pod handle more (the target may be too low).",
		})
	case "TooFewReplicas":
		d.add(v1alpha1.Finding{
			Code:     CodeClampedAtMin,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("The HPA holds minReplicas %d; the metrics ask for %d.", r.MinReplicas, r.Stabilized),
			Evidence: evidence,
			Fix:      "Nothing to fix unless minReplicas is higher than needed.",
		})
	case "ScaleUpLimit":
		if behavior != nil && behavior.ScaleUp != nil && behavior.ScaleUp.SelectPolicy != nil && *behavior.ScaleUp.SelectPolicy == autoscalingv2.DisabledPolicySelect {
			d.add(disabledPolicy("up", evidence))
			return
		}
		f := v1alpha1.Finding{
			Code:     CodeScaleUpLimited,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("The scale-up is limited to %d replicas this step; the metrics ask for %d.", r.DesiredReplicas, r.Stabilized),
			Evidence: append(evidence, stepTexts(r.Steps, "polic")...),
			Inferred: r.Inferred && behavior != nil,
		}
		if behavior == nil {
			f.Fix = "Without spec.behavior the controller adds at most max(2 × current, 4) replicas per step; set behavior.scaleUp.policies to allow more."
		} else {
			f.Fix = "Loosen behavior.scaleUp.policies (a larger value or shorter periodSeconds) to scale up faster."
		}
		d.add(f)
	case "ScaleDownLimit":
		if behavior != nil && behavior.ScaleDown != nil && behavior.ScaleDown.SelectPolicy != nil && *behavior.ScaleDown.SelectPolicy == autoscalingv2.DisabledPolicySelect {
			d.add(disabledPolicy("down", evidence))
			return
		}
		d.add(v1alpha1.Finding{
			Code:     CodeScaleDownLimited,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("The scale-down is limited to %d replicas this step; the metrics ask for %d.", r.DesiredReplicas, r.Stabilized),
			Evidence: append(evidence, stepTexts(r.Steps, "polic")...),
			Fix:      "Loosen behavior.scaleDown.policies to scale down faster.",
			Inferred: r.Inferred,
		})
	}
}

func disabledPolicy(direction string, evidence []string) v1alpha1.Finding {
	return v1alpha1.Finding{
		Code:     CodeScalingPolicyDisabled,
		Severity: v1alpha1.SeverityWarning,
		Message:  fmt.Sprintf("Scaling %s is disabled by behavior.scale%s.selectPolicy: Disabled, although the metrics ask for it.", direction, titleDirection(direction)),
		Evidence: evidence,
		Fix:      fmt.Sprintf("Remove selectPolicy: Disabled from behavior.scale%s if the HPA should scale %s.", titleDirection(direction), direction),
	}
}

// checkStatus compares the controller's status.desiredReplicas with the
// recomputation and lists the inputs that could explain a difference.
func (d *diagnosis) checkStatus() {
	r := d.in.Result
	hpa := d.state.HPA
	if r == nil || hpa.Status.ObservedGeneration == nil {
		return
	}
	if hpa.Status.DesiredReplicas == r.DesiredReplicas {
		return
	}

	evidence := []string{fmt.Sprintf("status.desiredReplicas %d, recomputed %d", hpa.Status.DesiredReplicas, r.DesiredReplicas)}
	for i, m := range r.Metrics {
		if i >= len(hpa.Status.CurrentMetrics) {
			break
		}
		seen := statusValue(hpa.Status.CurrentMetrics[i])
		now := statusValue(m.Status)
		if seen != now {
			evidence = append(evidence, fmt.Sprintf("%s: the controller last saw %s, now %s (values changed since its last sync)", m.Name, seen, now))
		}
	}
	if r.Inferred {
		evidence = append(evidence, "the controller's recommendation history is in its memory; explain reconstructed it from events and status")
	}
	if hpa.Status.ObservedGeneration != nil && *hpa.Status.ObservedGeneration != hpa.Generation {
		evidence = append(evidence, fmt.Sprintf("the spec changed (generation %d) after the controller's last sync (observed %d)", hpa.Generation, *hpa.Status.ObservedGeneration))
	}
	evidence = append(evidence, "kube-controller-manager flags (tolerance, cpu initialization period, initial readiness delay, downscale stabilization) may differ from the settings explain used")

	d.add(v1alpha1.Finding{
		Code:     CodeStatusMismatch,
		Severity: v1alpha1.SeverityWarning,
		Message:  fmt.Sprintf("The HPA's status says %d desired replicas but the recomputation gives %d.", hpa.Status.DesiredReplicas, r.DesiredReplicas),
		Evidence: evidence,
		Fix:      "Run explain again after one sync period; if the gap stays, pass the controller's flags (--tolerance, --cpu-initialization-period, --initial-readiness-delay, --downscale-stabilization).",
		Check:    fmt.Sprintf("kubectl get hpa %s -n %s -o jsonpath='{.status.desiredReplicas} {.status.currentMetrics}'", hpa.Name, hpa.Namespace),
		Inferred: r.Inferred,
	})
}

// statusValue renders the current value of a MetricStatus for comparison.
func statusValue(s autoscalingv2.MetricStatus) string {
	var cur *autoscalingv2.MetricValueStatus
	switch {
	case s.Resource != nil:
		cur = &s.Resource.Current
	case s.ContainerResource != nil:
		cur = &s.ContainerResource.Current
	case s.Pods != nil:
		cur = &s.Pods.Current
	case s.Object != nil:
		cur = &s.Object.Current
	case s.External != nil:
		cur = &s.External.Current
	}
	if cur == nil {
		return "<unknown>"
	}
	var parts []string
	if cur.AverageUtilization != nil {
		parts = append(parts, fmt.Sprintf("%d%%", *cur.AverageUtilization))
	}
	if cur.AverageValue != nil {
		parts = append(parts, cur.AverageValue.String())
	}
	if cur.Value != nil {
		parts = append(parts, cur.Value.String())
	}
	if len(parts) == 0 {
		return "<unknown>"
	}
	return strings.Join(parts, " ")
}

// stepTexts returns the narrated steps that mention a word, as evidence.
func stepTexts(steps []replicas.Step, word string) []string {
	var texts []string
	for _, s := range steps {
		if strings.Contains(strings.ToLower(s.Text), word) {
			text := s.Text
			if s.Inferred {
				text += " (inferred)"
			}
			texts = append(texts, text)
		}
	}
	return texts
}

func ratioShown(rebalanced, raw float64) float64 {
	if rebalanced != 0 {
		return rebalanced
	}
	return raw
}

func titleDirection(direction string) string {
	if direction == "up" {
		return "Up"
	}
	return "Down"
}
