package differential

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/component-base/featuregate"
	"k8s.io/kubernetes/pkg/features"

	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// maxClockRetries bounds how often runCase reruns a case whose pod start
// times straddle the end of the CPU initialization period while the
// upstream call ran.
const maxClockRetries = 5

// outcome is both sides' results for one case and how they differ.
type outcome struct {
	upstream upstreamResult
	ours     replicas.Result
	// differences is empty when the two sides agree.
	differences []string
	// clockRetries counts the reruns caused by the clock. When they run
	// out, skipped is set and the results are not compared.
	clockRetries int
	skipped      bool
}

// podLevelDependents are the feature gates of v1.37.2 that require
// PodLevelResources. The gate rejects turning it off while they are on.
var podLevelDependents = []featuregate.Feature{
	features.PodLevelResourceManagers,
	features.PodLevelResourcesFixDefaulting,
	features.PodLevelResourcesFixKubeletQOSClass,
	features.InPlacePodLevelResourcesVerticalScaling,
}

// podLevelDefaults are the dependents' values before the test first
// turned PodLevelResources off.
var podLevelDefaults map[string]bool

// setPodLevelResources sets the PodLevelResources feature gate, which the
// upstream replica calculator reads from the process-wide default gate.
// Turning it off turns its dependents off too, and turning it on restores
// them.
func setPodLevelResources(enabled bool) error {
	gate := utilfeature.DefaultMutableFeatureGate
	if gate.Enabled(features.PodLevelResources) == enabled {
		return nil
	}
	if podLevelDefaults == nil {
		podLevelDefaults = map[string]bool{}
		for _, f := range podLevelDependents {
			podLevelDefaults[string(f)] = gate.Enabled(f)
		}
	}
	values := map[string]bool{string(features.PodLevelResources): enabled}
	for _, f := range podLevelDependents {
		values[string(f)] = enabled && podLevelDefaults[string(f)]
	}
	return gate.SetFromMap(values)
}

// runCase runs both sides on the case with the real clock as the
// evaluation time and compares them.
func runCase(c *diffCase) (outcome, error) {
	var out outcome
	if err := setPodLevelResources(c.PodLevelResources); err != nil {
		return out, fmt.Errorf("setting the PodLevelResources feature gate failed: %w", err)
	}

	for {
		// Pod times carry no monotonic clock reading, as pods from the API
		// server do not, so every comparison uses the wall clock.
		now := time.Now().Round(0)
		hpa := c.hpa()
		var all, selected []*corev1.Pod
		for _, p := range c.Pods {
			pod := p.build(now)
			all = append(all, pod)
			if p.selected() {
				selected = append(selected, pod)
			}
		}

		run, err := newUpstreamRun(c, hpa, all, now)
		if err != nil {
			return out, err
		}
		out.upstream = run.run()
		after := time.Now().Round(0)
		if crossesInitializationEnd(c, now, after) {
			if out.clockRetries == maxClockRetries {
				out.skipped = true
				return out, nil
			}
			out.clockRetries++
			continue
		}

		out.ours = runOurs(c, hpa, selected, now)
		out.differences = compare(c, out.upstream, out.ours, selected)
		return out, nil
	}
}

// crossesInitializationEnd reports whether a pod's CPU initialization
// period ended in (before, after]. The upstream replica calculator compares
// against time.Now within that interval, pkg/replicas against before, so
// such a pod may be grouped differently for a reason outside both.
func crossesInitializationEnd(c *diffCase, before, after time.Time) bool {
	for _, p := range c.Pods {
		if p.Start == nil {
			continue
		}
		end := before.Add(*p.Start + c.CPUInitializationPeriod)
		if end.After(before) && !end.After(after) {
			return true
		}
	}
	return false
}

