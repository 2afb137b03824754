package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
)

// SetPodMetricForPods sets metric to value for every ready pod in namespace
// matching selector, and returns the pod names. Pods created later get no
// value until this is called again.
func (c *Cluster) SetPodMetricForPods(ctx context.Context, namespace string, selector map[string]string, metric, value string) ([]string, error) {
	pods, err := c.ReadyPods(ctx, namespace, selector)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(pods))
	values := make([]control.PodMetric, 0, len(pods))
	for _, pod := range pods {
		names = append(names, pod.Name)
		values = append(values, control.PodMetric{Namespace: namespace, Pod: pod.Name, Metric: metric, Value: value})
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("no ready pods in %s match %v to set %s on", namespace, selector, metric)
	}
	if err := c.Metrics.SetPodMetrics(ctx, values...); err != nil {
		return nil, err
	}
	return names, nil
}

// SetContainerUsageForPods sets the usage of the container named "app" to
// cpu and memory (quantities; empty leaves one out) for every ready pod in
// namespace matching selector, and returns the pod names.
func (c *Cluster) SetContainerUsageForPods(ctx context.Context, namespace string, selector map[string]string, cpu, memory string) ([]string, error) {
	pods, err := c.ReadyPods(ctx, namespace, selector)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(pods))
	usage := make([]control.PodUsage, 0, len(pods))
	for _, pod := range pods {
		names = append(names, pod.Name)
		usage = append(usage, control.PodUsage{
			Namespace:  namespace,
			Pod:        pod.Name,
			Containers: []control.ContainerUsage{{Name: "app", CPU: cpu, Memory: memory}},
		})
	}
	if len(usage) == 0 {
		return nil, fmt.Errorf("no ready pods in %s match %v to set usage on", namespace, selector)
	}
	if err := c.Metrics.SetPodUsage(ctx, usage...); err != nil {
		return nil, err
	}
	return names, nil
}

// Timestamp returns a pointer to t, for the Timestamp fields of metric
// values.
func Timestamp(t time.Time) *time.Time { return &t }
