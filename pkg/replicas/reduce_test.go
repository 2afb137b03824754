package replicas

import (
	"errors"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

func podMetricsItem(name string, ts time.Time, containers ...metricsv1beta1.ContainerMetrics) metricsv1beta1.PodMetrics {
	return metricsv1beta1.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Timestamp:  metav1.NewTime(ts),
		Window:     metav1.Duration{Duration: 30 * time.Second},
		Containers: containers,
	}
}

func usage(name string, list ...string) metricsv1beta1.ContainerMetrics {
	c := metricsv1beta1.ContainerMetrics{Name: name, Usage: corev1.ResourceList{}}
	for i := 0; i+1 < len(list); i += 2 {
		c.Usage[corev1.ResourceName(list[i])] = resource.MustParse(list[i+1])
	}
	return c
}

func TestResourcePodMetrics(t *testing.T) {
	first := now.Add(-20 * time.Second)
	list := &metricsv1beta1.PodMetricsList{Items: []metricsv1beta1.PodMetrics{
		// Dropped for cpu: the proxy container has no cpu usage.
		podMetricsItem("a", first, usage("app", "cpu", "100m", "memory", "10Mi"), usage("proxy", "memory", "5Mi")),
		podMetricsItem("b", now, usage("app", "cpu", "200m"), usage("proxy", "cpu", "50m")),
		// Dropped: no containers.
		podMetricsItem("c", now),
	}}

	t.Run("pod sums", func(t *testing.T) {
		info, ts, err := ResourcePodMetrics(list, corev1.ResourceCPU, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(info) != 1 || info["b"].Value != 250 {
			t.Errorf("samples %+v, want only b with 250", info)
		}
		if info["b"].Window != 30*time.Second || !info["b"].Timestamp.Equal(now) {
			t.Errorf("sample b %+v, want window 30s at now", info["b"])
		}
		// The timestamp is the first item's even though that item is dropped.
		if !ts.Equal(first) {
			t.Errorf("timestamp %v, want the first item's %v", ts, first)
		}
	})

	t.Run("memory sums both containers", func(t *testing.T) {
		info, _, err := ResourcePodMetrics(list, corev1.ResourceMemory, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := info["a"].Value; got != 15*1024*1024*1000 {
			t.Errorf("a memory %d, want 15Mi in milli-bytes", got)
		}
		if _, ok := info["b"]; ok {
			t.Errorf("b kept, want it dropped: no memory usage")
		}
	})

	t.Run("named container", func(t *testing.T) {
		info, _, err := ResourcePodMetrics(list, corev1.ResourceCPU, "app")
		if err != nil {
			t.Fatal(err)
		}
		if len(info) != 2 || info["a"].Value != 100 || info["b"].Value != 200 {
			t.Errorf("samples %+v, want a 100 and b 200", info)
		}
		info, _, _ = ResourcePodMetrics(list, corev1.ResourceCPU, "proxy")
		if _, ok := info["a"]; ok || info["b"].Value != 50 {
			t.Errorf("proxy samples %+v, want only b with 50", info)
		}
	})

	t.Run("empty list", func(t *testing.T) {
		_, _, err := ResourcePodMetrics(&metricsv1beta1.PodMetricsList{}, corev1.ResourceCPU, "")
		if err == nil || err.Error() != "no metrics returned from resource metrics API" {
			t.Errorf("error %v", err)
		}
		if _, _, err := ResourcePodMetrics(nil, corev1.ResourceCPU, ""); err == nil {
			t.Errorf("nil list gave no error")
		}
	})
}

func TestCustomPodMetrics(t *testing.T) {
	window := int64(15)
	list := &custommetricsv1beta2.MetricValueList{Items: []custommetricsv1beta2.MetricValue{
		{DescribedObject: corev1.ObjectReference{Name: "a"}, Timestamp: metav1.NewTime(now), Value: resource.MustParse("1.5")},
		{DescribedObject: corev1.ObjectReference{Name: "b"}, Timestamp: metav1.NewTime(now), WindowSeconds: &window, Value: resource.MustParse("250m")},
	}}
	info, ts, err := CustomPodMetrics(list)
	if err != nil {
		t.Fatal(err)
	}
	if info["a"].Value != 1500 || info["a"].Window != time.Minute {
		t.Errorf("a %+v, want 1500 with the default one-minute window", info["a"])
	}
	if info["b"].Value != 250 || info["b"].Window != 15*time.Second {
		t.Errorf("b %+v, want 250 with a 15s window", info["b"])
	}
	if !ts.Equal(now) {
		t.Errorf("timestamp %v", ts)
	}
	if _, _, err := CustomPodMetrics(&custommetricsv1beta2.MetricValueList{}); err == nil || err.Error() != "no metrics returned from custom metrics API" {
		t.Errorf("empty list error %v", err)
	}
}

func TestObjectValue(t *testing.T) {
	one := &custommetricsv1beta2.MetricValueList{Items: []custommetricsv1beta2.MetricValue{
		{Timestamp: metav1.NewTime(now), Value: resource.MustParse("42")},
	}}
	v, ts, err := ObjectValue(one)
	if err != nil || v != 42000 || !ts.Equal(now) {
		t.Errorf("value %d at %v err %v, want 42000 at now", v, ts, err)
	}

	two := &custommetricsv1beta2.MetricValueList{Items: append(one.Items, one.Items[0])}
	_, _, err = ObjectValue(two)
	want := "unable to fetch metrics from custom metrics API: the custom metrics API server returned 2 results when we asked for exactly one"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestExternalValuesAndFetchError(t *testing.T) {
	values, ts, err := ExternalValues(externalList(1500, 2500))
	if err != nil || len(values) != 2 || values[0] != 1500 || values[1] != 2500 {
		t.Errorf("values %v err %v, want [1500 2500]", values, err)
	}
	if !ts.IsZero() {
		t.Errorf("timestamp %v, want the first item's zero time", ts)
	}
	if _, _, err := ExternalValues(externalList()); err == nil || err.Error() != "no metrics returned from external metrics API" {
		t.Errorf("empty list error %v", err)
	}

	cause := errors.New("the server is currently unable to handle the request")
	for source, prefix := range map[autoscalingv2.MetricSourceType]string{
		autoscalingv2.ResourceMetricSourceType:          "unable to fetch metrics from resource metrics API: ",
		autoscalingv2.ContainerResourceMetricSourceType: "unable to fetch metrics from resource metrics API: ",
		autoscalingv2.PodsMetricSourceType:              "unable to fetch metrics from custom metrics API: ",
		autoscalingv2.ObjectMetricSourceType:            "unable to fetch metrics from custom metrics API: ",
		autoscalingv2.ExternalMetricSourceType:          "unable to fetch metrics from external metrics API: ",
	} {
		err := FetchError(source, cause)
		if !strings.HasPrefix(err.Error(), prefix) || !errors.Is(err, cause) {
			t.Errorf("%s: error %q, want prefix %q wrapping the cause", source, err, prefix)
		}
	}
}
