package diagnose

import (
	"fmt"
	"sort"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// eligible reports whether the controller expects a value for the pod: it
// ignores deleting and Failed pods and treats Pending pods as unready, so
// only the rest can be "missing".
func eligible(pod *corev1.Pod) bool {
	return pod.DeletionTimestamp == nil && pod.Status.Phase != corev1.PodFailed && pod.Status.Phase != corev1.PodPending
}

// podValueNames returns the names of pods that have a value for metric
// index, as the controller's metrics client reduces the API response.
func (d *diagnosis) podValueNames(index int) map[string]bool {
	names := map[string]bool{}
	if d.in.Computation != nil && index < len(d.in.Computation.Metrics) {
		for name := range d.in.Computation.Metrics[index].PodMetrics {
			names[name] = true
		}
		return names
	}
	if values := d.state.Metrics[index].Values; values != nil {
		for _, item := range values.Items {
			if item.DescribedObject.Namespace == "" || item.DescribedObject.Namespace == d.state.HPA.Namespace {
				names[item.DescribedObject.Name] = true
			}
		}
	}
	return names
}

// checkPodValues reports selected pods without a value, and values that
// exist only for pods outside the selection or in another namespace.
func (d *diagnosis) checkPodValues(index int, path string) {
	metric := &d.state.Metrics[index]
	ns := d.state.HPA.Namespace
	desc := describe(metric.Spec)
	withValue := d.podValueNames(index)

	var missing []string
	eligibleCount := 0
	selected := map[string]bool{}
	for i := range d.state.Pods {
		pod := &d.state.Pods[i]
		selected[pod.Name] = true
		if !eligible(pod) {
			continue
		}
		eligibleCount++
		if !withValue[pod.Name] {
			missing = append(missing, pod.Name)
		}
	}
	sort.Strings(missing)

	switch {
	case eligibleCount > 0 && len(missing) == eligibleCount:
		d.add(v1alpha1.Finding{
			Code:     CodeNoPodValues,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("The metrics API returned no value for any of the %d running pods for the %s, so the controller cannot use it.", eligibleCount, desc),
			Evidence: []string{"pods without a value: " + joinCapped(missing)},
			Fix:      "Check that the adapter's series carry the pod and namespace labels of these pods, and that the pods are scraped.",
			Check:    fmt.Sprintf("kubectl get --raw '%s'", path),
		})
	case len(missing) > 0:
		d.add(v1alpha1.Finding{
			Code:     CodePartialPodValues,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("%d of %d running pods have no value for the %s; the controller counts them as missing.", len(missing), eligibleCount, desc),
			Evidence: []string{"pods without a value: " + joinCapped(missing)},
			Fix:      "Check that these pods are scraped (annotations, ServiceMonitor, port) and that their series carry pod and namespace labels.",
			Check:    fmt.Sprintf("kubectl get --raw '%s'", path),
		})
	}

	if metric.Unselected == nil {
		return
	}
	var outside, otherNamespace []string
	for _, item := range metric.Unselected.Items {
		obj := item.DescribedObject
		switch {
		case obj.Namespace != "" && obj.Namespace != ns:
			otherNamespace = append(otherNamespace, obj.Namespace+"/"+obj.Name)
		case !selected[obj.Name]:
			outside = append(outside, obj.Name)
		}
	}
	if len(outside) > 0 {
		sort.Strings(outside)
		d.add(v1alpha1.Finding{
			Code:     CodeValuesOutsideSelection,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("The API has values of %s for %d pod(s) the scale selector does not match; the series may be labelled for other pods.", metricName(metric.Spec), len(outside)),
			Evidence: []string{"pods with values outside the selection: " + joinCapped(outside)},
			Fix:      "Compare these pods' labels with the target's selector; the adapter's series may point at the wrong pods.",
			Check:    fmt.Sprintf("kubectl get pods -n %s --show-labels", ns),
		})
	}
	if len(otherNamespace) > 0 {
		sort.Strings(otherNamespace)
		d.add(v1alpha1.Finding{
			Code:     CodeValuesInOtherNamespace,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("The API returned values of %s for pods in another namespace than %s.", metricName(metric.Spec), ns),
			Evidence: []string{"values for: " + joinCapped(otherNamespace)},
			Fix:      "Check the adapter's namespace label mapping (for prometheus-adapter, the resources overrides of the rule).",
			Check:    fmt.Sprintf("kubectl get --raw '%s'", path),
		})
	}
}

// checkRequests reports pods that lack the request a Utilization target
// needs; the controller rejects the whole metric when one pod lacks it.
func (d *diagnosis) checkRequests() {
	for _, spec := range d.state.HPA.Spec.Metrics {
		var resource corev1.ResourceName
		var container string
		switch {
		case spec.Type == autoscalingv2.ResourceMetricSourceType && spec.Resource != nil &&
			spec.Resource.Target.Type == autoscalingv2.UtilizationMetricType:
			resource = spec.Resource.Name
		case spec.Type == autoscalingv2.ContainerResourceMetricSourceType && spec.ContainerResource != nil &&
			spec.ContainerResource.Target.Type == autoscalingv2.UtilizationMetricType:
			resource = spec.ContainerResource.Name
			container = spec.ContainerResource.Container
		default:
			continue
		}

		var lacking []string
		for i := range d.state.Pods {
			lacking = append(lacking, missingRequests(&d.state.Pods[i], resource, container)...)
		}
		if len(lacking) == 0 {
			continue
		}
		d.add(v1alpha1.Finding{
			Code:     CodeMissingRequests,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("Pods lack a %s request, so the controller cannot compute %s utilization and ignores the metric.", resource, resource),
			Evidence: []string{"missing: " + joinCapped(lacking)},
			Fix:      fmt.Sprintf("Set resources.requests.%s on every container of the workload (sidecars included), or use an AverageValue target.", resource),
			Check:    fmt.Sprintf("kubectl get pods -n %s -l '%s' -o custom-columns=NAME:.metadata.name,REQUESTS:.spec.containers[*].resources.requests", d.state.HPA.Namespace, d.selector()),
		})
	}
}

// missingRequests lists "pod/container" entries lacking a request for the
// resource, by the controller's rules. Pod-level requests win when they are
// set and no container is named. Otherwise every container and restartable
// init container (sidecar) counts, or only the named container.
func missingRequests(pod *corev1.Pod, resource corev1.ResourceName, container string) []string {
	if container == "" && pod.Spec.Resources != nil && len(pod.Spec.Resources.Requests) > 0 {
		if _, ok := pod.Spec.Resources.Requests[resource]; ok {
			return nil
		}
		return []string{pod.Name + " (pod-level requests without " + string(resource) + ")"}
	}

	containers := append([]corev1.Container{}, pod.Spec.Containers...)
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			containers = append(containers, c)
		}
	}
	var lacking []string
	found := false
	for _, c := range containers {
		if container != "" && c.Name != container {
			continue
		}
		found = true
		if _, ok := c.Resources.Requests[resource]; !ok {
			lacking = append(lacking, pod.Name+"/"+c.Name)
		}
	}
	if container != "" && !found {
		lacking = append(lacking, pod.Name+" (no container named "+container+")")
	}
	return lacking
}

