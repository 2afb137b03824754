package snapshot

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// kubectlFile writes a state the way a user without the plugin captures
// it: "kubectl get hpa,deploy,rs,pods,events -o yaml" as one List, then the
// "kubectl get --raw" responses appended as compact JSON, one per line.
type kubectlFile struct {
	state *gather.State
	// omit leaves kinds or responses out: "Deployment", "ReplicaSet",
	// "Pod", "Event", "values".
	omit map[string]bool
}

func (k kubectlFile) String() string {
	state := k.state
	var items []any
	add := func(kind string, obj any) {
		if !k.omit[kind] {
			items = append(items, obj)
		}
	}

	hpa := state.HPA.DeepCopy()
	hpa.APIVersion, hpa.Kind = "autoscaling/v2", "HorizontalPodAutoscaler"
	hpa.Annotations = map[string]string{lastAppliedAnnotation: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler"}`}
	add("HorizontalPodAutoscaler", hpa)

	if scale := state.Target.Scale; scale != nil {
		replicas := scale.Spec.Replicas
		selector, _ := metav1.ParseToLabelSelector(scale.Status.Selector)
		add("Deployment", &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: scale.Name, Namespace: scale.Namespace, UID: scale.UID, CreationTimestamp: scale.CreationTimestamp},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: selector,
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Env: []corev1.EnvVar{{Name: "PASSWORD", Value: "not-for-the-snapshot"}},
				}}}},
			},
			Status: appsv1.DeploymentStatus{Replicas: scale.Status.Replicas, ReadyReplicas: scale.Status.Replicas},
		})
	}
	for _, rs := range state.ReplicaSets {
		add("ReplicaSet", &appsv1.ReplicaSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"}, ObjectMeta: rs.ObjectMeta})
	}
	for i := range state.Pods {
		pod := state.Pods[i].DeepCopy()
		pod.APIVersion, pod.Kind = "v1", "Pod"
		add("Pod", pod)
	}
	for i := range state.Events {
		e := state.Events[i].DeepCopy()
		e.APIVersion, e.Kind = "v1", "Event"
		add("Event", e)
	}
	data, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]string{"resourceVersion": ""}, "items": items})
	if err != nil {
		panic(err)
	}
	out := string(data)

	raw := func(obj any) {
		data, err := json.Marshal(obj)
		if err != nil {
			panic(err)
		}
		out += string(data) + "\n"
	}
	if !k.omit["values"] {
		for _, m := range state.Metrics {
			if m.Values != nil {
				list := m.Values.DeepCopy()
				list.APIVersion, list.Kind = customMetricsV1beta2, "MetricValueList"
				raw(list)
			}
			if m.External != nil {
				list := m.External.DeepCopy()
				list.APIVersion, list.Kind = externalMetricsV1beta1, "ExternalMetricValueList"
				raw(list)
			}
		}
		if rm := state.ResourceMetrics; rm != nil && rm.List != nil {
			list := rm.List.DeepCopy()
			list.APIVersion, list.Kind = resourceMetricsV1beta1, "PodMetricsList"
			raw(list)
		}
	}
	if r := state.CustomMetricsResources; r != nil {
		list := r.DeepCopy()
		list.APIVersion, list.Kind = "v1", "APIResourceList"
		raw(list)
	}
	return out
}

