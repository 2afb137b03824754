package render

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// evaluatedAt is the evaluation time of every fixture, so ages are stable.
var evaluatedAt = time.Date(2026, 3, 14, 3, 12, 9, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func ago(d time.Duration) *metav1.Time {
	t := metav1.NewTime(evaluatedAt.Add(-d))
	return &t
}

// fixture is a named explanation used by the golden and property tests.
type fixture struct {
	name string
	e    *v1alpha1.Explanation
}

func fixtures() []fixture {
	return []fixture{
		{"healthy-pods-metric", healthyPodsMetric()},
		{"cpu-clamped-at-max", cpuClampedAtMax()},
		{"metric-api-404", metricAPINotFound()},
		{"many-pods", manyPods(120)},
		{"hostile-strings", hostileStrings()},
	}
}

// healthyPodsMetric is a Pods metric HPA holding steady at 3 replicas.
func healthyPodsMetric() *v1alpha1.Explanation {
	return &v1alpha1.Explanation{
		EvaluatedAt: metav1.NewTime(evaluatedAt),
		HPA:         v1alpha1.ObjectRef{Namespace: "shop", Name: "checkout"},
		Target: v1alpha1.Target{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "checkout",
			Selector: "app=checkout,tier=web", Found: true,
		},
		Verdict: "Stable at 3 replicas: http_requests_per_second is 85.333 against a target of 100 (usage ratio 0.853), within the tolerance band.",
		Replicas: v1alpha1.Replicas{
			Current: 3, StatusDesired: 3, Recommended: ptr(int32(3)), Min: 2, Max: 10,
			LimitReason: "DesiredWithinRange", StabilizationReason: "ReadyForNewScale",
		},
		Metrics: []v1alpha1.Metric{{
			Type:             "Pods",
			Name:             "http_requests_per_second",
			Target:           v1alpha1.MetricValue{Type: "AverageValue", Value: 100, Quantity: "100"},
			Current:          &v1alpha1.MetricValue{Type: "AverageValue", Value: 85.333, Quantity: "85333m"},
			UsageRatio:       ptr(0.85333),
			ProposedReplicas: ptr(int32(3)),
			Valid:            true,
			APIVersion:       "custom.metrics.k8s.io/v1beta2",
			Pods: []v1alpha1.PodMetric{
				{Name: "checkout-7d9f8b6c5d-2xkqp", Value: ptr(81.0), State: "Ready", Reason: "has a sample; readiness only matters for cpu metrics", CountedAs: "own value"},
				{Name: "checkout-7d9f8b6c5d-9mzvw", Value: ptr(92.5), State: "Ready", Reason: "has a sample; readiness only matters for cpu metrics", CountedAs: "own value"},
				{Name: "checkout-7d9f8b6c5d-wq4tn", Value: ptr(82.5), State: "Ready", Reason: "has a sample; readiness only matters for cpu metrics", CountedAs: "own value"},
			},
		}},
		Pods: []v1alpha1.Pod{
			{Name: "checkout-7d9f8b6c5d-2xkqp", Ready: true, Phase: "Running", Created: ago(4*24*time.Hour + 3*time.Hour), Owner: "ReplicaSet/checkout-7d9f8b6c5d", OwnedByTarget: true},
			{Name: "checkout-7d9f8b6c5d-9mzvw", Ready: true, Phase: "Running", Created: ago(4*24*time.Hour + 3*time.Hour), Owner: "ReplicaSet/checkout-7d9f8b6c5d", OwnedByTarget: true},
			{Name: "checkout-7d9f8b6c5d-wq4tn", Ready: true, Phase: "Running", Created: ago(2*time.Hour + 10*time.Minute), Owner: "ReplicaSet/checkout-7d9f8b6c5d", OwnedByTarget: true},
		},
		Steps: []v1alpha1.Step{
			{Text: "http_requests_per_second: 3 pods report values; the average is 85.333 against a target of 100, a usage ratio of 0.853."},
			{Text: "0.853 is within the tolerance of 0.1 around 1, so the metric proposes the current 3 replicas."},
			{Text: "No recommendation in the last 5m was higher than 3, so stabilization keeps 3."},
			{Text: "3 is within [2, 10]; the desired count is 3, as in status."},
		},
		Findings: []v1alpha1.Finding{},
		Events: []v1alpha1.Event{
			{Type: "Normal", Reason: "SuccessfulRescale", Message: "New size: 4; reason: pods metric http_requests_per_second above target", Count: 1, Last: ago(3*time.Hour + 20*time.Minute)},
			{Type: "Normal", Reason: "SuccessfulRescale", Message: "New size: 3; reason: All metrics below target", Count: 1, Last: ago(2*time.Hour + 5*time.Minute)},
		},
		APIRequests: 7,
	}
}

// cpuClampedAtMax is a cpu and memory HPA whose cpu proposal is capped at
// maxReplicas, with an unready and a missing pod.
func cpuClampedAtMax() *v1alpha1.Explanation {
	const rs = "ReplicaSet/api-5c8d7f9b4"
	e := &v1alpha1.Explanation{
		EvaluatedAt: metav1.NewTime(evaluatedAt),
		HPA:         v1alpha1.ObjectRef{Namespace: "prod", Name: "api"},
		Target: v1alpha1.Target{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "api",
			Selector: "app.kubernetes.io/name=api", Found: true,
		},
		Verdict: "Pinned at maxReplicas 10: cpu is 153% of request against a target of 60% of request (usage ratio 2.550), which asks for 26.",
		Replicas: v1alpha1.Replicas{
			Current: 10, StatusDesired: 10, Recommended: ptr(int32(10)), Min: 3, Max: 10,
			LimitReason: "TooManyReplicas", StabilizationReason: "ReadyForNewScale",
		},
		APIRequests: 9,
	}

	cpu := v1alpha1.Metric{
		Type:             "Resource",
		Name:             "cpu",
		Target:           v1alpha1.MetricValue{Type: "Utilization", Value: 60},
		Current:          &v1alpha1.MetricValue{Type: "Utilization", Value: 153},
		UsageRatio:       ptr(2.55),
		ProposedReplicas: ptr(int32(26)),
		Valid:            true,
		APIVersion:       "metrics.k8s.io/v1beta1",
	}
	memory := v1alpha1.Metric{
		Type:             "Resource",
		Name:             "memory",
		Target:           v1alpha1.MetricValue{Type: "AverageValue", Value: 768 * 1024 * 1024, Quantity: "768Mi"},
		Current:          &v1alpha1.MetricValue{Type: "AverageValue", Value: 412 * 1024 * 1024, Quantity: "412Mi"},
		UsageRatio:       ptr(0.536),
		ProposedReplicas: ptr(int32(6)),
		Valid:            true,
		APIVersion:       "metrics.k8s.io/v1beta1",
	}

	names := []string{
		"api-5c8d7f9b4-4jx2c", "api-5c8d7f9b4-8dkq7", "api-5c8d7f9b4-b7wzn", "api-5c8d7f9b4-fq9ls",
		"api-5c8d7f9b4-hn2vd", "api-5c8d7f9b4-k5rtm", "api-5c8d7f9b4-p8gxw", "api-5c8d7f9b4-szc4q",
		"api-5c8d7f9b4-v3mbh", "api-5c8d7f9b4-zt6yk",
	}
	cpuUsage := []float64{0.81, 0.74, 0.79, 0.77, 0.76, 0.8, 0.72, 0.78}
	for i, name := range names {
		pod := v1alpha1.Pod{Name: name, Ready: true, Phase: "Running", Created: ago(26 * time.Hour), Owner: rs, OwnedByTarget: true}
		cpuSample := v1alpha1.PodMetric{Name: name, State: "Ready", Reason: "ready since before the cpu initialization period ended", CountedAs: "own value", Request: ptr(0.5)}
		memSample := v1alpha1.PodMetric{Name: name, State: "Ready", Reason: "has a sample; readiness only matters for cpu metrics", CountedAs: "own value", Value: ptr(float64((400 + 3*i) * 1024 * 1024))}

		switch i {
		case 8:
			pod.Ready = false
			pod.Phase = "Pending"
			pod.Created = ago(40 * time.Second)
			cpuSample.State, cpuSample.Reason, cpuSample.CountedAs = "Unready", "phase Pending", "0 (scale-up)"
			memSample.State, memSample.Reason, memSample.CountedAs, memSample.Value = "Unready", "phase Pending", "left out", nil
		case 9:
			pod.Created = ago(3*time.Minute + 20*time.Second)
			cpuSample.State, cpuSample.Reason, cpuSample.CountedAs = "Missing", "no sample from the metrics API", "0 (scale-up)"
			memSample.State, memSample.Reason, memSample.CountedAs, memSample.Value = "Missing", "no sample from the metrics API", "target (scale-down)", nil
		default:
			cpuSample.Value = ptr(cpuUsage[i])
		}

		e.Pods = append(e.Pods, pod)
		cpu.Pods = append(cpu.Pods, cpuSample)
		memory.Pods = append(memory.Pods, memSample)
	}
	e.Metrics = []v1alpha1.Metric{cpu, memory}

	e.Steps = []v1alpha1.Step{
		{Text: "cpu: 8 of 10 pods have a sample; api-5c8d7f9b4-v3mbh is Pending and api-5c8d7f9b4-zt6yk has no sample."},
		{Text: "cpu: the 8 samples total 6.17 cores against 4 cores requested, 154% of request, a usage ratio of 2.570."},
		{Text: "cpu: the ratio asks for a scale-up, so the Pending pod and the pod without a sample count as 0; the ratio becomes 2.550 and proposes ceil(2.550 × 10) = 26."},
		{Text: "memory: 8 pods average 412Mi against a target of 768Mi, a usage ratio of 0.536, which proposes 6."},
		{Text: "The largest proposal is 26, from cpu."},
		{Text: "26 is above maxReplicas 10, so the desired count is 10 (TooManyReplicas)."},
	}
	e.Findings = []v1alpha1.Finding{
		{
			Code: "MissingPodsCounted", Severity: v1alpha1.SeverityInfo,
			Message:  "1 pod has no cpu sample and counts as 0 for the scale-up.",
			Evidence: []string{"api-5c8d7f9b4-zt6yk: Running for 3m20s, no entry in metrics.k8s.io PodMetrics"},
			Fix:      "A new pod gets its first sample after one metrics-server scrape; if it stays missing, check the kubelet on its node.",
			Check:    "kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/prod/pods/api-5c8d7f9b4-zt6yk",
		},
		{
			Code: "ClampedAtMax", Severity: v1alpha1.SeverityWarning,
			Message:  "The HPA is pinned at maxReplicas 10 while cpu asks for 26.",
			Evidence: []string{"cpu usage ratio 2.550 proposes 26 replicas", "spec.maxReplicas is 10"},
			Fix:      "Raise spec.maxReplicas if the cluster has room, or lower the cpu usage per pod.",
			Check:    "kubectl -n prod patch hpa api --type merge -p '{\"spec\":{\"maxReplicas\":30}}' --dry-run=server",
		},
		{
			Code: "UnreadyPodsLeftOut", Severity: v1alpha1.SeverityInfo,
			Message: "1 Pending pod counts as 0 cpu for the scale-up.",
			Fix:     "No action needed: the pod counts with its own value once it is ready.",
		},
	}
	e.Events = []v1alpha1.Event{
		{Type: "Normal", Reason: "SuccessfulRescale", Message: "New size: 8; reason: cpu resource utilization (percentage of request) above target", Count: 1, Last: ago(14 * time.Minute)},
		{Type: "Normal", Reason: "SuccessfulRescale", Message: "New size: 10; reason: cpu resource utilization (percentage of request) above target", Count: 1, Last: ago(9 * time.Minute)},
	}
	return e
}

// metricAPINotFound is a Pods metric HPA whose custom metrics API returns
// 404, so no decision can be recomputed.
func metricAPINotFound() *v1alpha1.Explanation {
	path := "/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/rabbitmq_queue_messages_ready?labelSelector=app%3Dworker"
	e := &v1alpha1.Explanation{
		EvaluatedAt: metav1.NewTime(evaluatedAt),
		HPA:         v1alpha1.ObjectRef{Namespace: "shop", Name: "worker"},
		Target: v1alpha1.Target{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "worker",
			Selector: "app=worker", Found: true,
		},
		Verdict: "Cannot scale: stuck at 4 replicas because the custom metrics API does not serve rabbitmq_queue_messages_ready for pods.",
		Replicas: v1alpha1.Replicas{
			Current: 4, StatusDesired: 4, Min: 2, Max: 20,
		},
		Metrics: []v1alpha1.Metric{{
			Type:       "Pods",
			Name:       "rabbitmq_queue_messages_ready",
			Selector:   "queue=orders",
			Target:     v1alpha1.MetricValue{Type: "AverageValue", Value: 30, Quantity: "30"},
			Valid:      false,
			Error:      "unable to get metric rabbitmq_queue_messages_ready: unable to fetch metrics from custom metrics API: the server could not find the metric rabbitmq_queue_messages_ready for pods",
			APIVersion: "custom.metrics.k8s.io/v1beta2",
		}},
		Steps: []v1alpha1.Step{
			{Text: "rabbitmq_queue_messages_ready: GET " + path + " returned 404 Not Found."},
			{Text: "The only metric is invalid, so the controller computes no proposal and leaves the replica count at 4."},
		},
		Findings: []v1alpha1.Finding{
			{
				Code: "StaleMetric", Severity: v1alpha1.SeverityWarning,
				Message: "status.currentMetrics still shows a value from 2h ago.",
				Fix:     "Ignore the old value in kubectl get hpa; it is the last one the controller read.",
			},
			{
				Code: "MetricNotServed", Severity: v1alpha1.SeverityError,
				Message: "The custom metrics API does not serve rabbitmq_queue_messages_ready for pods.",
				Evidence: []string{
					"GET " + path + " → 404 Not Found",
					"closest served names: rabbitmq_queue_messages, rabbitmq_queue_messages_unacked",
					"the discovery document lists 214 metric names",
				},
				Fix:   "Add a rule for rabbitmq_queue_messages_ready to the metrics adapter, or change the HPA to a metric the adapter serves.",
				Check: "kubectl get --raw /apis/custom.metrics.k8s.io/v1beta2 | jq -r '.resources[].name' | grep rabbitmq_queue",
			},
			{
				Code: "APIServiceUnavailable", Severity: v1alpha1.SeverityError,
				Message:  "APIService v1beta2.custom.metrics.k8s.io was unavailable 6 times in the last hour.",
				Evidence: []string{"condition Available=False reason FailedDiscoveryCheck 12m ago"},
				Fix:      "Check that the adapter's pods are running and its Service has endpoints; the condition message names the failure.",
				Check:    "kubectl get apiservice v1beta2.custom.metrics.k8s.io -o jsonpath='{.status.conditions}'",
				Inferred: true,
			},
		},
		Events: []v1alpha1.Event{
			{Type: "Warning", Reason: "FailedGetPodsMetric", Message: "unable to get metric rabbitmq_queue_messages_ready: unable to fetch metrics from custom metrics API: the server could not find the metric rabbitmq_queue_messages_ready for pods", Count: 482, Last: ago(25 * time.Second)},
			{Type: "Warning", Reason: "FailedComputeMetricsReplicas", Message: "invalid metrics (1 invalid out of 1), first error is: failed to get pods metric value: unable to get metric rabbitmq_queue_messages_ready: unable to fetch metrics from custom metrics API: the server could not find the metric rabbitmq_queue_messages_ready for pods", Count: 482, Last: ago(25 * time.Second)},
		},
		APIRequests: 11,
	}
	for i, name := range []string{"worker-6b7c9d8f5-jr2mt", "worker-6b7c9d8f5-ldx8q", "worker-6b7c9d8f5-qp4wz", "worker-6b7c9d8f5-tz9kc"} {
		e.Pods = append(e.Pods, v1alpha1.Pod{
			Name: name, Ready: true, Phase: "Running", Created: ago(time.Duration(i+1) * 19 * time.Hour),
			Owner: "ReplicaSet/worker-6b7c9d8f5", OwnedByTarget: true,
		})
	}
	return e
}

// manyPods is an HPA with n pods and three metrics, with a few pods that are
// unready, missing or being deleted spread through the list, and more events
// than the text output lists.
func manyPods(n int) *v1alpha1.Explanation {
	e := &v1alpha1.Explanation{
		EvaluatedAt: metav1.NewTime(evaluatedAt),
		HPA:         v1alpha1.ObjectRef{Namespace: "search", Name: "frontend"},
		Target: v1alpha1.Target{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "frontend",
			Selector: "app=frontend", Found: true,
		},
		Verdict: fmt.Sprintf("Scaling up from %d to %d replicas: http_requests_per_second is 131.2 against a target of 100 (usage ratio 1.312), limited by the scale-up rate (metrics ask for %d).", n, n+20, n*131/100),
		Replicas: v1alpha1.Replicas{
			Current: int32(n), StatusDesired: int32(n + 20), Recommended: ptr(int32(n + 20)), Min: 20, Max: 400,
			Inferred: true, LimitReason: "ScaleUpLimit", StabilizationReason: "ScaleUpStabilized",
		},
		APIRequests: 14,
	}

	cpu := v1alpha1.Metric{
		Type: "Resource", Name: "cpu",
		Target:  v1alpha1.MetricValue{Type: "Utilization", Value: 70},
		Current: &v1alpha1.MetricValue{Type: "Utilization", Value: 66},
		Valid:   true, UsageRatio: ptr(0.943), ProposedReplicas: ptr(int32(n)),
		APIVersion: "metrics.k8s.io/v1beta1",
	}
	memory := v1alpha1.Metric{
		Type: "ContainerResource", Name: "memory", Container: "app",
		Target:  v1alpha1.MetricValue{Type: "AverageValue", Value: 1.5 * 1024 * 1024 * 1024, Quantity: "1536Mi"},
		Current: &v1alpha1.MetricValue{Type: "AverageValue", Value: 1.1 * 1024 * 1024 * 1024, Quantity: "1181116006"},
		Valid:   true, UsageRatio: ptr(0.733), ProposedReplicas: ptr(int32(n * 733 / 1000)),
		APIVersion: "metrics.k8s.io/v1beta1",
	}
	rps := v1alpha1.Metric{
		Type: "Pods", Name: "http_requests_per_second",
		Target:  v1alpha1.MetricValue{Type: "AverageValue", Value: 100, Quantity: "100"},
		Current: &v1alpha1.MetricValue{Type: "AverageValue", Value: 131.2, Quantity: "131200m"},
		Valid:   true, UsageRatio: ptr(1.312), ProposedReplicas: ptr(int32(n * 1312 / 1000)),
		APIVersion: "custom.metrics.k8s.io/v1beta2",
	}

	for i := range n {
		name := fmt.Sprintf("frontend-84c6d9b7f-%05d", i)
		pod := v1alpha1.Pod{
			Name: name, Ready: true, Phase: "Running", Created: ago(time.Duration(i+1) * 37 * time.Minute),
			Owner: "ReplicaSet/frontend-84c6d9b7f", OwnedByTarget: true,
		}
		c := v1alpha1.PodMetric{Name: name, State: "Ready", CountedAs: "own value", Value: ptr(0.3 + float64(i%7)*0.05), Request: ptr(0.5)}
		m := v1alpha1.PodMetric{Name: name, State: "Ready", CountedAs: "own value", Value: ptr(float64((1000 + i*3) * 1024 * 1024))}
		r := v1alpha1.PodMetric{Name: name, State: "Ready", CountedAs: "own value", Value: ptr(120 + float64(i%11)*2.125)}

		switch {
		case i%40 == 7:
			pod.Ready, pod.Phase, pod.Created = false, "Pending", ago(time.Duration(i%5+1)*7*time.Second)
			c.State, c.Reason, c.CountedAs, c.Value = "Unready", "phase Pending", "left out", nil
			m.State, m.Reason, m.CountedAs, m.Value = "Unready", "phase Pending", "left out", nil
			r.State, r.Reason, r.CountedAs, r.Value = "Unready", "phase Pending", "0 (scale-up)", nil
		case i%40 == 21:
			c.State, c.Reason, c.CountedAs, c.Value = "Missing", "no sample from the metrics API", "target (scale-down)", nil
			m.State, m.Reason, m.CountedAs, m.Value = "Missing", "no sample from the metrics API", "target (scale-down)", nil
			r.State, r.Reason, r.CountedAs, r.Value = "Missing", "no sample from the metrics API", "0 (scale-up)", nil
		case i == 33:
			pod.Deleting = true
			c.State, c.Reason, c.CountedAs = "Ignored", "being deleted", ""
			m.State, m.Reason, m.CountedAs = "Ignored", "being deleted", ""
			r.State, r.Reason, r.CountedAs = "Ignored", "being deleted", ""
		}

		e.Pods = append(e.Pods, pod)
		cpu.Pods = append(cpu.Pods, c)
		memory.Pods = append(memory.Pods, m)
		rps.Pods = append(rps.Pods, r)
	}
	e.Metrics = []v1alpha1.Metric{cpu, memory, rps}

	for i := range 12 {
		e.Steps = append(e.Steps, v1alpha1.Step{
			Text:     fmt.Sprintf("Scale-up event %d of the last 15s added 4 pods (reconstructed from a SuccessfulRescale event).", i+1),
			Inferred: i%3 == 0,
		})
	}
	e.Steps = append(e.Steps, v1alpha1.Step{Text: "The scale-up policy allows 20 more pods per 15s, so the desired count is the current count plus 20."})

	for i := range 15 {
		e.Events = append(e.Events, v1alpha1.Event{
			Type: "Normal", Reason: "SuccessfulRescale",
			Message: fmt.Sprintf("New size: %d; reason: pods metric http_requests_per_second above target", n-60+4*i),
			Count:   1, Last: ago(time.Duration(15-i) * 15 * time.Second),
		})
	}
	e.Findings = []v1alpha1.Finding{{
		Code: "ScaleUpLimitedByPolicy", Severity: v1alpha1.SeverityInfo,
		Message:  fmt.Sprintf("The scale-up policy adds at most 20 pods per 15s; metrics ask for %d.", n*1312/1000),
		Fix:      "Raise spec.behavior.scaleUp.policies if the workload needs to grow faster.",
		Inferred: true,
	}}
	return e
}

// hostileStrings carries terminal escapes, OSC 8 hyperlinks, newlines and
// bidi overrides in every string the cluster controls.
func hostileStrings() *v1alpha1.Explanation {
	const (
		csi       = "\x1b[2J\x1b[H\x1b[31m"
		osc8      = "\x1b]8;;https://attacker.example/login\x1b\\click here\x1b]8;;\x1b\\"
		title     = "\x1b]0;owned\x07"
		rlo       = "\u202e"
		c1CSI     = "\u009b31m"
		podEvil   = "web-" + rlo + "txt.exe" + "\x1b[8m-hidden"
		podNormal = "web-6f7d8c9b5-h2kzn"
	)
	return &v1alpha1.Explanation{
		EvaluatedAt: metav1.NewTime(evaluatedAt),
		HPA:         v1alpha1.ObjectRef{Namespace: "team-" + csi + "a", Name: "web\nFAKE LINE"},
		Target: v1alpha1.Target{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "web" + title,
			Selector: "app=web\r\x1b[Kapp=admin", Found: false,
		},
		Verdict: "Holding at 2 replicas" + osc8 + "\n\nALL GOOD " + rlo + "dne",
		Replicas: v1alpha1.Replicas{
			Current: 2, StatusDesired: 2, Recommended: ptr(int32(2)), Min: 1, Max: 5,
			LimitReason: "TooFewReplicas" + csi, StabilizationReason: "ScaleDown\x00Stabilized",
		},
		Metrics: []v1alpha1.Metric{{
			Type:       "Object",
			Name:       "hits" + c1CSI,
			Object:     "Ingress/" + osc8,
			Selector:   "path=/\t\x7f",
			Target:     v1alpha1.MetricValue{Type: "Value", Value: 10, Quantity: "10"},
			Current:    &v1alpha1.MetricValue{Type: "Value", Value: 4, Quantity: "4"},
			UsageRatio: ptr(0.4), ProposedReplicas: ptr(int32(1)),
			Valid:      true,
			APIVersion: "custom.metrics.k8s.io/v1beta2" + title,
		}, {
			Type:       "Pods",
			Name:       "queue" + rlo,
			Target:     v1alpha1.MetricValue{Type: "AverageValue", Value: 5, Quantity: "5"},
			Valid:      false,
			Error:      "adapter said: " + csi + "everything is fine\nreally" + "\xff\xfe",
			APIVersion: "custom.metrics.k8s.io/v1beta2",
			Pods: []v1alpha1.PodMetric{
				{Name: podEvil, State: "Missing", Reason: "no sample" + osc8, CountedAs: "0 (scale-up)" + csi},
				{Name: podNormal, Value: ptr(3.0), State: "Ready", CountedAs: "own value"},
				{Name: "ghost" + title, Value: ptr(1.0), State: "Unlisted\x1b[1m", Reason: "has a sample but is not among the selected pods", CountedAs: "own value"},
			},
		}},
		Pods: []v1alpha1.Pod{
			{Name: podNormal, Ready: true, Phase: "Running", Created: ago(90 * time.Minute), Owner: "ReplicaSet/web-6f7d8c9b5", OwnedByTarget: true},
			{Name: podEvil, Ready: false, Phase: "Running" + csi, Created: ago(5 * time.Second), Owner: "StatefulSet/" + osc8, OwnedByTarget: false},
		},
		Steps: []v1alpha1.Step{
			{Text: "Pod " + podEvil + " has no sample."},
			{Text: "Object metric hits" + c1CSI + " on Ingress/" + osc8 + " is 4.", Inferred: true},
		},
		Findings: []v1alpha1.Finding{{
			Code:     "Overlapping" + csi + "Selector",
			Severity: v1alpha1.Severity("warning" + csi),
			Message:  "Pod " + podEvil + " matches the selector\r\x1b[2K" + "but belongs to another workload.",
			Evidence: []string{"owner: StatefulSet/" + osc8, "labels: app=web\nrole=" + rlo + "nimda", "\x1b[1A\x1b[2Kerased the line above"},
			Fix:      "Give the workloads distinct labels" + title + ".",
			Check:    "kubectl get pods -l 'app=web' -o wide" + csi,
		}, {
			Code:     "MetricNotServed",
			Severity: v1alpha1.SeverityError,
			Message:  "queue" + rlo + " is not served: " + c1CSI + "\xc2\x9b",
		}},
		Events: []v1alpha1.Event{
			{Type: "Warning" + csi, Reason: "Failed" + rlo + "Get", Message: "first line\nsecond line " + osc8 + " " + title + " bell\x07", Count: 3, Last: ago(time.Minute)},
		},
		APIRequests: 1,
	}
}
