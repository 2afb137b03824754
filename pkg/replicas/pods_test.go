package replicas

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// unreadySinceStart is a pod outside the CPU initialization period whose
// Ready condition turned False 10s after start, inside the 30s initial
// readiness delay, so it has never been ready.
func unreadySinceStart() podOption {
	return withReady(corev1.ConditionFalse, now.Add(-10*time.Minute+10*time.Second))
}

func podByName(t *testing.T, mr MetricResult, name string) PodResult {
	t.Helper()
	for _, p := range mr.Pods {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no pod result for %s in %+v", name, mr.Pods)
	return PodResult{}
}

func wantPod(t *testing.T, mr MetricResult, name string, state PodState, countedAs string) {
	t.Helper()
	p := podByName(t, mr, name)
	if p.State != state {
		t.Errorf("%s state %s (%s), want %s", name, p.State, p.Reason, state)
	}
	if countedAs != "" && p.CountedAs != countedAs {
		t.Errorf("%s counted as %q, want %q", name, p.CountedAs, countedAs)
	}
}

// Unless a case states otherwise, it uses a cpu Utilization target of 50%
// and pods requesting 1 cpu.
func TestPodGroupsAndRebalancing(t *testing.T) {
	cpu50 := resourceUtilization(corev1.ResourceCPU, 50)
	cases := []metricCase{
		{
			// Ready: 2700m of 3000m = 90%, ratio 1.8. The unready pod counts
			// as 0 on a scale-up: 2700m of 4000m = 67%, 1.34; ceil(1.34 × 4) = 6.
			name: "unready pod on scale-up counts as zero", spec: cpu50, replicas: 4,
			pods:         append(podList(3), newPod("pod-3", unreadySinceStart())),
			metric:       podMetrics(samplesFor(900, 900, 900, 100)),
			wantProposal: 6, wantRatio: 1.8,
			check: func(t *testing.T, mr MetricResult) {
				if mr.RebalancedRatio != 1.34 {
					t.Errorf("rebalanced ratio %v, want 1.34", mr.RebalancedRatio)
				}
				wantPod(t, mr, "pod-3", PodUnready, "0 (scale-up)")
				wantPod(t, mr, "pod-0", PodReady, "own value")
				if mr.ReadyPodCount != 3 {
					t.Errorf("ready pods %d, want 3", mr.ReadyPodCount)
				}
			},
		},
		{
			// Ready: 600m of 3000m = 20%, 0.4; the unready pod is left out
			// on a scale-down: ceil(0.4 × 3 ready) = 2.
			name: "unready pod on scale-down is left out", spec: cpu50, replicas: 4,
			pods:         append(podList(3), newPod("pod-3", unreadySinceStart())),
			metric:       podMetrics(samplesFor(200, 200, 200, 900)),
			wantProposal: 2, wantRatio: 0.4,
			check: func(t *testing.T, mr MetricResult) {
				wantPod(t, mr, "pod-3", PodUnready, "left out")
				if mr.RebalancedRatio != mr.UsageRatio {
					t.Errorf("rebalanced ratio %v, want the usage ratio %v when nothing is rebalanced", mr.RebalancedRatio, mr.UsageRatio)
				}
			},
		},
		{
			// 1.8 as above; the missing pod counts as 0: 67%, ceil(1.34 × 4) = 6.
			name: "missing pod on scale-up counts as zero", spec: cpu50, replicas: 4,
			pods:         podList(4),
			metric:       podMetrics(samplesFor(900, 900, 900)),
			wantProposal: 6, wantRatio: 1.8,
			check: func(t *testing.T, mr MetricResult) {
				wantPod(t, mr, "pod-3", PodMissing, "0 (scale-up)")
				if podByName(t, mr, "pod-3").Value != nil {
					t.Errorf("missing pod has a value")
				}
			},
		},
		{
			// 800m of 4000m = 20%, 0.4; the missing pod counts as 100% of
			// its request: 1800m of 5000m = 36%, 0.72; ceil(0.72 × 5) = 4.
			name: "missing pod on scale-down counts as its request", spec: cpu50, replicas: 5,
			pods:         podList(5),
			metric:       podMetrics(samplesFor(200, 200, 200, 200)),
			wantProposal: 4, wantRatio: 0.4,
			check: func(t *testing.T, mr MetricResult) {
				wantPod(t, mr, "pod-4", PodMissing, "100% of its request (scale-down)")
				if mr.RebalancedRatio != 0.72 {
					t.Errorf("rebalanced ratio %v, want 0.72", mr.RebalancedRatio)
				}
			},
		},
		{
			// A Pending pod without a sample is unready, not missing, and
			// counts as 0 on a scale-up: ceil(1.34 × 4) = 6.
			name: "pending pod on scale-up", spec: cpu50, replicas: 4,
			pods:         append(podList(3), newPod("pod-3", withPhase(corev1.PodPending))),
			metric:       podMetrics(samplesFor(900, 900, 900)),
			wantProposal: 6, wantRatio: 1.8,
			check: func(t *testing.T, mr MetricResult) {
				wantPod(t, mr, "pod-3", PodUnready, "0 (scale-up)")
				if p := podByName(t, mr, "pod-3"); p.Reason != "phase Pending" {
					t.Errorf("reason %q, want phase Pending", p.Reason)
				}
			},
		},
		{
			// Deleting and Failed pods are ignored even with samples:
			// ceil(1.8 × 3) = 6.
			name: "deleting and failed pods are ignored", spec: cpu50, replicas: 3,
			pods:         append(podList(3), newPod("pod-3", deleting()), newPod("pod-4", withPhase(corev1.PodFailed))),
			metric:       podMetrics(samplesFor(900, 900, 900, 5000, 5000)),
			wantProposal: 6, wantRatio: 1.8,
			check: func(t *testing.T, mr MetricResult) {
				wantPod(t, mr, "pod-3", PodIgnored, "left out")
				wantPod(t, mr, "pod-4", PodIgnored, "left out")
			},
		},
		{
			// A Succeeded pod is neither ignored nor unready: its sample
			// counts. 900 + 900 + 0 of 3000m = 60%, 1.2; ceil(1.2 × 3) = 4.
			name: "succeeded pod counts as ready", spec: cpu50, replicas: 3,
			pods:         append(podList(2), newPod("pod-2", withPhase(corev1.PodSucceeded))),
			metric:       podMetrics(samplesFor(900, 900, 0)),
			wantProposal: 4, wantRatio: 1.2,
		},
		{
			// 1800m of 3000m = 60%, 1.2; the missing pod at 0 gives 1800m of
			// 4000m = 45%, 0.9, inside the band: the proposal stays at 4.
			name: "rebalanced ratio inside the tolerance", spec: cpu50, replicas: 4,
			pods:         podList(4),
			metric:       podMetrics(samplesFor(600, 600, 600)),
			wantProposal: 4, wantRatio: 1.2, wantWithin: true,
			check: func(t *testing.T, mr MetricResult) {
				if mr.RebalancedRatio != 0.9 {
					t.Errorf("rebalanced ratio %v, want 0.9", mr.RebalancedRatio)
				}
			},
		},
		{
			// 600m of 1000m = 60%, 1.2; three Pending pods at 0 give 600m of
			// 4000m = 15%, 0.3: the direction flips, so the proposal stays.
			name: "rebalancing that flips the direction keeps the replicas", spec: cpu50, replicas: 4,
			pods: append(podList(1), newPod("pod-1", withPhase(corev1.PodPending)),
				newPod("pod-2", withPhase(corev1.PodPending)), newPod("pod-3", withPhase(corev1.PodPending))),
			metric:       podMetrics(samplesFor(600)),
			wantProposal: 4, wantRatio: 1.2,
			check: func(t *testing.T, mr MetricResult) {
				if mr.RebalancedRatio != 0.3 {
					t.Errorf("rebalanced ratio %v, want 0.3", mr.RebalancedRatio)
				}
				if !containsStep(mr.Steps, "the other side of 1") {
					t.Errorf("steps %q do not explain the direction flip", mr.Steps)
				}
			},
		},
		{
			// Pods metric: 2 listed pods at 1000 and a sample for pod-x that
			// is not listed: (1000 + 1000 + 4000) / 3 = 2000, ratio 4, and
			// ceil(4 × 2 ready pods) = 8.
			name:     "samples for unlisted pods count in a Pods average",
			spec:     podsAverage("http_requests", "500m"),
			replicas: 2, pods: podList(2),
			metric: podMetrics(PodMetricsInfo{
				"pod-0": {Timestamp: now, Window: time.Minute, Value: 1000},
				"pod-1": {Timestamp: now, Window: time.Minute, Value: 1000},
				"pod-x": {Timestamp: now, Window: time.Minute, Value: 4000},
			}),
			wantProposal: 8, wantRatio: 4,
			check: func(t *testing.T, mr MetricResult) {
				wantPod(t, mr, "pod-x", PodUnlisted, "own value")
				if len(mr.Pods) != 3 {
					t.Errorf("%d pod results, want 3", len(mr.Pods))
				}
			},
		},
		{
			// For Pods metrics a missing pod on a scale-down counts as the
			// target: (200 + 200 + 1000) / 3 = 466, 0.466; ceil(0.466 × 3) = 2.
			name:     "missing pod on a Pods scale-down counts as the target",
			spec:     podsAverage("http_requests", "1"),
			replicas: 3, pods: podList(3),
			metric:       podMetrics(samplesFor(200, 200)),
			wantProposal: 2, wantRatio: 0.2,
			check: func(t *testing.T, mr MetricResult) {
				wantPod(t, mr, "pod-2", PodMissing, "target (scale-down)")
				if mr.RebalancedRatio != 0.466 {
					t.Errorf("rebalanced ratio %v, want 0.466", mr.RebalancedRatio)
				}
			},
		},
		{
			// Readiness only matters for cpu: a pod that never became ready
			// counts with its memory sample. 2Gi of 2Gi requested = 100%,
			// target 50%: ceil(2 × 2) = 4.
			name:     "memory ignores readiness",
			spec:     resourceUtilization(corev1.ResourceMemory, 50),
			replicas: 2, pods: append(podList(1), newPod("pod-1", unreadySinceStart())),
			metric:       podMetrics(samplesFor(1073741824000, 1073741824000)),
			wantProposal: 4, wantRatio: 2,
			check: func(t *testing.T, mr MetricResult) {
				wantPod(t, mr, "pod-1", PodReady, "own value")
			},
		},
		{
			name: "no pods", spec: cpu50, replicas: 3,
			metric:  podMetrics(samplesFor(900)),
			wantErr: "failed to get cpu resource metric value: failed to get cpu utilization: no pods returned by selector while calculating replica count",
		},
		{
			name: "only unready pods have samples", spec: cpu50, replicas: 2,
			pods:    []*corev1.Pod{newPod("pod-0", unreadySinceStart()), newPod("pod-1", withPhase(corev1.PodPending))},
			metric:  podMetrics(samplesFor(900, 900)),
			wantErr: "did not receive metrics for targeted pods (pods might be unready)",
		},
		{
			name: "fetch error is wrapped as the controller does", spec: cpu50, replicas: 2, pods: podList(2),
			metric:     fetchFailed("no metrics returned from resource metrics API"),
			wantErr:    "failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
			wantReason: "FailedGetResourceMetric",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runMetricCase(t, tc) })
	}
}

