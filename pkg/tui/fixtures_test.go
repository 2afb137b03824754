package tui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// epoch is the fake clock's start.
var epoch = time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)

// fakeClock is a Clock that moves only when a test advances it. After
// records timers instead of running them, and harness.advance delivers
// those that come due.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []timer
}

type timer struct {
	at  time.Time
	d   time.Duration
	msg tea.Msg
}

func newFakeClock() *fakeClock { return &fakeClock{now: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration, msg tea.Msg) tea.Cmd {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, timer{at: c.now.Add(d), d: d, msg: msg})
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// due removes and returns the timers due now, earliest first.
func (c *fakeClock) due() []timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
	var due, rest []timer
	for _, t := range c.timers {
		if t.at.After(c.now) {
			rest = append(rest, t)
		} else {
			due = append(due, t)
		}
	}
	c.timers = rest
	return due
}

// refreshDelays returns the delays of the pending refresh timers of src.
func (c *fakeClock) refreshDelays(src source) []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for _, t := range c.timers {
		if r, ok := t.msg.(refreshDueMsg); ok && r.src == src {
			out = append(out, t.d)
		}
	}
	return out
}

// fakeFetcher serves HPAs and states from memory, with errors to inject.
type fakeFetcher struct {
	mu      sync.Mutex
	clock   *fakeClock
	hpas    []autoscalingv2.HorizontalPodAutoscaler
	states  map[hpaKey]func(now time.Time) *gather.State
	listErr error
	// gatherErr fails every gathering while set.
	gatherErr error
	lists     int
	gathers   map[hpaKey]int
}

func newFakeFetcher(clock *fakeClock) *fakeFetcher {
	return &fakeFetcher{clock: clock, states: map[hpaKey]func(time.Time) *gather.State{}, gathers: map[hpaKey]int{}}
}

// add registers an HPA built by build, listed and gatherable.
func (f *fakeFetcher) add(build func(now time.Time) *gather.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := build(epoch)
	f.hpas = append(f.hpas, *s.HPA)
	f.states[hpaKey{s.Namespace, s.Name}] = build
}

func (f *fakeFetcher) ListHPAs(_ context.Context, namespace string) ([]autoscalingv2.HorizontalPodAutoscaler, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []autoscalingv2.HorizontalPodAutoscaler
	for _, h := range f.hpas {
		if namespace == "" || h.Namespace == namespace {
			out = append(out, h)
		}
	}
	return out, nil
}

func (f *fakeFetcher) Gather(_ context.Context, namespace, name string) (*gather.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := hpaKey{namespace, name}
	f.gathers[key]++
	if f.gatherErr != nil {
		return nil, f.gatherErr
	}
	build, ok := f.states[key]
	if !ok {
		return nil, &gather.NotFoundError{Namespace: namespace, Name: name}
	}
	return build(f.clock.Now()), nil
}

func (f *fakeFetcher) setListErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listErr = err
}

func (f *fakeFetcher) setGatherErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gatherErr = err
}

func (f *fakeFetcher) counts() (lists int, gathers map[hpaKey]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	copied := map[hpaKey]int{}
	for k, v := range f.gathers {
		copied[k] = v
	}
	return f.lists, copied
}

// hpaSpec describes a fixture HPA.
type hpaSpec struct {
	namespace, name string
	min, max        int32
	// cpuMilli holds each pod's cpu usage in millicores; the request is
	// 500m, so 400 is 80%.
	cpuMilli []int64
	// rps holds each pod's http_requests_per_second; nil leaves the
	// second metric out.
	rps      []float64
	podNames func(i int) string
	events   []corev1.Event
	// noTarget leaves the scale unreadable, as for a missing Deployment.
	noTarget bool
}

func defaultPodName(name string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s-7d9f8b6c5d-%05d", name, i) }
}

