package diagnose

import (
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

const (
	deployUID = types.UID("deploy-uid")
	rsUID     = types.UID("rs-uid")
)

// healthyState returns the state of an HPA "web" scaling Deployment "web"
// on the Pods metric http_requests with three ready pods that all have a
// value: nothing to report.
func healthyState() *gather.State {
	minReplicas := int32(1)
	generation := int64(1)
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Generation: 1},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    &minReplicas,
			MaxReplicas:    10,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.PodsMetricSourceType,
				Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "http_requests"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: resource.NewMilliQuantity(500, resource.DecimalSI)},
				},
			}},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: &generation,
			CurrentReplicas:    3,
			DesiredReplicas:    3,
			Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{
				{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ReadyForNewScale"},
				{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionTrue, Reason: "ValidMetricFound"},
			},
		},
	}

	state := &gather.State{
		Namespace:  "shop",
		Name:       "web",
		GatheredAt: now,
		HPA:        hpa,
		Target: gather.Target{
			Ref: hpa.Spec.ScaleTargetRef,
			Scale: &autoscalingv1.Scale{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: deployUID},
				Spec:       autoscalingv1.ScaleSpec{Replicas: 3},
				Status:     autoscalingv1.ScaleStatus{Replicas: 3, Selector: "app=web"},
			},
		},
		ReplicaSets: []metav1.PartialObjectMetadata{{
			ObjectMeta: metav1.ObjectMeta{
				Name: "web-5d4f", Namespace: "shop", UID: rsUID,
				OwnerReferences: []metav1.OwnerReference{controllerRef("Deployment", "web", deployUID)},
			},
		}},
		APIServices: map[string]*gather.APIService{
			"v1beta1.custom.metrics.k8s.io": availableService("v1beta1.custom.metrics.k8s.io"),
			"v1beta2.custom.metrics.k8s.io": availableService("v1beta2.custom.metrics.k8s.io"),
		},
		CustomMetricsResources: &metav1.APIResourceList{
			GroupVersion: "custom.metrics.k8s.io/v1beta2",
			APIResources: []metav1.APIResource{{Name: "pods/http_requests"}, {Name: "pods/http_errors"}, {Name: "namespaces/http_requests"}},
		},
	}
	values := &custommetricsv1beta2.MetricValueList{}
	for _, name := range []string{"web-1", "web-2", "web-3"} {
		state.Pods = append(state.Pods, readyPod(name, rsUID))
		values.Items = append(values.Items, podValue(name, "shop", 500))
	}
	state.Metrics = []gather.Metric{{Spec: hpa.Spec.Metrics[0], APIVersion: "custom.metrics.k8s.io/v1beta2", Values: values}}
	return state
}

func controllerRef(kind, name string, uid types.UID) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: name, UID: uid, Controller: &yes}
}

func availableService(name string) *gather.APIService {
	return &gather.APIService{
		Name: name, Found: true, Service: "monitoring/prometheus-adapter:443",
		Available: &metav1.Condition{Type: "Available", Status: metav1.ConditionTrue, Reason: "Passed"},
	}
}

func readyPod(name string, owner types.UID) corev1.Pod {
	start := metav1.NewTime(now.Add(-time.Hour))
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "shop", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{controllerRef("ReplicaSet", "web-5d4f", owner)},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:      "app",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}},
		}}},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			StartTime:  &start,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: start}},
		},
	}
}

func podValue(name, namespace string, milli int64) custommetricsv1beta2.MetricValue {
	return custommetricsv1beta2.MetricValue{
		DescribedObject: corev1.ObjectReference{Kind: "Pod", Name: name, Namespace: namespace, APIVersion: "v1"},
		Metric:          custommetricsv1beta2.MetricIdentifier{Name: "http_requests"},
		Timestamp:       metav1.NewTime(now.Add(-30 * time.Second)),
		Value:           *resource.NewMilliQuantity(milli, resource.DecimalSI),
	}
}

