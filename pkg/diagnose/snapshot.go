package diagnose

import (
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// ReasonNotCaptured marks a SourceError for a part of the state that the
// file read by explain --from does not contain. The other checks skip such
// errors, because nothing failed in the cluster.
const ReasonNotCaptured metav1.StatusReason = "NotCaptured"

// NotCaptured reports whether err marks a part missing from the file.
func NotCaptured(err *gather.SourceError) bool {
	return err != nil && err.Reason == ReasonNotCaptured
}

// appendHint is the fix for a part missing from the file.
const appendHint = "Run the check command against the cluster and append its output to the file, separated by a line containing only ---."

// checkSnapshot reports each part of the state that the file lacks, with
// the kubectl command whose output supplies it.
func (d *diagnosis) checkSnapshot() {
	hpa := d.state.HPA
	ns := hpa.Namespace
	ref := hpa.Spec.ScaleTargetRef
	target := ref.Kind + "/" + ref.Name

	if err := d.state.Target.Error; NotCaptured(err) {
		d.add(v1alpha1.Finding{
			Code:     CodeSnapshotMissingPart,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("The file does not contain the scale target %s or its scale subresource.", target),
			Evidence: []string{err.Error()},
			Fix:      appendHint,
			Check:    targetCommand(ref, ns),
		})
	}
	if err := d.state.PodsError; NotCaptured(err) {
		d.add(v1alpha1.Finding{
			Code:     CodeSnapshotMissingPart,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("The file does not contain the pods of %s, so per-pod values cannot be judged.", target),
			Evidence: []string{err.Error()},
			Fix:      appendHint,
			Check:    fmt.Sprintf("kubectl get pods -n %s -l '%s' -o yaml", ns, d.selector()),
		})
	}
	if err := d.state.ReplicaSetsError; NotCaptured(err) {
		d.add(v1alpha1.Finding{
			Code:     CodeSnapshotMissingPart,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("The file does not contain the ReplicaSets that own the pods, so pods of other workloads matching the selector of %s cannot be told apart.", target),
			Evidence: []string{err.Error()},
			Fix:      appendHint,
			Check:    fmt.Sprintf("kubectl get replicasets -n %s -o yaml", ns),
		})
	}
	if err := d.state.EventsError; NotCaptured(err) {
		d.add(v1alpha1.Finding{
			Code:     CodeSnapshotMissingPart,
			Severity: v1alpha1.SeverityInfo,
			Message:  "The file does not contain the HPA's events, so recent rescales cannot be taken into account.",
			Evidence: []string{err.Error()},
			Fix:      appendHint,
			Check:    fmt.Sprintf("kubectl get events -n %s --field-selector involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=%s -o yaml", ns, hpa.Name),
		})
	}

	resourceReported := false
	for i := range d.state.Metrics {
		metric := &d.state.Metrics[i]
		err := metric.Error
		isResource := metricGroup(metric.Spec) == groupResource
		if isResource && d.state.ResourceMetrics != nil {
			err = d.state.ResourceMetrics.Error
		}
		if !NotCaptured(err) || (isResource && resourceReported) {
			continue
		}
		desc := describe(metric.Spec)
		if isResource {
			resourceReported = true
			desc = "resource metrics (metrics.k8s.io) of the pods"
		}
		group := metricGroup(metric.Spec)
		path := rawPath(metric.Spec, ns, defaultVersion(group), d.selector())
		d.add(v1alpha1.Finding{
			Code:     CodeSnapshotMissingPart,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("The file does not contain the values of the %s.", desc),
			Evidence: []string{err.Error()},
			Fix:      appendHint,
			Check:    fmt.Sprintf("kubectl get --raw '%s'", path),
		})
	}
}

// targetCommand returns the kubectl command that prints the scale target.
// Kinds whose scale the API server derives from the object itself print the
// object; for other kinds the scale subresource is read directly.
func targetCommand(ref autoscalingv2.CrossVersionObjectReference, namespace string) string {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err == nil {
		switch (schema.GroupKind{Group: gv.Group, Kind: ref.Kind}) {
		case schema.GroupKind{Group: "apps", Kind: "Deployment"},
			schema.GroupKind{Group: "apps", Kind: "StatefulSet"},
			schema.GroupKind{Group: "apps", Kind: "ReplicaSet"},
			schema.GroupKind{Kind: "ReplicationController"}:
			return fmt.Sprintf("kubectl get %s %s -n %s -o yaml", strings.ToLower(ref.Kind), ref.Name, namespace)
		}
	}
	return "kubectl get --raw " + scalePath(ref.APIVersion, namespace, kindToResource(ref.Kind), ref.Name)
}