// buildState returns the gathered state of spec at now. Pod i was created
// i minutes before the first pod's hour-old start, so ages differ.
func buildState(spec hpaSpec) func(now time.Time) *gather.State {
	return func(now time.Time) *gather.State {
		minReplicas := spec.min
		generation := int64(1)
		cpuTarget := int32(80)
		n := int32(len(spec.cpuMilli))
		hpa := &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Name: spec.name, Namespace: spec.namespace, UID: types.UID("uid-" + spec.name), Generation: 1},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: spec.name},
				MinReplicas:    &minReplicas,
				MaxReplicas:    spec.max,
				Metrics: []autoscalingv2.MetricSpec{{
					Type: autoscalingv2.ResourceMetricSourceType,
					Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU,
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &cpuTarget}},
				}},
			},
			Status: autoscalingv2.HorizontalPodAutoscalerStatus{ObservedGeneration: &generation, CurrentReplicas: n, DesiredReplicas: n},
		}
		if spec.rps != nil {
			hpa.Spec.Metrics = append(hpa.Spec.Metrics, autoscalingv2.MetricSpec{
				Type: autoscalingv2.PodsMetricSourceType,
				Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "http_requests_per_second"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: resource.NewQuantity(10, resource.DecimalSI)},
				},
			})
		}
		var cpuSum int64
		for _, v := range spec.cpuMilli {
			cpuSum += v
		}
		if n > 0 {
			utilization := int32(cpuSum * 100 / (500 * int64(n)))
			hpa.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU,
					Current: autoscalingv2.MetricValueStatus{AverageUtilization: &utilization}},
			}}
		}
		if spec.rps != nil && n > 0 {
			var sum float64
			for _, v := range spec.rps {
				sum += v
			}
			average := resource.NewMilliQuantity(int64(sum*1000)/int64(n), resource.DecimalSI)
			hpa.Status.CurrentMetrics = append(hpa.Status.CurrentMetrics, autoscalingv2.MetricStatus{
				Type: autoscalingv2.PodsMetricSourceType,
				Pods: &autoscalingv2.PodsMetricStatus{Metric: autoscalingv2.MetricIdentifier{Name: "http_requests_per_second"},
					Current: autoscalingv2.MetricValueStatus{AverageValue: average}},
			})
		}

		yes := true
		state := &gather.State{
			Namespace: spec.namespace, Name: spec.name, GatheredAt: now, HPA: hpa,
			Target: gather.Target{Ref: hpa.Spec.ScaleTargetRef},
			ReplicaSets: []metav1.PartialObjectMetadata{{ObjectMeta: metav1.ObjectMeta{
				Name: spec.name + "-7d9f8b6c5d", UID: "rs-" + types.UID(spec.name),
				OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: spec.name, UID: "deploy-" + types.UID(spec.name), Controller: &yes}},
			}}},
			Events:   spec.events,
			Requests: 10,
		}
		if spec.noTarget {
			state.Target.Problem = gather.TargetNotFound
			state.Target.Error = &gather.SourceError{Source: "GET apps/v1 deployments/" + spec.name + "/scale", Code: 404, Reason: metav1.StatusReasonNotFound, Message: "deployments.apps \"" + spec.name + "\" not found"}
			return state
		}
		state.Target.Scale = &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: spec.name, UID: types.UID("deploy-" + spec.name)},
			Spec:       autoscalingv1.ScaleSpec{Replicas: n},
			Status:     autoscalingv1.ScaleStatus{Replicas: n, Selector: "app=" + spec.name},
		}

		podName := spec.podNames
		if podName == nil {
			podName = defaultPodName(spec.name)
		}
		podMetrics := &metricsv1beta1.PodMetricsList{}
		values := &custommetricsv1beta2.MetricValueList{}
		firstStart := epoch.Add(-time.Hour)
		sampleAt := metav1.NewTime(now.Add(-10 * time.Second))
		for i, milli := range spec.cpuMilli {
			name := podName(i)
			created := metav1.NewTime(firstStart.Add(-time.Duration(i) * time.Minute))
			state.Pods = append(state.Pods, corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: spec.namespace, CreationTimestamp: created,
					OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: spec.name + "-7d9f8b6c5d", UID: "rs-" + types.UID(spec.name), Controller: &yes}}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &created,
					Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: created}}},
			})
			podMetrics.Items = append(podMetrics.Items, metricsv1beta1.PodMetrics{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: spec.namespace},
				Timestamp:  sampleAt,
				Window:     metav1.Duration{Duration: 15 * time.Second},
				Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: corev1.ResourceList{
					corev1.ResourceCPU: *resource.NewMilliQuantity(milli, resource.DecimalSI)}}},
			})
			if spec.rps != nil && i < len(spec.rps) {
				values.Items = append(values.Items, custommetricsv1beta2.MetricValue{
					DescribedObject: corev1.ObjectReference{Kind: "Pod", Name: name, Namespace: spec.namespace},
					Metric:          custommetricsv1beta2.MetricIdentifier{Name: "http_requests_per_second"},
					Timestamp:       sampleAt,
					Value:           *resource.NewMilliQuantity(int64(spec.rps[i]*1000), resource.DecimalSI),
				})
			}
		}
		state.ResourceMetrics = &gather.ResourceMetrics{APIVersion: "metrics.k8s.io/v1beta1", List: podMetrics}
		state.Metrics = []gather.Metric{{Spec: hpa.Spec.Metrics[0], APIVersion: "metrics.k8s.io/v1beta1"}}
		if spec.rps != nil {
			state.Metrics = append(state.Metrics, gather.Metric{Spec: hpa.Spec.Metrics[1], APIVersion: "custom.metrics.k8s.io/v1beta2", Values: values})
		}
		return state
	}
}

