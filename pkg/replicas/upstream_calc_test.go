package replicas

// The cases in this file re-express scenarios from the upstream replica
// calculator tests (pkg/controller/podautoscaler/replica_calculator_test.go
// in kubernetes v1.37.2) with this package's inputs. Pods are named
// test-pod-N and have two containers. The reduction helpers turn API lists
// into samples. As upstream configures its tests, the CPU initialization
// period is 2 minutes and the initial readiness delay 10 seconds.

import (
	"fmt"
	"math"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	externalmetricsv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

var (
	hot  = now                       // started inside the 2m CPU initialization period
	cool = now.Add(-3 * time.Minute) // started before it
)

// calcFixture describes pods and samples the way the upstream tests do.
// Per-pod slices shorter than the pod count leave the default: Ready True,
// Running, not deleting, a zero start time.
type calcFixture struct {
	replicas int32
	// cpuRequests are per pod and apply to both containers; a pod past the
	// end of the list has no requests.
	cpuRequests []string
	// levels[i][j] is container j's cpu usage in pod i, in milli-cores. A
	// pod with fewer than two levels has an unnamed container without usage.
	levels [][]int64
	// metricNames overrides the pod names in the metrics list.
	metricNames []string
	readiness   []corev1.ConditionStatus
	startTimes  []time.Time
	phases      []corev1.PodPhase
	deleted     []bool
}

func (f calcFixture) podCount() int {
	n := int(f.replicas)
	if len(f.phases) > n {
		n = len(f.phases)
	}
	return n
}

// pods builds the pod list. Like the upstream fixture, every pod has a
// start time (the zero time by default) and a Ready condition whose last
// transition is the zero time.
func (f calcFixture) pods() []*corev1.Pod {
	pods := make([]*corev1.Pod, f.podCount())
	for i := range pods {
		readiness := corev1.ConditionTrue
		if i < len(f.readiness) {
			readiness = f.readiness[i]
		}
		var start metav1.Time
		if i < len(f.startTimes) {
			start = metav1.NewTime(f.startTimes[i])
		}
		phase := corev1.PodRunning
		if i < len(f.phases) {
			phase = f.phases[i]
		}

		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("test-pod-%d", i), Namespace: "test-namespace"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "container1"}, {Name: "container2"}}},
			Status: corev1.PodStatus{
				Phase:      phase,
				StartTime:  &start,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: readiness}},
			},
		}
		if i < len(f.deleted) && f.deleted[i] {
			ts := metav1.NewTime(now)
			p.DeletionTimestamp = &ts
		}
		if i < len(f.cpuRequests) {
			for j := range p.Spec.Containers {
				p.Spec.Containers[j].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(f.cpuRequests[i])}
			}
		}
		pods[i] = p
	}
	return pods
}

// resourceList builds the metrics.k8s.io PodMetricsList with a zero
// timestamp and a one-minute window, as the upstream fixture does.
func (f calcFixture) resourceList() *metricsv1beta1.PodMetricsList {
	list := &metricsv1beta1.PodMetricsList{}
	for i, levels := range f.levels {
		name := fmt.Sprintf("test-pod-%d", i)
		if i < len(f.metricNames) {
			name = f.metricNames[i]
		}
		m := metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "test-namespace"},
			Window:     metav1.Duration{Duration: time.Minute},
			Containers: make([]metricsv1beta1.ContainerMetrics, 2),
		}
		for j, level := range levels {
			m.Containers[j] = metricsv1beta1.ContainerMetrics{
				Name:  fmt.Sprintf("container%d", j+1),
				Usage: corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(level, resource.DecimalSI)},
			}
		}
		list.Items = append(list.Items, m)
	}
	return list
}

// sameLevels gives both containers of pod i the usage levels[i].
func sameLevels(levels ...int64) [][]int64 {
	out := make([][]int64, len(levels))
	for i, l := range levels {
		out[i] = []int64{l, l}
	}
	return out
}

