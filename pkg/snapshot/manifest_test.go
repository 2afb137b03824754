package snapshot

import (
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

func readManifest(t *testing.T, input string, name string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa, err := ReadManifest(strings.NewReader(input), Options{Source: "hpa.yaml", Name: name})
	if err != nil {
		t.Fatalf("ReadManifest: %v", err)
	}
	return hpa
}

func TestReadManifestDefaultsAndStripsStatus(t *testing.T) {
	hpa := readManifest(t, `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  uid: 6f1c1b7e-0000-4000-a000-000000000001
  resourceVersion: "991"
  annotations: {hpametrics.io/captured-at: "2026-03-14T02:47:31Z", team: storefront}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
status:
  desiredReplicas: 7
  observedGeneration: 4
`, "")
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas != 1 {
		t.Errorf("minReplicas = %v, want the default 1", hpa.Spec.MinReplicas)
	}
	if len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].Resource == nil || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("metrics = %+v, want the default cpu Utilization 80", hpa.Spec.Metrics)
	}
	if hpa.Status.DesiredReplicas != 0 || hpa.Status.ObservedGeneration != nil {
		t.Errorf("status = %+v, want none for an unapplied HPA", hpa.Status)
	}
	if hpa.UID != "" || hpa.ResourceVersion != "" {
		t.Errorf("uid %q, resourceVersion %q, want both cleared", hpa.UID, hpa.ResourceVersion)
	}
	if hpa.Namespace != "" {
		t.Errorf("namespace = %q, want it left to the caller", hpa.Namespace)
	}
	if _, ok := hpa.Annotations[AnnotationCapturedAt]; ok || hpa.Annotations["team"] != "storefront" {
		t.Errorf("annotations = %v, want only the user's", hpa.Annotations)
	}
}

func TestReadManifestConvertsV1(t *testing.T) {
	hpa := readManifest(t, `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  targetCPUUtilizationPercentage: 65
`, "")
	if hpa.APIVersion != "autoscaling/v2" {
		t.Errorf("apiVersion = %q", hpa.APIVersion)
	}
	m := hpa.Spec.Metrics
	if len(m) != 1 || m[0].Type != autoscalingv2.ResourceMetricSourceType || m[0].Resource.Name != "cpu" ||
		m[0].Resource.Target.Type != autoscalingv2.UtilizationMetricType || *m[0].Resource.Target.AverageUtilization != 65 {
		t.Errorf("metrics = %+v, want cpu Utilization 65", m)
	}
	if *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 10 || hpa.Namespace != "shop" {
		t.Errorf("spec = %+v in %q", hpa.Spec, hpa.Namespace)
	}

	noTarget := readManifest(t, "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {maxReplicas: 3, scaleTargetRef: {kind: Deployment, name: web}}\n", "")
	if got := *noTarget.Spec.Metrics[0].Resource.Target.AverageUtilization; got != 80 {
		t.Errorf("v1 without a target: utilization %d, want the default 80", got)
	}
}

func TestReadManifestPicksHPAFromBundle(t *testing.T) {
	bundle := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n---\n" + minimalHPA
	if hpa := readManifest(t, bundle, ""); hpa.Name != "web" {
		t.Errorf("name = %q", hpa.Name)
	}

	two := bundle + "---\n" + strings.Replace(minimalHPA, "name: web,", "name: web-canary,", 1)
	_, err := ReadManifest(strings.NewReader(two), Options{Source: "hpa.yaml"})
	var multiple *MultipleHPAsError
	if !errorsAs(err, &multiple) || len(multiple.Names) != 2 {
		t.Fatalf("err = %v, want a MultipleHPAsError with two names", err)
	}
	if hpa := readManifest(t, two, "web-canary"); hpa.Name != "web-canary" {
		t.Errorf("name = %q, want web-canary", hpa.Name)
	}
}

func TestReadManifestRejectsInvalid(t *testing.T) {
	cases := []struct {
		name, input, want string
	}{
		{"no HPA", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n", "hpa.yaml contains no autoscaling/v2 or autoscaling/v1 HorizontalPodAutoscaler"},
		{"max zero", strings.Replace(minimalHPA, "maxReplicas: 5", "maxReplicas: 0", 1), "the API server would reject HPA \"web\": spec.maxReplicas is 0, it must be at least 1"},
		{"min above max", strings.Replace(minimalHPA, "maxReplicas: 5", "maxReplicas: 5\n  minReplicas: 7", 1), "spec.minReplicas 7 is above spec.maxReplicas 5"},
		{"no target", strings.Replace(minimalHPA, "scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}", "scaleTargetRef: {}", 1), "spec.scaleTargetRef needs kind and name"},
		{"source missing", minimalHPA + "  metrics: [{type: Pods}]\n", "spec.metrics[0]: type Pods needs the field pods"},
		{"no metric name", minimalHPA + "  metrics: [{type: External, external: {metric: {}, target: {type: Value, value: 1}}}]\n", "spec.metrics[0]: the metric or resource name is required"},
		{"unknown type", minimalHPA + "  metrics: [{type: Custom}]\n", `unknown type "Custom"`},
		{"v1 metrics annotation", "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop, annotations: {autoscaling.alpha.kubernetes.io/metrics: '[]'}}\nspec: {maxReplicas: 3, scaleTargetRef: {kind: Deployment, name: web}}\n", "kubectl get hpa.v2.autoscaling web -n shop -o yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadManifest(strings.NewReader(tc.input), Options{Source: "hpa.yaml"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
