package gather

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

const hpaResource = "horizontalpodautoscalers.autoscaling"

// Gather reads the HPA namespace/name and everything the HPA controller
// reads to decide on it. When the HPA itself cannot be read it returns
// *NotFoundError, *ForbiddenError, *UnreachableError, or a *SourceError for
// any other failure, such as a timeout. Once the HPA is read, every failure
// is recorded as a SourceError in the State, and State.HPA is never nil.
func (c *Clients) Gather(ctx context.Context, namespace, name string) (*State, error) {
	if namespace == "" || name == "" {
		return nil, fmt.Errorf("both the namespace and the name of the HPA are required, got namespace %q and name %q", namespace, name)
	}
	g := c.newGathering(ctx, namespace, name)
	defer g.cancel()

	// The namespace list runs beside the GET because it supplies the names
	// for "did you mean" when the GET returns NotFound, and the diagnosis
	// needs it anyway to find other HPAs on the same target.
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		g.listHPAs()
	}()

	hpa, err := g.getHPA()
	if err != nil {
		return g.failHPA(err, listed)
	}
	g.state.HPA = hpa

	g.gatherDependents()
	<-listed
	return g.finish(), nil
}

// GatherFor gathers for hpa, which may exist only as a manifest. It reads
// the namespace's HPA list first and returns *UnreachableError when that
// gets no response. Every other failure is recorded in the State. Events
// are read only when hpa has a UID, because they are selected by it.
func (c *Clients) GatherFor(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler) (*State, error) {
	if hpa == nil {
		return nil, errors.New("no HPA given")
	}
	if hpa.Name == "" {
		return nil, errors.New("the HPA has no metadata.name")
	}
	if hpa.Namespace == "" {
		return nil, fmt.Errorf("HPA %q has no metadata.namespace; set it before gathering", hpa.Name)
	}
	g := c.newGathering(ctx, hpa.Namespace, hpa.Name)
	defer g.cancel()
	g.state.HPA = hpa.DeepCopy()

	if err := g.listHPAs(); isUnreachable(err) {
		return nil, &UnreachableError{Server: c.server, Err: err}
	}

	g.gatherDependents()
	return g.finish(), nil
}

// HPANames returns the sorted names of the HPAs in namespace.
func (c *Clients) HPANames(ctx context.Context, namespace string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()

	list, err := c.autoscaling.HorizontalPodAutoscalers(namespace).List(ctx, metav1.ListOptions{})
	switch {
	case err == nil:
	case isUnreachable(err):
		return nil, &UnreachableError{Server: c.server, Err: err}
	case apierrors.IsForbidden(err):
		return nil, &ForbiddenError{Verb: "list", Resource: hpaResource, Namespace: namespace, Message: statusMessage(err)}
	default:
		return nil, fmt.Errorf("failed to list HPAs in namespace %q: %w", namespace, err)
	}

	names := make([]string, 0, len(list.Items))
	for _, hpa := range list.Items {
		names = append(names, hpa.Name)
	}
	sort.Strings(names)
	return names, nil
}

// gathering is the state of one Gather or GatherFor call. Its goroutines
// each write distinct fields of state, and mu guards the shared map.
type gathering struct {
	c      *Clients
	ctx    context.Context
	cancel context.CancelFunc
	// slots bounds the requests in flight.
	slots chan struct{}

	state         *State
	mu            sync.Mutex
	startRequests int

	groups        func() *apiGroups
	customMetrics func() *customMetricsAPI
}

func (c *Clients) newGathering(ctx context.Context, namespace, name string) *gathering {
	ctx, cancel := context.WithCancel(ctx)
	g := &gathering{
		c:      c,
		ctx:    ctx,
		cancel: cancel,
		slots:  make(chan struct{}, maxConcurrentRequests),
		state: &State{
			Namespace:   namespace,
			Name:        name,
			GatheredAt:  time.Now(),
			APIServices: map[string]*APIService{},
		},
		startRequests: c.counter.Count(),
	}
	g.groups = sync.OnceValue(g.discoverGroups)
	g.customMetrics = sync.OnceValue(g.chooseCustomMetricsAPI)
	return g
}

// begin waits for a free request slot and returns the context for one
// request. The returned function releases both.
func (g *gathering) begin() (context.Context, context.CancelFunc) {
	select {
	case g.slots <- struct{}{}:
	case <-g.ctx.Done():
		return g.ctx, func() {}
	}
	ctx, cancel := context.WithTimeout(g.ctx, g.c.opts.RequestTimeout)
	return ctx, func() {
		cancel()
		<-g.slots
	}
}

// callBounded runs f, which takes no context, and gives up when ctx ends.
// f keeps running in the background until its own timeout ends it.
func callBounded[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		value T
		err   error
	}
	done := make(chan result, 1)
	go func() {
		value, err := f()
		done <- result{value, err}
	}()

	select {
	case r := <-done:
		return r.value, r.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("no response in time: %w", ctx.Err())
	}
}