func repeat(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func upstreamInput(spec autoscalingv2.MetricSpec, replicas int32, pods []*corev1.Pod, mi MetricInput, tol *Tolerances) Input {
	hpa := newHPA(1, math.MaxInt32, spec)
	hpa.Namespace = "test-namespace"
	in := newInput(hpa, replicas, pods, mi)
	in.Config.CPUInitializationPeriod = 2 * time.Minute
	in.Config.DelayOfInitialReadinessStatus = 10 * time.Second
	if tol != nil {
		hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleUp:   &autoscalingv2.HPAScalingRules{Tolerance: resource.NewMilliQuantity(int64(math.Round(tol.ScaleUp*1000)), resource.DecimalSI)},
			ScaleDown: &autoscalingv2.HPAScalingRules{Tolerance: resource.NewMilliQuantity(int64(math.Round(tol.ScaleDown*1000)), resource.DecimalSI)},
		}
	}
	return in
}

func TestUpstreamResourceUtilization(t *testing.T) {
	ready, unready := corev1.ConditionTrue, corev1.ConditionFalse
	mixed := []string{"0.9", "1.0", "1.1"}
	cases := []struct {
		name      string
		f         calcFixture
		container string
		target    int32
		tol       *Tolerances

		want            int32
		wantUtilization int32
		wantRaw         int64
		wantErr         string
	}{
		{name: "scale up", f: calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: sameLevels(300, 500, 700)},
			target: 30, want: 5, wantUtilization: 50, wantRaw: 1000},
		{name: "scale up container metric", container: "container2",
			f:      calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: [][]int64{{1000, 300}, {1000, 500}, {1000, 700}}},
			target: 30, want: 5, wantUtilization: 50, wantRaw: 500},
		{name: "scale up unready pod scales less",
			f:      calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: sameLevels(300, 500, 700), readiness: []corev1.ConditionStatus{unready, ready, ready}},
			target: 30, want: 4, wantUtilization: 60, wantRaw: 1200},
		{name: "scale up hot cpu container scales less", container: "container2",
			f:      calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: [][]int64{{0, 300}, {0, 500}, {0, 700}}, startTimes: []time.Time{hot, cool, cool}},
			target: 30, want: 4, wantUtilization: 60, wantRaw: 600},
		{name: "scale up hot cpu pod scales less",
			f:      calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: sameLevels(300, 500, 700), startTimes: []time.Time{hot, cool, cool}},
			target: 30, want: 4, wantUtilization: 60, wantRaw: 1200},
		{name: "no scale unready pods ignored",
			f:      calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: sameLevels(400, 500, 700), readiness: []corev1.ConditionStatus{ready, unready, unready}},
			target: 30, want: 3, wantUtilization: 40, wantRaw: 800},
		{name: "no scale hot cpu pods ignored",
			f: calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: sameLevels(400, 500, 700),
				readiness: []corev1.ConditionStatus{ready, unready, unready}, startTimes: []time.Time{cool, hot, hot}},
			target: 30, want: 3, wantUtilization: 40, wantRaw: 800},
		{name: "scale up failed pods ignored",
			f: calcFixture{replicas: 2, cpuRequests: repeat(4, "1.0"), levels: sameLevels(500, 700),
				readiness: []corev1.ConditionStatus{ready, ready, unready, unready},
				phases:    []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed}},
			target: 30, want: 4, wantUtilization: 60, wantRaw: 1200},
		{name: "scale up failed pods ignored with missing container metric", container: "container2",
			f: calcFixture{replicas: 2, cpuRequests: repeat(4, "1.0"), levels: [][]int64{{1000, 500}, {9000, 700}, {1000}, {9000}},
				readiness: []corev1.ConditionStatus{ready, ready, unready, unready},
				phases:    []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed}},
			target: 30, want: 4, wantUtilization: 60, wantRaw: 600},
		{name: "scale up pods being deleted ignored",
			f: calcFixture{replicas: 2, cpuRequests: repeat(4, "1.0"), levels: sameLevels(500, 700),
				readiness: []corev1.ConditionStatus{ready, ready, unready, unready},
				phases:    []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning},
				deleted:   []bool{false, false, true, true}},
			target: 30, want: 4, wantUtilization: 60, wantRaw: 1200},
		{name: "scale down", f: calcFixture{replicas: 5, cpuRequests: repeat(5, "1.0"), levels: sameLevels(100, 300, 500, 250, 250)},
			target: 50, want: 3, wantUtilization: 28, wantRaw: 560},
		{name: "scale down container metric", container: "container2",
			f:      calcFixture{replicas: 5, cpuRequests: repeat(5, "1.0"), levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			target: 50, want: 3, wantUtilization: 28, wantRaw: 280},
		{name: "scale down excludes unready pods",
			f: calcFixture{replicas: 5, cpuRequests: repeat(5, "1.0"), levels: sameLevels(100, 300, 500, 250, 250),
				readiness: []corev1.ConditionStatus{ready, ready, ready, unready, unready}},
			target: 50, want: 2, wantUtilization: 30, wantRaw: 600},
		{name: "scale down excludes unscheduled pods",
			f: calcFixture{replicas: 5, cpuRequests: repeat(5, "1.0"), levels: sameLevels(100),
				readiness: []corev1.ConditionStatus{ready, unready, unready, unready, unready},
				phases:    []corev1.PodPhase{corev1.PodRunning, corev1.PodPending, corev1.PodPending, corev1.PodPending, corev1.PodPending}},
			target: 50, want: 1, wantUtilization: 10, wantRaw: 200},
		{name: "scale down ignores hot cpu pods",
			f: calcFixture{replicas: 5, cpuRequests: repeat(5, "1.0"), levels: sameLevels(100, 300, 500, 250, 250),
				startTimes: []time.Time{cool, cool, cool, hot, hot}},
			target: 50, want: 2, wantUtilization: 30, wantRaw: 600},
		{name: "scale down failed pods ignored",
			f: calcFixture{replicas: 5, cpuRequests: repeat(7, "1.0"), levels: sameLevels(100, 300, 500, 250, 250),
				readiness: []corev1.ConditionStatus{ready, ready, ready, ready, ready, unready, unready},
				phases:    []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed}},
			target: 50, want: 3, wantUtilization: 28, wantRaw: 560},
		{name: "scale down still-running pods being deleted ignored", container: "container2",
			f: calcFixture{replicas: 5, cpuRequests: repeat(7, "1.0"), levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}},
				readiness: []corev1.ConditionStatus{ready, ready, ready, ready, ready, unready, unready},
				phases:    []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning},
				deleted:   []bool{false, false, false, false, false, true, true}},
			target: 50, want: 3, wantUtilization: 28, wantRaw: 280},

		// Tolerances.
		{name: "within default tolerance", f: calcFixture{replicas: 3, cpuRequests: mixed, levels: sameLevels(1010, 1030, 1020)},
			target: 100, want: 3, wantUtilization: 102, wantRaw: 2040},
		{name: "outside 0% tolerance", tol: &Tolerances{0, 0}, f: calcFixture{replicas: 3, cpuRequests: mixed, levels: sameLevels(909, 1010, 1111)},
			target: 100, want: 4, wantUtilization: 101, wantRaw: 2020},
		{name: "within 200% scale-up tolerance", tol: &Tolerances{ScaleDown: 0.1, ScaleUp: 2}, f: calcFixture{replicas: 3, cpuRequests: mixed, levels: sameLevels(1890, 1910, 1900)},
			target: 100, want: 3, wantUtilization: 190, wantRaw: 3800},
		{name: "outside 8% scale-up tolerance", tol: &Tolerances{ScaleDown: 2, ScaleUp: 0.08}, f: calcFixture{replicas: 3, cpuRequests: mixed, levels: sameLevels(1100, 1080, 1090)},
			target: 100, want: 4, wantUtilization: 109, wantRaw: 2180},
		{name: "within 36% scale-down tolerance", tol: &Tolerances{ScaleDown: 0.36, ScaleUp: 0.1}, f: calcFixture{replicas: 3, cpuRequests: mixed, levels: sameLevels(660, 640, 650)},
			target: 100, want: 3, wantUtilization: 65, wantRaw: 1300},
		{name: "outside 34% scale-down tolerance", tol: &Tolerances{ScaleDown: 0.34, ScaleUp: 0.1}, f: calcFixture{replicas: 3, cpuRequests: mixed, levels: sameLevels(660, 640, 650)},
			target: 100, want: 2, wantUtilization: 65, wantRaw: 1300},

		// Missing, superfluous and disjoint samples.
		{name: "superfluous metrics counted", f: calcFixture{replicas: 4, cpuRequests: repeat(4, "1.0"), levels: sameLevels(4000, 9500, 3000, 7000, 3200, 2000)},
			target: 100, want: 24, wantUtilization: 587, wantRaw: 11750},
		{name: "some pods missing metrics scales down", f: calcFixture{replicas: 4, cpuRequests: repeat(4, "1.0"), levels: sameLevels(400, 95)},
			target: 100, want: 3, wantUtilization: 24, wantRaw: 495},
		{name: "no change metric equal to target", f: calcFixture{replicas: 2, cpuRequests: repeat(2, "1.0"), levels: sameLevels(1000)},
			target: 100, want: 2, wantUtilization: 100, wantRaw: 2000},
		{name: "no change metric above target", f: calcFixture{replicas: 2, cpuRequests: repeat(2, "1.0"), levels: sameLevels(1900)},
			target: 100, want: 2, wantUtilization: 190, wantRaw: 3800},
		{name: "no change metric below target", f: calcFixture{replicas: 2, cpuRequests: repeat(2, "1.0"), levels: sameLevels(600)},
			target: 100, want: 2, wantUtilization: 60, wantRaw: 1200},
		{name: "no change unready pod metric missing",
			f:      calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: sameLevels(100, 450), readiness: []corev1.ConditionStatus{unready, ready, ready}},
			target: 50, want: 3, wantUtilization: 45, wantRaw: 900},
		{name: "no change hot cpu pod metric missing",
			f:      calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: sameLevels(100, 450), startTimes: []time.Time{hot, cool, cool}},
			target: 50, want: 3, wantUtilization: 45, wantRaw: 900},
		{name: "scale up unready pod metric missing",
			f:      calcFixture{replicas: 3, cpuRequests: repeat(3, "1.0"), levels: sameLevels(100, 2000), readiness: []corev1.ConditionStatus{unready, ready, ready}},
			target: 50, want: 4, wantUtilization: 200, wantRaw: 4000},
		{name: "scale down unready pod metric missing",
			f:      calcFixture{replicas: 4, cpuRequests: repeat(4, "1.0"), levels: sameLevels(100, 100, 100), readiness: []corev1.ConditionStatus{unready, ready, ready, ready}},
			target: 50, want: 3, wantUtilization: 10, wantRaw: 200},
		{name: "scale down target over 100",
			f: calcFixture{replicas: 4, cpuRequests: []string{"1.0", "1.0", "2.0", "2.0"}, levels: sameLevels(200, 100, 100),
				readiness: []corev1.ConditionStatus{unready, ready, ready, ready}},
			target: 300, want: 2, wantUtilization: 6, wantRaw: 200},
		{name: "rolling update extra pod missing metric",
			f: calcFixture{replicas: 2, cpuRequests: repeat(3, "1.0"), levels: sameLevels(100, 100),
				phases: []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodRunning}},
			target: 50, want: 2, wantUtilization: 10, wantRaw: 200},
		{name: "disjoint pod and metric names",
			f:      calcFixture{replicas: 1, cpuRequests: repeat(1, "1.0"), levels: sameLevels(100), metricNames: []string{"an-older-pod-name"}},
			target: 100, wantErr: "no metrics returned matched known pods"},
		{name: "no metrics from the metrics API", f: calcFixture{replicas: 4, cpuRequests: repeat(3, "1.0")},
			target: 100, wantErr: "unable to get metrics for resource cpu: no metrics returned from resource metrics API"},
		{name: "missing cpu request", f: calcFixture{replicas: 1, levels: sameLevels(200)},
			target: 100, wantErr: "missing request for cpu in container container1 of Pod test-pod-0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			samples, ts, err := ResourcePodMetrics(tc.f.resourceList(), corev1.ResourceCPU, tc.container)
			mi := MetricInput{PodMetrics: samples, Timestamp: ts, Err: err}
			spec := resourceUtilization(corev1.ResourceCPU, tc.target)
			if tc.container != "" {
				spec = containerUtilization(corev1.ResourceCPU, tc.container, tc.target)
			}
			res := Compute(upstreamInput(spec, tc.f.replicas, tc.f.pods(), mi, tc.tol))
			mr := res.Metrics[0]

			if tc.wantErr != "" {
				if mr.Valid {
					t.Fatalf("valid with proposal %d, want error %q", mr.ProposedReplicas, tc.wantErr)
				}
				if !containsStep([]string{mr.Err}, tc.wantErr) {
					t.Errorf("error %q does not contain %q", mr.Err, tc.wantErr)
				}
				return
			}
			if !mr.Valid {
				t.Fatalf("invalid: %s", mr.Err)
			}
			if mr.ProposedReplicas != tc.want {
				t.Errorf("proposal %d, want %d\n%v", mr.ProposedReplicas, tc.want, mr.Steps)
			}
			current := statusCurrent(mr.Status)
			if got := *current.AverageUtilization; got != tc.wantUtilization {
				t.Errorf("utilization %d, want %d", got, tc.wantUtilization)
			}
			if got := current.AverageValue.MilliValue(); got != tc.wantRaw {
				t.Errorf("raw average %d, want %d", got, tc.wantRaw)
			}
		})
	}
}