func TestToleranceEdges(t *testing.T) {
	cpu50 := resourceUtilization(corev1.ResourceCPU, 50)
	cases := []metricCase{
		// 55/50 = 1.1 equals 1 + 0.1 in float64, and the band includes its edges.
		{name: "ratio exactly 1.1", spec: cpu50, replicas: 3, pods: podList(3),
			metric: podMetrics(samplesFor(550, 550, 550)), wantProposal: 3, wantRatio: 1.1, wantWithin: true},
		// 45/50 = 0.9 equals 1 - 0.1.
		{name: "ratio exactly 0.9", spec: cpu50, replicas: 3, pods: podList(3),
			metric: podMetrics(samplesFor(450, 450, 450)), wantProposal: 3, wantRatio: 0.9, wantWithin: true},
		// 56/50 = 1.12; ceil(3.36) = 4.
		{name: "ratio just above 1.1", spec: cpu50, replicas: 3, pods: podList(3),
			metric: podMetrics(samplesFor(560, 560, 560)), wantProposal: 4, wantRatio: 1.12},
		// 44/50 = 0.88; ceil(8.8) = 9.
		{name: "ratio just below 0.9", spec: cpu50, replicas: 10, pods: podList(10),
			metric: podMetrics(samplesFor(440, 440, 440, 440, 440, 440, 440, 440, 440, 440)), wantProposal: 9, wantRatio: 0.88},
		// 1659m of 3000m is 55.3%, truncated to 55: inside the band.
		{name: "utilization rounds down before the ratio", spec: cpu50, replicas: 3, pods: podList(3),
			metric: podMetrics(samplesFor(553, 553, 553)), wantProposal: 3, wantRatio: 1.1, wantWithin: true},
		// Pods: (1100 + 1100 + 1101) / 3 = 1100 with integer division: 1.1, inside.
		{name: "pods average rounds down", spec: podsAverage("rps", "1"), replicas: 3, pods: podList(3),
			metric: podMetrics(samplesFor(1100, 1100, 1101)), wantProposal: 3, wantRatio: 1.1, wantWithin: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runMetricCase(t, tc) })
	}
}