// compare lists every way the two results differ, and the ways the harness
// itself went wrong.
func compare(c *diffCase, up upstreamResult, ours replicas.Result, selected []*corev1.Pod) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }

	if ours.Error != "" {
		add("Compute rejected the input: %s", ours.Error)
		return diffs
	}
	if len(ours.Metrics) != 1 {
		add("Compute returned %d metric results, expected 1 (ComputedMetrics %v, ScalingDisabled %v)", len(ours.Metrics), ours.ComputedMetrics, ours.ScalingDisabled)
		return diffs
	}
	m := ours.Metrics[0]

	if ours.Tolerances.ScaleDown != up.scaleDownTolerance || ours.Tolerances.ScaleUp != up.scaleUpTolerance {
		add("tolerances: upstream scale-down %v scale-up %v, ours scale-down %v scale-up %v",
			up.scaleDownTolerance, up.scaleUpTolerance, ours.Tolerances.ScaleDown, ours.Tolerances.ScaleUp)
	}

	switch {
	case up.err != nil && m.Valid:
		add("upstream failed with %q, ours is valid with %d replicas", up.err, m.ProposedReplicas)
	case up.err == nil && !m.Valid:
		add("upstream proposes %d replicas, ours failed with %q", up.replicas, m.Err)
	case up.err != nil && up.err.Error() != m.Err:
		add("error text:\n    upstream %q\n    ours     %q", up.err, m.Err)
	}

	if up.err == nil && m.Valid {
		if up.replicas != m.ProposedReplicas {
			add("replicas: upstream %d, ours %d", up.replicas, m.ProposedReplicas)
		}
		if up.name != m.Description {
			add("metric name: upstream %q, ours %q", up.name, m.Description)
		}
		if !up.timestamp.Equal(m.Timestamp) {
			add("timestamp: upstream %v, ours %v", up.timestamp, m.Timestamp)
		}
	}
	if upStatus, ourStatus := statusText(up.status), statusText(m.Status); upStatus != ourStatus {
		add("status:\n    upstream %s\n    ours     %s", upStatus, ourStatus)
	}

	// A failed metric sets ScalingActive from the controller's condition,
	// because it is the only metric.
	if cond := up.controller.condition; up.controller.err != nil {
		if m.ErrReason != cond.Reason {
			add("error reason: upstream %q, ours %q", cond.Reason, m.ErrReason)
		}
		ours := scalingActive(ours.Conditions)
		if ours == nil {
			add("ours sets no ScalingActive condition, upstream sets %s/%s %q", cond.Status, cond.Reason, cond.Message)
		} else if ours.Status != cond.Status || ours.Reason != cond.Reason || ours.Message != cond.Message {
			add("ScalingActive condition:\n    upstream %s/%s %q\n    ours     %s/%s %q",
				cond.Status, cond.Reason, cond.Message, ours.Status, ours.Reason, ours.Message)
		}
	}

	diffs = append(diffs, checkHarness(c, up, selected)...)
	return diffs
}

func scalingActive(conditions []autoscalingv2.HorizontalPodAutoscalerCondition) *autoscalingv2.HorizontalPodAutoscalerCondition {
	for i := range conditions {
		if conditions[i].Type == autoscalingv2.ScalingActive {
			return &conditions[i]
		}
	}
	return nil
}

// statusText is the metric status as the HPA's status.currentMetrics
// serializes it, so that quantities compare by value and format.
func statusText(s autoscalingv2.MetricStatus) string {
	b, err := json.Marshal(s)
	if err != nil {
		return "unserializable: " + err.Error()
	}
	return string(b)
}