// healthyResult is a recomputation that keeps 3 replicas, matching status.
func healthyResult(state *gather.State) *replicas.Result {
	return &replicas.Result{
		CurrentReplicas: 3, MinReplicas: 1, MaxReplicas: 10,
		Tolerances:      replicas.Tolerances{ScaleDown: 0.1, ScaleUp: 0.1},
		ComputedMetrics: true,
		MetricProposal:  3, MetricName: "pods metric http_requests",
		Stabilized: 3, StabilizationReason: "ReadyForNewScale",
		LimitReason: "DesiredWithinRange", DesiredReplicas: 3,
		Metrics: []replicas.MetricResult{{
			Spec: state.HPA.Spec.Metrics[0], Name: "http_requests", Valid: true,
			UsageRatio: 1, RebalancedRatio: 1, ProposedReplicas: 3, WithinTolerance: false,
		}},
	}
}

func run(state *gather.State, result *replicas.Result) []v1alpha1.Finding {
	return Diagnose(Input{State: state, Result: result, Now: now})
}

func codes(findings []v1alpha1.Finding) []string {
	var out []string
	for _, f := range findings {
		out = append(out, f.Code)
	}
	return out
}

func find(t *testing.T, findings []v1alpha1.Finding, code string) v1alpha1.Finding {
	t.Helper()
	for _, f := range findings {
		if f.Code == code {
			return f
		}
	}
	t.Fatalf("finding %s missing; got %v", code, codes(findings))
	return v1alpha1.Finding{}
}

func assertAbsent(t *testing.T, findings []v1alpha1.Finding, code string) {
	t.Helper()
	for _, f := range findings {
		if f.Code == code {
			t.Fatalf("unexpected finding %s: %s", code, f.Message)
		}
	}
}

func assertComplete(t *testing.T, f v1alpha1.Finding) {
	t.Helper()
	if f.Message == "" || f.Fix == "" || f.Severity == "" {
		t.Errorf("finding %s lacks message, fix or severity: %+v", f.Code, f)
	}
}

func TestHealthyStateHasNoFindings(t *testing.T) {
	state := healthyState()
	findings := run(state, healthyResult(state))
	if len(findings) != 0 {
		t.Fatalf("want no findings, got %v", codes(findings))
	}
}

func TestAPIServiceMissing(t *testing.T) {
	state := healthyState()
	state.APIServices = map[string]*gather.APIService{
		"v1beta1.custom.metrics.k8s.io": {Name: "v1beta1.custom.metrics.k8s.io", Error: &gather.SourceError{Code: 404, Reason: metav1.StatusReasonNotFound, Message: "not found"}},
		"v1beta2.custom.metrics.k8s.io": {Name: "v1beta2.custom.metrics.k8s.io", Error: &gather.SourceError{Code: 404, Reason: metav1.StatusReasonNotFound, Message: "not found"}},
	}
	state.Metrics[0].Values = nil
	state.Metrics[0].Error = &gather.SourceError{Source: "GET custom.metrics.k8s.io", Code: 404, Message: "the server could not find the requested resource"}

	findings := run(state, nil)
	f := find(t, findings, CodeAPIServiceMissing)
	assertComplete(t, f)
	if f.Severity != v1alpha1.SeverityError {
		t.Errorf("severity = %s, want error", f.Severity)
	}
	if !strings.Contains(f.Check, "kubectl get apiservices") {
		t.Errorf("check = %q, want a kubectl get apiservices command", f.Check)
	}
	// The APIService finding explains the 404, so no second finding.
	assertAbsent(t, findings, CodeMetricsAPINotFound)
	assertAbsent(t, findings, CodeMetricNotServed)
}

func TestAPIServiceUnavailable(t *testing.T) {
	state := healthyState()
	state.APIServices["v1beta2.custom.metrics.k8s.io"].Available = &metav1.Condition{
		Type: "Available", Status: metav1.ConditionFalse, Reason: "FailedDiscoveryCheck",
		Message: "failing or missing response from https://10.0.0.1:443",
	}
	f := find(t, run(state, nil), CodeAPIServiceUnavailable)
	assertComplete(t, f)
	if !strings.Contains(strings.Join(f.Evidence, " "), "FailedDiscoveryCheck") {
		t.Errorf("evidence %q lacks the condition reason", f.Evidence)
	}
	if !strings.Contains(strings.Join(f.Evidence, " "), "failing or missing response") {
		t.Errorf("evidence %q lacks the condition message", f.Evidence)
	}
}