// statusCurrent returns the current value of a Resource or ContainerResource
// metric status.
func statusCurrent(s autoscalingv2.MetricStatus) autoscalingv2.MetricValueStatus {
	if s.ContainerResource != nil {
		return s.ContainerResource.Current
	}
	return s.Resource.Current
}

// TestUpstreamComputedTolerance back-calculates a target just outside and
// just inside the default tolerance, as the upstream regression test does:
// 10 pods use 300m each of about 600m requested (50%). A 56% target gives
// 50/56 = 0.893, just below 0.9, so ceil(8.93) = 9; a 55% target gives
// 0.909, inside the band.
func TestUpstreamComputedTolerance(t *testing.T) {
	requests := []string{"400m", "200m", "310m", "290m", "302m", "298m", "301m", "299m", "300m", "300m"}
	f := calcFixture{replicas: 10, cpuRequests: requests, levels: sameLevels(150, 150, 150, 150, 150, 150, 150, 150, 150, 150)}
	for _, tc := range []struct {
		target int32
		want   int32
	}{{56, 9}, {55, 10}} {
		samples, ts, err := ResourcePodMetrics(f.resourceList(), corev1.ResourceCPU, "")
		res := Compute(upstreamInput(resourceUtilization(corev1.ResourceCPU, tc.target), 10, f.pods(), MetricInput{PodMetrics: samples, Timestamp: ts, Err: err}, nil))
		mr := res.Metrics[0]
		if mr.ProposedReplicas != tc.want {
			t.Errorf("target %d%%: proposal %d, want %d", tc.target, mr.ProposedReplicas, tc.want)
		}
		if got := *mr.Status.Resource.Current.AverageUtilization; got != 50 {
			t.Errorf("target %d%%: utilization %d, want 50", tc.target, got)
		}
	}
}