func loadString(t *testing.T, input string, opts Options) *Loaded {
	t.Helper()
	if opts.Source == "" {
		opts.Source = "web.yaml"
	}
	loaded, err := Load(strings.NewReader(input), opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return loaded
}

func explainLoaded(loaded *Loaded) (string, []string) {
	now, _ := loaded.EvaluationTime(zeroTime(), capturedAt)
	e := loaded.Explain(explainOptions(now), TimeCaptured)
	return e.Verdict, findingCodes(e.Findings)
}

func TestKubectlOutputExplainsLikeSnapshot(t *testing.T) {
	for _, build := range []func() *gather.State{healthyRequestRate, partialPodValues, overlappingSelector, scaleDownStabilization, missingRequests} {
		state := build()
		want := explainAt(state)

		loaded := loadString(t, kubectlFile{state: state}.String(), Options{})
		if loaded.Complete {
			t.Error("kubectl output loads as a complete snapshot")
		}
		if loaded.State.Target.Scale == nil {
			t.Fatalf("%s: no scale derived from the Deployment", state.Name)
		}
		if got := loaded.State.Target.Scale.Status.Selector; got != state.Target.Scale.Status.Selector {
			t.Errorf("%s: derived selector = %q, want %q", state.Name, got, state.Target.Scale.Status.Selector)
		}
		got := explainState(loaded.State, capturedAt)
		if got.Verdict != want.Verdict {
			t.Errorf("%s: verdict from kubectl output:\n got %q\nwant %q", state.Name, got.Verdict, want.Verdict)
		}
		wantCodes := findingCodes(want.Findings)
		if len(state.Events) == 0 {
			// Without Event objects the file cannot show that the HPA has none.
			wantCodes = append(wantCodes, "SnapshotMissingPart")
		}
		if g, w := findingCodes(got.Findings), wantCodes; strings.Join(g, ",") != strings.Join(w, ",") {
			t.Errorf("%s: findings from kubectl output = %v, want %v", state.Name, g, w)
		}
	}
}

func TestKubectlOutputMissingParts(t *testing.T) {
	cases := []struct {
		name    string
		omit    string
		verdict string
		check   string
	}{
		{"values", "values",
			"Cannot recompute the decision: the file does not contain the values of the Pods metric http_requests_per_second.",
			"kubectl get --raw '/apis/custom.metrics.k8s.io/v1beta2/namespaces/storefront/pods/*/http_requests_per_second?labelSelector=app.kubernetes.io/name=checkout-api'"},
		{"pods", "Pod",
			"Cannot recompute the decision: the file does not contain the pods of Deployment/checkout-api, so per-pod values cannot be judged.",
			"kubectl get pods -n storefront -l 'app.kubernetes.io/name=checkout-api' -o yaml"},
		{"scale target", "Deployment",
			"Cannot recompute the decision: the file does not contain the scale target Deployment/checkout-api or its scale subresource.",
			"kubectl get deployment checkout-api -n storefront -o yaml"},
		{"replicasets", "ReplicaSet", "Stable at 4 replicas", "kubectl get replicasets -n storefront -o yaml"},
		{"events", "Event", "Stable at 4 replicas", "kubectl get events -n storefront --field-selector involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=checkout-api -o yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := kubectlFile{state: healthyRequestRate(), omit: map[string]bool{tc.omit: true}}
			loaded := loadString(t, file.String(), Options{})
			e := explainState(loaded.State, capturedAt)
			if !strings.HasPrefix(e.Verdict, tc.verdict) {
				t.Errorf("verdict:\n got %q\nwant prefix %q", e.Verdict, tc.verdict)
			}
			var checks []string
			for _, f := range e.Findings {
				if f.Code == "SnapshotMissingPart" {
					checks = append(checks, f.Check)
				}
			}
			if len(checks) != 1 || checks[0] != tc.check {
				t.Errorf("SnapshotMissingPart checks = %q, want [%q]", checks, tc.check)
			}
		})
	}
}

func TestRawResponseWiderThanSelection(t *testing.T) {
	state := healthyRequestRate()
	other := state.Metrics[0].Values.Items[0]
	other.DescribedObject.Name = "checkout-worker-5d6f7-abcde"
	state.Metrics[0].Values.Items = append(state.Metrics[0].Values.Items, other)

	loaded := loadString(t, kubectlFile{state: state}.String(), Options{})
	m := loaded.State.Metrics[0]
	if len(m.Values.Items) != 4 {
		t.Errorf("values kept = %d, want the 4 selected pods", len(m.Values.Items))
	}
	if m.Unselected == nil || len(m.Unselected.Items) != 5 {
		t.Fatalf("unselected = %v, want the whole response of 5 values", m.Unselected)
	}
	_, codes := explainLoaded(loaded)
	if !contains(codes, "ValuesOutsideSelection") {
		t.Errorf("findings %v lack ValuesOutsideSelection", codes)
	}
}

func TestEmptyResponseMatchesOnlyCustomMetric(t *testing.T) {
	file := kubectlFile{state: healthyRequestRate(), omit: map[string]bool{"values": true}}.String()
	file += `{"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[]}` + "\n"
	loaded := loadString(t, file, Options{})
	verdict, codes := explainLoaded(loaded)
	if !contains(codes, "NoPodValues") || contains(codes, "SnapshotMissingPart") {
		t.Errorf("findings = %v, want NoPodValues and no missing part; verdict %q", codes, verdict)
	}
}

func TestV1HPAWithPodMetrics(t *testing.T) {
	state := scaleDownStabilization()
	file := kubectlFile{state: state, omit: map[string]bool{"HorizontalPodAutoscaler": true}}.String()
	file += `---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: thumbnailer
  namespace: media
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: thumbnailer}
  minReplicas: 2
  maxReplicas: 12
  targetCPUUtilizationPercentage: 60
status:
  currentReplicas: 6
  desiredReplicas: 6
  observedGeneration: 3
`
	loaded := loadString(t, file, Options{})
	spec := loaded.State.HPA.Spec.Metrics
	if len(spec) != 1 || spec[0].Resource == nil || *spec[0].Resource.Target.AverageUtilization != 60 {
		t.Fatalf("converted metrics = %+v, want cpu Utilization 60", spec)
	}
	// The rescale to 6 three minutes ago, from the events, holds the window.
	verdict, _ := explainLoaded(loaded)
	if !strings.HasPrefix(verdict, "Holding at 6 replicas: metrics propose 3") {
		t.Errorf("verdict = %q", verdict)
	}
}