func TestMetricNotServedSuggestsClosestNames(t *testing.T) {
	state := healthyState()
	state.HPA.Spec.Metrics[0].Pods.Metric.Name = "http_request"
	state.Metrics[0].Spec = state.HPA.Spec.Metrics[0]
	state.Metrics[0].Values = nil
	state.Metrics[0].Error = &gather.SourceError{Code: 404, Reason: metav1.StatusReasonNotFound, Message: "the server could not find the metric http_request for pods"}

	f := find(t, run(state, nil), CodeMetricNotServed)
	assertComplete(t, f)
	if !strings.Contains(f.Message, `"http_requests"`) {
		t.Errorf("message %q does not suggest http_requests", f.Message)
	}
	assertAbsent(t, run(state, nil), CodeMetricsAPINotFound)
}

func TestMetricsAPIErrors(t *testing.T) {
	cases := []struct {
		name string
		err  gather.SourceError
		code string
	}{
		{"forbidden", gather.SourceError{Code: 403, Reason: metav1.StatusReasonForbidden, Message: "forbidden"}, CodeMetricsAPIForbidden},
		{"not found but served", gather.SourceError{Code: 404, Reason: metav1.StatusReasonNotFound, Message: "no series"}, CodeMetricsAPINotFound},
		{"service unavailable", gather.SourceError{Code: 503, Reason: metav1.StatusReasonServiceUnavailable, Message: "the server is currently unable to handle the request"}, CodeMetricsAPIUnavailable},
		{"timed out", gather.SourceError{TimedOut: true, Message: "context deadline exceeded"}, CodeMetricsAPITimeout},
		{"other", gather.SourceError{Code: 400, Message: "bad request"}, CodeMetricsAPIError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := healthyState()
			state.Metrics[0].Values = nil
			err := tc.err
			state.Metrics[0].Error = &err
			f := find(t, run(state, nil), tc.code)
			assertComplete(t, f)
			if tc.code == CodeMetricsAPIForbidden {
				if f.Check != "kubectl auth can-i get pods.custom.metrics.k8s.io -n shop" {
					t.Errorf("check = %q, want a kubectl auth can-i command", f.Check)
				}
				return
			}
			if !strings.Contains(f.Check, "kubectl get --raw") {
				t.Errorf("check = %q, want a kubectl get --raw command", f.Check)
			}
			if !strings.Contains(f.Check, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/http_requests") {
				t.Errorf("check = %q does not name the metric path", f.Check)
			}
		})
	}
}

func TestNoPodValues(t *testing.T) {
	state := healthyState()
	state.Metrics[0].Values.Items = nil
	f := find(t, run(state, nil), CodeNoPodValues)
	if f.Severity != v1alpha1.SeverityError {
		t.Errorf("severity = %s, want error", f.Severity)
	}
	if !strings.Contains(f.Evidence[0], "web-1, web-2, web-3") {
		t.Errorf("evidence %q does not name the pods", f.Evidence[0])
	}
}

func TestPartialPodValuesNamesPods(t *testing.T) {
	state := healthyState()
	state.Metrics[0].Values.Items = state.Metrics[0].Values.Items[:1]
	findings := run(state, nil)
	f := find(t, findings, CodePartialPodValues)
	if !strings.Contains(f.Message, "2 of 3") {
		t.Errorf("message %q, want 2 of 3", f.Message)
	}
	if !strings.Contains(f.Evidence[0], "web-2, web-3") {
		t.Errorf("evidence %q does not name web-2 and web-3", f.Evidence[0])
	}
	assertAbsent(t, findings, CodeNoPodValues)
}

func TestPendingPodsAreNotMissing(t *testing.T) {
	state := healthyState()
	state.Pods[2].Status.Phase = corev1.PodPending
	state.Metrics[0].Values.Items = state.Metrics[0].Values.Items[:2]
	assertAbsent(t, run(state, nil), CodePartialPodValues)
}

func TestValuesOutsideSelectionAndOtherNamespace(t *testing.T) {
	state := healthyState()
	state.Metrics[0].Values.Items = nil
	state.Metrics[0].Unselected = &custommetricsv1beta2.MetricValueList{Items: []custommetricsv1beta2.MetricValue{
		podValue("web-canary-1", "shop", 100),
		podValue("web-1", "staging", 100),
	}}
	findings := run(state, nil)
	outside := find(t, findings, CodeValuesOutsideSelection)
	if !strings.Contains(outside.Evidence[0], "web-canary-1") {
		t.Errorf("evidence %q lacks web-canary-1", outside.Evidence[0])
	}
	other := find(t, findings, CodeValuesInOtherNamespace)
	if !strings.Contains(other.Evidence[0], "staging/web-1") {
		t.Errorf("evidence %q lacks staging/web-1", other.Evidence[0])
	}
}

