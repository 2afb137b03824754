package snapshot

import (
	"errors"
	"fmt"
	"io"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReadManifest reads an HPA manifest to explain before it is applied: the
// one HPA in r, or the one named in opts.Name. Other objects in r, such as
// the Deployment of the same bundle, are left out. The HPA is converted to
// autoscaling/v2 and defaulted as the API server would, and it loses what
// only the API server sets: status, uid, resourceVersion and generation, so
// the controller treats it as new. A namespace stays empty when the
// manifest sets none.
func ReadManifest(r io.Reader, opts Options) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	source := opts.Source
	if source == "" {
		source = "the manifest"
	}
	data, err := readInput(r, source, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	objects, err := parseObjects(data, source)
	if err != nil {
		return nil, err
	}
	set := &objectSet{listSizes: map[int]int{}}
	for _, obj := range objects {
		if obj.gvk.GroupKind() != gkHPA {
			continue
		}
		if err := set.decode(obj); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	}
	if len(set.hpas) == 0 {
		return nil, fmt.Errorf("%s contains no autoscaling/v2 or autoscaling/v1 HorizontalPodAutoscaler", source)
	}

	chosen, err := chooseHPA(set, Options{Name: opts.Name, Namespace: opts.Namespace}, source)
	if err != nil {
		return nil, err
	}
	hpa := chosen.obj.DeepCopy()
	hpa.Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
	hpa.ObjectMeta = metav1.ObjectMeta{
		Name:        hpa.Name,
		Namespace:   hpa.Namespace,
		Labels:      hpa.Labels,
		Annotations: hpa.Annotations,
	}
	for key := range hpa.Annotations {
		if strings.HasPrefix(key, annotationPrefix) || key == lastAppliedAnnotation {
			delete(hpa.Annotations, key)
		}
	}
	if err := validateHPA(hpa); err != nil {
		return nil, fmt.Errorf("%s: the API server would reject HPA %q: %w", source, hpa.Name, err)
	}
	return hpa, nil
}

// validateHPA checks the rules of the API server's validation that the
// recomputation depends on.
func validateHPA(hpa *autoscalingv2.HorizontalPodAutoscaler) error {
	var problems []string
	if hpa.Name == "" {
		problems = append(problems, "metadata.name is required")
	}
	ref := hpa.Spec.ScaleTargetRef
	if ref.Kind == "" || ref.Name == "" {
		problems = append(problems, "spec.scaleTargetRef needs kind and name")
	}
	if hpa.Spec.MaxReplicas < 1 {
		problems = append(problems, fmt.Sprintf("spec.maxReplicas is %d, it must be at least 1", hpa.Spec.MaxReplicas))
	}
	if min := hpa.Spec.MinReplicas; min != nil {
		switch {
		case *min < 0:
			problems = append(problems, fmt.Sprintf("spec.minReplicas is %d, it must not be negative", *min))
		case *min == 0 && !hasObjectOrExternal(hpa):
			problems = append(problems, "spec.minReplicas 0 needs an Object or External metric (and the HPAScaleToZero feature gate)")
		case *min > hpa.Spec.MaxReplicas:
			problems = append(problems, fmt.Sprintf("spec.minReplicas %d is above spec.maxReplicas %d", *min, hpa.Spec.MaxReplicas))
		}
	}
	for i, m := range hpa.Spec.Metrics {
		if problem := metricProblem(m); problem != "" {
			problems = append(problems, fmt.Sprintf("spec.metrics[%d]: %s", i, problem))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

func hasObjectOrExternal(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
	for _, m := range hpa.Spec.Metrics {
		if m.Type == autoscalingv2.ObjectMetricSourceType || m.Type == autoscalingv2.ExternalMetricSourceType {
			return true
		}
	}
	return false
}

// metricProblem returns why the API server would reject a metric, or "".
func metricProblem(m autoscalingv2.MetricSpec) string {
	var present bool
	switch m.Type {
	case autoscalingv2.ResourceMetricSourceType:
		present = m.Resource != nil
	case autoscalingv2.ContainerResourceMetricSourceType:
		present = m.ContainerResource != nil
	case autoscalingv2.PodsMetricSourceType:
		present = m.Pods != nil
	case autoscalingv2.ObjectMetricSourceType:
		present = m.Object != nil
	case autoscalingv2.ExternalMetricSourceType:
		present = m.External != nil
	case "":
		return "type is required"
	default:
		return fmt.Sprintf("unknown type %q: use Resource, ContainerResource, Pods, Object or External", m.Type)
	}
	if !present {
		return fmt.Sprintf("type %s needs the field %s", m.Type, sourceField(m.Type))
	}
	if metricName(m) == "" {
		return "the metric or resource name is required"
	}
	if m.Type == autoscalingv2.ContainerResourceMetricSourceType && m.ContainerResource.Container == "" {
		return "containerResource.container is required"
	}
	return ""
}

func sourceField(t autoscalingv2.MetricSourceType) string {
	s := string(t)
	return strings.ToLower(s[:1]) + s[1:]
}
