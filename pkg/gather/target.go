package gather

import (
	"fmt"
	"sync"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var replicaSetsResource = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}

// gatherTargetAndPodMetrics reads the scale target, then the pods its
// selector matches and every metric that is read per pod.
func (g *gathering) gatherTargetAndPodMetrics() {
	selector := g.readTarget()
	if selector == nil {
		reason := "the scale target could not be read"
		if g.state.Target.SelectorError != "" {
			reason = g.state.Target.SelectorError
		}
		for i := range g.state.Metrics {
			if isPerPodMetric(g.state.Metrics[i].Spec.Type) {
				g.state.Metrics[i].Skipped = "no pod selector: " + reason
			}
		}
		return
	}

	var wg sync.WaitGroup
	wg.Go(func() { g.listPods(selector) })
	if g.usesAPI(resourceMetricsGroup) {
		wg.Go(func() { g.listResourceMetrics(selector) })
	}
	for i := range g.state.Metrics {
		if g.state.Metrics[i].Spec.Type == autoscalingv2.PodsMetricSourceType {
			wg.Go(func() { g.getPodsMetric(i, selector) })
		}
	}
	wg.Wait()

	for i := range g.state.Metrics {
		if g.state.Metrics[i].Spec.Type == autoscalingv2.PodsMetricSourceType {
			wg.Go(func() { g.getUnselectedPodsMetric(i) })
		}
	}
	wg.Wait()
}

func isPerPodMetric(t autoscalingv2.MetricSourceType) bool {
	return t == autoscalingv2.PodsMetricSourceType ||
		t == autoscalingv2.ResourceMetricSourceType ||
		t == autoscalingv2.ContainerResourceMetricSourceType
}

// readTarget fills Target and returns the parsed status.selector, or nil
// when there is none to list pods with.
func (g *gathering) readTarget() labels.Selector {
	target := &g.state.Target
	ref := target.Ref
	namespace := g.state.Namespace

	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		target.Problem = TargetRefInvalid
		target.Error = &SourceError{Source: "spec.scaleTargetRef", Message: fmt.Sprintf("invalid apiVersion %q: %v", ref.APIVersion, err)}
		return nil
	}
	kind := schema.GroupKind{Group: gv.Group, Kind: ref.Kind}

	mappings, err := g.restMappings(kind)
	if err != nil {
		target.Problem = TargetMappingFailed
		if meta.IsNoMatchError(err) {
			target.Problem = TargetKindUnknown
		}
		target.Error = newSourceError("map "+kind.String()+" to a resource", err)
		return nil
	}
	target.Resource = mappings[0].Resource

	// Like the controller, try each mapping in turn and keep the first
	// error. The scale client always reads the preferred version of a group
	// resource, so mappings that differ only in version would repeat the
	// same request and are skipped.
	tried := map[schema.GroupResource]bool{}
	var firstErr error
	var firstResource schema.GroupVersionResource
	for _, mapping := range mappings {
		resource := mapping.Resource.GroupResource()
		if tried[resource] {
			continue
		}
		tried[resource] = true

		scale, err := g.getScale(resource, ref.Name)
		if err == nil {
			target.Resource = mapping.Resource
			target.Scale = scale
			break
		}
		if firstErr == nil {
			firstErr, firstResource = err, mapping.Resource
		}
	}

	if target.Scale == nil {
		source := fmt.Sprintf("GET %s namespaces/%s/%s/%s/scale", firstResource.GroupVersion(), namespace, firstResource.Resource, ref.Name)
		target.Error = newSourceError(source, firstErr)
		target.Problem = TargetUnreadable
		if apierrors.IsNotFound(firstErr) {
			g.classifyMissingScale(firstResource)
		}
		return nil
	}

	return g.parseSelector(target.Scale)
}

func (g *gathering) restMappings(kind schema.GroupKind) ([]*meta.RESTMapping, error) {
	ctx, done := g.begin()
	defer done()

	mappings, err := callBounded(ctx, func() ([]*meta.RESTMapping, error) {
		return g.c.mapper.RESTMappings(kind)
	})
	if err == nil && len(mappings) == 0 {
		err = &meta.NoKindMatchError{GroupKind: kind}
	}
	return mappings, err
}

func (g *gathering) getScale(resource schema.GroupResource, name string) (*autoscalingv1.Scale, error) {
	ctx, done := g.begin()
	defer done()
	return g.c.scales.Scales(g.state.Namespace).Get(ctx, resource, name, metav1.GetOptions{})
}

// classifyMissingScale distinguishes "the target does not exist" from "the
// target's kind has no scale subresource" after the scale GET returned 404,
// by reading the object's metadata.
func (g *gathering) classifyMissingScale(resource schema.GroupVersionResource) {
	target := &g.state.Target

	ctx, done := g.begin()
	defer done()
	_, err := g.c.metadata.Resource(resource).Namespace(g.state.Namespace).Get(ctx, target.Ref.Name, metav1.GetOptions{})

	switch {
	case err == nil:
		target.Problem = TargetNoScaleSubresource
	case apierrors.IsNotFound(err):
		target.Problem = TargetNotFound
	default:
		// NOTE: the scale GET returned 404 but the object's existence is
		// unknown, so Problem stays TargetUnreadable.
		target.Error.Message += fmt.Sprintf("; checking whether %s %q exists also failed: %v", resource.Resource, target.Ref.Name, err)
	}
}

// parseSelector checks the scale's status.selector as the controller does
// and returns it parsed, or nil with Target.SelectorError set. The scale
// client already rejects a selector that does not parse, so in practice
// only the empty selector reaches the error here.
func (g *gathering) parseSelector(scale *autoscalingv1.Scale) labels.Selector {
	if scale.Status.Selector == "" {
		g.state.Target.SelectorError = "the scale subresource's status.selector is empty"
		return nil
	}
	selector, err := labels.Parse(scale.Status.Selector)
	if err != nil {
		g.state.Target.SelectorError = fmt.Sprintf("the scale subresource's status.selector %q is invalid: %v", scale.Status.Selector, err)
		return nil
	}
	return selector
}

func (g *gathering) listPods(selector labels.Selector) {
	ctx, done := g.begin()
	defer done()

	namespace := g.state.Namespace
	list, err := g.c.core.Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		g.state.PodsError = newSourceError("LIST v1 namespaces/"+namespace+"/pods?labelSelector="+selector.String(), err)
		return
	}
	g.state.Pods = list.Items
	if g.state.Pods == nil {
		g.state.Pods = []corev1.Pod{}
	}
}

func (g *gathering) listReplicaSets() {
	ctx, done := g.begin()
	defer done()

	namespace := g.state.Namespace
	list, err := g.c.metadata.Resource(replicaSetsResource).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		g.state.ReplicaSetsError = newSourceError("LIST apps/v1 namespaces/"+namespace+"/replicasets (metadata)", err)
		return
	}
	g.state.ReplicaSets = list.Items
	if g.state.ReplicaSets == nil {
		g.state.ReplicaSets = []metav1.PartialObjectMetadata{}
	}
}
