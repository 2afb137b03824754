package adapter

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
	metricsv1 "k8s.io/metrics/pkg/apis/metrics/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	generatedcore "sigs.k8s.io/custom-metrics-apiserver/pkg/generated/openapi/core"
	generatedcustommetrics "sigs.k8s.io/custom-metrics-apiserver/pkg/generated/openapi/custommetrics"
	generatedexternalmetrics "sigs.k8s.io/custom-metrics-apiserver/pkg/generated/openapi/externalmetrics"
)

// openAPIDefinitions returns the library's definitions (core, custom and
// external metrics) plus those of metrics.k8s.io PodMetrics, which the
// library does not ship. The generic API server refuses to install a
// resource whose type has no definition, because server-side apply builds
// its field managers from them.
func openAPIDefinitions(ref common.ReferenceCallback) map[string]common.OpenAPIDefinition {
	defs := map[string]common.OpenAPIDefinition{}
	for _, source := range []common.GetOpenAPIDefinitions{
		generatedcore.GetOpenAPIDefinitions,
		generatedcustommetrics.GetOpenAPIDefinitions,
		generatedexternalmetrics.GetOpenAPIDefinitions,
	} {
		for name, def := range source(ref) {
			defs[name] = def
		}
	}

	defs[metricsv1.PodMetrics{}.OpenAPIModelName()] = podMetricsDefinition(ref, metricsv1.ContainerMetrics{}.OpenAPIModelName())
	defs[metricsv1.PodMetricsList{}.OpenAPIModelName()] = listDefinition(ref, "PodMetricsList is a list of PodMetrics.", metricsv1.PodMetrics{}.OpenAPIModelName())
	defs[metricsv1.ContainerMetrics{}.OpenAPIModelName()] = containerMetricsDefinition(ref)

	defs[metricsv1beta1.PodMetrics{}.OpenAPIModelName()] = podMetricsDefinition(ref, metricsv1beta1.ContainerMetrics{}.OpenAPIModelName())
	defs[metricsv1beta1.PodMetricsList{}.OpenAPIModelName()] = listDefinition(ref, "PodMetricsList is a list of PodMetrics.", metricsv1beta1.PodMetrics{}.OpenAPIModelName())
	defs[metricsv1beta1.ContainerMetrics{}.OpenAPIModelName()] = containerMetricsDefinition(ref)
	return defs
}

func podMetricsDefinition(ref common.ReferenceCallback, containerModel string) common.OpenAPIDefinition {
	return common.OpenAPIDefinition{
		Schema: spec.Schema{
			SchemaProps: spec.SchemaProps{
				Description: "PodMetrics is the resource usage of a pod.",
				Type:        []string{"object"},
				Properties: map[string]spec.Schema{
					"kind":       stringSchema("Kind of the object."),
					"apiVersion": stringSchema("Versioned schema of the object."),
					"metadata":   refSchema(ref, metav1.ObjectMeta{}.OpenAPIModelName()),
					"timestamp":  refSchema(ref, metav1.Time{}.OpenAPIModelName()),
					"window":     refSchema(ref, metav1.Duration{}.OpenAPIModelName()),
					"containers": {
						SchemaProps: spec.SchemaProps{
							Description: "Usage of each container of the pod.",
							Type:        []string{"array"},
							Items:       &spec.SchemaOrArray{Schema: ptr(refSchema(ref, containerModel))},
						},
					},
				},
				Required: []string{"timestamp", "window", "containers"},
			},
		},
		Dependencies: []string{metav1.ObjectMeta{}.OpenAPIModelName(), metav1.Time{}.OpenAPIModelName(), metav1.Duration{}.OpenAPIModelName(), containerModel},
	}
}

func containerMetricsDefinition(ref common.ReferenceCallback) common.OpenAPIDefinition {
	quantity := resource.Quantity{}.OpenAPIModelName()
	return common.OpenAPIDefinition{
		Schema: spec.Schema{
			SchemaProps: spec.SchemaProps{
				Description: "ContainerMetrics is the resource usage of a container.",
				Type:        []string{"object"},
				Properties: map[string]spec.Schema{
					"name": stringSchema("Container name."),
					"usage": {
						SchemaProps: spec.SchemaProps{
							Description:          "Usage by resource name.",
							Type:                 []string{"object"},
							AdditionalProperties: &spec.SchemaOrBool{Allows: true, Schema: ptr(refSchema(ref, quantity))},
						},
					},
				},
				Required: []string{"name", "usage"},
			},
		},
		Dependencies: []string{quantity},
	}
}

func listDefinition(ref common.ReferenceCallback, description, itemModel string) common.OpenAPIDefinition {
	return common.OpenAPIDefinition{
		Schema: spec.Schema{
			SchemaProps: spec.SchemaProps{
				Description: description,
				Type:        []string{"object"},
				Properties: map[string]spec.Schema{
					"kind":       stringSchema("Kind of the object."),
					"apiVersion": stringSchema("Versioned schema of the object."),
					"metadata":   refSchema(ref, metav1.ListMeta{}.OpenAPIModelName()),
					"items": {
						SchemaProps: spec.SchemaProps{
							Type:  []string{"array"},
							Items: &spec.SchemaOrArray{Schema: ptr(refSchema(ref, itemModel))},
						},
					},
				},
				Required: []string{"items"},
			},
		},
		Dependencies: []string{metav1.ListMeta{}.OpenAPIModelName(), itemModel},
	}
}

func stringSchema(description string) spec.Schema {
	return spec.Schema{SchemaProps: spec.SchemaProps{Description: description, Type: []string{"string"}}}
}

func refSchema(ref common.ReferenceCallback, model string) spec.Schema {
	return spec.Schema{SchemaProps: spec.SchemaProps{Ref: ref(model)}}
}

func ptr[T any](v T) *T { return &v }
