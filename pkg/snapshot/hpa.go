package snapshot

import (
	"encoding/json"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// Annotations in which the API server keeps, on an autoscaling/v1 HPA, the
// fields that v1 has no place for.
const (
	v1MetricsAnnotation    = "autoscaling.alpha.kubernetes.io/metrics"
	v1ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
	v1BehaviorAnnotation   = "autoscaling.alpha.kubernetes.io/behavior"
)

// defaultCPUUtilization is the API server's target for an HPA without
// metrics (DefaultCPUUtilization in k8s.io/kubernetes/pkg/apis/autoscaling).
const defaultCPUUtilization = 80

// decodeHPA decodes an HPA of any served schema into autoscaling/v2 and
// applies the API server's defaults. It returns ok false for versions it
// cannot read, such as autoscaling/v2beta1.
func decodeHPA(obj rawObject) (hpa *autoscalingv2.HorizontalPodAutoscaler, ok bool, err error) {
	switch obj.gvk.Version {
	case "v2", "v2beta2":
		// v2beta2 has the same schema as v2.
		hpa = &autoscalingv2.HorizontalPodAutoscaler{}
		if err := json.Unmarshal(obj.raw, hpa); err != nil {
			return nil, true, fmt.Errorf("%s is not a valid HorizontalPodAutoscaler: %v", obj.where, err)
		}
	case "v1":
		v1 := &autoscalingv1.HorizontalPodAutoscaler{}
		if err := json.Unmarshal(obj.raw, v1); err != nil {
			return nil, true, fmt.Errorf("%s is not a valid HorizontalPodAutoscaler: %v", obj.where, err)
		}
		if hpa, err = convertV1(v1); err != nil {
			return nil, true, fmt.Errorf("%s: %w", obj.where, err)
		}
	default:
		return nil, false, nil
	}
	hpa.APIVersion, hpa.Kind = "autoscaling/v2", "HorizontalPodAutoscaler"
	setDefaults(hpa)
	return hpa, true, nil
}

// setDefaults applies the defaults the API server gives an autoscaling/v2
// HPA: minReplicas 1, and a cpu Utilization target of 80% when there are no
// metrics. pkg/replicas fills the behavior defaults when it computes.
func setDefaults(hpa *autoscalingv2.HorizontalPodAutoscaler) {
	if hpa.Spec.MinReplicas == nil {
		one := int32(1)
		hpa.Spec.MinReplicas = &one
	}
	if len(hpa.Spec.Metrics) == 0 {
		hpa.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilization(defaultCPUUtilization)}
	}
}

func cpuUtilization(percent int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &percent},
		},
	}
}

// convertV1 converts an autoscaling/v1 HPA as the API server does:
// targetCPUUtilizationPercentage becomes a cpu Utilization metric, and the
// status keeps the replica counts, the current cpu utilization and the
// conditions the server stored in an annotation.
func convertV1(in *autoscalingv1.HorizontalPodAutoscaler) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	for _, annotation := range []string{v1MetricsAnnotation, v1BehaviorAnnotation} {
		if _, ok := in.Annotations[annotation]; ok {
			// NOTE: the metrics and behavior an autoscaling/v1 object keeps
			// in annotations are not converted; v2 output has them as fields.
			return nil, fmt.Errorf("HorizontalPodAutoscaler %q is autoscaling/v1 with the annotation %s, which explain does not convert: print it as autoscaling/v2 with kubectl get hpa.v2.autoscaling %s -n %s -o yaml", in.Name, annotation, in.Name, in.Namespace)
		}
	}

	out := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: *in.ObjectMeta.DeepCopy(),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{
				APIVersion: in.Spec.ScaleTargetRef.APIVersion,
				Kind:       in.Spec.ScaleTargetRef.Kind,
				Name:       in.Spec.ScaleTargetRef.Name,
			},
			MinReplicas: in.Spec.MinReplicas,
			MaxReplicas: in.Spec.MaxReplicas,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: in.Status.ObservedGeneration,
			LastScaleTime:      in.Status.LastScaleTime,
			CurrentReplicas:    in.Status.CurrentReplicas,
			DesiredReplicas:    in.Status.DesiredReplicas,
		},
	}
	if percent := in.Spec.TargetCPUUtilizationPercentage; percent != nil {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilization(*percent)}
	}
	if current := in.Status.CurrentCPUUtilizationPercentage; current != nil {
		utilization := *current
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{
				Name:    corev1.ResourceCPU,
				Current: autoscalingv2.MetricValueStatus{AverageUtilization: &utilization},
			},
		}}
	}
	if conditions, ok := in.Annotations[v1ConditionsAnnotation]; ok {
		if err := json.Unmarshal([]byte(conditions), &out.Status.Conditions); err != nil {
			return nil, fmt.Errorf("HorizontalPodAutoscaler %q has an invalid %s annotation: %v", in.Name, v1ConditionsAnnotation, err)
		}
		delete(out.Annotations, v1ConditionsAnnotation)
	}
	return out, nil
}
