package render

import (
	"math"
	"testing"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{0.539, "0.539"},
		{0.5394, "0.539"},
		{0.5396, "0.54"},
		{1.5, "1.5"},
		{2, "2"},
		{12345, "12345"},
		{1234567.891, "1234567.891"},
		{-0.25, "-0.25"},
		{-0.0001, "-0.0001"},
		{0.0004999, "0.0004999"},
		{1e-9, "1e-09"},
		{999999999999999, "999999999999999"},
		{1e15, "1e+15"},
		{math.MaxFloat64, "1.798e+308"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
		{-0.0000000001 * 0, "0"},
	}
	for _, tt := range tests {
		if got := formatNumber(tt.in); got != tt.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	const mi = 1024 * 1024
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{900, "900"},
		{1024, "1Ki"},
		{512 * mi, "512Mi"},
		{1.5 * 1024 * mi, "1.5Gi"},
		{123456789, "117.738Mi"},
		{-2048, "-2Ki"},
		{math.Pow(1024, 6) * 3, "3Ei"},
		{math.Pow(1024, 7), "1024Ei"},
		{math.Inf(1), "+Inf"},
	}
	for _, tt := range tests {
		if got := formatBytes(tt.in); got != tt.want {
			t.Errorf("formatBytes(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatCores(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0.25, "0.25 cores"},
		{1, "1 core"},
		{2, "2 cores"},
		{0.0015, "0.002 cores"},
	}
	for _, tt := range tests {
		if got := formatCores(tt.in); got != tt.want {
			t.Errorf("formatCores(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatMetricValue(t *testing.T) {
	tests := []struct {
		name   string
		metric v1alpha1.Metric
		value  v1alpha1.MetricValue
		want   string
	}{
		{"cpu utilization", v1alpha1.Metric{Type: "Resource", Name: "cpu"}, v1alpha1.MetricValue{Type: "Utilization", Value: 75}, "75%"},
		{"cpu average", v1alpha1.Metric{Type: "Resource", Name: "cpu"}, v1alpha1.MetricValue{Type: "AverageValue", Value: 0.25, Quantity: "250m"}, "0.25 cores"},
		{"container memory", v1alpha1.Metric{Type: "ContainerResource", Name: "memory"}, v1alpha1.MetricValue{Type: "AverageValue", Value: 512 * 1024 * 1024}, "512Mi"},
		{"hugepages", v1alpha1.Metric{Type: "Resource", Name: "hugepages-2Mi"}, v1alpha1.MetricValue{Type: "AverageValue", Value: 4 * 1024 * 1024}, "4Mi"},
		{"gpu count", v1alpha1.Metric{Type: "Resource", Name: "nvidia.com/gpu"}, v1alpha1.MetricValue{Type: "AverageValue", Value: 2}, "2"},
		{"pods metric from milli-quantity", v1alpha1.Metric{Type: "Pods", Name: "rps"}, v1alpha1.MetricValue{Type: "AverageValue", Value: 0.539, Quantity: "539m"}, "0.539"},
		{"pods metric named cpu stays plain", v1alpha1.Metric{Type: "Pods", Name: "cpu"}, v1alpha1.MetricValue{Type: "AverageValue", Value: 0.5}, "0.5"},
		{"object value", v1alpha1.Metric{Type: "Object", Name: "hits"}, v1alpha1.MetricValue{Type: "Value", Value: 12000}, "12000"},
		{"object average", v1alpha1.Metric{Type: "Object", Name: "hits"}, v1alpha1.MetricValue{Type: "AverageValue", Value: 30}, "30 (avg)"},
		{"external average", v1alpha1.Metric{Type: "External", Name: "queue"}, v1alpha1.MetricValue{Type: "AverageValue", Value: 30}, "30 (avg)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatMetricValue(&tt.metric, &tt.value); got != tt.want {
				t.Errorf("formatMetricValue = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatPodValue(t *testing.T) {
	cpu := &v1alpha1.Metric{Type: "Resource", Name: "cpu", Target: v1alpha1.MetricValue{Type: "Utilization", Value: 60}}
	memory := &v1alpha1.Metric{Type: "Resource", Name: "memory", Target: v1alpha1.MetricValue{Type: "AverageValue"}}

	tests := []struct {
		name   string
		metric *v1alpha1.Metric
		sample v1alpha1.PodMetric
		want   string
	}{
		{"no value", cpu, v1alpha1.PodMetric{}, "<none>"},
		{"utilization with request", cpu, v1alpha1.PodMetric{Value: ptr(0.25), Request: ptr(0.5)}, "0.25 cores (50%)"},
		{"utilization without request", cpu, v1alpha1.PodMetric{Value: ptr(0.25)}, "0.25 cores"},
		{"utilization with zero request", cpu, v1alpha1.PodMetric{Value: ptr(0.25), Request: ptr(0.0)}, "0.25 cores"},
		{"average value", memory, v1alpha1.PodMetric{Value: ptr(256.0 * 1024 * 1024), Request: ptr(1024.0 * 1024 * 1024)}, "256Mi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatPodValue(tt.metric, &tt.sample); got != tt.want {
				t.Errorf("formatPodValue = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatRatio(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.000"},
		{0.85333, "0.853"},
		{2.5556, "2.556"},
		{math.Inf(1), "+Inf"},
	}
	for _, tt := range tests {
		if got := formatRatio(tt.in); got != tt.want {
			t.Errorf("formatRatio(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatAge(t *testing.T) {
	now := evaluatedAt
	tests := []struct {
		name string
		ago  time.Duration
		want string
	}{
		{"seconds", 5 * time.Second, "5s"},
		{"minutes and seconds", 3*time.Minute + 20*time.Second, "3m20s"},
		{"minutes", 45 * time.Minute, "45m"},
		{"hours", 5 * time.Hour, "5h"},
		{"days", 4 * 24 * time.Hour, "4d"},
		{"future", -time.Hour, "<invalid>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created := now.Add(-tt.ago)
			if got := formatAge(&created, now); got != tt.want {
				t.Errorf("formatAge = %q, want %q", got, tt.want)
			}
		})
	}

	if got := formatAge(nil, now); got != "<unknown>" {
		t.Errorf("formatAge(nil) = %q, want <unknown>", got)
	}
	if got := formatAge(&time.Time{}, now); got != "<unknown>" {
		t.Errorf("formatAge(zero) = %q, want <unknown>", got)
	}
}