// getHPA reads the HPA with client-go's retries turned off, because this
// request decides whether the server is reachable at all and must fail
// after one attempt.
func (g *gathering) getHPA() (*autoscalingv2.HorizontalPodAutoscaler, error) {
	ctx, done := g.begin()
	defer done()

	hpa := &autoscalingv2.HorizontalPodAutoscaler{}
	err := g.c.autoscaling.RESTClient().Get().
		Namespace(g.state.Namespace).
		Resource("horizontalpodautoscalers").
		Name(g.state.Name).
		MaxRetries(0).
		Do(ctx).
		Into(hpa)
	if err != nil {
		return nil, err
	}
	return hpa, nil
}

// failHPA turns a failed HPA GET into Gather's result.
func (g *gathering) failHPA(err error, listed <-chan struct{}) (*State, error) {
	namespace, name := g.state.Namespace, g.state.Name
	switch {
	case isUnreachable(err):
		return nil, &UnreachableError{Server: g.c.server, Err: err}

	case apierrors.IsForbidden(err):
		return nil, &ForbiddenError{Verb: "get", Resource: hpaResource, Namespace: namespace, Name: name, Message: statusMessage(err)}

	case isObjectNotFound(err, name):
		<-listed
		var names []string
		for _, hpa := range g.state.NamespaceHPAs {
			names = append(names, hpa.Name)
		}
		return nil, &NotFoundError{Namespace: namespace, Name: name, Similar: similarNames(name, names)}
	}

	// A timeout, a 5xx or a 404 for the whole autoscaling/v2 API leaves
	// nothing to explain either.
	return nil, newSourceError(fmt.Sprintf("GET autoscaling/v2 namespaces/%s/horizontalpodautoscalers/%s", namespace, name), err)
}

// isObjectNotFound distinguishes a missing object from a 404 for the whole
// API path, which has no details naming the object.
func isObjectNotFound(err error, name string) bool {
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &status) {
		return false
	}
	details := status.Status().Details
	return details != nil && details.Name == name
}

func statusMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}

// listHPAs fills NamespaceHPAs and returns the request's error. Like
// getHPA, it makes one attempt, because GatherFor uses it to decide whether
// the server is reachable.
func (g *gathering) listHPAs() error {
	ctx, done := g.begin()
	defer done()

	list := &autoscalingv2.HorizontalPodAutoscalerList{}
	err := g.c.autoscaling.RESTClient().Get().
		Namespace(g.state.Namespace).
		Resource("horizontalpodautoscalers").
		MaxRetries(0).
		Do(ctx).
		Into(list)
	if err != nil {
		g.state.NamespaceHPAsError = newSourceError("LIST autoscaling/v2 namespaces/"+g.state.Namespace+"/horizontalpodautoscalers", err)
		return err
	}
	g.state.NamespaceHPAs = list.Items
	return nil
}

// gatherDependents reads everything that depends on the HPA's spec, as
// concurrently as the dependencies between the requests allow.
func (g *gathering) gatherDependents() {
	hpa := g.state.HPA
	g.state.Target.Ref = hpa.Spec.ScaleTargetRef
	g.state.Metrics = make([]Metric, len(hpa.Spec.Metrics))
	for i, spec := range hpa.Spec.Metrics {
		g.state.Metrics[i].Spec = spec
	}

	var wg sync.WaitGroup
	wg.Go(g.listEvents)
	wg.Go(g.listReplicaSets)
	wg.Go(g.gatherTargetAndPodMetrics)
	for i := range g.state.Metrics {
		switch g.state.Metrics[i].Spec.Type {
		case autoscalingv2.ObjectMetricSourceType:
			wg.Go(func() { g.getObjectMetric(i) })
		case autoscalingv2.ExternalMetricSourceType:
			wg.Go(func() { g.getExternalMetric(i) })
		case autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
			// These need the pod selector, so gatherTargetAndPodMetrics reads them.
		default:
			g.state.Metrics[i].Error = &SourceError{
				Source:  fmt.Sprintf("spec.metrics[%d]", i),
				Message: fmt.Sprintf("unknown metric source type %q", g.state.Metrics[i].Spec.Type),
			}
		}
	}
	wg.Go(g.getAPIServices)
	if g.usesAPI(customMetricsGroup) {
		wg.Go(g.getCustomMetricsResources)
	}
	wg.Wait()
}

func (g *gathering) listEvents() {
	hpa := g.state.HPA
	if hpa.UID == "" {
		return
	}

	selector := fields.AndSelectors(
		fields.OneTermEqualSelector("involvedObject.kind", "HorizontalPodAutoscaler"),
		fields.OneTermEqualSelector("involvedObject.name", hpa.Name),
		fields.OneTermEqualSelector("involvedObject.namespace", hpa.Namespace),
		fields.OneTermEqualSelector("involvedObject.uid", string(hpa.UID)),
	).String()

	ctx, done := g.begin()
	defer done()
	list, err := g.c.core.Events(hpa.Namespace).List(ctx, metav1.ListOptions{FieldSelector: selector})
	if err != nil {
		g.state.EventsError = newSourceError("LIST v1 namespaces/"+hpa.Namespace+"/events?fieldSelector="+selector, err)
		return
	}
	g.state.Events = list.Items
}

func (g *gathering) finish() *State {
	g.state.Requests = g.c.counter.Count() - g.startRequests
	g.state.Duration = time.Since(g.state.GatheredAt)
	return g.state
}
