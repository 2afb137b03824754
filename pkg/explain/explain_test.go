package explain

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

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// podsState returns an HPA "web" on Deployment "web" with a Pods metric
// http_requests (target 500m per pod) and one value per pod, in milli-units.
func podsState(values ...int64) *gather.State {
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
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{ObservedGeneration: &generation, CurrentReplicas: int32(len(values)), DesiredReplicas: int32(len(values))},
	}
	yes := true
	state := &gather.State{
		Namespace: "shop", Name: "web", GatheredAt: now, HPA: hpa,
		Target: gather.Target{Ref: hpa.Spec.ScaleTargetRef, Scale: &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "deploy"},
			Spec:       autoscalingv1.ScaleSpec{Replicas: int32(len(values))},
			Status:     autoscalingv1.ScaleStatus{Replicas: int32(len(values)), Selector: "app=web"},
		}},
		ReplicaSets: []metav1.PartialObjectMetadata{{ObjectMeta: metav1.ObjectMeta{
			Name: "web-1a", UID: "rs",
			OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: "web", UID: "deploy", Controller: &yes}},
		}}},
		Requests: 11,
	}
	list := &custommetricsv1beta2.MetricValueList{}
	start := metav1.NewTime(now.Add(-time.Hour))
	for i, v := range values {
		name := "web-" + string(rune('a'+i))
		state.Pods = append(state.Pods, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: start,
				OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-1a", UID: types.UID("rs"), Controller: &yes}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &start,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: start}}},
		})
		list.Items = append(list.Items, custommetricsv1beta2.MetricValue{
			DescribedObject: corev1.ObjectReference{Kind: "Pod", Name: name, Namespace: "shop"},
			Metric:          custommetricsv1beta2.MetricIdentifier{Name: "http_requests"},
			Timestamp:       metav1.NewTime(now.Add(-10 * time.Second)),
			Value:           *resource.NewMilliQuantity(v, resource.DecimalSI),
		})
	}
	state.Metrics = []gather.Metric{{Spec: hpa.Spec.Metrics[0], APIVersion: "custom.metrics.k8s.io/v1beta2", Values: list}}
	return state
}

