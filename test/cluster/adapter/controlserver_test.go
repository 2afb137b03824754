package adapter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
)

func TestControlClientRoundTrip(t *testing.T) {
	server := httptest.NewServer(NewControlHandler(NewStore()))
	defer server.Close()
	client := control.NewClient(server.URL)
	ctx := context.Background()

	if err := client.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	if err := client.SetPodMetrics(ctx, control.PodMetric{Namespace: "ns", Pod: "p", Metric: "rps", Value: "5", Labels: map[string]string{"path": "/"}}); err != nil {
		t.Fatal(err)
	}
	if err := client.SetFaults(ctx, control.Fault{API: control.APICustom, Metric: "rps", StatusCode: 503}); err != nil {
		t.Fatal(err)
	}
	state, err := client.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(state.PodMetrics) != 1 || state.PodMetrics[0].Value != "5" || state.PodMetrics[0].Labels["path"] != "/" {
		t.Errorf("state pod metrics = %+v, want the value just set", state.PodMetrics)
	}
	if len(state.Faults) != 1 || state.Faults[0].StatusCode != 503 {
		t.Errorf("state faults = %+v, want the 503 fault", state.Faults)
	}

	if err := client.DeleteFaults(ctx, control.Filter{API: control.APICustom}); err != nil {
		t.Fatal(err)
	}
	if err := client.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	state, err = client.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(state.PodMetrics) != 0 || len(state.Faults) != 0 {
		t.Errorf("state after reset = %+v, want empty", state)
	}
}

func TestControlClientReportsValidationError(t *testing.T) {
	server := httptest.NewServer(NewControlHandler(NewStore()))
	defer server.Close()
	client := control.NewClient(server.URL)

	err := client.SetPodUsage(context.Background(), control.PodUsage{Namespace: "ns", Pod: "p", Containers: []control.ContainerUsage{{Name: "c", CPU: "fast"}}})
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), `invalid quantity "fast"`) {
		t.Errorf("err = %v, want a 400 naming the invalid quantity", err)
	}
}

func TestControlHandlerRejectsBadJSON(t *testing.T) {
	server := httptest.NewServer(NewControlHandler(NewStore()))
	defer server.Close()

	for name, body := range map[string]string{
		"not a list":    `{"namespace": "ns"}`,
		"unknown field": `[{"namespace": "ns", "pod": "p", "metric": "m", "value": "1", "colour": "red"}]`,
		"truncated":     `[{"namespace": `,
	} {
		req, err := http.NewRequest(http.MethodPut, server.URL+control.PathPodMetrics, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
		}
	}
}