// customList builds a custom metrics MetricValueList for test-pod-0,
// test-pod-1, ...
func customList(levels ...int64) *custommetricsv1beta2.MetricValueList {
	list := &custommetricsv1beta2.MetricValueList{}
	for i, l := range levels {
		list.Items = append(list.Items, custommetricsv1beta2.MetricValue{
			DescribedObject: corev1.ObjectReference{Kind: "Pod", Name: fmt.Sprintf("test-pod-%d", i), Namespace: "test-namespace"},
			Metric:          custommetricsv1beta2.MetricIdentifier{Name: "qps"},
			Value:           *resource.NewMilliQuantity(l, resource.DecimalSI),
		})
	}
	return list
}

func externalList(levels ...int64) *externalmetricsv1beta1.ExternalMetricValueList {
	list := &externalmetricsv1beta1.ExternalMetricValueList{}
	for _, l := range levels {
		list.Items = append(list.Items, externalmetricsv1beta1.ExternalMetricValue{MetricName: "qps", Value: *resource.NewMilliQuantity(l, resource.DecimalSI)})
	}
	return list
}

func milliSpec(spec autoscalingv2.MetricSpec, target int64) autoscalingv2.MetricSpec {
	q := resource.NewMilliQuantity(target, resource.DecimalSI)
	switch spec.Type {
	case autoscalingv2.PodsMetricSourceType:
		spec.Pods.Target.AverageValue = q
	case autoscalingv2.ObjectMetricSourceType:
		if spec.Object.Target.Type == autoscalingv2.ValueMetricType {
			spec.Object.Target.Value = q
		} else {
			spec.Object.Target.AverageValue = q
		}
	case autoscalingv2.ExternalMetricSourceType:
		if spec.External.Target.Type == autoscalingv2.ValueMetricType {
			spec.External.Target.Value = q
		} else {
			spec.External.Target.AverageValue = q
		}
	}
	return spec
}