// checkPodTreatment reports pods the controller does not count at their own
// value: unready and pending pods, pods without a value, and ignored pods.
func (d *diagnosis) checkPodTreatment() {
	if d.in.Result == nil {
		return
	}
	byState := map[replicas.PodState][]string{}
	for _, m := range d.in.Result.Metrics {
		if !m.Valid {
			continue
		}
		for _, p := range m.Pods {
			if p.State == replicas.PodReady {
				continue
			}
			entry := fmt.Sprintf("%s (%s", p.Name, m.Name)
			if p.Reason != "" {
				entry += "; " + p.Reason
			}
			if p.CountedAs != "" {
				entry += "; counted as " + p.CountedAs
			}
			byState[p.State] = append(byState[p.State], entry+")")
		}
	}

	if pods := byState[replicas.PodUnready]; len(pods) > 0 {
		d.add(v1alpha1.Finding{
			Code:     CodeUnreadyPodsLeftOut,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("%d unready or pending pod(s) do not count at their own value: a scale-up counts them as 0, otherwise they are left out.", len(pods)),
			Evidence: []string{joinCapped(pods)},
			Fix:      "Nothing to fix if the pods are starting; if they stay unready, check their readiness probes and events.",
			Check:    fmt.Sprintf("kubectl get pods -n %s -l '%s'", d.state.HPA.Namespace, d.selector()),
		})
	}
	if pods := byState[replicas.PodMissing]; len(pods) > 0 {
		d.add(v1alpha1.Finding{
			Code:     CodeMissingPodsCounted,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("%d pod(s) without a value are counted by the controller's fallback: as 0 on a scale-up, as the target on a scale-down.", len(pods)),
			Evidence: []string{joinCapped(pods)},
			Fix:      "Make the adapter return values for every pod so the average is not skewed.",
		})
	}
	if pods := byState[replicas.PodIgnored]; len(pods) > 0 {
		d.add(v1alpha1.Finding{
			Code:     CodeIgnoredPods,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("%d pod(s) are being deleted or have failed; the controller ignores them.", len(pods)),
			Evidence: []string{joinCapped(pods)},
			Fix:      "Nothing to fix unless Failed pods pile up; delete them if so.",
			Check:    fmt.Sprintf("kubectl get pods -n %s --field-selector=status.phase=Failed", d.state.HPA.Namespace),
		})
	}
}

