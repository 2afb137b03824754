package diagnose

import (
	"fmt"
	"sort"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// maxNamed caps how many pod names one message or evidence line lists.
const maxNamed = 10

// checkController reports what the HPA controller itself wrote to the HPA's
// status: never synced, or a condition that is False.
func (d *diagnosis) checkController() {
	hpa := d.state.HPA
	ns, name := hpa.Namespace, hpa.Name

	if hpa.Status.ObservedGeneration == nil && len(hpa.Status.Conditions) == 0 && !d.in.Unapplied {
		d.add(v1alpha1.Finding{
			Code:     CodeHPANotSynced,
			Severity: v1alpha1.SeverityWarning,
			Message:  "The HPA controller has not written this HPA's status yet, so the cluster's own view of it is unknown.",
			Evidence: []string{"status.observedGeneration and status.conditions are empty"},
			Fix:      "Wait one sync period (15s by default); if the status stays empty, check that kube-controller-manager runs with the horizontalpodautoscaling controller enabled.",
			Check:    fmt.Sprintf("kubectl get hpa %s -n %s -o jsonpath='{.status}'", name, ns),
		})
	}

	for _, c := range hpa.Status.Conditions {
		// Only AbleToScale and ScalingActive report trouble when False;
		// ScalingLimited=False and ScaledToZero=False are the normal state.
		if c.Status != corev1.ConditionFalse || (c.Type != autoscalingv2.AbleToScale && c.Type != autoscalingv2.ScalingActive) {
			continue
		}
		evidence := []string{fmt.Sprintf("condition %s=False reason %s: %s", c.Type, c.Reason, c.Message)}

		if c.Type == autoscalingv2.ScalingActive && c.Reason == "AmbiguousSelector" {
			d.add(v1alpha1.Finding{
				Code:     CodeAmbiguousSelector,
				Severity: v1alpha1.SeverityError,
				Message:  "The controller refuses to scale: the target's pods are also selected by another HPA.",
				Evidence: evidence,
				Fix:      "Give each workload its own labels so that no pod is matched by the scale selectors of two HPAs, or delete the extra HPA.",
				Check:    fmt.Sprintf("kubectl get hpa -n %s", ns),
			})
			continue
		}
		if c.Type == autoscalingv2.ScalingActive && c.Reason == "ScalingDisabled" {
			// Reported with the recomputation by checkDecision.
			continue
		}
		d.add(v1alpha1.Finding{
			Code:     CodeControllerCondition,
			Severity: v1alpha1.SeverityWarning,
			Message:  fmt.Sprintf("The controller reports %s=False (%s) on this HPA.", c.Type, c.Reason),
			Evidence: evidence,
			Fix:      "Read the condition message and the HPA's events; the findings below name the likely cause.",
			Check:    fmt.Sprintf("kubectl describe hpa %s -n %s", name, ns),
		})
	}
}

// checkTarget reports a scale target that cannot be read or has no usable
// selector, and a selector that matches no pods.
func (d *diagnosis) checkTarget() {
	hpa := d.state.HPA
	ns := hpa.Namespace
	ref := hpa.Spec.ScaleTargetRef
	target := fmt.Sprintf("%s/%s", ref.Kind, ref.Name)

	if problem := d.state.Target.Problem; problem != "" {
		err := d.state.Target.Error
		if err != nil && NotCaptured(err) {
			return // checkSnapshot reports it
		}
		f := v1alpha1.Finding{Severity: v1alpha1.SeverityError}
		if err != nil {
			f.Evidence = []string{err.Error()}
		}
		switch problem {
		case gather.TargetRefInvalid:
			f.Code = CodeScaleTargetUnmapped
			f.Message = fmt.Sprintf("The scale target's apiVersion %q does not parse.", ref.APIVersion)
			f.Fix = "Set spec.scaleTargetRef.apiVersion to a group/version such as apps/v1."
			f.Check = fmt.Sprintf("kubectl get hpa %s -n %s -o jsonpath='{.spec.scaleTargetRef}'", hpa.Name, ns)
		case gather.TargetKindUnknown:
			f.Code = CodeScaleTargetUnmapped
			f.Message = fmt.Sprintf("The scale target's kind %s in %s is not served by the cluster.", ref.Kind, ref.APIVersion)
			f.Fix = "Correct spec.scaleTargetRef.apiVersion and kind, or install the CRD that defines the kind."
			f.Check = "kubectl api-resources"
		case gather.TargetNoScaleSubresource:
			f.Code = CodeNoScaleSubresource
			f.Message = fmt.Sprintf("The scale target %s exists but has no scale subresource, so the HPA cannot read or set its replicas.", target)
			f.Fix = "Point the HPA at a workload with a scale subresource (Deployment, StatefulSet, ReplicaSet), or add subresources.scale to the CRD."
			f.Check = "kubectl get --raw " + scalePath(ref.APIVersion, ns, d.state.Target.Resource.Resource, ref.Name)
		case gather.TargetNotFound:
			f.Code = CodeScaleTargetMissing
			f.Message = fmt.Sprintf("The scale target %s does not exist in namespace %s.", target, ns)
			f.Fix = "Create the workload or correct spec.scaleTargetRef."
			f.Check = fmt.Sprintf("kubectl get %s %s -n %s", strings.ToLower(ref.Kind), ref.Name, ns)
		default: // TargetMappingFailed, TargetUnreadable
			f.Code = CodeScaleTargetUnreadable
			f.Message = fmt.Sprintf("The scale subresource of %s could not be read.", target)
			f.Fix = "Check the error; for Forbidden, ask for get access to the scale subresource."
			f.Check = fmt.Sprintf("kubectl auth can-i get %s/scale -n %s", d.state.Target.Resource.Resource, ns)
		}
		d.add(f)
		return
	}

	scale := d.state.Target.Scale
	if scale == nil {
		return
	}
	if scale.Status.Selector == "" {
		d.add(v1alpha1.Finding{
			Code:     CodeEmptyScaleSelector,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("The scale subresource of %s has an empty status.selector, so the controller cannot find its pods.", target),
			Evidence: []string{"scale.status.selector is empty"},
			Fix:      "For a custom resource, set subresources.scale.labelSelectorPath in the CRD and fill that field in the object's status.",
			Check:    "kubectl get --raw " + scalePath(ref.APIVersion, ns, d.state.Target.Resource.Resource, ref.Name),
		})
		return
	}

	if err := d.state.PodsError; err != nil {
		if NotCaptured(err) {
			return // checkSnapshot reports it
		}
		d.add(v1alpha1.Finding{
			Code:     CodePodsUnreadable,
			Severity: v1alpha1.SeverityError,
			Message:  "The pods matched by the scale selector could not be listed, so per-pod values cannot be shown.",
			Evidence: []string{err.Error()},
			Fix:      "Ask for list access to pods in this namespace.",
			Check:    fmt.Sprintf("kubectl auth can-i list pods -n %s", ns),
		})
		return
	}
	if len(d.state.Pods) == 0 && scale.Spec.Replicas > 0 {
		d.add(v1alpha1.Finding{
			Code:     CodeNoPodsSelected,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("No pods match the scale selector %q, so the controller has nothing to measure.", scale.Status.Selector),
			Evidence: []string{fmt.Sprintf("%s wants %d replicas; 0 pods match %q", target, scale.Spec.Replicas, scale.Status.Selector)},
			Fix:      "Check that the workload's pods exist and carry the selector's labels.",
			Check:    fmt.Sprintf("kubectl get pods -n %s -l '%s'", ns, scale.Status.Selector),
		})
	}
}

// checkOwnership reports pods that match the selector but belong to another
// workload, and other HPAs that scale the same target.
func (d *diagnosis) checkOwnership() {
	hpa := d.state.HPA
	ns := hpa.Namespace
	ref := hpa.Spec.ScaleTargetRef

	if scale := d.state.Target.Scale; scale != nil && d.state.ReplicaSets != nil && d.state.ReplicaSetsError == nil {
		var strangers []string
		for i := range d.state.Pods {
			pod := &d.state.Pods[i]
			if !OwnedBy(pod, scale.UID, d.state.ReplicaSets) {
				strangers = append(strangers, fmt.Sprintf("%s (owner %s)", pod.Name, ownerName(pod)))
			}
		}
		if len(strangers) > 0 {
			d.add(v1alpha1.Finding{
				Code:     CodeOverlappingSelector,
				Severity: v1alpha1.SeverityWarning,
				Message:  fmt.Sprintf("%d pod(s) match the scale selector but do not belong to %s/%s; the controller averages their values in.", len(strangers), ref.Kind, ref.Name),
				Evidence: []string{"pods not owned by the target: " + joinCapped(strangers)},
				Fix:      "Give the target's pods a label no other workload uses and make the target's selector require it.",
				Check:    fmt.Sprintf("kubectl get pods -n %s -l '%s' -o custom-columns=NAME:.metadata.name,OWNER:.metadata.ownerReferences[0].name", ns, scale.Status.Selector),
			})
		}
	}

	var others []string
	for _, other := range d.state.NamespaceHPAs {
		if other.Name == hpa.Name {
			continue
		}
		if sameTarget(other.Spec.ScaleTargetRef, ref) {
			others = append(others, other.Name)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		d.add(v1alpha1.Finding{
			Code:     CodeSharedScaleTarget,
			Severity: v1alpha1.SeverityError,
			Message:  fmt.Sprintf("Another HPA also scales %s/%s, and the controller refuses to scale either while both select the same pods.", ref.Kind, ref.Name),
			Evidence: []string{"other HPAs with the same scaleTargetRef: " + strings.Join(others, ", ")},
			Fix:      "Keep one HPA per workload: merge the metrics into one HPA and delete the others.",
			Check:    fmt.Sprintf("kubectl get hpa -n %s", ns),
		})
	}
}

// OwnedBy reports whether the scale target with the given UID controls the
// pod, directly or through one of the ReplicaSets (Deployments and similar
// workloads own their pods through ReplicaSets).
func OwnedBy(pod *corev1.Pod, targetUID types.UID, replicaSets []metav1.PartialObjectMetadata) bool {
	owner := metav1.GetControllerOf(pod)
	if owner == nil || targetUID == "" {
		return false
	}
	if owner.UID == targetUID {
		return true
	}
	for i := range replicaSets {
		rs := &replicaSets[i]
		if rs.UID != owner.UID {
			continue
		}
		if rsOwner := metav1.GetControllerOf(rs); rsOwner != nil && rsOwner.UID == targetUID {
			return true
		}
	}
	return false
}

func ownerName(pod *corev1.Pod) string {
	if owner := metav1.GetControllerOf(pod); owner != nil {
		return owner.Kind + "/" + owner.Name
	}
	return "none"
}

func sameTarget(a, b autoscalingv2.CrossVersionObjectReference) bool {
	groupA, errA := schema.ParseGroupVersion(a.APIVersion)
	groupB, errB := schema.ParseGroupVersion(b.APIVersion)
	if errA != nil || errB != nil {
		return a == b
	}
	return groupA.Group == groupB.Group && a.Kind == b.Kind && a.Name == b.Name
}

// scalePath returns the API path of a scale subresource; the core group
// lives under /api, every other group under /apis.
func scalePath(apiVersion, namespace, resource, name string) string {
	prefix := "/apis/" + apiVersion
	if !strings.Contains(apiVersion, "/") {
		prefix = "/api/" + apiVersion
	}
	return fmt.Sprintf("%s/namespaces/%s/%s/%s/scale", prefix, namespace, resource, name)
}

// joinCapped joins names, listing at most maxNamed of them.
func joinCapped(names []string) string {
	if len(names) <= maxNamed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxNamed], ", ") + fmt.Sprintf(" and %d more", len(names)-maxNamed)
}