func rescaleEvent(size string, at time.Time) corev1.Event {
	return corev1.Event{
		ObjectMeta:    metav1.ObjectMeta{Name: "rescale-" + size, Namespace: "shop"},
		Type:          corev1.EventTypeNormal,
		Reason:        "SuccessfulRescale",
		Message:       "New size: " + size + "; reason: cpu resource utilization (percentage of request) above target",
		LastTimestamp: metav1.NewTime(at),
		Count:         1,
	}
}

// webSpec is the usual fixture: "web" in "shop" with three busy pods and
// two metrics.
func webSpec() hpaSpec {
	return hpaSpec{
		namespace: "shop", name: "web", min: 2, max: 10,
		cpuMilli: []int64{450, 300, 520},
		rps:      []float64{12, 8.5, 15},
		events:   []corev1.Event{rescaleEvent("3", epoch.Add(-20*time.Minute))},
	}
}

// harness is a model wired to fakes, driven by running its commands
// synchronously.
type harness struct {
	t       testing.TB
	clock   *fakeClock
	fetcher *fakeFetcher
	m       *Model
	quit    bool
}

func newHarness(t testing.TB, opts Options, specs ...hpaSpec) *harness {
	t.Helper()
	clock := newFakeClock()
	fetcher := newFakeFetcher(clock)
	for _, s := range specs {
		fetcher.add(buildState(s))
	}
	opts.Fetcher = fetcher
	opts.Clock = clock
	if opts.Namespace == "" && !opts.AllNamespaces {
		opts.Namespace = "shop"
	}
	if opts.Interval == 0 {
		opts.Interval = 15 * time.Second
	}
	if opts.Config == (replicas.Config{}) {
		opts.Config = replicas.DefaultConfig()
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: clock, fetcher: fetcher, m: m}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.run(m.Init())
	return h
}

// run executes cmd and every command its messages lead to. Timers of the
// fake clock are not run; tick delivers them.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			h.t.Fatal("commands did not settle after 10000 steps")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			h.quit = true
		default:
			_, next := h.m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// send delivers msg and runs what follows.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// key presses one key, named as key.Binding names them.
func (h *harness) key(name string) {
	h.t.Helper()
	h.send(keyMsg(name))
}

// typeText presses one key per rune.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// advance moves the clock and delivers the timers that came due.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.clock.advance(d)
	for {
		due := h.clock.due()
		if len(due) == 0 {
			return
		}
		for _, t := range due {
			h.send(t.msg)
		}
	}
}

func (h *harness) screen() string {
	return h.m.View()
}

func (h *harness) requireScreenContains(parts ...string) {
	h.t.Helper()
	screen := h.screen()
	for _, p := range parts {
		if !strings.Contains(screen, p) {
			h.t.Errorf("screen lacks %q:\n%s", p, screen)
		}
	}
}

func (h *harness) requireScreenLacks(parts ...string) {
	h.t.Helper()
	screen := h.screen()
	for _, p := range parts {
		if strings.Contains(screen, p) {
			h.t.Errorf("screen shows %q:\n%s", p, screen)
		}
	}
}

func keyMsg(name string) tea.KeyMsg {
	switch name {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+u":
		return tea.KeyMsg{Type: tea.KeyCtrlU}
	case "ctrl+w":
		return tea.KeyMsg{Type: tea.KeyCtrlW}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}

var errConnRefused = errors.New("dial tcp 127.0.0.1:6443: connect: connection refused")

// displayWidth returns the cells a screen line occupies, escapes aside.
func displayWidth(s string) int {
	return ansi.StringWidth(s)
}

func keySize(width, height int) tea.WindowSizeMsg {
	return tea.WindowSizeMsg{Width: width, Height: height}
}
