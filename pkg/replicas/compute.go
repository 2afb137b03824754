package replicas

import (
	"errors"
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Compute recomputes one reconciliation of the HPA controller
// (reconcileAutoscaler in kube-controller-manager v1.37) without its writes.
// It assumes the scale subresource was read and that updating it succeeds.
// Compute does not modify in. It reads in.History as of in.Now and returns
// the updated history in Result.NextHistory.
func Compute(in Input) Result {
	if err := validateInput(&in); err != nil {
		return Result{Error: err.Error()}
	}
	c := newComputation(&in)
	c.run()
	return c.res
}

// validateInput rejects input that the controller could never see.
func validateInput(in *Input) error {
	if in.HPA == nil {
		return errors.New("input has no HPA (set Input.HPA to the HorizontalPodAutoscaler as read from the API server)")
	}
	if in.Now.IsZero() {
		return errors.New("input has no evaluation time (set Input.Now)")
	}
	if len(in.HPA.Spec.Metrics) == 0 {
		return fmt.Errorf("HPA %s/%s has no spec.metrics, which the API server would default to a cpu Utilization target of 80%% (pass the HPA as read from the API server)",
			in.HPA.Namespace, in.HPA.Name)
	}
	for i, pod := range in.Pods {
		if pod == nil {
			return fmt.Errorf("input pod %d is nil (pass only the pods the scale's selector matches)", i)
		}
	}
	if len(in.Metrics) != len(in.HPA.Spec.Metrics) {
		return fmt.Errorf("input has %d fetched metrics for the %d entries of spec.metrics of HPA %s/%s (pass one MetricInput per entry, in order)",
			len(in.Metrics), len(in.HPA.Spec.Metrics), in.HPA.Namespace, in.HPA.Name)
	}
	return nil
}

// computation carries one Compute call.
type computation struct {
	in  *Input
	hpa *autoscalingv2.HorizontalPodAutoscaler
	res Result

	conditions []autoscalingv2.HorizontalPodAutoscalerCondition
	// history is the effective controller history, updated as the
	// controller updates it during the reconciliation.
	history History
}

func newComputation(in *Input) *computation {
	hpa := in.HPA
	c := &computation{in: in, hpa: hpa}

	c.res.CurrentReplicas = in.SpecReplicas
	c.res.MinReplicas = 1
	if hpa.Spec.MinReplicas != nil {
		c.res.MinReplicas = *hpa.Spec.MinReplicas
	}
	c.res.MaxReplicas = hpa.Spec.MaxReplicas
	c.res.Tolerances = tolerancesFor(hpa, in.Config)
	c.res.Behavior = defaultBehavior(hpa.Spec.Behavior, in.Config)

	for i := range hpa.Status.Conditions {
		c.conditions = append(c.conditions, *hpa.Status.Conditions[i].DeepCopy())
	}
	c.history = effectiveHistory(in, c.res.CurrentReplicas)
	return c
}

func (c *computation) step(format string, args ...any) {
	c.res.Steps = append(c.res.Steps, Step{Text: fmt.Sprintf(format, args...)})
}

func (c *computation) run() {
	in, hpa, res := c.in, c.hpa, &c.res
	current := res.CurrentReplicas
	minReplicas := res.MinReplicas

	c.setCondition(autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
	c.step("the scale target has %d replicas (spec.replicas of its scale); the HPA allows %d to %d", current, minReplicas, hpa.Spec.MaxReplicas)

	scaledToZero := in.Config.ScaleToZero && scaledToZeroCondition(hpa)
	objectOrExternal := hasObjectOrExternalMetrics(hpa)
	canScaleFromZero := scaledToZero && objectOrExternal

	desired := int32(0)
	rescale := true
	rescaleReason := ""
	computeMetrics := true

	switch {
	case current == 0:
		if (minReplicas != 0 && scaledToZero) || canScaleFromZero {
			c.stepFromZero(minReplicas, canScaleFromZero)
			break
		}
		computeMetrics = false
		rescale = false
		res.ScalingDisabled = true
		c.setCondition(autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
		if !in.Config.ScaleToZero {
			c.removeCondition(autoscalingv2.ScaledToZero)
		}
		c.stepDisabled(objectOrExternal)
	case current > hpa.Spec.MaxReplicas:
		rescaleReason = "Current number of replicas above Spec.MaxReplicas"
		desired = hpa.Spec.MaxReplicas
		computeMetrics = false
		c.step("%d replicas is above maxReplicas %d, so the controller scales to %d without looking at the metrics", current, hpa.Spec.MaxReplicas, desired)
	case current < minReplicas:
		rescaleReason = "Current number of replicas below Spec.MinReplicas"
		desired = minReplicas
		computeMetrics = false
		c.step("%d replicas is below minReplicas %d, so the controller scales to %d without looking at the metrics", current, minReplicas, desired)
	}

	if computeMetrics {
		res.ComputedMetrics = true
		proposal, metricName, err := c.computeMetrics()
		if err != nil && proposal == -1 {
			// The controller writes the metric statuses and keeps the
			// previous status.desiredReplicas.
			res.MetricProposal = -1
			res.DesiredReplicas = hpa.Status.DesiredReplicas
			res.Conditions = c.conditions
			res.NextHistory = c.history
			c.step("the controller stops here: it records the metrics in the status, keeps status.desiredReplicas at %d and leaves the scale target at %d replicas", hpa.Status.DesiredReplicas, current)
			return
		}

		rescaleMetric := ""
		if proposal > desired {
			desired = proposal
			rescaleMetric = metricName
		}
		if desired > current {
			rescaleReason = fmt.Sprintf("%s above target", rescaleMetric)
		}
		if desired < current {
			rescaleReason = "All metrics below target"
		}

		desired = c.normalize(current, desired, minReplicas)

		if current == 0 && minReplicas != 0 && scaledToZero && desired < minReplicas {
			c.step("scaling from zero with minReplicas %d: the controller raises %d to %d", minReplicas, desired, minReplicas)
			desired = minReplicas
			if rescaleReason == "" {
				rescaleReason = "Current number of replicas below Spec.MinReplicas"
			}
		}
		rescale = desired != current
	}

	if rescale {
		c.setCondition(autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale", fmt.Sprintf("the HPA controller was able to update the target scale to %d", desired))
		if in.Config.ScaleToZero {
			if current > 0 && desired == 0 && minReplicas == 0 && objectOrExternal {
				c.setCondition(autoscalingv2.ScaledToZero, corev1.ConditionTrue, "ScaledToZero", "the HPA controller scaled the workload to zero")
			} else {
				c.setCondition(autoscalingv2.ScaledToZero, corev1.ConditionFalse, "NotScaledToZero", "the HPA controller did not scale the workload to zero")
			}
		} else {
			c.removeCondition(autoscalingv2.ScaledToZero)
		}
		res.RescaleReason = rescaleReason
		c.history = recordScaleEvent(c.history, res.Behavior, current, desired, in.Now)
		if rescaleReason == "" {
			// The controller derives the reason from the metric proposal
			// before stabilization. A proposal equal to the current count
			// leaves it empty even when stabilization then changes the count.
			c.step("the controller scales the target from %d to %d replicas; its event gives an empty reason because the metrics proposed the current count", current, desired)
		} else {
			c.step("the controller scales the target from %d to %d replicas (reason: %s)", current, desired, rescaleReason)
		}
	} else {
		desired = current
		c.step("the desired replica count is the current %d, so the controller does not scale", current)
	}

	res.Rescale = rescale
	res.DesiredReplicas = desired
	res.Conditions = c.conditions
	res.NextHistory = c.history
}

func (c *computation) stepFromZero(minReplicas int32, canScaleFromZero bool) {
	if canScaleFromZero {
		c.step("the target has 0 replicas, the HPA's ScaledToZero condition is True and it has Object or External metrics, so the controller computes the metrics to scale from zero")
		return
	}
	c.step("the target has 0 replicas and the HPA's ScaledToZero condition is True, so with minReplicas %d the controller computes the metrics", minReplicas)
}

func (c *computation) stepDisabled(objectOrExternal bool) {
	switch {
	case !c.in.Config.ScaleToZero:
		c.step("the target has 0 replicas and the HPAScaleToZero feature gate is off, so scaling is disabled until someone scales the target up")
	case !scaledToZeroCondition(c.hpa):
		c.step("the target has 0 replicas but the HPA's ScaledToZero condition is not True, so the controller did not scale it to zero; scaling is disabled until someone scales the target up")
	case !objectOrExternal:
		c.step("the target has 0 replicas and minReplicas is 0, but the HPA has no Object or External metric to scale from zero, so scaling is disabled")
	}
}

// computeMetrics computes every metric and combines the proposals as the
// controller does. The largest valid proposal wins. Invalid metrics block
// the decision when all are invalid or when the valid ones propose fewer
// replicas than spec.replicas.
func (c *computation) computeMetrics() (int32, string, error) {
	in, hpa, res := c.in, c.hpa, &c.res

	if err := c.checkSelector(); err != nil {
		res.MetricsError = err.Error()
		return -1, "", err
	}

	mc := &metricContext{in: in, specReplicas: in.SpecReplicas, statusReplicas: in.StatusReplicas, tol: res.Tolerances}
	res.Metrics = make([]MetricResult, len(hpa.Spec.Metrics))

	var replicas int32
	var metricName, winner string
	invalid := 0
	var firstErr error
	var firstReason string
	var firstCondErr error

	for i, spec := range hpa.Spec.Metrics {
		mr := &res.Metrics[i]
		mr.Index = i
		mr.Spec = spec
		out := mc.computeMetric(spec, in.Metrics[i], mr)
		if out.err != nil {
			mr.Err = out.err.Error()
			mr.ErrReason = out.reason
			mr.Status = autoscalingv2.MetricStatus{}
			c.step("metric %d (%s) is invalid: %v", i, metricLabel(mr), out.err)
			if invalid <= 0 {
				firstErr, firstReason, firstCondErr = out.err, out.reason, out.condErr
			}
			invalid++
			continue
		}

		mr.Valid = true
		mr.ProposedReplicas = out.replicas
		mr.Timestamp = out.timestamp
		c.step("metric %d (%s) proposes %d replicas", i, metricLabel(mr), out.replicas)
		// A proposal of 0 is replaced by any later one, even another 0.
		if replicas == 0 || out.replicas > replicas {
			replicas = out.replicas
			metricName = mr.Description
			winner = metricLabel(mr)
		}
	}
	res.InvalidMetrics = invalid

	var metricsErr error
	if firstErr != nil {
		metricsErr = fmt.Errorf("invalid metrics (%v invalid out of %v), first error is: %w", invalid, len(hpa.Spec.Metrics), firstErr)
		res.MetricsError = metricsErr.Error()
	}

	if invalid >= len(hpa.Spec.Metrics) || (invalid > 0 && replicas < in.SpecReplicas) {
		c.setCondition(autoscalingv2.ScalingActive, corev1.ConditionFalse, firstReason,
			fmt.Sprintf("the HPA was unable to compute the replica count: %v", firstCondErr))
		if invalid >= len(hpa.Spec.Metrics) {
			c.step("no metric is valid, so the controller makes no decision")
		} else {
			c.step("%d of %d metrics are invalid and the valid ones propose %d, fewer than the current %d replicas; an invalid metric blocks a scale-down, so the controller makes no decision",
				invalid, len(hpa.Spec.Metrics), replicas, in.SpecReplicas)
		}
		return -1, "", metricsErr
	}

	c.setCondition(autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound",
		fmt.Sprintf("the HPA was able to successfully calculate a replica count from %s", metricName))
	res.MetricProposal = replicas
	res.MetricName = metricName
	if invalid > 0 {
		c.step("%d of %d metrics are invalid, but the valid ones propose %d, not fewer than the current %d replicas, so the controller goes ahead", invalid, len(hpa.Spec.Metrics), replicas, in.SpecReplicas)
	}
	c.step("the largest proposal is %d replicas, from %s", replicas, winner)
	return replicas, metricName, metricsErr
}

// checkSelector validates the scale's status.selector as the controller
// does before it computes any metric.
// NOTE: the controller also rejects a selector whose pods another HPA
// already targets (AmbiguousSelector). That check needs the other HPAs, so
// Compute does not make it.
func (c *computation) checkSelector() error {
	selector := c.in.Selector
	if selector == "" {
		c.setCondition(autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector", "the HPA target's scale is missing a selector")
		c.step("the scale subresource has no status.selector, so the controller cannot select pods and makes no decision")
		return errors.New("selector is required")
	}
	if _, err := labels.Parse(selector); err != nil {
		msg := fmt.Sprintf("couldn't convert selector into a corresponding internal selector object: %v", err)
		c.setCondition(autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector", msg)
		c.step("the scale subresource's status.selector %q does not parse, so the controller makes no decision", selector)
		return errors.New(msg)
	}
	return nil
}

// metricLabel names a metric in steps. The controller's own description
// prints an External metric's selector as a Go struct, so Object and
// External metrics get their name and selector in label syntax instead.
func metricLabel(mr *MetricResult) string {
	var identifier *autoscalingv2.MetricIdentifier
	switch {
	case mr.Spec.Type == autoscalingv2.ObjectMetricSourceType && mr.Spec.Object != nil:
		identifier = &mr.Spec.Object.Metric
	case mr.Spec.Type == autoscalingv2.ExternalMetricSourceType && mr.Spec.External != nil:
		identifier = &mr.Spec.External.Metric
	}
	if identifier != nil {
		label := fmt.Sprintf("%s metric %s", strings.ToLower(string(mr.Spec.Type)), identifier.Name)
		if identifier.Selector != nil {
			if sel, err := metav1.LabelSelectorAsSelector(identifier.Selector); err == nil && !sel.Empty() {
				label += "{" + sel.String() + "}"
			}
		}
		return label
	}
	if mr.Description != "" {
		return mr.Description
	}
	if mr.Name != "" {
		return fmt.Sprintf("%s metric %s", mr.Spec.Type, mr.Name)
	}
	return fmt.Sprintf("%s metric", mr.Spec.Type)
}

// normalize applies stabilization, the scaling limits and the [min, max]
// clamp, and sets the AbleToScale and ScalingLimited conditions.
func (c *computation) normalize(current, proposal, minReplicas int32) int32 {
	in, res := c.in, &c.res
	if !in.History.Known {
		res.Steps = append(res.Steps, Step{Inferred: true, Text: fmt.Sprintf(
			"no controller history is known, so it is taken as a freshly started controller's: one recommendation of %d (the current replicas) and no scale events", current)})
	}
	n := newNormalizer(in, c.history, current, minReplicas, c.hpa.Spec.MaxReplicas)

	var out normalization
	if res.Behavior == nil {
		out = n.normalizeWithoutBehavior(proposal, in.Config.DownscaleStabilizationWindow)
	} else {
		out = n.normalizeWithBehavior(proposal, res.Behavior)
	}

	res.Steps = append(res.Steps, out.steps...)
	res.Inferred = out.historyIsUncertain
	c.history.Recommendations = out.recommendations
	res.Stabilized = out.stabilized
	res.StabilizationReason = out.stabilizedReason
	res.LimitReason = out.limitReason

	c.setCondition(autoscalingv2.AbleToScale, corev1.ConditionTrue, out.stabilizedReason, out.stabilizedMessage)
	limited := corev1.ConditionFalse
	if out.desired != out.stabilized {
		limited = corev1.ConditionTrue
	}
	c.setCondition(autoscalingv2.ScalingLimited, limited, out.limitReason, out.limitMessage)
	return out.desired
}

// setCondition sets a condition as the controller does, moving
// lastTransitionTime to Now only when the status changes.
func (c *computation) setCondition(t autoscalingv2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, reason, message string) {
	var existing *autoscalingv2.HorizontalPodAutoscalerCondition
	for i := range c.conditions {
		if c.conditions[i].Type == t {
			existing = &c.conditions[i]
			break
		}
	}
	if existing == nil {
		c.conditions = append(c.conditions, autoscalingv2.HorizontalPodAutoscalerCondition{Type: t})
		existing = &c.conditions[len(c.conditions)-1]
	}
	if existing.Status != status {
		existing.LastTransitionTime = metav1.NewTime(c.in.Now)
	}
	existing.Status = status
	existing.Reason = reason
	existing.Message = message
}

func (c *computation) removeCondition(t autoscalingv2.HorizontalPodAutoscalerConditionType) {
	kept := c.conditions[:0]
	for _, cond := range c.conditions {
		if cond.Type != t {
			kept = append(kept, cond)
		}
	}
	c.conditions = kept
}

func hasObjectOrExternalMetrics(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
	for _, m := range hpa.Spec.Metrics {
		if m.Type == autoscalingv2.ObjectMetricSourceType || m.Type == autoscalingv2.ExternalMetricSourceType {
			return true
		}
	}
	return false
}

// scaledToZeroCondition reports whether the HPA's first ScaledToZero
// condition is True.
func scaledToZeroCondition(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
	for _, cond := range hpa.Status.Conditions {
		if cond.Type == autoscalingv2.ScaledToZero {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