func hasCode(e *v1alpha1.Explanation, code string) bool {
	for _, f := range e.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestBuildScaleUp(t *testing.T) {
	state := podsState(900, 900, 900)
	e := Build(state, Options{Config: replicas.DefaultConfig()})

	if e.APIVersion != v1alpha1.APIVersion || e.Kind != v1alpha1.Kind {
		t.Errorf("type meta = %s %s", e.APIVersion, e.Kind)
	}
	if e.Replicas.Recommended == nil || *e.Replicas.Recommended != 6 {
		t.Fatalf("recommended = %v, want 6 (ceil(1.8 × 3))", e.Replicas.Recommended)
	}
	if !strings.HasPrefix(e.Verdict, "Scaling up from 3 to 6 replicas: http_requests is 0.9 against a target of 0.5") {
		t.Errorf("verdict = %q", e.Verdict)
	}
	m := e.Metrics[0]
	if m.Current == nil || m.Current.Value != 0.9 || m.Current.Quantity != "900m" {
		t.Errorf("current = %+v, want 0.9 (900m)", m.Current)
	}
	if m.UsageRatio == nil || *m.UsageRatio != 1.8 {
		t.Errorf("usage ratio = %v, want 1.8", m.UsageRatio)
	}
	if len(m.Pods) != 3 || m.Pods[0].Value == nil || *m.Pods[0].Value != 0.9 {
		t.Errorf("pods = %+v", m.Pods)
	}
	if e.APIRequests != 11 {
		t.Errorf("apiRequests = %d, want the gathered count 11", e.APIRequests)
	}
	if !e.Pods[0].OwnedByTarget || e.Pods[0].Owner != "ReplicaSet/web-1a" {
		t.Errorf("pod ownership = %+v", e.Pods[0])
	}
}

func TestBuildWithinTolerance(t *testing.T) {
	e := Build(podsState(520, 530, 510), Options{Config: replicas.DefaultConfig()})
	if *e.Replicas.Recommended != 3 {
		t.Fatalf("recommended = %d, want 3", *e.Replicas.Recommended)
	}
	if !strings.HasPrefix(e.Verdict, "Stable at 3 replicas") || !strings.Contains(e.Verdict, "tolerance") {
		t.Errorf("verdict = %q", e.Verdict)
	}
	if !hasCode(e, diagnose.CodeWithinTolerance) {
		t.Errorf("findings lack WithinTolerance: %+v", e.Findings)
	}
}

func TestBuildHeldByMissingPods(t *testing.T) {
	state := podsState(600, 600, 600, 600)
	state.Metrics[0].Values.Items = state.Metrics[0].Values.Items[:2]
	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if *e.Replicas.Recommended != 4 {
		t.Fatalf("recommended = %d, want 4: the missing pods flip the ratio to the other side of 1", *e.Replicas.Recommended)
	}
	want := "Stable at 4 replicas: http_requests is 0.6 against a target of 0.5 (usage ratio 1.200), but counting 2 pods without a value at the controller's fallback turns the usage ratio to 0.600, so the proposal stays at 4"
	if !strings.HasPrefix(e.Verdict, want) {
		t.Errorf("verdict = %q\nwant prefix %q", e.Verdict, want)
	}
}

func TestBuildMissingPodsBringRatioIntoBand(t *testing.T) {
	state := podsState(755, 755, 755, 755, 755)
	state.Metrics[0].Values.Items = state.Metrics[0].Values.Items[:3]
	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if *e.Replicas.Recommended != 5 {
		t.Fatalf("recommended = %d, want 5", *e.Replicas.Recommended)
	}
	want := "turns the usage ratio to 0.906, inside the tolerance band, so the proposal stays at 5"
	if !strings.Contains(e.Verdict, want) {
		t.Errorf("verdict = %q\nwant it to contain %q", e.Verdict, want)
	}
}

func TestVerdictEndsWithOneMark(t *testing.T) {
	state := podsState(500, 500)
	state.HPA.Spec.Metrics[0].Pods.Metric.Name = "http_request"
	state.Metrics[0].Spec = state.HPA.Spec.Metrics[0]
	state.Metrics[0].Values = nil
	state.Metrics[0].Error = &gather.SourceError{Code: 404, Message: "the server could not find the metric http_request for pods"}
	state.CustomMetricsResources = &metav1.APIResourceList{GroupVersion: "custom.metrics.k8s.io/v1beta2", APIResources: []metav1.APIResource{{Name: "pods/http_requests"}}}
	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if !strings.HasSuffix(e.Verdict, `Did you mean "http_requests"?`) {
		t.Errorf("verdict = %q, want it to end with the question and no period", e.Verdict)
	}
}

func TestBuildPinnedAtMax(t *testing.T) {
	state := podsState(5000, 5000, 5000)
	state.HPA.Spec.MaxReplicas = 3
	state.HPA.Status.DesiredReplicas = 3
	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if *e.Replicas.Recommended != 3 {
		t.Fatalf("recommended = %d, want 3", *e.Replicas.Recommended)
	}
	if !strings.HasPrefix(e.Verdict, "Pinned at maxReplicas 3") {
		t.Errorf("verdict = %q", e.Verdict)
	}
	if !hasCode(e, diagnose.CodeClampedAtMax) {
		t.Errorf("findings lack ClampedAtMax")
	}
}

func TestBuildScaleDownHeldByInferredWindow(t *testing.T) {
	state := podsState(100, 100, 100)
	state.HPA.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{
		Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ScaleDownStabilized",
	}}
	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if *e.Replicas.Recommended != 3 {
		t.Fatalf("recommended = %d, want 3 held by the window", *e.Replicas.Recommended)
	}
	if !e.Replicas.Inferred {
		t.Error("replicas not marked inferred")
	}
	if !strings.Contains(e.Verdict, "stabilization window") || !strings.Contains(e.Verdict, "inferred") {
		t.Errorf("verdict = %q", e.Verdict)
	}
}

func TestBuildScaleDownWithoutHistory(t *testing.T) {
	e := Build(podsState(100, 100, 100), Options{Config: replicas.DefaultConfig()})
	if *e.Replicas.Recommended != 1 {
		t.Fatalf("recommended = %d, want 1 (ceil(0.2 × 3)); nothing held the scale-down", *e.Replicas.Recommended)
	}
	if !strings.HasPrefix(e.Verdict, "Scaling down from 3 to 1 replicas") {
		t.Errorf("verdict = %q", e.Verdict)
	}
}

