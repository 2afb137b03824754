package replicas

import (
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// metricCase checks the proposal of a single metric. The expected numbers
// are derived by hand from the controller's rules in each comment.
type metricCase struct {
	name     string
	spec     autoscalingv2.MetricSpec
	replicas int32
	pods     []*corev1.Pod
	metric   MetricInput
	// statusReplicas defaults to replicas.
	statusReplicas int32
	config         func(*Config)

	wantProposal int32
	wantRatio    float64
	wantWithin   bool
	// wantErr is a substring of MetricResult.Err; empty means valid.
	wantErr    string
	wantReason string
	// check runs extra assertions on the metric result.
	check func(t *testing.T, mr MetricResult)
}

func runMetricCase(t *testing.T, tc metricCase) MetricResult {
	t.Helper()
	in := newInput(newHPA(1, 100, tc.spec), tc.replicas, tc.pods, tc.metric)
	if tc.statusReplicas != 0 {
		in.StatusReplicas = tc.statusReplicas
	}
	if tc.config != nil {
		tc.config(&in.Config)
	}
	res := Compute(in)
	if res.Error != "" {
		t.Fatalf("Compute returned an input error: %s", res.Error)
	}
	if len(res.Metrics) != 1 {
		t.Fatalf("got %d metric results, want 1", len(res.Metrics))
	}
	mr := res.Metrics[0]

	if tc.wantErr != "" {
		if mr.Valid {
			t.Fatalf("metric is valid with proposal %d, want error containing %q", mr.ProposedReplicas, tc.wantErr)
		}
		if !strings.Contains(mr.Err, tc.wantErr) {
			t.Errorf("error %q does not contain %q", mr.Err, tc.wantErr)
		}
		if tc.wantReason != "" && mr.ErrReason != tc.wantReason {
			t.Errorf("error reason %q, want %q", mr.ErrReason, tc.wantReason)
		}
	} else {
		if !mr.Valid {
			t.Fatalf("metric is invalid: %s\nsteps: %s", mr.Err, strings.Join(mr.Steps, "\n"))
		}
		if mr.ProposedReplicas != tc.wantProposal {
			t.Errorf("proposal %d, want %d\nsteps: %s", mr.ProposedReplicas, tc.wantProposal, strings.Join(mr.Steps, "\n"))
		}
		if tc.wantRatio != 0 && mr.UsageRatio != tc.wantRatio {
			t.Errorf("usage ratio %v, want %v", mr.UsageRatio, tc.wantRatio)
		}
		if mr.WithinTolerance != tc.wantWithin {
			t.Errorf("within tolerance %v, want %v", mr.WithinTolerance, tc.wantWithin)
		}
	}
	if tc.check != nil {
		tc.check(t, mr)
	}
	return mr
}

func TestMetricSourceAndTargetTypes(t *testing.T) {
	cases := []metricCase{
		{
			// 2700m used of 3000m requested = 90%; 90/50 = 1.8; ceil(1.8 × 3) = 6.
			name:     "Resource Utilization scale-up",
			spec:     resourceUtilization(corev1.ResourceCPU, 50),
			replicas: 3, pods: podList(3),
			metric:       podMetrics(samplesFor(900, 900, 900)),
			wantProposal: 6, wantRatio: 1.8,
			check: func(t *testing.T, mr MetricResult) {
				cur := mr.Status.Resource.Current
				if *cur.AverageUtilization != 90 {
					t.Errorf("status utilization %d, want 90", *cur.AverageUtilization)
				}
				if cur.AverageValue.String() != "900m" {
					t.Errorf("status average value %s, want 900m", cur.AverageValue)
				}
				if mr.Status.Type != autoscalingv2.ResourceMetricSourceType || mr.Status.Resource.Name != corev1.ResourceCPU {
					t.Errorf("status type %s name %s, want Resource cpu", mr.Status.Type, mr.Status.Resource.Name)
				}
				if mr.Description != "cpu resource utilization (percentage of request)" {
					t.Errorf("description %q", mr.Description)
				}
			},
		},
		{
			// 1600m of 3000m = 53% (53.3 truncated); 53/50 = 1.06 is inside [0.9, 1.1].
			name:     "Resource Utilization within tolerance",
			spec:     resourceUtilization(corev1.ResourceCPU, 50),
			replicas: 3, pods: podList(3),
			metric:       podMetrics(samplesFor(550, 520, 530)),
			wantProposal: 3, wantRatio: 1.06, wantWithin: true,
		},
		{
			// 1Gi per pod against 512Mi: usage ratio 2; ceil(2 × 3) = 6.
			name:     "Resource AverageValue memory",
			spec:     resourceAverage(corev1.ResourceMemory, "512Mi"),
			replicas: 3, pods: podList(3),
			metric:       podMetrics(samplesFor(1073741824000, 1073741824000, 1073741824000)),
			wantProposal: 6, wantRatio: 2,
			check: func(t *testing.T, mr MetricResult) {
				cur := mr.Status.Resource.Current
				if cur.AverageUtilization != nil {
					t.Errorf("status utilization %d, want none for an AverageValue target", *cur.AverageUtilization)
				}
				if cur.AverageValue.String() != "1Gi" {
					t.Errorf("status average value %s, want 1Gi", cur.AverageValue)
				}
				if mr.Description != "memory resource" {
					t.Errorf("description %q, want %q", mr.Description, "memory resource")
				}
			},
		},
		{
			// Container app requests 500m; 900m of 1000m = 90%; 90/60 = 1.5; ceil(1.5 × 2) = 3.
			name:         "ContainerResource Utilization",
			spec:         containerUtilization(corev1.ResourceCPU, "app", 60),
			replicas:     2,
			pods:         podList(2, withContainers(container("app", "cpu", "500m"), container("proxy", "cpu", "250m"))),
			metric:       podMetrics(samplesFor(450, 450)),
			wantProposal: 3, wantRatio: 1.5,
			check: func(t *testing.T, mr MetricResult) {
				if mr.Status.Type != autoscalingv2.ContainerResourceMetricSourceType || mr.Status.ContainerResource.Container != "app" {
					t.Errorf("status %+v, want ContainerResource for container app", mr.Status)
				}
				if *mr.Pods[0].Request != 500 {
					t.Errorf("pod-0 request %d, want 500 (the app container's only)", *mr.Pods[0].Request)
				}
				if mr.Description != "cpu container resource utilization (percentage of request)" {
					t.Errorf("description %q", mr.Description)
				}
			},
		},
		{
			// 300m average against 200m: 1.5; ceil(1.5 × 2) = 3.
			name:     "ContainerResource AverageValue",
			spec:     containerAverage(corev1.ResourceCPU, "app", "200m"),
			replicas: 2, pods: podList(2),
			metric:       podMetrics(samplesFor(300, 300)),
			wantProposal: 3, wantRatio: 1.5,
		},
		{
			// 1617 / 3 = 539 per pod; 539/500 = 1.078 is inside the band.
			name:     "Pods AverageValue within tolerance",
			spec:     podsAverage("http_requests", "500m"),
			replicas: 3, pods: podList(3),
			metric:       podMetrics(samplesFor(539, 539, 539)),
			wantProposal: 3, wantRatio: 1.078, wantWithin: true,
			check: func(t *testing.T, mr MetricResult) {
				if got := mr.Status.Pods.Current.AverageValue.String(); got != "539m" {
					t.Errorf("status average %s, want 539m", got)
				}
				want := "sum of 3 pods' values 1.617 / 3 = 0.539 per pod; target 0.5; usage ratio 1.078"
				if !containsStep(mr.Steps, want) {
					t.Errorf("steps %q lack %q", mr.Steps, want)
				}
			},
		},
		{
			// 3000 / 3 = 1000 per pod against 500: 2; ceil(2 × 3) = 6.
			name:     "Pods AverageValue scale-up",
			spec:     podsAverage("http_requests", "500m"),
			replicas: 3, pods: podList(3),
			metric:       podMetrics(samplesFor(1000, 1200, 800)),
			wantProposal: 6, wantRatio: 2,
		},
		{
			// 25 / 10 = 2.5; ceil(2.5 × 3 ready pods) = 8.
			name:     "Object Value",
			spec:     objectValue("requests_per_second", "10"),
			replicas: 3, pods: podList(3),
			metric:       value(25000),
			wantProposal: 8, wantRatio: 2.5,
			check: func(t *testing.T, mr MetricResult) {
				if got := mr.Status.Object.Current.Value.String(); got != "25" {
					t.Errorf("status value %s, want 25", got)
				}
				if !mr.Timestamp.IsZero() {
					t.Errorf("timestamp %v, want zero: the controller drops it for Object Value targets", mr.Timestamp)
				}
				if mr.Description != "Ingress metric requests_per_second" {
					t.Errorf("description %q", mr.Description)
				}
			},
		},
		{
			// 45 / (10 × 3) = 1.5; ceil(45 / 10) = 5; status ceil(45 / 3) = 15.
			name:     "Object AverageValue",
			spec:     objectAverage("requests_per_second", "10"),
			replicas: 3, pods: podList(3),
			metric:       value(45000),
			wantProposal: 5, wantRatio: 1.5,
			check: func(t *testing.T, mr MetricResult) {
				if got := mr.Status.Object.Current.AverageValue.String(); got != "15" {
					t.Errorf("status average %s, want 15", got)
				}
				if !mr.Timestamp.Equal(now) {
					t.Errorf("timestamp %v, want the sample time", mr.Timestamp)
				}
				if mr.Description != "external metric requests_per_second(nil)" {
					t.Errorf("description %q, want the controller's External wording", mr.Description)
				}
			},
		},
		{
			// (150 + 50) / 100 = 2; ceil(2 × 4 ready pods) = 8.
			name:     "External Value",
			spec:     externalValue("queue_length", "100"),
			replicas: 4, pods: podList(4),
			metric:       MetricInput{ExternalValues: []int64{150000, 50000}, Timestamp: now},
			wantProposal: 8, wantRatio: 2,
			check: func(t *testing.T, mr MetricResult) {
				if got := mr.Status.External.Current.Value.String(); got != "200" {
					t.Errorf("status value %s, want 200", got)
				}
			},
		},
		{
			// 80 / (20 × 2) = 2; ceil(80 / 20) = 4; status ceil(80 / 2) = 40.
			name:     "External AverageValue",
			spec:     externalAverage("queue_length", "20"),
			replicas: 2, pods: podList(2),
			metric:       MetricInput{ExternalValues: []int64{30000, 50000}, Timestamp: now},
			wantProposal: 4, wantRatio: 2,
			check: func(t *testing.T, mr MetricResult) {
				if got := mr.Status.External.Current.AverageValue.String(); got != "40" {
					t.Errorf("status average %s, want 40", got)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runMetricCase(t, tc) })
	}
}

func containsStep(steps []string, want string) bool {
	for _, s := range steps {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}