func TestScaleTargetProblems(t *testing.T) {
	cases := []struct {
		name    string
		problem gather.TargetProblem
		err     gather.SourceError
		code    string
	}{
		{"missing", gather.TargetNotFound, gather.SourceError{Code: 404, Reason: metav1.StatusReasonNotFound, Message: "deployments.apps \"web\" not found"}, CodeScaleTargetMissing},
		{"no scale subresource", gather.TargetNoScaleSubresource, gather.SourceError{Code: 404, Message: "the server could not find the requested resource"}, CodeNoScaleSubresource},
		{"unknown kind", gather.TargetKindUnknown, gather.SourceError{Message: "no matches for kind \"Rollout\""}, CodeScaleTargetUnmapped},
		{"invalid apiVersion", gather.TargetRefInvalid, gather.SourceError{Message: "unexpected GroupVersion string: apps/v1/x"}, CodeScaleTargetUnmapped},
		{"forbidden", gather.TargetUnreadable, gather.SourceError{Code: 403, Reason: metav1.StatusReasonForbidden, Message: "forbidden"}, CodeScaleTargetUnreadable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := healthyState()
			state.Target.Scale = nil
			state.Target.Problem = tc.problem
			err := tc.err
			state.Target.Error = &err
			f := find(t, run(state, nil), tc.code)
			assertComplete(t, f)
		})
	}
}

func TestEmptyScaleSelector(t *testing.T) {
	state := healthyState()
	state.Target.Scale.Status.Selector = ""
	f := find(t, run(state, nil), CodeEmptyScaleSelector)
	assertComplete(t, f)
}

func TestNoPodsSelected(t *testing.T) {
	state := healthyState()
	state.Pods = nil
	state.Metrics[0].Values.Items = nil
	find(t, run(state, nil), CodeNoPodsSelected)
}

func TestOverlappingSelector(t *testing.T) {
	state := healthyState()
	stranger := readyPod("web-canary-1", "other-rs")
	stranger.OwnerReferences[0].Name = "web-canary-7c9"
	state.Pods = append(state.Pods, stranger)
	f := find(t, run(state, nil), CodeOverlappingSelector)
	if !strings.Contains(f.Evidence[0], "web-canary-1 (owner ReplicaSet/web-canary-7c9)") {
		t.Errorf("evidence %q does not name the stranger and its owner", f.Evidence[0])
	}
}

func TestSharedScaleTarget(t *testing.T) {
	state := healthyState()
	other := state.HPA.DeepCopy()
	other.Name = "web-cpu"
	state.NamespaceHPAs = []autoscalingv2.HorizontalPodAutoscaler{*state.HPA, *other}
	f := find(t, run(state, nil), CodeSharedScaleTarget)
	if !strings.Contains(f.Evidence[0], "web-cpu") {
		t.Errorf("evidence %q lacks web-cpu", f.Evidence[0])
	}
}

func TestAmbiguousSelectorCondition(t *testing.T) {
	state := healthyState()
	state.HPA.Status.Conditions[1] = autoscalingv2.HorizontalPodAutoscalerCondition{
		Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: "AmbiguousSelector",
		Message: "pods by selector app=web are controlled by more than one HPA",
	}
	find(t, run(state, nil), CodeAmbiguousSelector)
}

func TestControllerConditionFalse(t *testing.T) {
	state := healthyState()
	state.HPA.Status.Conditions[1] = autoscalingv2.HorizontalPodAutoscalerCondition{
		Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: "FailedGetPodsMetric",
		Message: "the HPA was unable to compute the replica count",
	}
	f := find(t, run(state, nil), CodeControllerCondition)
	if !strings.Contains(f.Evidence[0], "FailedGetPodsMetric") {
		t.Errorf("evidence %q lacks the reason", f.Evidence[0])
	}
}