func TestBuildTargetMissing(t *testing.T) {
	state := podsState(500)
	state.Target.Scale = nil
	state.Target.Problem = gather.TargetNotFound
	state.Target.Error = &gather.SourceError{Code: 404, Reason: metav1.StatusReasonNotFound, Message: "deployments.apps \"web\" not found"}
	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if e.Replicas.Recommended != nil {
		t.Errorf("recommended = %d, want none", *e.Replicas.Recommended)
	}
	if !strings.HasPrefix(e.Verdict, "Cannot recompute the decision: the scale target Deployment/web does not exist") {
		t.Errorf("verdict = %q", e.Verdict)
	}
}

func TestBuildAllMetricsInvalid(t *testing.T) {
	state := podsState(500, 500)
	state.Metrics[0].Values = nil
	state.Metrics[0].Error = &gather.SourceError{Code: 503, Message: "the server is currently unable to handle the request"}
	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if e.Replicas.Recommended != nil {
		t.Errorf("recommended = %d, want none: the controller stops on invalid metrics", *e.Replicas.Recommended)
	}
	if !strings.HasPrefix(e.Verdict, "Cannot scale: stuck at 2 replicas because the custom.metrics.k8s.io API answered 503") {
		t.Errorf("verdict = %q", e.Verdict)
	}
	if e.Metrics[0].Valid || e.Metrics[0].Error == "" {
		t.Errorf("metric = %+v, want invalid with an error", e.Metrics[0])
	}
}

func rescaleEvent(size string, at time.Time) corev1.Event {
	return corev1.Event{Reason: "SuccessfulRescale", Message: "New size: " + size + "; reason: pods metric http_requests above target", LastTimestamp: metav1.NewTime(at)}
}

func TestInferHistoryFromRescaleEvents(t *testing.T) {
	hpa := podsState(500).HPA
	events := []corev1.Event{
		rescaleEvent("6", now.Add(-2*time.Minute)),
		rescaleEvent("4", now.Add(-4*time.Minute)),
		rescaleEvent("3", now.Add(-3*time.Minute)),
		{Reason: "FailedGetPodsMetric", Message: "New size: 9; not a rescale", LastTimestamp: metav1.NewTime(now)},
	}
	h := InferHistory(hpa, events, now)
	if !h.Known || !h.Inferred {
		t.Fatalf("history flags = known %v inferred %v, want both", h.Known, h.Inferred)
	}
	recs := h.Recommendations
	if len(recs) != 4 || recs[1].Recommendation != 4 || recs[2].Recommendation != 3 || recs[3].Recommendation != 6 {
		t.Fatalf("recommendations = %+v, want the sentinel, then 4, 3, 6 oldest first", recs)
	}
	if !recs[0].Timestamp.Before(now.Add(-time.Hour)) {
		t.Errorf("sentinel at %s lies inside a possible window", recs[0].Timestamp)
	}
	if len(h.ScaleDownEvents) != 1 || h.ScaleDownEvents[0].Change != 1 {
		t.Errorf("scale-down events = %+v, want one of 1 replica", h.ScaleDownEvents)
	}
	if len(h.ScaleUpEvents) != 1 || h.ScaleUpEvents[0].Change != 3 || !h.ScaleUpEvents[0].Timestamp.Equal(now.Add(-2*time.Minute)) {
		t.Errorf("scale-up events = %+v, want one of 3 replicas 2m ago", h.ScaleUpEvents)
	}
}

func TestInferHistoryFromStabilizedCondition(t *testing.T) {
	hpa := podsState(500).HPA
	hpa.Status.DesiredReplicas = 7
	hpa.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ScaleDownStabilized"}}
	h := InferHistory(hpa, nil, now)
	if len(h.Recommendations) != 2 || h.Recommendations[1].Recommendation != 7 || !h.Recommendations[1].Timestamp.Equal(now) {
		t.Fatalf("recommendations = %+v, want the sentinel and 7 at now", h.Recommendations)
	}
}

