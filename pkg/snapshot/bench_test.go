package snapshot

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// largeSnapshot returns a snapshot of an HPA over pods pods, each with a
// value, in YAML.
func largeSnapshot(b *testing.B, pods int) []byte {
	b.Helper()
	f := newFixture("storefront", "checkout-api", "7d9f8b6c5", int32(pods))
	f.state.HPA.Spec.MaxReplicas = int32(2 * pods)
	f.podsMetric("http_requests_per_second", "20")
	f.customMetricsAPI("pods/http_requests_per_second")
	values := map[string]int64{}
	for i := 0; i < pods; i++ {
		pod := f.addPod(fmt.Sprintf("p%05d", i), 26*time.Hour, true, "250m")
		values[pod.Name] = 19000 + int64(i%40)*50
	}
	f.state.Metrics[0].APIVersion = customMetricsV1beta2
	f.state.Metrics[0].Values = f.customValues("http_requests_per_second", values)
	data, err := Encode(f.state, "yaml")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkLoad(b *testing.B) {
	for _, pods := range []int{10, 1000} {
		data := largeSnapshot(b, pods)
		b.Run(fmt.Sprintf("pods=%d,bytes=%d", pods, len(data)), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Load(bytes.NewReader(data), Options{Source: "large.yaml"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