// TestCPUInitializationPeriod checks each cpu readiness rule at its edge with
// the defaults: a 5m initialization period and a 30s initial readiness
// delay. Each case has one pod with a 30s sample window taken now.
func TestCPUInitializationPeriod(t *testing.T) {
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	cases := []struct {
		name  string
		opts  []podOption
		state PodState
	}{
		{"inside the period, ready, sample a full window after the transition",
			[]podOption{withStart(ago(4*time.Minute + 59*time.Second)), withReady(corev1.ConditionTrue, ago(4*time.Minute))}, PodReady},
		{"inside the period, ready, sample within a window of the transition",
			[]podOption{withStart(ago(4*time.Minute + 59*time.Second)), withReady(corev1.ConditionTrue, ago(10*time.Second))}, PodUnready},
		{"inside the period, sample exactly a window after the transition",
			[]podOption{withStart(ago(4*time.Minute + 59*time.Second)), withReady(corev1.ConditionTrue, ago(30*time.Second))}, PodReady},
		{"inside the period, not ready",
			[]podOption{withStart(ago(4*time.Minute + 59*time.Second)), withReady(corev1.ConditionFalse, ago(4*time.Minute))}, PodUnready},
		{"after the period, ready, fresh transition",
			[]podOption{withStart(ago(5*time.Minute + time.Second)), withReady(corev1.ConditionTrue, ago(10*time.Second))}, PodReady},
		{"exactly at the end of the period counts as after it",
			[]podOption{withStart(ago(5 * time.Minute)), withReady(corev1.ConditionTrue, ago(10*time.Second))}, PodReady},
		{"after the period, never ready: transition inside the delay",
			[]podOption{withStart(ago(5*time.Minute + time.Second)), withReady(corev1.ConditionFalse, ago(5*time.Minute+time.Second-20*time.Second))}, PodUnready},
		{"after the period, transition exactly at the end of the delay",
			[]podOption{withStart(ago(5*time.Minute + time.Second)), withReady(corev1.ConditionFalse, ago(5*time.Minute+time.Second-30*time.Second))}, PodReady},
		{"after the period, not ready but was ready: transition after the delay",
			[]podOption{withStart(ago(5*time.Minute + time.Second)), withReady(corev1.ConditionFalse, ago(5*time.Minute+time.Second-40*time.Second))}, PodReady},
		{"no Ready condition", []podOption{withoutReadyCondition()}, PodUnready},
		{"no start time", []podOption{withoutStart()}, PodUnready},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := newInput(newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50)), 1, []*corev1.Pod{newPod("pod-0", tc.opts...)}, podMetrics(samplesFor(900)))
			res := Compute(in)
			mr := res.Metrics[0]
			p := podByName(t, mr, "pod-0")
			if p.State != tc.state {
				t.Errorf("state %s (%s), want %s", p.State, p.Reason, tc.state)
			}
			if p.Reason == "" {
				t.Errorf("no reason given")
			}
		})
	}
}