func TestInferHistoryOfUnsyncedHPA(t *testing.T) {
	hpa := podsState(500).HPA
	hpa.Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
	if h := InferHistory(hpa, nil, now); h.Known {
		t.Fatalf("history of an HPA the controller never synced = %+v, want unknown", h)
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct {
		metric string
		value  v1alpha1.MetricValue
		want   string
	}{
		{"http_requests", v1alpha1.MetricValue{Type: "AverageValue", Value: 0.539}, "0.539"},
		{"cpu", v1alpha1.MetricValue{Type: "AverageValue", Value: 0.25}, "0.25 cores"},
		{"memory", v1alpha1.MetricValue{Type: "AverageValue", Value: 512 * 1024 * 1024}, "512Mi"},
		{"cpu", v1alpha1.MetricValue{Type: "Utilization", Value: 75}, "75% of request"},
		{"queue", v1alpha1.MetricValue{Type: "Value", Value: 1234567}, "1234567"},
	}
	for _, tc := range cases {
		if got := FormatValue(tc.metric, tc.value); got != tc.want {
			t.Errorf("FormatValue(%s, %v) = %q, want %q", tc.metric, tc.value.Value, got, tc.want)
		}
	}
}

func TestFitFirstRescaleToStatus(t *testing.T) {
	state := podsState(5000, 5000, 5000)
	zero := int32(0)
	state.HPA.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleUp: &autoscalingv2.HPAScalingRules{
			StabilizationWindowSeconds: &zero,
			Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 50, PeriodSeconds: 60}},
		},
	}
	state.HPA.Status.DesiredReplicas = 3
	state.HPA.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.ScalingLimited, Status: corev1.ConditionTrue, Reason: "ScaleUpLimit"}}
	state.Events = []corev1.Event{rescaleEvent("3", now.Add(-20*time.Second))}

	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if *e.Replicas.Recommended != 3 {
		t.Fatalf("recommended = %d, want 3: a rescale from 2 to 3 20s ago leaves no room under 50%% a minute", *e.Replicas.Recommended)
	}
	if !e.Replicas.Inferred {
		t.Error("replicas not marked inferred although the first rescale's change was fitted")
	}
	found := false
	for _, s := range e.Steps {
		if strings.Contains(s.Text, "2 reproduces the controller's last decision") && s.Inferred {
			found = true
		}
	}
	if !found {
		t.Errorf("steps lack the inferred fitting step: %+v", e.Steps)
	}

	// Without a disagreement with the status there is nothing to fit.
	state.HPA.Status.DesiredReplicas = 5
	e = Build(state, Options{Config: replicas.DefaultConfig()})
	if *e.Replicas.Recommended != 5 {
		t.Fatalf("recommended = %d, want 5 with no fitting", *e.Replicas.Recommended)
	}
}

func TestBuildNegativeValuesStillDecide(t *testing.T) {
	e := Build(podsState(-5000, 970, 970), Options{Config: replicas.DefaultConfig()})
	if e.Replicas.Recommended == nil {
		t.Fatalf("recommended = nil, want a decision: a negative proposal is valid, not blocked; verdict %q", e.Verdict)
	}
	if *e.Replicas.Recommended != 1 {
		t.Errorf("recommended = %d, want minReplicas 1", *e.Replicas.Recommended)
	}
	if strings.Contains(e.Verdict, "invalid metric") {
		t.Errorf("verdict = %q blames invalid metrics", e.Verdict)
	}
}

func TestBuildSharedTargetCannotScale(t *testing.T) {
	state := podsState(900, 900, 900)
	other := state.HPA.DeepCopy()
	other.Name = "web-cpu"
	state.NamespaceHPAs = []autoscalingv2.HorizontalPodAutoscaler{*state.HPA, *other}
	e := Build(state, Options{Config: replicas.DefaultConfig()})
	if e.Replicas.Recommended != nil {
		t.Errorf("recommended = %d, want none: the controller refuses to scale", *e.Replicas.Recommended)
	}
	if !strings.HasPrefix(e.Verdict, "Cannot scale: another HPA also scales Deployment/web") {
		t.Errorf("verdict = %q", e.Verdict)
	}
}

func TestChecksCarryKubectlFlags(t *testing.T) {
	state := podsState(500, 500)
	state.Metrics[0].Values = nil
	state.Metrics[0].Error = &gather.SourceError{Code: 403, Message: "forbidden"}
	e := Build(state, Options{Config: replicas.DefaultConfig(), KubectlFlags: []string{"--as=jane"}})
	found := false
	for _, f := range e.Findings {
		if strings.HasPrefix(f.Check, "kubectl --as=jane auth can-i") {
			found = true
		}
	}
	if !found {
		t.Errorf("no check command carries --as: %+v", e.Findings)
	}
}
