package e2e

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
	"github.com/hpametrics/kubectl-hpametrics/pkg/snapshot"
	"github.com/hpametrics/kubectl-hpametrics/test/cluster/harness"
)

// inProcessUserAgent is the user agent of explain runs inside the test
// binary, so the audit log distinguishes them from the harness's own
// requests.
const inProcessUserAgent = "kubectl-hpametrics-e2e"

// controllerConfig returns the controller settings the e2e cluster runs
// with, as explain's --tolerance and related flags would set them.
func controllerConfig() replicas.Config {
	cfg := replicas.DefaultConfig()
	opts := cluster.Options()
	if opts.HPATolerance != 0 {
		cfg.Tolerance = opts.HPATolerance
	}
	if opts.HPACPUInitializationPeriod != 0 {
		cfg.CPUInitializationPeriod = opts.HPACPUInitializationPeriod
	}
	if opts.HPAInitialReadinessDelay != 0 {
		cfg.DelayOfInitialReadinessStatus = opts.HPAInitialReadinessDelay
	}
	if opts.HPADownscaleStabilization != 0 {
		cfg.DownscaleStabilizationWindow = opts.HPADownscaleStabilization
	}
	return cfg
}

// explainer runs explain in process the way the command does: kubeconfig
// flags, one request counter wrapping every client, gather, then
// explain.Build.
type explainer struct {
	namespace string
	// requestTimeout is --request-timeout; zero keeps gather's default.
	requestTimeout time.Duration
	// cacheDir is --cache-dir, the discovery cache.
	cacheDir string
	// impersonate is --as: a user whose RBAC rules explain runs with.
	impersonate string
}

func newExplainer(t *testing.T, namespace string) *explainer {
	return &explainer{namespace: namespace, cacheDir: t.TempDir()}
}

func (e *explainer) configFlags(counter *gather.RequestCounter) *genericclioptions.ConfigFlags {
	flags := genericclioptions.NewConfigFlags(true)
	kubeconfig := cluster.Kubeconfig
	namespace := e.namespace
	cacheDir := e.cacheDir
	flags.KubeConfig = &kubeconfig
	flags.Namespace = &namespace
	flags.CacheDir = &cacheDir
	if e.requestTimeout > 0 {
		timeout := e.requestTimeout.String()
		flags.Timeout = &timeout
	}
	if e.impersonate != "" {
		user := e.impersonate
		flags.Impersonate = &user
	}
	flags.WrapConfigFn = func(config *rest.Config) *rest.Config {
		config.UserAgent = inProcessUserAgent
		return counter.WrapConfig(config)
	}
	return flags
}

// gather reads the HPA as explain does.
func (e *explainer) gather(ctx context.Context, name string) (*gather.State, error) {
	counter := gather.NewRequestCounter()
	clients, err := gather.NewClients(e.configFlags(counter), counter, gather.Options{RequestTimeout: e.requestTimeout})
	if err != nil {
		return nil, err
	}
	return clients.Gather(ctx, e.namespace, name)
}