func TestUpstreamCustomMetrics(t *testing.T) {
	ready, unready := corev1.ConditionTrue, corev1.ConditionFalse
	oneHundredth := &Tolerances{ScaleDown: 0.1, ScaleUp: 0.01}
	pods := func(levels ...int64) (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
		return podsAverage("qps", "1"), func() (MetricInput, error) {
			samples, ts, err := CustomPodMetrics(customList(levels...))
			return MetricInput{PodMetrics: samples, Timestamp: ts}, err
		}
	}
	object := func(spec autoscalingv2.MetricSpec, level int64) (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
		return spec, func() (MetricInput, error) {
			list := customList(level)
			list.Items[0].DescribedObject = corev1.ObjectReference{Kind: "Deployment", Name: "some-deployment"}
			v, ts, err := ObjectValue(list)
			return MetricInput{Value: v, Timestamp: ts}, err
		}
	}
	external := func(spec autoscalingv2.MetricSpec, levels ...int64) (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
		return spec, func() (MetricInput, error) {
			values, ts, err := ExternalValues(externalList(levels...))
			return MetricInput{ExternalValues: values, Timestamp: ts}, err
		}
	}
	type source func() (autoscalingv2.MetricSpec, func() (MetricInput, error))

	cases := []struct {
		name      string
		f         calcFixture
		source    source
		target    int64
		tol       *Tolerances
		want      int32
		wantUsage int64
	}{
		// Pods metrics.
		{name: "pods scale up", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) { return pods(20000, 10000, 30000) },
			target: 15000, want: 4, wantUsage: 20000},
		{name: "pods readiness does not matter", f: calcFixture{replicas: 3, readiness: []corev1.ConditionStatus{ready, ready, unready}, startTimes: []time.Time{cool, cool, hot}},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) { return pods(50000, 10000, 30000) },
			target: 15000, want: 6, wantUsage: 30000},
		{name: "pods unready hot pods still count", f: calcFixture{replicas: 3, readiness: []corev1.ConditionStatus{unready, ready, unready}, startTimes: []time.Time{hot, cool, hot}},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) { return pods(50000, 15000, 30000) },
			target: 15000, want: 7, wantUsage: 31666},
		{name: "pods scale down", f: calcFixture{replicas: 5},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return pods(12000, 12000, 12000, 12000, 12000)
			},
			target: 20000, want: 3, wantUsage: 12000},
		{name: "pods within default tolerance", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) { return pods(20000, 21000, 21000) },
			target: 20000, want: 3, wantUsage: 20666},
		{name: "pods outside 1% tolerance", f: calcFixture{replicas: 3}, tol: oneHundredth,
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) { return pods(20000, 21000, 21000) },
			target: 20000, want: 4, wantUsage: 20666},
		{name: "pods missing metrics at ratio 1", f: calcFixture{replicas: 5},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) { return pods(20000, 19000, 21000) },
			target: 20000, want: 5, wantUsage: 20000},
		{name: "pods rolling update extra pod missing metric", f: calcFixture{replicas: 2, phases: []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodRunning}},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) { return pods(10000, 10000) },
			target: 17000, want: 2, wantUsage: 10000},

		// Object Value metrics.
		{name: "object scale up", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectValue("qps", "1"), 20000)
			},
			target: 15000, want: 4, wantUsage: 20000},
		{name: "object saturates at MaxInt32", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectValue("qps", "1"), math.MaxInt64)
			},
			target: 1, want: math.MaxInt32, wantUsage: math.MaxInt64},
		{name: "object counts only ready pods", f: calcFixture{replicas: 3, readiness: []corev1.ConditionStatus{unready, ready, unready}},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectValue("qps", "1"), 50000)
			},
			target: 10000, want: 5, wantUsage: 50000},
		{name: "object scale down", f: calcFixture{replicas: 5},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectValue("qps", "1"), 12000)
			},
			target: 20000, want: 3, wantUsage: 12000},
		{name: "object within default tolerance", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectValue("qps", "1"), 20666)
			},
			target: 20000, want: 3, wantUsage: 20666},
		{name: "object outside 1% tolerance", f: calcFixture{replicas: 3}, tol: oneHundredth,
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectValue("qps", "1"), 20666)
			},
			target: 20000, want: 4, wantUsage: 20666},

		// Object AverageValue metrics.
		{name: "object per pod scale up", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectAverage("qps", "1"), 20000)
			},
			target: 5000, want: 4, wantUsage: 6667},
		{name: "object per pod scale down", f: calcFixture{replicas: 5},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectAverage("qps", "1"), 6000)
			},
			target: 2000, want: 3, wantUsage: 1200},
		{name: "object per pod within tolerance", f: calcFixture{replicas: 4},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectAverage("qps", "1"), 20166)
			},
			target: 5000, want: 4, wantUsage: 5042},
		{name: "object per pod outside 1% tolerance", f: calcFixture{replicas: 4}, tol: oneHundredth,
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return object(objectAverage("qps", "1"), 20208)
			},
			target: 5000, want: 5, wantUsage: 5052},

		// External Value metrics.
		{name: "external counts only ready pods", f: calcFixture{replicas: 3, readiness: []corev1.ConditionStatus{unready, ready, unready}},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalValue("qps", "1"), 8600)
			},
			target: 4400, want: 2, wantUsage: 8600},
		{name: "external scale down", f: calcFixture{replicas: 5},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalValue("qps", "1"), 8600)
			},
			target: 14334, want: 3, wantUsage: 8600},
		{name: "external within default tolerance", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalValue("qps", "1"), 8600)
			},
			target: 8888, want: 3, wantUsage: 8600},
		{name: "external outside 1% tolerance", f: calcFixture{replicas: 3}, tol: oneHundredth,
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalValue("qps", "1"), 8900)
			},
			target: 8800, want: 4, wantUsage: 8900},
		{name: "external sum caps at MaxInt64", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalValue("qps", "1"), math.MaxInt64/2+1, math.MaxInt64/2+1)
			},
			target: math.MaxInt64, want: 3, wantUsage: math.MaxInt64},

		// External AverageValue metrics.
		{name: "external per pod saturates at MaxInt32", f: calcFixture{replicas: 1},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalAverage("qps", "1"), math.MaxInt64)
			},
			target: 1, want: math.MaxInt32, wantUsage: math.MaxInt64},
		{name: "external per pod huge target", f: calcFixture{replicas: 1},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalAverage("qps", "1"), math.MaxInt64)
			},
			target: math.MaxInt64, want: 1, wantUsage: math.MaxInt64},
		{name: "external per pod scale up", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalAverage("qps", "1"), 8600)
			},
			target: 2150, want: 4, wantUsage: 2867},
		{name: "external per pod scale down", f: calcFixture{replicas: 5},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalAverage("qps", "1"), 8600)
			},
			target: 2867, want: 3, wantUsage: 1720},
		{name: "external per pod within tolerance", f: calcFixture{replicas: 3},
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalAverage("qps", "1"), 8600)
			},
			target: 2900, want: 3, wantUsage: 2867},
		{name: "external per pod outside 1% tolerance", f: calcFixture{replicas: 3}, tol: oneHundredth,
			source: func() (autoscalingv2.MetricSpec, func() (MetricInput, error)) {
				return external(externalAverage("qps", "1"), 8600)
			},
			target: 2800, want: 4, wantUsage: 2867},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec, fetch := tc.source()
			mi, err := fetch()
			if err != nil {
				t.Fatalf("reducing the fixture failed: %v", err)
			}
			spec = milliSpec(spec, tc.target)
			res := Compute(upstreamInput(spec, tc.f.replicas, tc.f.pods(), mi, tc.tol))
			mr := res.Metrics[0]
			if !mr.Valid {
				t.Fatalf("invalid: %s", mr.Err)
			}
			if mr.ProposedReplicas != tc.want {
				t.Errorf("proposal %d, want %d\n%v", mr.ProposedReplicas, tc.want, mr.Steps)
			}
			if got := statusUsage(mr.Status); got != tc.wantUsage {
				t.Errorf("status usage %d, want %d", got, tc.wantUsage)
			}
		})
	}
}

// statusUsage returns the milli-value in a Pods, Object or External status.
func statusUsage(s autoscalingv2.MetricStatus) int64 {
	var cur autoscalingv2.MetricValueStatus
	switch {
	case s.Pods != nil:
		cur = s.Pods.Current
	case s.Object != nil:
		cur = s.Object.Current
	case s.External != nil:
		cur = s.External.Current
	}
	if cur.Value != nil {
		return cur.Value.MilliValue()
	}
	return cur.AverageValue.MilliValue()
}
