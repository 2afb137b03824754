package gather

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	autoscalingv2client "k8s.io/client-go/kubernetes/typed/autoscaling/v2"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/scale"
	metricsv1client "k8s.io/metrics/pkg/client/clientset/versioned/typed/metrics/v1"
	metricsv1beta1client "k8s.io/metrics/pkg/client/clientset/versioned/typed/metrics/v1beta1"
	custommetricsclient "k8s.io/metrics/pkg/client/custom_metrics"
	externalmetricsclient "k8s.io/metrics/pkg/client/external_metrics"
)

// DefaultRequestTimeout bounds each request when Options.RequestTimeout is zero.
const DefaultRequestTimeout = 10 * time.Second

// maxConcurrentRequests bounds the requests one gathering has in flight, so
// an HPA with many metrics does not burst the API server's priority and
// fairness queue for this user.
const maxConcurrentRequests = 8

// Options tunes the gathering.
type Options struct {
	// RequestTimeout bounds each request. Zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// Clients holds every client the gathering uses. Build it with NewClients.
// It is safe for concurrent use.
type Clients struct {
	opts    Options
	counter *RequestCounter
	server  string

	// config is the getter's config with a per-request timeout and without
	// Retry-After retries. Every client below except discovery and mapper
	// is built from it.
	config *rest.Config

	// discovery and mapper come from the getter, so a command that caches
	// discovery on disk reuses that cache. discoveryMu serializes their
	// use, as serializedMapper explains.
	discovery   discovery.CachedDiscoveryInterface
	mapper      meta.RESTMapper
	discoveryMu sync.Mutex
	// liveDiscovery reads discovery documents that must be current, such
	// as the custom metrics API's list of metric names.
	liveDiscovery *discovery.DiscoveryClient

	autoscaling autoscalingv2client.AutoscalingV2Interface
	core        corev1client.CoreV1Interface
	metadata    metadata.Interface
	dynamic     dynamic.Interface
	scales      scale.ScalesGetter

	resourceMetricsV1      metricsv1client.MetricsV1Interface
	resourceMetricsV1beta1 metricsv1beta1client.MetricsV1beta1Interface
	externalMetrics        externalmetricsclient.ExternalMetricsClient
}

// NewClients builds every client from getter. It sends no request.
//
// NewClients does not install counter: the getter's ToRESTConfig must
// already apply counter.WrapConfig (ConfigFlags.WrapConfigFn in the command)
// so that discovery and RESTMapper requests are counted too. The counter is
// read to fill State.Requests.
func NewClients(getter genericclioptions.RESTClientGetter, counter *RequestCounter, opts Options) (*Clients, error) {
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if counter == nil {
		counter = NewRequestCounter()
	}

	base, err := getter.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("failed to load the kubeconfig: %w", err)
	}
	disco, err := getter.ToDiscoveryClient()
	if err != nil {
		return nil, fmt.Errorf("failed to create the discovery client for %s: %w", base.Host, err)
	}
	mapper, err := getter.ToRESTMapper()
	if err != nil {
		return nil, fmt.Errorf("failed to create the REST mapper for %s: %w", base.Host, err)
	}

	config := rest.CopyConfig(base)
	config.Timeout = opts.RequestTimeout
	// client-go's default of 5 queries per second would delay the second
	// half of a gathering by about a second.
	if config.QPS == 0 && config.RateLimiter == nil {
		config.QPS = 50
		config.Burst = 100
	}
	config.Wrap(func(next http.RoundTripper) http.RoundTripper {
		return &noRetryAfterTransport{next: next}
	})

	c := &Clients{
		opts:      opts,
		counter:   counter,
		server:    base.Host,
		config:    config,
		discovery: disco,
	}
	c.mapper = serializedMapper{mu: &c.discoveryMu, delegate: mapper}
	if err := c.build(); err != nil {
		return nil, fmt.Errorf("failed to create clients for %s: %w", base.Host, err)
	}
	return c, nil
}

func (c *Clients) build() error {
	var err error
	if c.liveDiscovery, err = discovery.NewDiscoveryClientForConfig(rest.CopyConfig(c.config)); err != nil {
		return err
	}
	if c.autoscaling, err = autoscalingv2client.NewForConfig(rest.CopyConfig(c.config)); err != nil {
		return err
	}
	if c.core, err = corev1client.NewForConfig(rest.CopyConfig(c.config)); err != nil {
		return err
	}
	if c.metadata, err = metadata.NewForConfig(rest.CopyConfig(c.config)); err != nil {
		return err
	}
	if c.dynamic, err = dynamic.NewForConfig(rest.CopyConfig(c.config)); err != nil {
		return err
	}

	// The scale client uses the kind resolver only for updates, which this
	// package never sends.
	resolver := scale.NewDiscoveryScaleKindResolver(c.discovery)
	if c.scales, err = scale.NewForConfig(rest.CopyConfig(c.config), c.mapper, dynamic.LegacyAPIPathResolverFunc, resolver); err != nil {
		return err
	}

	if c.resourceMetricsV1, err = metricsv1client.NewForConfig(rest.CopyConfig(c.config)); err != nil {
		return err
	}
	if c.resourceMetricsV1beta1, err = metricsv1beta1client.NewForConfig(rest.CopyConfig(c.config)); err != nil {
		return err
	}
	if c.externalMetrics, err = externalmetricsclient.NewForConfig(rest.CopyConfig(c.config)); err != nil {
		return err
	}
	return nil
}

// customMetricsClient returns a client for one custom metrics API version.
// Its calls take no context, so the config's Timeout bounds them.
func (c *Clients) customMetricsClient(version schema.GroupVersion) (custommetricsclient.CustomMetricsClient, error) {
	return custommetricsclient.NewForVersionForConfig(rest.CopyConfig(c.config), c.mapper, version)
}

// noRetryAfterTransport drops the Retry-After header from responses. client-go
// v0.37.2 retries a request up to ten times when a 429 or 5xx response
// carries it, sleeping in between, but a diagnosis must report the first
// response.
//
// NOTE: client-go also retries a GET after a connection reset or an
// unexpected EOF, about once a second. The HPA GET and list turn that off,
// but for the other requests only the request's context bounds those
// retries, so a server that starts resetting connections mid-run costs up
// to RequestTimeout.
type noRetryAfterTransport struct {
	next http.RoundTripper
}

func (t *noRetryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if resp != nil {
		resp.Header.Del("Retry-After")
	}
	return resp, err
}

func (t *noRetryAfterTransport) WrappedRoundTripper() http.RoundTripper {
	return t.next
}