// explain gathers and builds the explanation with the cluster's
// controller settings.
func (e *explainer) explain(ctx context.Context, name string) (*gather.State, *v1alpha1.Explanation, error) {
	state, err := e.gather(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return state, explain.Build(state, explain.Options{Config: controllerConfig()}), nil
}

// hpaFingerprint returns what must stay the same for the HPA to count as
// settled: its status, and the phase and readiness of every pod in its
// namespace, which the next sync reads.
func hpaFingerprint(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler) (string, error) {
	var b strings.Builder
	observed := int64(-1)
	if hpa.Status.ObservedGeneration != nil {
		observed = *hpa.Status.ObservedGeneration
	}
	fmt.Fprintf(&b, "generation=%d observed=%d current=%d desired=%d",
		hpa.Generation, observed, hpa.Status.CurrentReplicas, hpa.Status.DesiredReplicas)
	for _, c := range hpa.Status.Conditions {
		fmt.Fprintf(&b, " %s=%s/%s: %s", c.Type, c.Status, c.Reason, c.Message)
	}
	for _, m := range hpa.Status.CurrentMetrics {
		fmt.Fprintf(&b, " metric=%s", metricStatusText(m))
	}

	pods, err := cluster.Client.CoreV1().Pods(hpa.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	var podStates []string
	for _, pod := range pods.Items {
		podStates = append(podStates, fmt.Sprintf("%s:%s:%t:%t", pod.Name, pod.Status.Phase, podReady(&pod), pod.DeletionTimestamp != nil))
	}
	slices.Sort(podStates)
	fmt.Fprintf(&b, " pods=%s", strings.Join(podStates, ","))
	return b.String(), nil
}

func metricStatusText(m autoscalingv2.MetricStatus) string {
	var current *autoscalingv2.MetricValueStatus
	switch {
	case m.Resource != nil:
		current = &m.Resource.Current
	case m.ContainerResource != nil:
		current = &m.ContainerResource.Current
	case m.Pods != nil:
		current = &m.Pods.Current
	case m.Object != nil:
		current = &m.Object.Current
	case m.External != nil:
		current = &m.External.Current
	}
	if current == nil {
		return string(m.Type)
	}
	text := string(m.Type)
	if current.Value != nil {
		text += " value " + current.Value.String()
	}
	if current.AverageValue != nil {
		text += " average " + current.AverageValue.String()
	}
	if current.AverageUtilization != nil {
		text += fmt.Sprintf(" utilization %d%%", *current.AverageUtilization)
	}
	return text
}

// settleTime is how long the HPA and its pods must stay unchanged to
// count as settled: two HPA sync periods and a margin, so the controller
// has recomputed the same decision at least twice.
func settleTime() time.Duration {
	return 2*cluster.HPASyncPeriod() + time.Second
}

// waitSettled waits until the HPA passes check and neither it nor the pods
// of its namespace have changed for settleTime.
func waitSettled(ctx context.Context, namespace, name string, timeout time.Duration, check harness.HPACheck) (*autoscalingv2.HorizontalPodAutoscaler, string, error) {
	deadline := time.Now().Add(timeout)
	var last *autoscalingv2.HorizontalPodAutoscaler
	var lastFingerprint string
	var since time.Time
	for {
		hpa, err := cluster.Client.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			fingerprint, err := hpaFingerprint(ctx, hpa)
			if err == nil {
				if fingerprint != lastFingerprint || !check(hpa) {
					lastFingerprint = fingerprint
					since = time.Now()
				}
				last = hpa
				if check(hpa) && time.Since(since) >= settleTime() {
					return hpa, fingerprint, nil
				}
			}
		}
		if time.Now().After(deadline) {
			if last == nil {
				return nil, "", fmt.Errorf("HPA %s/%s: not readable within %s: %v", namespace, name, timeout, err)
			}
			if aliveErr := cluster.CheckAlive(); aliveErr != nil {
				return last, "", fmt.Errorf("HPA %s/%s: not settled within %s because the control plane is down: %w", namespace, name, timeout, aliveErr)
			}
			return last, "", fmt.Errorf("HPA %s/%s: not settled in the awaited state within %s; last status: %s", namespace, name, timeout, harness.DescribeHPAStatus(last))
		}
		select {
		case <-ctx.Done():
			return last, "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// observation is the controller's settled status next to explain's view
// of the same moment.
type observation struct {
	hpa   *autoscalingv2.HorizontalPodAutoscaler
	state *gather.State
	doc   *v1alpha1.Explanation
}

// observeSettled waits for the HPA to settle in a state that passes check,
// then explains it. When the HPA or its pods change while explain gathers,
// it waits and explains again, so the two views always describe one state.
func observeSettled(t *testing.T, ctx context.Context, e *explainer, name string, check harness.HPACheck) observation {
	t.Helper()
	const attempts = 3
	for attempt := 1; ; attempt++ {
		hpa, before, err := waitSettled(ctx, e.namespace, name, scaleTimeout, check)
		if err != nil {
			t.Fatal(err)
		}
		state, doc, err := e.explain(ctx, name)
		if err != nil {
			t.Fatalf("explain %s/%s: %v", e.namespace, name, err)
		}
		after, err := cluster.Client.AutoscalingV2().HorizontalPodAutoscalers(e.namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		afterPrint, err := hpaFingerprint(ctx, after)
		if err != nil {
			t.Fatal(err)
		}
		if afterPrint == before {
			return observation{hpa: hpa, state: state, doc: doc}
		}
		if attempt == attempts {
			t.Fatalf("HPA %s/%s changed during each of %d explain runs; last change:\nbefore: %s\nafter:  %s", e.namespace, name, attempts, before, afterPrint)
		}
		t.Logf("HPA %s/%s changed while explain gathered; explaining again", e.namespace, name)
	}
}

// controllerComputed reports whether the controller's last sync computed
// status.desiredReplicas from the metrics or from the zero-replica rule,
// rather than leaving it from an earlier sync.
func controllerComputed(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
	active := harness.HPACondition(hpa, autoscalingv2.ScalingActive)
	return active != nil && (active.Status == corev1.ConditionTrue || active.Reason == "ScalingDisabled")
}

// requireAgreement checks that explain's recomputed replica count equals
// the controller's status.desiredReplicas.
func requireAgreement(t *testing.T, o observation) {
	t.Helper()
	if !controllerComputed(o.hpa) {
		t.Fatalf("the controller computed no replica count to compare with; status: %s", harness.DescribeHPAStatus(o.hpa))
	}
	got := o.doc.Replicas.Recommended
	if got == nil {
		t.Fatalf("explain recomputed no replica count, the controller's status.desiredReplicas is %d\n%s", o.hpa.Status.DesiredReplicas, describeExplanation(o.doc))
	}
	if *got != o.hpa.Status.DesiredReplicas {
		t.Errorf("explain recommends %d replicas, the controller's status.desiredReplicas is %d\ncontroller: %s\n%s",
			*got, o.hpa.Status.DesiredReplicas, harness.DescribeHPAStatus(o.hpa), describeExplanation(o.doc))
	}
}

// requireNoRecommendation checks that explain, like the controller,
// computed no replica count.
func requireNoRecommendation(t *testing.T, o observation) {
	t.Helper()
	if got := o.doc.Replicas.Recommended; got != nil {
		t.Errorf("explain recommends %d replicas, want none because the controller could not compute a count\ncontroller: %s\n%s",
			*got, harness.DescribeHPAStatus(o.hpa), describeExplanation(o.doc))
	}
}

// findingCodes returns the codes of the findings, in order.
func findingCodes(doc *v1alpha1.Explanation) []string {
	codes := make([]string, 0, len(doc.Findings))
	for _, f := range doc.Findings {
		codes = append(codes, f.Code)
	}
	return codes
}

// finding returns the first finding with the code, or nil.
func finding(doc *v1alpha1.Explanation, code string) *v1alpha1.Finding {
	for i := range doc.Findings {
		if doc.Findings[i].Code == code {
			return &doc.Findings[i]
		}
	}
	return nil
}

// requireCodes checks that each code is among the findings.
func requireCodes(t *testing.T, doc *v1alpha1.Explanation, codes ...string) {
	t.Helper()
	for _, code := range codes {
		if finding(doc, code) == nil {
			t.Errorf("findings lack %s\n%s", code, describeExplanation(doc))
		}
	}
}

// rejectCodes checks that no finding has one of the codes.
func rejectCodes(t *testing.T, doc *v1alpha1.Explanation, codes ...string) {
	t.Helper()
	for _, code := range codes {
		if f := finding(doc, code); f != nil {
			t.Errorf("findings include %s, which contradicts the scenario: %s\n%s", code, f.Message, describeExplanation(doc))
		}
	}
}

// rejectSeverity checks that no finding has the severity.
func rejectSeverity(t *testing.T, doc *v1alpha1.Explanation, severity v1alpha1.Severity) {
	t.Helper()
	for _, f := range doc.Findings {
		if f.Severity == severity {
			t.Errorf("unexpected %s finding %s: %s\n%s", severity, f.Code, f.Message, describeExplanation(doc))
		}
	}
}

// describeExplanation summarizes an explanation for failure messages.
func describeExplanation(doc *v1alpha1.Explanation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "explain verdict: %s\n", doc.Verdict)
	recommended := "none"
	if doc.Replicas.Recommended != nil {
		recommended = fmt.Sprint(*doc.Replicas.Recommended)
	}
	fmt.Fprintf(&b, "explain replicas: current %d, status desired %d, recommended %s, limit %q, stabilization %q, inferred %t\n",
		doc.Replicas.Current, doc.Replicas.StatusDesired, recommended, doc.Replicas.LimitReason, doc.Replicas.StabilizationReason, doc.Replicas.Inferred)
	for _, f := range doc.Findings {
		fmt.Fprintf(&b, "finding %s (%s): %s\n", f.Code, f.Severity, f.Message)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "    evidence: %s\n", e)
		}
	}
	for _, s := range doc.Steps {
		fmt.Fprintf(&b, "step: %s\n", s.Text)
	}
	return b.String()
}

// checkRoundTrip captures the gathered state as a snapshot, loads it back
// as explain --from does, and checks that the file gives the same verdict,
// recommendation and finding codes as the live explanation.
func checkRoundTrip(t *testing.T, state *gather.State, live *v1alpha1.Explanation) {
	t.Helper()
	data, err := snapshot.Encode(state, "yaml")
	if err != nil {
		t.Fatalf("encode the snapshot: %v", err)
	}
	source := fmt.Sprintf("snapshot of %s/%s", state.Namespace, state.Name)
	loaded, err := snapshot.Load(bytes.NewReader(data), snapshot.Options{Source: source})
	if err != nil {
		t.Fatalf("load the %s: %v", source, err)
	}
	now, timeSource := loaded.EvaluationTime(time.Time{}, time.Now())
	fromFile := loaded.Explain(explain.Options{Config: controllerConfig(), Now: now}, timeSource)

	if fromFile.Verdict != live.Verdict {
		t.Errorf("verdict from the snapshot differs from the live one:\nlive: %s\nfile: %s", live.Verdict, fromFile.Verdict)
	}
	liveReplicas, fileReplicas := optionalInt(live.Replicas.Recommended), optionalInt(fromFile.Replicas.Recommended)
	if liveReplicas != fileReplicas {
		t.Errorf("recommended replicas from the snapshot = %s, live = %s", fileReplicas, liveReplicas)
	}
	liveCodes, fileCodes := findingCodes(live), findingCodes(fromFile)
	slices.Sort(liveCodes)
	slices.Sort(fileCodes)
	if !slices.Equal(liveCodes, fileCodes) {
		t.Errorf("finding codes from the snapshot = %v, live = %v\nfile:\n%s", fileCodes, liveCodes, describeExplanation(fromFile))
	}
}

func optionalInt(v *int32) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}