func TestNormalFalseConditionsAreQuiet(t *testing.T) {
	state := healthyState()
	state.HPA.Status.Conditions = append(state.HPA.Status.Conditions,
		autoscalingv2.HorizontalPodAutoscalerCondition{Type: autoscalingv2.ScalingLimited, Status: corev1.ConditionFalse, Reason: "DesiredWithinRange"},
		autoscalingv2.HorizontalPodAutoscalerCondition{Type: autoscalingv2.ScaledToZero, Status: corev1.ConditionFalse, Reason: "NotScaledToZero"},
	)
	assertAbsent(t, run(state, healthyResult(state)), CodeControllerCondition)
}

func TestOwnershipUnknownWithoutReplicaSets(t *testing.T) {
	state := healthyState()
	state.ReplicaSets = nil
	state.ReplicaSetsError = &gather.SourceError{Code: 403, Message: "replicasets.apps is forbidden"}
	assertAbsent(t, run(state, healthyResult(state)), CodeOverlappingSelector)
}

func TestHPANotSynced(t *testing.T) {
	state := healthyState()
	state.HPA.Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
	find(t, run(state, nil), CodeHPANotSynced)
}

func cpuUtilizationState() *gather.State {
	state := healthyState()
	utilization := int32(60)
	state.HPA.Spec.Metrics = []autoscalingv2.MetricSpec{{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &utilization},
		},
	}}
	list := &metricsv1beta1.PodMetricsList{}
	for _, pod := range state.Pods {
		list.Items = append(list.Items, metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: "shop"},
			Timestamp:  metav1.NewTime(now.Add(-20 * time.Second)),
			Window:     metav1.Duration{Duration: 15 * time.Second},
			Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("150m")}}},
		})
	}
	state.Metrics = []gather.Metric{{Spec: state.HPA.Spec.Metrics[0]}}
	state.ResourceMetrics = &gather.ResourceMetrics{APIVersion: "metrics.k8s.io/v1beta1", List: list}
	state.APIServices = map[string]*gather.APIService{"v1beta1.metrics.k8s.io": availableService("v1beta1.metrics.k8s.io")}
	return state
}

func TestMissingRequestsNamesPodAndContainer(t *testing.T) {
	state := cpuUtilizationState()
	always := corev1.ContainerRestartPolicyAlways
	state.Pods[1].Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: &always}}
	state.Pods[2].Spec.InitContainers = []corev1.Container{{Name: "migrate"}} // not a sidecar: no request needed
	f := find(t, run(state, nil), CodeMissingRequests)
	if f.Evidence[0] != "missing: web-2/proxy" {
		t.Errorf("evidence = %q, want missing: web-2/proxy", f.Evidence[0])
	}
}

func TestPodLevelRequestsSatisfyUtilization(t *testing.T) {
	state := cpuUtilizationState()
	state.Pods[0].Spec.Containers[0].Resources = corev1.ResourceRequirements{}
	state.Pods[0].Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}
	assertAbsent(t, run(state, nil), CodeMissingRequests)
}

func TestResourceMetricsErrorReportedOnce(t *testing.T) {
	state := cpuUtilizationState()
	memory := state.HPA.Spec.Metrics[0]
	memory.Resource = &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory, Target: memory.Resource.Target}
	state.HPA.Spec.Metrics = append(state.HPA.Spec.Metrics, memory)
	state.Metrics = append(state.Metrics, gather.Metric{Spec: memory})
	state.ResourceMetrics.List = nil
	state.ResourceMetrics.Error = &gather.SourceError{Code: 503, Message: "service unavailable"}
	n := 0
	for _, f := range run(state, nil) {
		if f.Code == CodeMetricsAPIUnavailable {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("MetricsAPIUnavailable reported %d times, want once", n)
	}
}

func TestStaleMetric(t *testing.T) {
	state := healthyState()
	state.Metrics[0].Values.Items[1].Timestamp = metav1.NewTime(now.Add(-10 * time.Minute))
	f := find(t, run(state, nil), CodeStaleMetric)
	if !strings.Contains(f.Evidence[0], "web-2 (10m0s old)") {
		t.Errorf("evidence %q does not name web-2 with its age", f.Evidence[0])
	}
}

