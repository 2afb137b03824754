package snapshot

import (
	"fmt"
	"strings"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// buildState assembles the gather.State of the chosen HPA.
func (l *loader) buildState(capturedAt time.Time) (*gather.State, error) {
	hpa := l.subject.obj.DeepCopy()
	state := &gather.State{
		Namespace:   l.namespace,
		Name:        hpa.Name,
		GatheredAt:  capturedAt,
		HPA:         hpa,
		APIServices: map[string]*gather.APIService{},
	}

	l.setNamespaceHPAs(state)
	selector := l.setTarget(state)
	state.Metrics = make([]gather.Metric, len(hpa.Spec.Metrics))
	for i, spec := range hpa.Spec.Metrics {
		state.Metrics[i].Spec = spec
	}
	if selector != nil {
		l.setPods(state, selector)
	} else {
		skipPerPodMetrics(state)
	}
	l.setReplicaSets(state)
	l.setEvents(state)
	l.setDiscovery(state)
	l.setAPIServices(state)
	if err := l.setMetrics(state, selector); err != nil {
		return nil, err
	}
	return state, nil
}

func (l *loader) setNamespaceHPAs(state *gather.State) {
	if err := l.status(partNamespaceHPAs); err != nil {
		state.NamespaceHPAsError = err
		return
	}
	state.NamespaceHPAs = []autoscalingv2.HorizontalPodAutoscaler{}
	for _, e := range l.set.hpas {
		state.NamespaceHPAs = append(state.NamespaceHPAs, *e.obj)
	}
}

// setTarget finds the scale target: a recorded failure, a Scale object, or
// a workload whose scale the API server would derive. It returns the
// parsed status.selector, or nil when there is none to select pods with.
func (l *loader) setTarget(state *gather.State) labels.Selector {
	target := &state.Target
	ref := state.HPA.Spec.ScaleTargetRef
	target.Ref = ref

	if err := l.status(partScale); err != nil {
		target.Error = err
		e := l.statuses[partScale]
		target.Problem = gather.TargetProblem(e.annotation(AnnotationTargetProblem))
		target.Resource, _ = parseResource(e.annotation(AnnotationResource))
		return nil
	}

	_, gk, refOK := refGroupKind(ref)
	for _, e := range l.set.scales {
		if e.obj.Name != ref.Name {
			continue
		}
		if annotated, ok := parseResource(e.annotation(AnnotationResource)); ok {
			if refOK && annotated.Group != gk.Group {
				continue
			}
			target.Resource = annotated
		} else {
			target.Resource = resourceFor(ref)
		}
		scale := e.obj.DeepCopy()
		delete(scale.Annotations, AnnotationResource)
		if len(scale.Annotations) == 0 {
			scale.Annotations = nil
		}
		target.Scale = scale
		return l.parseSelector(state, scale)
	}

	for _, e := range l.set.workloads {
		if !refOK || e.src.gvk.GroupKind() != gk || e.obj.meta.Name != ref.Name {
			continue
		}
		target.Resource = resourceFor(ref)
		if e.obj.selectorErr != nil {
			target.Problem = gather.TargetUnreadable
			target.Error = &gather.SourceError{Source: e.src.where, Message: fmt.Sprintf("the spec.selector of %s/%s does not convert to a label selector: %v", ref.Kind, ref.Name, e.obj.selectorErr)}
			return nil
		}
		target.Scale = e.obj.scale(l.namespace)
		return l.parseSelector(state, target.Scale)
	}

	target.Error = l.notCaptured("no Scale and no %s named %s in namespace %s", ref.Kind, ref.Name, l.namespace)
	return nil
}

// parseSelector checks the scale's status.selector as the controller and
// the gathering do.
func (l *loader) parseSelector(state *gather.State, scale *autoscalingv1.Scale) labels.Selector {
	if scale.Status.Selector == "" {
		state.Target.SelectorError = "the scale subresource's status.selector is empty"
		return nil
	}
	selector, err := labels.Parse(scale.Status.Selector)
	if err != nil {
		state.Target.SelectorError = fmt.Sprintf("the scale subresource's status.selector %q is invalid: %v", scale.Status.Selector, err)
		return nil
	}
	return selector
}

// skipPerPodMetrics marks the metrics read per pod as skipped, as the
// gathering does when the target has no usable selector.
func skipPerPodMetrics(state *gather.State) {
	reason := "the scale target could not be read"
	if state.Target.SelectorError != "" {
		reason = state.Target.SelectorError
	}
	for i := range state.Metrics {
		switch state.Metrics[i].Spec.Type {
		case autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
			state.Metrics[i].Skipped = "no pod selector: " + reason
		}
	}
}

// setPods keeps the pods the selector matches. A snapshot holds only those,
// so its pods are kept as they are.
func (l *loader) setPods(state *gather.State, selector labels.Selector) {
	if err := l.status(partPods); err != nil {
		state.PodsError = err
		return
	}
	if !l.complete && len(l.set.pods) == 0 && state.Target.Scale.Spec.Replicas > 0 {
		state.PodsError = l.notCaptured("no Pod objects in namespace %s", l.namespace)
		return
	}
	state.Pods = []corev1.Pod{}
	for _, e := range l.set.pods {
		if l.complete || selector.Matches(labels.Set(e.obj.Labels)) {
			state.Pods = append(state.Pods, *e.obj)
		}
	}
}

func (l *loader) setReplicaSets(state *gather.State) {
	if err := l.status(partReplicaSets); err != nil {
		state.ReplicaSetsError = err
		return
	}
	state.ReplicaSets = []metav1.PartialObjectMetadata{}
	known := map[string]bool{}
	for _, e := range l.set.replicaSets {
		state.ReplicaSets = append(state.ReplicaSets, metav1.PartialObjectMetadata{ObjectMeta: e.obj.ObjectMeta})
		known[string(e.obj.UID)] = true
	}
	if l.complete || state.Target.Scale == nil {
		return
	}

	// Without the ReplicaSet that owns a pod, the pod cannot be traced to
	// its Deployment, and it would look like another workload's pod.
	for i := range state.Pods {
		owner := metav1.GetControllerOf(&state.Pods[i])
		if owner == nil || owner.Kind != "ReplicaSet" || owner.UID == state.Target.Scale.UID || known[string(owner.UID)] {
			continue
		}
		state.ReplicaSets = nil
		state.ReplicaSetsError = l.notCaptured("no ReplicaSet %s, the owner of pod %s", owner.Name, state.Pods[i].Name)
		return
	}
}

// setEvents keeps the HPA's own events. A snapshot holds only those.
func (l *loader) setEvents(state *gather.State) {
	if err := l.status(partEvents); err != nil {
		state.EventsError = err
		return
	}
	hpa := state.HPA
	for _, e := range l.set.events {
		obj := e.obj.InvolvedObject
		if !l.complete && (obj.Kind != "HorizontalPodAutoscaler" || obj.Name != hpa.Name ||
			(obj.UID != "" && hpa.UID != "" && obj.UID != hpa.UID)) {
			continue
		}
		state.Events = append(state.Events, *e.obj)
	}

	synced := hpa.Status.ObservedGeneration != nil || len(hpa.Status.Conditions) > 0
	if !l.complete && len(l.set.events) == 0 && synced {
		state.EventsError = l.notCaptured("no Event objects")
	}
}

// metricsGroups are the API groups whose discovery and APIServices the
// state keeps.
var metricsGroups = map[string]bool{customMetricsGroup: true, resourceMetricsGroup: true, externalMetricsGroup: true}

func (l *loader) setDiscovery(state *gather.State) {
	if err := l.status(partDiscovery); err != nil {
		state.DiscoveryError = err
	} else if len(l.set.groupLists) > 0 {
		state.MetricsAPIVersions = map[string][]string{}
		for _, group := range l.set.groupLists[0].obj.Groups {
			if !metricsGroups[group.Name] {
				continue
			}
			versions := []string{}
			for _, v := range group.Versions {
				versions = append(versions, v.Version)
			}
			state.MetricsAPIVersions[group.Name] = versions
		}
	}

	if err := l.status(partCustomDiscovery); err != nil {
		state.CustomMetricsResourcesError = err
		return
	}
	for _, e := range l.set.resourceLists {
		if !strings.HasPrefix(e.obj.GroupVersion, customMetricsGroup+"/") {
			continue
		}
		// Prefer the version the controller prefers.
		if state.CustomMetricsResources == nil || e.obj.GroupVersion == customMetricsV1beta2 {
			state.CustomMetricsResources = e.obj
		}
	}
}

func (l *loader) setAPIServices(state *gather.State) {
	for _, e := range l.set.apiServices {
		if _, group, _ := strings.Cut(e.obj.Metadata.Name, "."); metricsGroups[group] {
			state.APIServices[e.obj.Metadata.Name] = apiServiceTo(e.obj)
		}
	}
	for key, e := range l.statuses {
		name, ok := strings.CutPrefix(key, partAPIService+"/")
		if !ok {
			continue
		}
		svc := state.APIServices[name]
		if svc == nil {
			svc = &gather.APIService{Name: name}
			state.APIServices[name] = svc
		}
		// The gathering records a missing APIService as not found, with
		// no error.
		if e.obj.Code == 404 && e.obj.Reason == metav1.StatusReasonNotFound {
			continue
		}
		svc.Error = l.status(key)
	}
}
