package replicas

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkCompute computes a decision for 500 pods and three metrics: cpu
// Utilization, a Pods metric and an External metric, with a few unready
// and missing pods so that rebalancing runs.
func BenchmarkCompute(b *testing.B) {
	const n = 500
	pods := make([]*corev1.Pod, n)
	cpu := PodMetricsInfo{}
	rps := PodMetricsInfo{}
	for i := range pods {
		name := fmt.Sprintf("pod-%d", i)
		switch {
		case i%50 == 0:
			pods[i] = newPod(name, withPhase(corev1.PodPending))
		default:
			pods[i] = newPod(name)
		}
		if i%40 != 0 {
			cpu[name] = PodMetric{Timestamp: now, Window: 30 * time.Second, Value: int64(600 + i%300)}
			rps[name] = PodMetric{Timestamp: now, Window: time.Minute, Value: int64(900 + i%400)}
		}
	}
	hpa := newHPA(1, 2000,
		resourceUtilization(corev1.ResourceCPU, 60),
		podsAverage("http_requests", "1"),
		externalAverage("queue_length", "30"))
	in := newInput(hpa, n, pods, podMetrics(cpu), podMetrics(rps), MetricInput{ExternalValues: []int64{9_000_000, 6_000_000}, Timestamp: now})

	b.ReportAllocs()
	for b.Loop() {
		res := Compute(in)
		if res.Error != "" || res.InvalidMetrics != 0 {
			b.Fatalf("unexpected result: %s %s", res.Error, res.MetricsError)
		}
	}
}