func TestPodTreatmentFindings(t *testing.T) {
	state := healthyState()
	result := healthyResult(state)
	result.Metrics[0].Pods = []replicas.PodResult{
		{Name: "web-1", State: replicas.PodReady},
		{Name: "web-2", State: replicas.PodUnready, Reason: "phase Pending", CountedAs: "0 (scale-up)"},
		{Name: "web-3", State: replicas.PodMissing, CountedAs: "target (scale-down)"},
		{Name: "web-4", State: replicas.PodIgnored, Reason: "being deleted"},
	}
	findings := run(state, result)
	unready := find(t, findings, CodeUnreadyPodsLeftOut)
	if !strings.Contains(unready.Evidence[0], "web-2 (http_requests; phase Pending; counted as 0 (scale-up))") {
		t.Errorf("evidence = %q", unready.Evidence[0])
	}
	missing := find(t, findings, CodeMissingPodsCounted)
	if !strings.Contains(missing.Evidence[0], "counted as target (scale-down)") {
		t.Errorf("evidence = %q", missing.Evidence[0])
	}
	find(t, findings, CodeIgnoredPods)
}

func TestWithinTolerance(t *testing.T) {
	state := healthyState()
	result := healthyResult(state)
	result.Metrics[0].UsageRatio = 1.06
	result.Metrics[0].RebalancedRatio = 1.06
	result.Metrics[0].WithinTolerance = true
	f := find(t, run(state, result), CodeWithinTolerance)
	if !strings.Contains(f.Message, "1.060") || !strings.Contains(f.Message, "[0.90, 1.10]") {
		t.Errorf("message %q lacks the ratio or the band", f.Message)
	}
}

func TestClampsAndLimits(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*gather.State, *replicas.Result)
		code   string
	}{
		{"pinned at max", func(s *gather.State, r *replicas.Result) {
			r.MetricProposal, r.Stabilized, r.LimitReason, r.DesiredReplicas = 14, 14, "TooManyReplicas", 10
		}, CodeClampedAtMax},
		{"held at min", func(s *gather.State, r *replicas.Result) {
			r.MetricProposal, r.Stabilized, r.LimitReason, r.DesiredReplicas = 0, 0, "TooFewReplicas", 1
		}, CodeClampedAtMin},
		{"scale-up rate limit", func(s *gather.State, r *replicas.Result) {
			r.MetricProposal, r.Stabilized, r.LimitReason, r.DesiredReplicas, r.Rescale = 9, 9, "ScaleUpLimit", 6, true
		}, CodeScaleUpLimited},
		{"scale-down policy", func(s *gather.State, r *replicas.Result) {
			s.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{}
			r.MetricProposal, r.Stabilized, r.LimitReason, r.DesiredReplicas, r.Rescale = 1, 1, "ScaleDownLimit", 2, true
		}, CodeScaleDownLimited},
		{"scale-up disabled", func(s *gather.State, r *replicas.Result) {
			disabled := autoscalingv2.DisabledPolicySelect
			s.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{SelectPolicy: &disabled}}
			r.MetricProposal, r.Stabilized, r.LimitReason, r.DesiredReplicas = 6, 6, "ScaleUpLimit", 3
		}, CodeScalingPolicyDisabled},
		{"current above max", func(s *gather.State, r *replicas.Result) {
			r.ComputedMetrics, r.CurrentReplicas, r.DesiredReplicas = false, 12, 10
			r.RescaleReason = "Current number of replicas above Spec.MaxReplicas"
		}, CodeClampedAtMax},
		{"current below min", func(s *gather.State, r *replicas.Result) {
			r.ComputedMetrics, r.CurrentReplicas, r.MinReplicas, r.DesiredReplicas = false, 1, 2, 2
			r.RescaleReason = "Current number of replicas below Spec.MinReplicas"
		}, CodeClampedAtMin},
		{"scale-down stabilized", func(s *gather.State, r *replicas.Result) {
			r.MetricProposal, r.Stabilized, r.StabilizationReason = 1, 3, "ScaleDownStabilized"
			r.Steps = []replicas.Step{{Text: "stabilization window keeps 3 (recommendation at 11:58:00)", Inferred: true}}
			r.Inferred = true
		}, CodeStabilizationHold},
		{"scaling disabled", func(s *gather.State, r *replicas.Result) {
			r.ScalingDisabled, r.ComputedMetrics, r.CurrentReplicas, r.DesiredReplicas = true, false, 0, 0
			s.Target.Scale.Spec.Replicas = 0
			s.HPA.Status.DesiredReplicas = 0
		}, CodeScalingDisabled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := healthyState()
			result := healthyResult(state)
			tc.mutate(state, result)
			state.HPA.Status.DesiredReplicas = result.DesiredReplicas
			f := find(t, run(state, result), tc.code)
			assertComplete(t, f)
		})
	}
}

