package replicas

import (
	"fmt"
	"math"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// Scale-up limit for HPAs without behavior: at most double, but always
// allow 4 replicas.
const (
	scaleUpLimitFactor  = 2.0
	scaleUpLimitMinimum = 4.0
)

// normalization is the outcome of turning the metric proposal into the
// desired replica count.
type normalization struct {
	stabilized         int32
	stabilizedReason   string
	stabilizedMessage  string
	desired            int32
	limitReason        string
	limitMessage       string
	steps              []Step
	usedHistory        bool
	historyIsUncertain bool

	// recommendations is the recommendation history after the controller
	// records this proposal.
	recommendations []TimestampedRecommendation
}

// normalizer holds what both normalizations read. history is the
// effective history (see effectiveHistory), which it does not modify.
type normalizer struct {
	now      time.Time
	current  int32
	min      int32
	max      int32
	history  History
	inferred bool
	out      normalization
}

func newNormalizer(in *Input, history History, current, minReplicas, maxReplicas int32) *normalizer {
	return &normalizer{
		now:      in.Now,
		current:  current,
		min:      minReplicas,
		max:      maxReplicas,
		history:  history,
		inferred: history.Inferred,
	}
}

func (n *normalizer) step(text string) {
	n.out.steps = append(n.out.steps, Step{Text: text})
}

// historyStep records a step that rests on the controller's history.
func (n *normalizer) historyStep(text string) {
	n.out.usedHistory = true
	if n.inferred {
		n.out.historyIsUncertain = true
	}
	n.out.steps = append(n.out.steps, Step{Text: text, Inferred: n.inferred})
}

// normalizeWithoutBehavior applies the downscale stabilization window from
// the controller flag, then the [min, max] clamp and the scale-up limit.
func (n *normalizer) normalizeWithoutBehavior(proposal int32, window time.Duration) normalization {
	// A recommendation exactly at the cutoff still counts here, unlike in
	// the behavior path, because this path tests Before(cutoff).
	cutoff := n.now.Add(-window)
	stabilized := proposal
	var inWindow []string
	oldIndex := -1
	for i, rec := range n.history.Recommendations {
		if rec.Timestamp.Before(cutoff) {
			oldIndex = i
			continue
		}
		inWindow = append(inWindow, n.describeRec(rec))
		if rec.Recommendation > stabilized {
			stabilized = rec.Recommendation
		}
	}
	n.out.stabilized = stabilized
	n.out.recommendations = recordRecommendation(n.history.Recommendations, oldIndex, proposal, n.now)
	n.historyStep(fmt.Sprintf("downscale stabilization window %s: recommendations in the window %s; the highest of them and the proposal %d is %d",
		formatDuration(window), listOrNone(inWindow), proposal, stabilized))

	if stabilized != proposal {
		n.out.stabilizedReason = "ScaleDownStabilized"
		n.out.stabilizedMessage = "recent recommendations were higher than current one, applying the highest recent recommendation"
	} else {
		n.out.stabilizedReason = "ReadyForNewScale"
		n.out.stabilizedMessage = "recommended size matches current size"
	}

	n.out.desired, n.out.limitReason, n.out.limitMessage = n.clampWithoutBehavior(stabilized)
	return n.out
}

// clampWithoutBehavior clamps to [min, max] and to the scale-up limit of
// max(2 × current, 4).
func (n *normalizer) clampWithoutBehavior(desired int32) (int32, string, string) {
	scaleUpLimit := int32(math.Max(scaleUpLimitFactor*float64(n.current), scaleUpLimitMinimum))

	maxAllowed := n.max
	reason := "TooManyReplicas"
	message := "the desired replica count is more than the maximum replica count"
	if n.max > scaleUpLimit {
		maxAllowed = scaleUpLimit
		reason = "ScaleUpLimit"
		message = "the desired replica count is increasing faster than the maximum scale rate"
	}

	switch {
	case desired < n.min:
		n.step(fmt.Sprintf("%d is below minReplicas %d, so it is raised to %d", desired, n.min, n.min))
		return n.min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
	case desired > maxAllowed:
		if reason == "ScaleUpLimit" {
			n.step(fmt.Sprintf("%d is above the scale-up limit max(2 × %d current, 4) = %d, so it is lowered to %d", desired, n.current, scaleUpLimit, maxAllowed))
		} else {
			n.step(fmt.Sprintf("%d is above maxReplicas %d, so it is lowered to %d", desired, n.max, maxAllowed))
		}
		return maxAllowed, reason, message
	}
	n.step(fmt.Sprintf("%d is within minReplicas %d, maxReplicas %d and the scale-up limit %d", desired, n.min, n.max, scaleUpLimit))
	return desired, "DesiredWithinRange", "the desired count is within the acceptable range"
}

// normalizeWithBehavior applies the behavior's stabilization windows, then
// its scaling policies and the [min, max] clamp.
func (n *normalizer) normalizeWithBehavior(proposal int32, behavior *autoscalingv2.HorizontalPodAutoscalerBehavior) normalization {
	stabilized, reason, message := n.stabilizeWithBehavior(proposal, behavior)
	n.out.stabilized = stabilized
	if stabilized != proposal {
		n.out.stabilizedReason, n.out.stabilizedMessage = reason, message
	} else {
		n.out.stabilizedReason = "ReadyForNewScale"
		n.out.stabilizedMessage = "recommended size matches current size"
	}

	n.out.desired, n.out.limitReason, n.out.limitMessage = n.applyPolicies(stabilized, behavior)
	return n.out
}

// stabilizeWithBehavior keeps the recommendation between the lowest
// recommendation in the scale-up window and the highest in the scale-down
// window, both windows including the proposal. Unlike the path without
// behavior, a recommendation exactly at a cutoff falls outside, because the
// controller tests After(cutoff) here.
func (n *normalizer) stabilizeWithBehavior(proposal int32, behavior *autoscalingv2.HorizontalPodAutoscalerBehavior) (int32, string, string) {
	upWindow := *behavior.ScaleUp.StabilizationWindowSeconds
	downWindow := *behavior.ScaleDown.StabilizationWindowSeconds
	upCutoff := n.now.Add(-time.Second * time.Duration(upWindow))
	downCutoff := n.now.Add(-time.Second * time.Duration(downWindow))

	upRecommendation, downRecommendation := proposal, proposal
	var upList, downList []string
	oldIndex := -1
	for i, rec := range n.history.Recommendations {
		if rec.Timestamp.Before(upCutoff) && rec.Timestamp.Before(downCutoff) {
			oldIndex = i
		}
		if rec.Timestamp.After(upCutoff) {
			upRecommendation = min(rec.Recommendation, upRecommendation)
			upList = append(upList, n.describeRec(rec))
		}
		if rec.Timestamp.After(downCutoff) {
			downRecommendation = max(rec.Recommendation, downRecommendation)
			downList = append(downList, n.describeRec(rec))
		}
	}

	n.out.recommendations = recordRecommendation(n.history.Recommendations, oldIndex, proposal, n.now)

	recommendation := n.current
	if recommendation < upRecommendation {
		recommendation = upRecommendation
	}
	if recommendation > downRecommendation {
		recommendation = downRecommendation
	}
	n.historyStep(fmt.Sprintf("scale-up stabilization window %ds: recommendations %s; the lowest of them and the proposal %d is %d",
		upWindow, listOrNone(upList), proposal, upRecommendation))
	n.historyStep(fmt.Sprintf("scale-down stabilization window %ds: recommendations %s; the highest of them and the proposal %d is %d",
		downWindow, listOrNone(downList), proposal, downRecommendation))
	n.step(fmt.Sprintf("the current %d replicas kept within [%d, %d] give the stabilized recommendation %d",
		n.current, upRecommendation, downRecommendation, recommendation))

	if proposal >= n.current {
		return recommendation, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation"
	}
	return recommendation, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"
}

// applyPolicies limits the change to what the scaling policies allow over
// their periods, then clamps to [min, max].
func (n *normalizer) applyPolicies(desired int32, behavior *autoscalingv2.HorizontalPodAutoscalerBehavior) (int32, string, string) {
	switch {
	case desired > n.current:
		limit := n.scaleUpLimit(behavior.ScaleUp)
		if limit < n.current {
			n.step(fmt.Sprintf("the scale-up limit %d is below the current %d replicas, so the limit is the current count", limit, n.current))
			limit = n.current
		}
		maxAllowed, reason, message := n.max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
		if maxAllowed > limit {
			maxAllowed = limit
			reason, message = "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
		}
		if desired > maxAllowed {
			n.step(fmt.Sprintf("%d is above min(maxReplicas %d, scale-up limit %d), so it is lowered to %d", desired, n.max, limit, maxAllowed))
			return maxAllowed, reason, message
		}
		n.step(fmt.Sprintf("%d is within maxReplicas %d and the scale-up limit %d", desired, n.max, limit))

	case desired < n.current:
		limit := n.scaleDownLimit(behavior.ScaleDown)
		if limit > n.current {
			n.step(fmt.Sprintf("the scale-down limit %d is above the current %d replicas, so the limit is the current count", limit, n.current))
			limit = n.current
		}
		minAllowed, reason, message := n.min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
		if minAllowed < limit {
			minAllowed = limit
			reason, message = "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"
		}
		if desired < minAllowed {
			n.step(fmt.Sprintf("%d is below max(minReplicas %d, scale-down limit %d), so it is raised to %d", desired, n.min, limit, minAllowed))
			return minAllowed, reason, message
		}
		n.step(fmt.Sprintf("%d is within minReplicas %d and the scale-down limit %d", desired, n.min, limit))

	default:
		// Equal to the current count: the controller applies neither the
		// policies nor the [min, max] clamp.
		n.step(fmt.Sprintf("the stabilized recommendation equals the current %d replicas, so no policy or min/max limit applies", n.current))
	}
	return desired, "DesiredWithinRange", "the desired count is within the acceptable range"
}

// scaleUpLimit returns the highest replica count the scale-up policies allow
// now. With selectPolicy Max the most permissive policy wins, with Min the
// most restrictive. Disabled allows no scale-up.
func (n *normalizer) scaleUpLimit(rules *autoscalingv2.HPAScalingRules) int32 {
	if *rules.SelectPolicy == autoscalingv2.DisabledPolicySelect {
		n.step(fmt.Sprintf("scale-up selectPolicy is Disabled, so the limit is the current %d replicas", n.current))
		return n.current
	}

	pick, result := maxInt32, int32(math.MinInt32)
	if *rules.SelectPolicy == autoscalingv2.MinChangePolicySelect {
		pick, result = minInt32, int32(math.MaxInt32)
	}

	// proposed lives outside the loop, as in the controller, so a policy of
	// unknown type repeats the previous policy's limit.
	var proposed int32
	var parts []string
	for _, policy := range rules.Policies {
		start, added, removed := n.periodStart(policy.PeriodSeconds)
		switch policy.Type {
		case autoscalingv2.PodsScalingPolicy:
			proposed = start + policy.Value
		case autoscalingv2.PercentScalingPolicy:
			// Rounded up so that a small percentage can still add a pod.
			proposed = int32(math.Ceil(float64(start) * (1 + float64(policy.Value)/100)))
		}
		parts = append(parts, n.describePolicy(policy, start, added, removed, proposed))
		result = pick(result, proposed)
	}
	n.historyStep(fmt.Sprintf("scale-up policies (selectPolicy %s): %s; scale-up limit %d",
		*rules.SelectPolicy, listOrNone(parts), result))
	return result
}

// scaleDownLimit returns the lowest replica count the scale-down policies
// allow now. With selectPolicy Max the most permissive policy (the lowest
// count) wins, with Min the most restrictive. Disabled allows no scale-down.
func (n *normalizer) scaleDownLimit(rules *autoscalingv2.HPAScalingRules) int32 {
	if *rules.SelectPolicy == autoscalingv2.DisabledPolicySelect {
		n.step(fmt.Sprintf("scale-down selectPolicy is Disabled, so the limit is the current %d replicas", n.current))
		return n.current
	}

	pick, result := minInt32, int32(math.MaxInt32)
	if *rules.SelectPolicy == autoscalingv2.MinChangePolicySelect {
		pick, result = maxInt32, int32(math.MinInt32)
	}

	// proposed lives outside the loop, as in the controller, so a policy of
	// unknown type repeats the previous policy's limit.
	var proposed int32
	var parts []string
	for _, policy := range rules.Policies {
		start, added, removed := n.periodStart(policy.PeriodSeconds)
		switch policy.Type {
		case autoscalingv2.PodsScalingPolicy:
			proposed = start - policy.Value
		case autoscalingv2.PercentScalingPolicy:
			// Truncated toward zero, so a scale-down never removes more
			// than the percentage allows.
			proposed = int32(float64(start) * (1 - float64(policy.Value)/100))
		}
		parts = append(parts, n.describePolicy(policy, start, added, removed, proposed))
		result = pick(result, proposed)
	}
	n.historyStep(fmt.Sprintf("scale-down policies (selectPolicy %s): %s; scale-down limit %d",
		*rules.SelectPolicy, listOrNone(parts), result))
	return result
}

// periodStart returns the replica count at the start of a policy period:
// the current count minus what scale-ups added and plus what scale-downs
// removed in the period. An event exactly at the period's start is outside.
func (n *normalizer) periodStart(periodSeconds int32) (start, added, removed int32) {
	cutoff := n.now.Add(-time.Second * time.Duration(periodSeconds))
	added = changeSince(n.history.ScaleUpEvents, cutoff)
	removed = changeSince(n.history.ScaleDownEvents, cutoff)
	return n.current - added + removed, added, removed
}

func changeSince(events []ScaleEvent, cutoff time.Time) int32 {
	var total int32
	for _, e := range events {
		if e.Timestamp.After(cutoff) {
			total += e.Change
		}
	}
	return total
}

func (n *normalizer) describePolicy(p autoscalingv2.HPAScalingPolicy, start, added, removed, proposed int32) string {
	return fmt.Sprintf("%s %d per %ds: period start %d (current %d, %d added and %d removed in the period), limit %d",
		p.Type, p.Value, p.PeriodSeconds, start, n.current, added, removed, proposed)
}

func (n *normalizer) describeRec(rec TimestampedRecommendation) string {
	return fmt.Sprintf("%d (%s ago)", rec.Recommendation, formatDuration(n.now.Sub(rec.Timestamp).Round(time.Second)))
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "[none]"
	}
	return "[" + strings.Join(items, ", ") + "]"
}

func minInt32(a, b int32) int32 { return min(a, b) }

func maxInt32(a, b int32) int32 { return max(a, b) }
