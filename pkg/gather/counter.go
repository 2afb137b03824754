package gather

import (
	"net/http"
	"sync"

	"k8s.io/client-go/rest"
)

// RequestCounter records every HTTP request sent through the configs it
// wraps, including requests that failed before a response arrived. Install
// it with WrapConfig (for example as genericclioptions.ConfigFlags.WrapConfigFn)
// so that discovery, the RESTMapper and every client share one count.
// It is safe for concurrent use.
type RequestCounter struct {
	mu       sync.Mutex
	requests []string
}

// NewRequestCounter returns an empty counter.
func NewRequestCounter() *RequestCounter {
	return &RequestCounter{}
}

// WrapConfig makes cfg's transport record each request in c and returns cfg,
// so it can serve as a rest.Config wrapper function.
func (c *RequestCounter) WrapConfig(cfg *rest.Config) *rest.Config {
	cfg.Wrap(func(next http.RoundTripper) http.RoundTripper {
		return &countingTransport{counter: c, next: next}
	})
	return cfg
}

// Count returns the number of requests sent so far.
func (c *RequestCounter) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.requests)
}

// Requests returns each request sent so far as "METHOD /path?query", in the
// order they were sent.
func (c *RequestCounter) Requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.requests...)
}

func (c *RequestCounter) record(req *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests = append(c.requests, req.Method+" "+req.URL.RequestURI())
}

type countingTransport struct {
	counter *RequestCounter
	next    http.RoundTripper
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.counter.record(req)
	return t.next.RoundTrip(req)
}

// WrappedRoundTripper lets client-go reach the underlying transport, for
// example to close idle connections.
func (t *countingTransport) WrappedRoundTripper() http.RoundTripper {
	return t.next
}
