package replicas

import (
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// DefaultConfig returns the kube-controller-manager v1.37 defaults: the
// flag defaults of the HPA controller and the feature gates as v1.37 enables
// them (HPAScaleToZero beta, HPAConfigurableTolerance GA, PodLevelResources
// beta, all on).
func DefaultConfig() Config {
	return Config{
		Tolerance:                     0.1,
		CPUInitializationPeriod:       5 * time.Minute,
		DelayOfInitialReadinessStatus: 30 * time.Second,
		DownscaleStabilizationWindow:  5 * time.Minute,
		ScaleToZero:                   true,
		ConfigurableTolerance:         true,
		PodLevelResources:             true,
	}
}

// isWithin reports whether a usage ratio is inside the tolerance band, which
// includes both edges.
func (t Tolerances) isWithin(usageRatio float64) bool {
	return (1.0-t.ScaleDown) <= usageRatio && usageRatio <= (1.0+t.ScaleUp)
}

// band formats the tolerance band as "[low, high]".
func (t Tolerances) band() string {
	return fmt.Sprintf("[%s, %s]", formatRatio(1.0-t.ScaleDown), formatRatio(1.0+t.ScaleUp))
}

// tolerancesFor returns the global tolerance, overridden per direction by
// spec.behavior.scaleUp/scaleDown.tolerance when the HPAConfigurableTolerance
// gate is on.
func tolerancesFor(hpa *autoscalingv2.HorizontalPodAutoscaler, cfg Config) Tolerances {
	t := Tolerances{ScaleDown: cfg.Tolerance, ScaleUp: cfg.Tolerance}
	behavior := hpa.Spec.Behavior
	if behavior == nil || !cfg.ConfigurableTolerance {
		return t
	}
	if behavior.ScaleDown != nil && behavior.ScaleDown.Tolerance != nil {
		t.ScaleDown = behavior.ScaleDown.Tolerance.AsApproximateFloat64()
	}
	if behavior.ScaleUp != nil && behavior.ScaleUp.Tolerance != nil {
		t.ScaleUp = behavior.ScaleUp.Tolerance.AsApproximateFloat64()
	}
	return t
}

// defaultBehavior returns a copy of behavior with every nil field filled the
// way the API server's defaulting fills it, plus the scale-down
// stabilization window that the controller takes from its flag when the
// API server leaves it nil. It returns nil for a nil behavior.
func defaultBehavior(behavior *autoscalingv2.HorizontalPodAutoscalerBehavior, cfg Config) *autoscalingv2.HorizontalPodAutoscalerBehavior {
	if behavior == nil {
		return nil
	}

	out := behavior.DeepCopy()
	out.ScaleUp = fillScalingRules(out.ScaleUp, defaultScaleUpRules())
	out.ScaleDown = fillScalingRules(out.ScaleDown, defaultScaleDownRules())

	// The controller converts the flag with a float-to-int32 truncation.
	if out.ScaleDown.StabilizationWindowSeconds == nil {
		seconds := int32(cfg.DownscaleStabilizationWindow.Seconds())
		out.ScaleDown.StabilizationWindowSeconds = &seconds
	}
	return out
}

// defaultScaleUpRules are the API server's scale-up defaults: no
// stabilization, and at most 4 pods or 100% more per 15 seconds, whichever
// adds more.
func defaultScaleUpRules() *autoscalingv2.HPAScalingRules {
	window := int32(0)
	selectPolicy := autoscalingv2.MaxChangePolicySelect
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: &window,
		SelectPolicy:               &selectPolicy,
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// defaultScaleDownRules are the API server's scale-down defaults: up to 100%
// removed per 15 seconds. The API server leaves the stabilization window nil.
func defaultScaleDownRules() *autoscalingv2.HPAScalingRules {
	selectPolicy := autoscalingv2.MaxChangePolicySelect
	return &autoscalingv2.HPAScalingRules{
		SelectPolicy: &selectPolicy,
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// fillScalingRules copies every non-nil field of from over defaults. An
// empty but non-nil policy list replaces the default list, as the API
// server's defaulting does.
func fillScalingRules(from, defaults *autoscalingv2.HPAScalingRules) *autoscalingv2.HPAScalingRules {
	if from == nil {
		return defaults
	}
	if from.SelectPolicy != nil {
		defaults.SelectPolicy = from.SelectPolicy
	}
	if from.StabilizationWindowSeconds != nil {
		defaults.StabilizationWindowSeconds = from.StabilizationWindowSeconds
	}
	if from.Policies != nil {
		defaults.Policies = from.Policies
	}
	if from.Tolerance != nil {
		defaults.Tolerance = from.Tolerance
	}
	return defaults
}
