package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

const demoNamespace = "demo"

// The demo's HPAs, one per situation. Each scales a Deployment of the same
// name.
const (
	// frontend is healthy: a request rate near its target.
	frontend = "frontend"
	// search targets a metric the adapter does not serve.
	search = "search"
	// payments has values for only half of its pods.
	payments = "payments"
	// imageproc uses twice its CPU request and is pinned at maxReplicas.
	imageproc = "imageproc"
	// checkout saw a burst of queued orders. The five-minute downscale
	// stabilization window then holds its scale-down.
	checkout = "checkout"
)

// Metric names served by the adapter. searchLatencyMetric never gets a
// value.
const (
	requestRateMetric    = "http_requests_per_second"
	searchLatencyMetric  = "search_request_latency_seconds"
	paymentsQueueMetric  = "payment_jobs_in_flight"
	checkoutQueueMetric  = "orders_queue_messages"
	checkoutQueueLabel   = "queue"
	checkoutQueueName    = "orders"
	burstDuration        = 40 * time.Second
	checkoutCyclePeriod  = 8 * time.Minute
	deploymentReadyLimit = 2 * time.Minute
)

type scenario struct {
	cluster *harness.Cluster
	started time.Time
	random  *rand.Rand
}

func newScenario(cluster *harness.Cluster) *scenario {
	return &scenario{cluster: cluster, random: rand.New(rand.NewPCG(1, 2))}
}

func (s *scenario) hpaNames() []string {
	return []string{frontend, search, payments, imageproc, checkout}
}

// setUp creates the namespace, Deployments and HPAs, sets the first values,
// and waits until checkout has scaled up for its burst and the burst has
// ended, so that its scale-down is already being held when the demo is
// reported ready.
func (s *scenario) setUp(ctx context.Context) error {
	if err := s.cluster.CreateNamespace(ctx, demoNamespace); err != nil {
		return err
	}

	deployments := map[string]int32{frontend: 3, search: 2, payments: 4, imageproc: 2, checkout: 3}
	for _, name := range s.hpaNames() {
		log.Printf("creating Deployment %s/%s", demoNamespace, name)
		if err := s.cluster.CreateDeployment(ctx, harness.Deployment(demoNamespace, name, deployments[name]), deploymentReadyLimit); err != nil {
			return err
		}
	}

	s.started = time.Now()
	if err := s.update(ctx); err != nil {
		return err
	}

	hpas := []*autoscalingv2.HorizontalPodAutoscaler{
		harness.HPA(demoNamespace, frontend, harness.DeploymentRef(frontend), 2, 10,
			harness.PodsMetric(requestRateMetric, resource.MustParse("100"))),
		harness.HPA(demoNamespace, search, harness.DeploymentRef(search), 2, 8,
			harness.PodsMetric(searchLatencyMetric, resource.MustParse("250m"))),
		harness.HPA(demoNamespace, payments, harness.DeploymentRef(payments), 2, 12,
			harness.PodsMetric(paymentsQueueMetric, resource.MustParse("30"))),
		harness.HPA(demoNamespace, imageproc, harness.DeploymentRef(imageproc), 1, 4,
			harness.ResourceUtilization(corev1.ResourceCPU, 50)),
		harness.HPA(demoNamespace, checkout, harness.DeploymentRef(checkout), 2, 10,
			harness.ExternalMetric(checkoutQueueMetric, map[string]string{checkoutQueueLabel: checkoutQueueName}, resource.MustParse("20"))),
	}
	for _, hpa := range hpas {
		log.Printf("creating HPA %s/%s", demoNamespace, hpa.Name)
		if _, err := s.cluster.Client.AutoscalingV2().HorizontalPodAutoscalers(demoNamespace).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create HPA %s/%s: %w", demoNamespace, hpa.Name, err)
		}
	}

	log.Printf("waiting for %s to scale up for its burst of orders", checkout)
	if _, err := s.cluster.WaitForDesiredReplicas(ctx, demoNamespace, checkout, 6, 2*time.Minute); err != nil {
		return err
	}
	for time.Since(s.started) < burstDuration {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	if err := s.update(ctx); err != nil {
		return err
	}
	log.Printf("waiting for %s to hold its scale-down", checkout)
	_, err := s.cluster.WaitForHPA(ctx, demoNamespace, checkout, 2*time.Minute, func(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
		cond := harness.HPACondition(hpa, autoscalingv2.AbleToScale)
		return cond != nil && cond.Reason == "ScaleDownStabilized"
	})
	return err
}

