package diagnose

import (
	"fmt"
	"sort"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// usedGroups returns the metrics API groups the HPA's metrics read, sorted.
func (d *diagnosis) usedGroups() []string {
	seen := map[string]bool{}
	for _, spec := range d.state.HPA.Spec.Metrics {
		if group := metricGroup(spec); group != "" {
			seen[group] = true
		}
	}
	groups := make([]string, 0, len(seen))
	for group := range seen {
		groups = append(groups, group)
	}
	sort.Strings(groups)
	return groups
}

// apiServicesFor returns the recorded APIServices of a group ("v1beta1.custom.metrics.k8s.io", ...).
func (d *diagnosis) apiServicesFor(group string) []*gather.APIService {
	var names []string
	for name := range d.state.APIServices {
		if strings.HasSuffix(name, "."+group) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	services := make([]*gather.APIService, 0, len(names))
	for _, name := range names {
		services = append(services, d.state.APIServices[name])
	}
	return services
}

// checkAPIServices reports metrics API groups with no registered APIService
// and APIServices the aggregator marks as not Available.
func (d *diagnosis) checkAPIServices() {
	for _, group := range d.usedGroups() {
		services := d.apiServicesFor(group)
		if len(services) == 0 {
			continue // not gathered, so nothing to judge
		}

		found := false
		var evidence []string
		for _, svc := range services {
			if svc.Found {
				found = true
			}
			if svc.Error != nil && svc.Error.Code != 404 {
				evidence = append(evidence, svc.Error.Error())
			}
		}
		if !found && len(evidence) > 0 {
			// The APIServices could not be read (RBAC, say): no verdict.
			continue
		}
		if !found {
			d.add(v1alpha1.Finding{
				Code:     CodeAPIServiceMissing,
				Severity: v1alpha1.SeverityError,
				Message:  fmt.Sprintf("No APIService is registered for %s, so no metric of this group can be read.", group),
				Evidence: []string{"not found: " + serviceNames(services)},
				Fix:      installHint(group),
				Check:    "kubectl get apiservices | grep " + group,
			})
			continue
		}

		for _, svc := range services {
			if !svc.Found {
				continue
			}
			cond := svc.Available
			if cond != nil && cond.Status == metav1.ConditionTrue {
				continue
			}
			evidence := []string{"service " + svc.Service}
			if cond == nil {
				evidence = append(evidence, "the Available condition is not set")
			} else {
				evidence = append(evidence, fmt.Sprintf("Available=%s reason %s: %s", cond.Status, cond.Reason, cond.Message))
			}
			d.add(v1alpha1.Finding{
				Code:     CodeAPIServiceUnavailable,
				Severity: v1alpha1.SeverityError,
				Message:  fmt.Sprintf("The APIService %s is registered but not Available, so the API server cannot reach the metrics adapter behind it.", svc.Name),
				Evidence: evidence,
				Fix:      "Check that the adapter's pods are running and its Service has endpoints; the condition message names the failure.",
				Check:    fmt.Sprintf("kubectl get apiservice %s -o jsonpath='{.status.conditions}'", svc.Name),
			})
		}
	}
}

// groupHasAPIServiceFinding reports whether an APIService finding already
// explains failures in the group.
func (d *diagnosis) groupHasAPIServiceFinding(group string) bool {
	for _, f := range d.findings {
		if f.Code != CodeAPIServiceMissing && f.Code != CodeAPIServiceUnavailable {
			continue
		}
		if strings.Contains(f.Message, group) {
			return true
		}
	}
	return false
}

func serviceNames(services []*gather.APIService) string {
	names := make([]string, 0, len(services))
	for _, svc := range services {
		names = append(names, svc.Name)
	}
	return strings.Join(names, ", ")
}

func installHint(group string) string {
	switch group {
	case groupResource:
		return "Install metrics-server (or another adapter serving metrics.k8s.io) and wait for its APIService to become Available."
	case groupExternal:
		return "Install an adapter serving external.metrics.k8s.io (for example prometheus-adapter with external rules, or KEDA) and register its APIService."
	}
	return "Install an adapter serving custom.metrics.k8s.io (for example prometheus-adapter) and register its APIService."
}

// checkMetric reports why one metric's values could not be read, and which
// selected pods have no value.
func (d *diagnosis) checkMetric(index int) {
	metric := &d.state.Metrics[index]
	spec := metric.Spec
	group := metricGroup(spec)
	ns := d.state.HPA.Namespace

	sourceErr := metric.Error
	version := metric.APIVersion
	isResource := group == groupResource
	if isResource && d.state.ResourceMetrics != nil {
		sourceErr = d.state.ResourceMetrics.Error
		version = d.state.ResourceMetrics.APIVersion
	}
	if version == "" {
		version = group + "/" + defaultVersion(group)
	}
	path := rawPath(spec, ns, versionOnly(version), d.selector())

	if sourceErr != nil {
		d.reportSourceError(spec, group, path, sourceErr)
		return
	}

	if spec.Type == autoscalingv2.PodsMetricSourceType || isResource {
		d.checkPodValues(index, path)
	}
}

// reportSourceError turns a failed metrics request into one finding.
func (d *diagnosis) reportSourceError(spec autoscalingv2.MetricSpec, group, path string, err *gather.SourceError) {
	if NotCaptured(err) || d.groupHasAPIServiceFinding(group) {
		return
	}
	// Resource metrics share one metrics.k8s.io request: report its error once.
	if group == groupResource {
		if d.resourceErrorReported {
			return
		}
		d.resourceErrorReported = true
	}

	desc := describe(spec)
	f := v1alpha1.Finding{
		Severity: v1alpha1.SeverityError,
		Evidence: []string{err.Error()},
		Check:    fmt.Sprintf("kubectl get --raw '%s'", path),
	}
	switch {
	case err.TimedOut:
		f.Code = CodeMetricsAPITimeout
		f.Message = fmt.Sprintf("The %s API did not answer in time for the %s.", group, desc)
		f.Fix = "The adapter is slow or overloaded: check its logs and the latency of its backend (for example Prometheus); raise --request-timeout to see whether it answers at all."
	case err.Code == 403:
		f.Code = CodeMetricsAPIForbidden
		f.Message = fmt.Sprintf("You are not allowed to read the %s from %s; the controller may be, but explain cannot see the values.", desc, group)
		f.Fix = fmt.Sprintf("Ask for get access to %s resources; the controller uses its own service account, so this does not prove the HPA fails.", group)
		f.Check = fmt.Sprintf("kubectl auth can-i get pods.%s -n %s", group, d.state.HPA.Namespace)
	case err.Code == 404 && (spec.Type == autoscalingv2.PodsMetricSourceType || spec.Type == autoscalingv2.ObjectMetricSourceType) && d.notServed(spec):
		d.reportNotServed(spec, f)
		return
	case err.Code == 404:
		f.Code = CodeMetricsAPINotFound
		f.Message = fmt.Sprintf("The %s API answered 404 Not Found for the %s.", group, desc)
		f.Fix = "The adapter has no series for this metric and these objects: check the metric name, its labels and the adapter's rules."
	case err.Code == 503 || err.Code == 502 || err.Code == 500:
		f.Code = CodeMetricsAPIUnavailable
		f.Message = fmt.Sprintf("The %s API answered %d for the %s: the adapter is failing.", group, err.Code, desc)
		f.Fix = "Check the adapter's pods and logs, and its backend (for example Prometheus)."
	default:
		f.Code = CodeMetricsAPIError
		f.Message = fmt.Sprintf("Reading the %s from %s failed.", desc, group)
		f.Fix = "Read the error; check the adapter's logs."
	}
	d.add(f)
}

// notServed reports whether the custom metrics discovery document was read
// and lacks the metric.
func (d *diagnosis) notServed(spec autoscalingv2.MetricSpec) bool {
	list := d.state.CustomMetricsResources
	if list == nil {
		return false
	}
	name := metricName(spec)
	for _, r := range list.APIResources {
		if resourceMetricName(r.Name) == name {
			return false
		}
	}
	return true
}

// reportNotServed adds a MetricNotServed finding with the closest names the
// API does serve.
func (d *diagnosis) reportNotServed(spec autoscalingv2.MetricSpec, f v1alpha1.Finding) {
	name := metricName(spec)
	served := servedMetricNames(d.state.CustomMetricsResources)

	f.Code = CodeMetricNotServed
	f.Message = fmt.Sprintf("The custom metrics API does not serve a metric named %q.", name)
	if close := closestNames(name, served, 3); len(close) > 0 {
		f.Message += fmt.Sprintf(" Did you mean %s?", quoteAll(close))
		f.Evidence = append(f.Evidence, "closest served names: "+strings.Join(close, ", "))
	}
	f.Evidence = append(f.Evidence, fmt.Sprintf("the discovery document lists %d metric names", len(served)))
	f.Fix = "Correct the metric name in the HPA, or add a rule to the adapter (for prometheus-adapter, a rule whose name matches) that exposes it."
	f.Check = fmt.Sprintf("kubectl get --raw /apis/%s | grep -o '\"name\":\"[^\"]*\"' | sort -u", versionedGroup(d.state.CustomMetricsResources))
	d.add(f)
}

func versionedGroup(list *metav1.APIResourceList) string {
	if list == nil || list.GroupVersion == "" {
		return groupCustom + "/" + defaultVersion(groupCustom)
	}
	return list.GroupVersion
}

// resourceMetricName strips the resource prefix from a custom metrics
// discovery entry: "pods/http_requests" → "http_requests".
func resourceMetricName(entry string) string {
	if i := strings.Index(entry, "/"); i >= 0 {
		return entry[i+1:]
	}
	return entry
}

func servedMetricNames(list *metav1.APIResourceList) []string {
	if list == nil {
		return nil
	}
	seen := map[string]bool{}
	var names []string
	for _, r := range list.APIResources {
		name := resourceMetricName(r.Name)
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(quoted, " or ")
}

// versionOnly returns "v1beta2" from "custom.metrics.k8s.io/v1beta2".
func versionOnly(groupVersion string) string {
	if i := strings.LastIndex(groupVersion, "/"); i >= 0 {
		return groupVersion[i+1:]
	}
	return groupVersion
}

// selector returns the scale's status.selector, or "" when unknown.
func (d *diagnosis) selector() string {
	if d.state.Target.Scale == nil {
		return ""
	}
	return d.state.Target.Scale.Status.Selector
}
