package control

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to the adapter's control endpoint.
type Client struct {
	// BaseURL is the endpoint, for example "http://127.0.0.1:40123".
	BaseURL string
	HTTP    *http.Client
}

// NewClient returns a client for the control endpoint at baseURL.
func NewClient(baseURL string) *Client {
	return &Client{
		BaseURL: strings.TrimRight(baseURL, "/"),
		HTTP:    &http.Client{Timeout: 30 * time.Second},
	}
}

// SetPodMetrics adds or replaces pod metric values, keyed by namespace,
// pod and metric.
func (c *Client) SetPodMetrics(ctx context.Context, values ...PodMetric) error {
	return c.put(ctx, PathPodMetrics, values)
}

// SetObjectMetrics adds or replaces object metric values, keyed by
// namespace, kind, name and metric.
func (c *Client) SetObjectMetrics(ctx context.Context, values ...ObjectMetric) error {
	return c.put(ctx, PathObjectMetrics, values)
}

// SetExternalMetrics adds or replaces external metric series, keyed by
// namespace, metric and labels.
func (c *Client) SetExternalMetrics(ctx context.Context, values ...ExternalMetric) error {
	return c.put(ctx, PathExternalMetrics, values)
}

// SetPodUsage adds or replaces the resource usage of pods, keyed by
// namespace and pod.
func (c *Client) SetPodUsage(ctx context.Context, values ...PodUsage) error {
	return c.put(ctx, PathPodUsage, values)
}

// SetFaults adds or replaces faults, keyed by API, namespace and metric.
func (c *Client) SetFaults(ctx context.Context, faults ...Fault) error {
	return c.put(ctx, PathFaults, faults)
}

// DeletePodMetrics deletes the pod metric values f matches.
func (c *Client) DeletePodMetrics(ctx context.Context, f Filter) error {
	return c.delete(ctx, PathPodMetrics, f)
}

// DeleteObjectMetrics deletes the object metric values f matches.
func (c *Client) DeleteObjectMetrics(ctx context.Context, f Filter) error {
	return c.delete(ctx, PathObjectMetrics, f)
}

// DeleteExternalMetrics deletes the external metric series f matches.
func (c *Client) DeleteExternalMetrics(ctx context.Context, f Filter) error {
	return c.delete(ctx, PathExternalMetrics, f)
}

// DeletePodUsage deletes the pod usage entries f matches.
func (c *Client) DeletePodUsage(ctx context.Context, f Filter) error {
	return c.delete(ctx, PathPodUsage, f)
}

// DeleteFaults deletes the faults f matches.
func (c *Client) DeleteFaults(ctx context.Context, f Filter) error {
	return c.delete(ctx, PathFaults, f)
}

// Reset deletes every value and fault.
func (c *Client) Reset(ctx context.Context) error {
	return c.delete(ctx, PathState, Filter{})
}

// State returns everything the adapter currently serves.
func (c *Client) State(ctx context.Context) (State, error) {
	var state State
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+PathState, nil)
	if err != nil {
		return state, err
	}
	body, err := c.do(req)
	if err != nil {
		return state, err
	}
	if err := json.Unmarshal(body, &state); err != nil {
		return state, fmt.Errorf("decode adapter state: %w", err)
	}
	return state, nil
}

// Healthy returns nil once the control endpoint responds.
func (c *Client) Healthy(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+PathHealthz, nil)
	if err != nil {
		return err
	}
	_, err = c.do(req)
	return err
}

func (c *Client) put(ctx context.Context, path string, values any) error {
	body, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("encode request for %s: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	_, err = c.do(req)
	return err
}

func (c *Client) delete(ctx context.Context, path string, f Filter) error {
	query := url.Values{}
	for key, value := range map[string]string{"namespace": f.Namespace, "name": f.Name, "metric": f.Metric, "api": f.API} {
		if value != "" {
			query.Set(key, value)
		}
	}
	target := c.BaseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, target, nil)
	if err != nil {
		return err
	}
	_, err = c.do(req)
	return err
}

func (c *Client) do(req *http.Request) ([]byte, error) {
	httpClient := c.HTTP
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics adapter control endpoint: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read response of %s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: metrics adapter returned %s: %s", req.Method, req.URL.Path, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}