// checkHarness checks that the test's dispatch to the replica calculator
// matches the controller's, that the fake metrics client got the request
// the spec names and that the pod lister returned the selected pods. A
// failure here is a bug in this test, not in pkg/replicas.
func checkHarness(c *diffCase, up upstreamResult, selected []*corev1.Pod) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, "harness: "+fmt.Sprintf(format, args...)) }

	ctrl := up.controller
	if errorText(ctrl.err) != errorText(up.err) || ctrl.replicas != up.replicas || ctrl.name != up.name ||
		!ctrl.timestamp.Equal(up.timestamp) || statusText(ctrl.status) != statusText(up.status) {
		add("the test's dispatch and computeReplicasForMetric differ:\n    dispatch   %d %q %v %s error %q\n    controller %d %q %v %s error %q",
			up.replicas, up.name, up.timestamp, statusText(up.status), errorText(up.err),
			ctrl.replicas, ctrl.name, ctrl.timestamp, statusText(ctrl.status), errorText(ctrl.err))
	}

	if up.listedPods != nil {
		var want, got []string
		for _, p := range selected {
			want = append(want, p.Name)
		}
		for _, p := range up.listedPods {
			got = append(got, p.Name)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			add("the pod lister returned %v, expected the selected pods %v", got, want)
		}
	}

	r := up.request
	if r.method == "" {
		if up.err == nil {
			add("upstream proposed replicas without a metrics request")
		}
		return diffs
	}
	if r.namespace != namespace {
		add("metrics request for namespace %q, expected %q", r.namespace, namespace)
	}
	expected := expectedRequest(c.Spec)
	r.namespace = ""
	if r != expected {
		add("metrics request %+v, expected %+v", r, expected)
	}
	return diffs
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// expectedRequest is the metrics client call the spec requires, without
// the namespace.
func expectedRequest(spec autoscalingv2.MetricSpec) metricsRequest {
	metricSelector := func(s *metav1.LabelSelector) string {
		parsed, err := metav1.LabelSelectorAsSelector(s)
		if err != nil {
			return "invalid: " + err.Error()
		}
		return parsed.String()
	}
	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType:
		return metricsRequest{method: "GetResourceMetric", resource: spec.Resource.Name, selector: selector}
	case autoscalingv2.ContainerResourceMetricSourceType:
		return metricsRequest{method: "GetResourceMetric", resource: spec.ContainerResource.Name, container: spec.ContainerResource.Container, selector: selector}
	case autoscalingv2.PodsMetricSourceType:
		return metricsRequest{method: "GetRawMetric", metricName: spec.Pods.Metric.Name, selector: selector, metricSelector: metricSelector(spec.Pods.Metric.Selector)}
	case autoscalingv2.ObjectMetricSourceType:
		return metricsRequest{method: "GetObjectMetric", metricName: spec.Object.Metric.Name, object: spec.Object.DescribedObject, metricSelector: metricSelector(spec.Object.Metric.Selector)}
	case autoscalingv2.ExternalMetricSourceType:
		return metricsRequest{method: "GetExternalMetric", metricName: spec.External.Metric.Name, metricSelector: metricSelector(spec.External.Metric.Selector)}
	}
	return metricsRequest{}
}

// report formats a disagreement: the case, both results and the
// differences.
func report(c *diffCase, out outcome) string {
	var b strings.Builder
	b.WriteString(c.String())
	up := out.upstream
	fmt.Fprintf(&b, "upstream: replicas %d, name %q, timestamp %v, error %v\n  status %s\n",
		up.replicas, up.name, up.timestamp, up.err, statusText(up.status))
	if len(out.ours.Metrics) == 1 {
		m := out.ours.Metrics[0]
		fmt.Fprintf(&b, "ours:     replicas %d, name %q, timestamp %v, valid %v, error %q\n  status %s\n",
			m.ProposedReplicas, m.Description, m.Timestamp, m.Valid, m.Err, statusText(m.Status))
		b.WriteString("  steps:\n")
		for _, step := range m.Steps {
			fmt.Fprintf(&b, "    %s\n", step)
		}
	} else {
		fmt.Fprintf(&b, "ours: error %q, %d metric results\n", out.ours.Error, len(out.ours.Metrics))
	}
	b.WriteString("differences:\n")
	for _, d := range out.differences {
		fmt.Fprintf(&b, "  - %s\n", d)
	}
	return b.String()
}