func TestNewestTimeWithoutCaptureTime(t *testing.T) {
	loaded := loadString(t, kubectlFile{state: healthyRequestRate()}.String(), Options{})
	now, source := loaded.EvaluationTime(zeroTime(), capturedAt.AddDate(1, 0, 0))
	if source != TimeNewest {
		t.Fatalf("time source = %v, want TimeNewest", source)
	}
	if want := capturedAt.Add(-20e9); !now.Equal(want) {
		t.Errorf("newest time = %s, want the metric samples' %s", now, want)
	}
	if text := source.Describe(now); !strings.Contains(text, "newest timestamp in the file") {
		t.Errorf("step = %q", text)
	}

	empty := loadString(t, "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec: {maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}\n", Options{})
	if _, source := empty.EvaluationTime(zeroTime(), capturedAt); source != TimeCurrent {
		t.Errorf("time source of a file without timestamps = %v, want TimeCurrent", source)
	}
}

func TestSeveralHPAsNeedName(t *testing.T) {
	file := kubectlFile{state: healthyRequestRate()}.String() + "---\n" + otherHPA("storefront", "cart-api") + "---\n" + otherHPA("staging", "checkout-api")

	_, err := Load(strings.NewReader(file), Options{Source: "web.yaml"})
	var multiple *MultipleHPAsError
	if !errorsAs(err, &multiple) {
		t.Fatalf("err = %v, want a MultipleHPAsError", err)
	}
	want := "web.yaml contains 3 HPAs: name the one to explain, one of: staging/checkout-api, storefront/cart-api, storefront/checkout-api"
	if err.Error() != want {
		t.Errorf("err = %q\nwant %q", err, want)
	}

	if _, err := Load(strings.NewReader(file), Options{Source: "web.yaml", Name: "checkout-api"}); err == nil || !strings.Contains(err.Error(), "in namespaces storefront, staging: choose one with --namespace") {
		t.Errorf("err = %v, want an ambiguous-namespace error", err)
	}

	loaded := loadString(t, file, Options{Name: "checkout-api", Namespace: "storefront"})
	if loaded.State.Namespace != "storefront" || len(loaded.State.NamespaceHPAs) != 2 {
		t.Errorf("namespace %s with %d HPAs, want storefront with 2", loaded.State.Namespace, len(loaded.State.NamespaceHPAs))
	}
	_, codes := explainLoaded(loaded)
	if !contains(codes, "SnapshotIgnoredObjects") {
		t.Errorf("findings %v lack SnapshotIgnoredObjects for the staging HPA", codes)
	}
}

func otherHPA(namespace, name string) string {
	hpa := autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
			MaxReplicas:    4,
		},
	}
	data, _ := yaml.Marshal(hpa)
	return string(data)
}

// TestHandCaptureFromDocs loads a file built as docs/snapshots.md
// describes for users without the plugin: raw responses without a trailing
// newline, then a YAML List after a separator.
func TestHandCaptureFromDocs(t *testing.T) {
	state := healthyRequestRate()
	file := kubectlFile{state: state, omit: map[string]bool{"values": true}}.String()
	values, err := json.Marshal(state.Metrics[0].Values)
	if err != nil {
		t.Fatal(err)
	}
	file += strings.Replace(string(values), "{", `{"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2",`, 1)
	file += "\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: apiregistration.k8s.io/v1\n  kind: APIService\n  metadata: {name: v1beta2.custom.metrics.k8s.io}\n  spec: {service: {namespace: monitoring, name: prometheus-adapter}}\n  status: {conditions: [{type: Available, status: \"True\"}]}\n- apiVersion: apiregistration.k8s.io/v1\n  kind: APIService\n  metadata: {name: v1.apps}\n  spec: {}\n"

	loaded := loadString(t, file, Options{})
	verdict, codes := explainLoaded(loaded)
	if !strings.HasPrefix(verdict, "Stable at 4 replicas") || contains(codes, "SnapshotMissingPart") {
		t.Errorf("verdict %q, findings %v", verdict, codes)
	}
	svc := loaded.State.APIServices["v1beta2.custom.metrics.k8s.io"]
	if svc == nil || svc.Service != "monitoring/prometheus-adapter:443" || svc.Available == nil {
		t.Errorf("APIService = %+v, want the adapter's, Available", svc)
	}
	if _, ok := loaded.State.APIServices["v1.apps"]; ok {
		t.Error("an APIService of a group the HPA does not read was kept")
	}
}