// checkStaleness reports metric samples older than the staleness limit: a
// series that stopped updating keeps the controller acting on old values.
func (d *diagnosis) checkStaleness() {
	now := d.in.Now
	limit := d.in.StaleAfter
	for i := range d.state.Metrics {
		metric := &d.state.Metrics[i]
		var stale []string
		oldest := time.Duration(0)
		note := func(name string, ts time.Time) {
			if ts.IsZero() {
				return
			}
			age := now.Sub(ts)
			if age > limit {
				stale = append(stale, fmt.Sprintf("%s (%s old)", name, age.Round(time.Second)))
				oldest = max(oldest, age)
			}
		}

		switch {
		case metricGroup(metric.Spec) == groupResource:
			if d.state.ResourceMetrics != nil && d.state.ResourceMetrics.List != nil && i == d.firstResourceMetric() {
				for _, item := range d.state.ResourceMetrics.List.Items {
					note(item.Name, item.Timestamp.Time)
				}
			}
		case metric.Values != nil:
			for _, item := range metric.Values.Items {
				note(item.DescribedObject.Name, item.Timestamp.Time)
			}
		case metric.External != nil:
			for _, item := range metric.External.Items {
				note(metricName(metric.Spec), item.Timestamp.Time)
			}
		}
		if len(stale) == 0 {
			continue
		}
		desc := describe(metric.Spec)
		if metricGroup(metric.Spec) == groupResource {
			desc = "resource metrics (metrics.k8s.io)"
		}
		d.add(v1alpha1.Finding{
			Code:     CodeStaleMetric,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("Samples of the %s are up to %s old; the series may have stopped updating.", desc, oldest.Round(time.Second)),
			Evidence: []string{fmt.Sprintf("older than %s: %s", limit, joinCapped(stale))},
			Fix:      "Check that the adapter's backend still scrapes these targets; the controller acts on whatever value the API returns.",
		})
	}
}

// firstResourceMetric returns the index of the first Resource or
// ContainerResource metric, so their shared samples are judged once.
func (d *diagnosis) firstResourceMetric() int {
	for i := range d.state.Metrics {
		if metricGroup(d.state.Metrics[i].Spec) == groupResource {
			return i
		}
	}
	return -1
}