// update sets the values for the current pods: every pod of a new replica
// gets values from the next update on, as a scraper would find it.
func (s *scenario) update(ctx context.Context) error {
	elapsed := time.Since(s.started)

	// frontend: a slow wave of ±6% around the target plus ±5% per-pod
	// noise, which stays mostly within the 10% tolerance.
	load := 100 * (1 + 0.06*math.Sin(2*math.Pi*elapsed.Seconds()/300))
	if err := s.setPodValues(ctx, frontend, requestRateMetric, 1, func() float64 { return load * (0.95 + 0.1*s.random.Float64()) }); err != nil {
		return err
	}

	// payments: values only for the first half of the pods, sorted by
	// name. The reported average is above target, but counting the pods
	// without values as 0 reverses the direction, so the HPA holds.
	if err := s.setPodValues(ctx, payments, paymentsQueueMetric, 0.5, func() float64 { return 45 + 5*s.random.Float64() }); err != nil {
		return err
	}

	// imageproc: around twice the 100m CPU request.
	if err := s.setCPUUsage(ctx, imageproc, 180, 220); err != nil {
		return err
	}

	// checkout: a burst of queued orders at the start of each cycle, then a
	// quiet queue that would need only 2 replicas.
	// 120 messages at 20 per replica need exactly 6 replicas, which
	// setUp waits for.
	queued := 30 + s.random.Float64()*5
	if elapsed%checkoutCyclePeriod < burstDuration {
		queued = 120
	}
	return s.cluster.Metrics.SetExternalMetrics(ctx, control.ExternalMetric{
		Namespace: demoNamespace,
		Metric:    checkoutQueueMetric,
		Labels:    map[string]string{checkoutQueueLabel: checkoutQueueName},
		Value:     strconv.FormatFloat(math.Round(queued), 'f', 0, 64),
	})
}

// setPodValues sets metric for a share (0 to 1) of the ready pods of app:
// the first ones by name.
func (s *scenario) setPodValues(ctx context.Context, app, metric string, share float64, value func() float64) error {
	pods, err := s.cluster.ReadyPods(ctx, demoNamespace, harness.AppLabels(app))
	if err != nil {
		return err
	}
	names := make([]string, 0, len(pods))
	for _, pod := range pods {
		names = append(names, pod.Name)
	}
	slices.Sort(names)
	names = names[:int(math.Ceil(float64(len(names))*share))]

	values := make([]control.PodMetric, 0, len(names))
	for _, name := range names {
		values = append(values, control.PodMetric{
			Namespace: demoNamespace,
			Pod:       name,
			Metric:    metric,
			Value:     strconv.FormatFloat(math.Round(value()), 'f', 0, 64),
		})
	}
	if len(values) == 0 {
		return nil
	}
	return s.cluster.Metrics.SetPodMetrics(ctx, values...)
}

func (s *scenario) setCPUUsage(ctx context.Context, app string, minMilli, maxMilli int) error {
	pods, err := s.cluster.ReadyPods(ctx, demoNamespace, harness.AppLabels(app))
	if err != nil {
		return err
	}
	usage := make([]control.PodUsage, 0, len(pods))
	for _, pod := range pods {
		milli := minMilli + s.random.IntN(maxMilli-minMilli+1)
		usage = append(usage, control.PodUsage{
			Namespace:  demoNamespace,
			Pod:        pod.Name,
			Containers: []control.ContainerUsage{{Name: "app", CPU: fmt.Sprintf("%dm", milli), Memory: "48Mi"}},
		})
	}
	if len(usage) == 0 {
		return nil
	}
	return s.cluster.Metrics.SetPodUsage(ctx, usage...)
}