func TestPodRequests(t *testing.T) {
	cpu50 := resourceUtilization(corev1.ResourceCPU, 50)
	sidecarPod := func(opts ...podOption) *corev1.Pod {
		base := []podOption{
			withContainers(container("app", "cpu", "500m")),
			withInitContainers(container("setup", "cpu", "2"), sidecar(container("proxy", "cpu", "250m"))),
		}
		return newPod("pod-0", append(base, opts...)...)
	}
	cases := []struct {
		name    string
		spec    autoscalingv2.MetricSpec
		pod     *corev1.Pod
		config  func(*Config)
		want    int64
		wantErr string
	}{
		{name: "sidecar counts, regular init container does not", spec: cpu50, pod: sidecarPod(), want: 750},
		// The pod-level request replaces the container sum, and the
		// overhead is added on top.
		{name: "pod-level request with overhead", spec: cpu50,
			pod:  sidecarPod(withPodRequests(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}), withOverhead(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")})),
			want: 2100},
		// With pod-level requests for memory only, cpu comes from the
		// scheduler's aggregate: max(containers + sidecars 750m, the
		// regular init container "setup" 2 cpu) = 2000m.
		{name: "pod-level requests for another resource use the init floor", spec: cpu50,
			pod:  sidecarPod(withPodRequests(corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")})),
			want: 2000},
		{name: "pod-level requests ignored with the gate off", spec: cpu50,
			pod:    sidecarPod(withPodRequests(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")})),
			config: func(c *Config) { c.PodLevelResources = false },
			want:   750},
		{name: "named container wins over pod-level requests", spec: containerUtilization(corev1.ResourceCPU, "proxy", 50),
			pod:  sidecarPod(withPodRequests(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")})),
			want: 250},
		{name: "missing container request", spec: cpu50,
			pod:     newPod("pod-0", withContainers(container("app", "memory", "1Gi"))),
			wantErr: "failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in container app of Pod pod-0"},
		{name: "missing sidecar request", spec: cpu50,
			pod:     newPod("pod-0", withInitContainers(sidecar(container("proxy", "memory", "64Mi")))),
			wantErr: "missing request for cpu in container proxy of Pod pod-0"},
		{name: "named container not found", spec: containerUtilization(corev1.ResourceCPU, "nope", 50),
			pod:     sidecarPod(),
			wantErr: "failed to get nope container metric value: failed to get cpu utilization: container nope not found in Pod pod-0"},
		{name: "missing pod-level request", spec: cpu50,
			pod:     newPod("pod-0", withContainers(container("app", "memory", "1Gi")), withPodRequests(corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")})),
			wantErr: "missing pod-level request for cpu in Pod pod-0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := newInput(newHPA(1, 10, tc.spec), 1, []*corev1.Pod{tc.pod}, podMetrics(samplesFor(100)))
			if tc.config != nil {
				tc.config(&in.Config)
			}
			mr := Compute(in).Metrics[0]
			if tc.wantErr != "" {
				if mr.Valid || !containsStep([]string{mr.Err}, tc.wantErr) {
					t.Errorf("valid %v, error %q; want error containing %q", mr.Valid, mr.Err, tc.wantErr)
				}
				return
			}
			if !mr.Valid {
				t.Fatalf("invalid: %s", mr.Err)
			}
			p := podByName(t, mr, "pod-0")
			if p.Request == nil || *p.Request != tc.want {
				t.Errorf("request %v, want %d", p.Request, tc.want)
			}
		})
	}
}

// A pod the controller ignores still needs a request: the controller
// computes requests for every selected pod.
func TestIgnoredPodWithoutRequestFails(t *testing.T) {
	pods := append(podList(2), newPod("pod-2", withPhase(corev1.PodFailed), withContainers(container("app"))))
	in := newInput(newHPA(1, 10, resourceUtilization(corev1.ResourceCPU, 50)), 2, pods, podMetrics(samplesFor(900, 900)))
	mr := Compute(in).Metrics[0]
	if mr.Valid {
		t.Fatalf("valid with proposal %d, want an error for pod-2", mr.ProposedReplicas)
	}
	if want := "missing request for cpu in container app of Pod pod-2"; !containsStep([]string{mr.Err}, want) {
		t.Errorf("error %q does not contain %q", mr.Err, want)
	}
}