func TestStabilizationHoldIsMarkedInferred(t *testing.T) {
	state := healthyState()
	result := healthyResult(state)
	result.MetricProposal, result.Stabilized, result.StabilizationReason, result.Inferred = 1, 3, "ScaleDownStabilized", true
	f := find(t, run(state, result), CodeStabilizationHold)
	if !f.Inferred {
		t.Error("finding not marked inferred although the history was reconstructed")
	}
}

func TestInvalidMetricBlocksScaleDown(t *testing.T) {
	state := healthyState()
	second := state.HPA.Spec.Metrics[0]
	second.Pods = &autoscalingv2.PodsMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth"}, Target: second.Pods.Target}
	state.HPA.Spec.Metrics = append(state.HPA.Spec.Metrics, second)
	state.Metrics = append(state.Metrics, gather.Metric{Spec: second, Error: &gather.SourceError{Code: 503, Message: "unavailable"}})
	result := healthyResult(state)
	result.MetricProposal = -1
	result.InvalidMetrics = 1
	result.MetricsError = "invalid metrics (1 invalid out of 2), first error is: unable to get metric queue_depth"
	result.Metrics = append(result.Metrics, replicas.MetricResult{Spec: second, Name: "queue_depth", Err: "unable to get metric queue_depth"})
	result.Metrics[0].ProposedReplicas = 1
	findings := run(state, result)
	find(t, findings, CodeInvalidMetricsBlock)
	find(t, findings, CodeMetricsAPIUnavailable)
	assertAbsent(t, findings, CodeMetricInvalid)
}

func TestMetricInvalidWithoutFetchError(t *testing.T) {
	state := healthyState()
	result := healthyResult(state)
	result.Metrics[0].Valid = false
	result.Metrics[0].Err = "did not receive metrics for targeted pods (pods might be unready)"
	result.MetricProposal = -1
	result.InvalidMetrics = 1
	f := find(t, run(state, result), CodeMetricInvalid)
	if f.Evidence[0] != result.Metrics[0].Err {
		t.Errorf("evidence = %q, want the controller's error", f.Evidence[0])
	}
}

func TestStatusDisagrees(t *testing.T) {
	state := healthyState()
	state.HPA.Status.DesiredReplicas = 5
	state.HPA.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricStatus{Metric: autoscalingv2.MetricIdentifier{Name: "http_requests"}, Current: autoscalingv2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(800, resource.DecimalSI)}},
	}}
	result := healthyResult(state)
	result.Metrics[0].Status = autoscalingv2.MetricStatus{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricStatus{Metric: autoscalingv2.MetricIdentifier{Name: "http_requests"}, Current: autoscalingv2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(500, resource.DecimalSI)}},
	}
	f := find(t, run(state, result), CodeStatusMismatch)
	joined := strings.Join(f.Evidence, "\n")
	if !strings.Contains(joined, "last saw 800m, now 500m") {
		t.Errorf("evidence %q does not show the changed metric", joined)
	}
}

func TestFindingsSortedBySeverity(t *testing.T) {
	state := healthyState()
	state.Metrics[0].Values.Items = state.Metrics[0].Values.Items[:1] // warning
	state.Target.Scale.Status.Selector = ""                           // error
	findings := run(state, nil)
	for i := 1; i < len(findings); i++ {
		if severityRank[findings[i-1].Severity] > severityRank[findings[i].Severity] {
			t.Fatalf("findings out of order: %v", codes(findings))
		}
	}
}

func TestClosestNames(t *testing.T) {
	served := []string{"http_requests_total", "http_requests", "queue_depth", "memory_rss"}
	got := closestNames("http_request", served, 2)
	if len(got) != 2 || got[0] != "http_requests" || got[1] != "http_requests_total" {
		t.Fatalf("closestNames = %v", got)
	}
	if got := closestNames("zzz", served, 3); len(got) != 0 {
		t.Fatalf("closestNames for an unrelated name = %v, want none", got)
	}
}
