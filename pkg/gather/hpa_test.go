package gather

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestGatherHPANotFoundSuggestsNames(t *testing.T) {
	f := newHealthyCluster(t)
	f.handle("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web-canry", func(w http.ResponseWriter, _ *http.Request) {
		writeNotFound(w, "autoscaling", "horizontalpodautoscalers", "web-canry")
	})
	clients, counter := newTestClients(t, f, 2*time.Second)

	_, err := clients.Gather(context.Background(), testNamespace, "web-canry")

	var notFound *NotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("Gather error = %v, want *NotFoundError", err)
	}
	if notFound.Namespace != testNamespace || notFound.Name != "web-canry" {
		t.Errorf("NotFoundError names %s/%s, want shop/web-canry", notFound.Namespace, notFound.Name)
	}
	if !slices.Equal(notFound.Similar, []string{"web-canary", "web"}) {
		t.Errorf("Similar = %v, want [web-canary web]", notFound.Similar)
	}
	if !strings.Contains(err.Error(), `did you mean "web-canary"`) {
		t.Errorf("error message %q does not suggest web-canary", err)
	}
	// Nothing but the GET and the namespace list is read.
	if got := counter.Count(); got != 2 {
		t.Errorf("sent %d requests, want 2: %v", got, counter.Requests())
	}
}

func TestGatherWholeAPINotFound(t *testing.T) {
	f := newHealthyCluster(t)
	// A 404 without details is a missing API path, not a missing HPA.
	f.fail(hpaPath, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
	clients, _ := newTestClients(t, f, 2*time.Second)

	state, err := clients.Gather(context.Background(), testNamespace, "web")

	var source *SourceError
	if !errors.As(err, &source) || state != nil {
		t.Fatalf("Gather = %v, %v; want no State and a *SourceError", state, err)
	}
	var notFound *NotFoundError
	if errors.As(err, &notFound) {
		t.Errorf("Gather error is a *NotFoundError for a missing API path")
	}
	if source.Code != http.StatusNotFound {
		t.Errorf("SourceError.Code = %d, want 404", source.Code)
	}
}

func TestGatherHPAForbidden(t *testing.T) {
	f := newHealthyCluster(t)
	f.fail(hpaPath, http.StatusForbidden, metav1.StatusReasonForbidden,
		`horizontalpodautoscalers.autoscaling "web" is forbidden: User "tester" cannot get resource "horizontalpodautoscalers" in API group "autoscaling" in the namespace "shop"`)
	clients, _ := newTestClients(t, f, 2*time.Second)

	_, err := clients.Gather(context.Background(), testNamespace, "web")

	var forbidden *ForbiddenError
	if !errors.As(err, &forbidden) {
		t.Fatalf("Gather error = %v, want *ForbiddenError", err)
	}
	if forbidden.Verb != "get" || forbidden.Resource != "horizontalpodautoscalers.autoscaling" || forbidden.Name != "web" || forbidden.Namespace != testNamespace {
		t.Errorf("ForbiddenError = %+v, want get horizontalpodautoscalers.autoscaling shop/web", forbidden)
	}
	if !strings.Contains(forbidden.Message, `User "tester"`) {
		t.Errorf("ForbiddenError.Message = %q, want the server's message", forbidden.Message)
	}
}

func TestGatherHPAServerError(t *testing.T) {
	f := newHealthyCluster(t)
	f.fail(hpaPath, http.StatusInternalServerError, metav1.StatusReasonInternalError, "etcdserver: request timed out")
	clients, counter := newTestClients(t, f, 2*time.Second)

	_, err := clients.Gather(context.Background(), testNamespace, "web")

	var source *SourceError
	if !errors.As(err, &source) {
		t.Fatalf("Gather error = %v, want *SourceError", err)
	}
	if source.Code != http.StatusInternalServerError || source.Message != "etcdserver: request timed out" {
		t.Errorf("SourceError = %+v, want the 500 and its message", source)
	}
	if !strings.Contains(err.Error(), "horizontalpodautoscalers/web") {
		t.Errorf("error %q does not name the HPA", err)
	}
	if got := requestsTo(counter, hpaPath); got != 1 {
		t.Errorf("HPA GET sent %d times, want 1", got)
	}
}

func TestGatherHPATimeout(t *testing.T) {
	f := newHealthyCluster(t)
	f.handle(hpaPath, slowHandler(10*time.Second, func(w http.ResponseWriter, _ *http.Request) {}))
	clients, _ := newTestClients(t, f, 300*time.Millisecond)

	start := time.Now()
	_, err := clients.Gather(context.Background(), testNamespace, "web")
	elapsed := time.Since(start)

	var source *SourceError
	if !errors.As(err, &source) || !source.TimedOut {
		t.Fatalf("Gather error = %v, want a timed-out *SourceError", err)
	}
	if elapsed > 2*time.Second {
		t.Errorf("Gather took %v with a 300ms request timeout", elapsed)
	}
}

// closedAddress returns a 127.0.0.1 address nothing listens on.
func closedAddress(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	address := listener.Addr().String()
	if err := listener.Close(); err != nil {
		t.Fatalf("close listener: %v", err)
	}
	return address
}

func TestGatherUnreachableFailsFast(t *testing.T) {
	server := "http://" + closedAddress(t)
	counter := NewRequestCounter()
	clients, err := NewClients(configFlagsFor(t, server, counter, ""), counter, Options{RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}

	start := time.Now()
	_, err = clients.Gather(context.Background(), testNamespace, "web")
	elapsed := time.Since(start)

	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("Gather error = %v, want *UnreachableError", err)
	}
	if unreachable.Server != server {
		t.Errorf("UnreachableError.Server = %q, want %q", unreachable.Server, server)
	}
	if elapsed > time.Second {
		t.Errorf("Gather took %v against a closed port, want under 1s", elapsed)
	}
	if got := requestsTo(counter, hpaPath); got != 1 {
		t.Errorf("HPA GET attempted %d times, want 1: %v", got, counter.Requests())
	}
	if got := counter.Count(); got > 2 {
		t.Errorf("sent %d requests, want at most the HPA GET and the namespace list: %v", got, counter.Requests())
	}
	requireNoRepeats(t, counter)
}

func TestGatherForManifest(t *testing.T) {
	f := newHealthyCluster(t)
	clients, counter := newTestClients(t, f, 2*time.Second)
	manifest := podsMetricHPA()
	manifest.UID = ""
	manifest.Name = "web-next"

	state, err := clients.GatherFor(context.Background(), manifest)

	if err != nil {
		t.Fatalf("GatherFor: %v", err)
	}
	if state.Name != "web-next" || state.HPA.Name != "web-next" {
		t.Errorf("State names %q, HPA %q; want web-next", state.Name, state.HPA.Name)
	}
	if state.Target.Scale == nil || len(state.Metrics[0].Values.Items) != 3 {
		t.Errorf("target or metric values missing: %+v %+v", state.Target, state.Metrics[0])
	}
	if len(state.NamespaceHPAs) != 3 {
		t.Errorf("NamespaceHPAs has %d items, want 3", len(state.NamespaceHPAs))
	}
	if requestsTo(counter, hpaPath) != 0 || requestsTo(counter, eventsPath) != 0 {
		t.Errorf("GatherFor read the HPA or events of an unapplied manifest: %v", counter.Requests())
	}
	if manifest.Name != "web-next" || state.HPA == manifest {
		t.Errorf("GatherFor must keep its own copy of the manifest")
	}
}

func TestGatherForRejectsIncompleteManifest(t *testing.T) {
	f := newHealthyCluster(t)
	clients, counter := newTestClients(t, f, 2*time.Second)

	noNamespace := podsMetricHPA()
	noNamespace.Namespace = ""
	noName := podsMetricHPA()
	noName.Name = ""

	if _, err := clients.GatherFor(context.Background(), nil); err == nil {
		t.Errorf("GatherFor(nil) returned no error")
	}
	if _, err := clients.GatherFor(context.Background(), noNamespace); err == nil || !strings.Contains(err.Error(), "namespace") {
		t.Errorf("GatherFor without a namespace: error %v, want one naming the namespace", err)
	}
	if _, err := clients.GatherFor(context.Background(), noName); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("GatherFor without a name: error %v, want one naming the name", err)
	}
	if got := counter.Count(); got != 0 {
		t.Errorf("sent %d requests for invalid input, want 0", got)
	}
}

func TestGatherForUnreachable(t *testing.T) {
	counter := NewRequestCounter()
	clients, err := NewClients(configFlagsFor(t, "http://"+closedAddress(t), counter, ""), counter, Options{})
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}

	_, err = clients.GatherFor(context.Background(), podsMetricHPA())

	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("GatherFor error = %v, want *UnreachableError", err)
	}
	if got := counter.Count(); got != 1 {
		t.Errorf("sent %d requests, want only the namespace list: %v", got, counter.Requests())
	}
}

func TestHPANames(t *testing.T) {
	f := newHealthyCluster(t)
	clients, _ := newTestClients(t, f, 2*time.Second)

	names, err := clients.HPANames(context.Background(), testNamespace)

	if err != nil {
		t.Fatalf("HPANames: %v", err)
	}
	if !slices.Equal(names, []string{"checkout", "web", "web-canary"}) {
		t.Errorf("HPANames = %v, want [checkout web web-canary]", names)
	}
}

func TestHPANamesForbidden(t *testing.T) {
	f := newHealthyCluster(t)
	f.fail(hpaListPath, http.StatusForbidden, metav1.StatusReasonForbidden, "cannot list")
	clients, _ := newTestClients(t, f, 2*time.Second)

	_, err := clients.HPANames(context.Background(), testNamespace)

	var forbidden *ForbiddenError
	if !errors.As(err, &forbidden) || forbidden.Verb != "list" {
		t.Errorf("HPANames error = %v, want *ForbiddenError for list", err)
	}
}

func TestGatherRequiresNamespaceAndName(t *testing.T) {
	f := newHealthyCluster(t)
	clients, _ := newTestClients(t, f, 2*time.Second)

	if _, err := clients.Gather(context.Background(), "", "web"); err == nil {
		t.Errorf("Gather without a namespace returned no error")
	}
	if _, err := clients.Gather(context.Background(), testNamespace, ""); err == nil {
		t.Errorf("Gather without a name returned no error")
	}
}

func TestSimilarNames(t *testing.T) {
	candidates := []string{"web", "web-canary", "checkout", "api", "worker"}
	cases := []struct {
		name string
		want []string
	}{
		{"wbe", []string{"web"}},
		{"web-canry", []string{"web-canary", "web"}},
		{"checkot", []string{"checkout"}},
		{"Checkout", []string{"checkout"}},
		{"payments", nil},
	}
	for _, tc := range cases {
		if got := similarNames(tc.name, candidates); !slices.Equal(got, tc.want) {
			t.Errorf("similarNames(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"web", "", 3},
		{"web", "wbe", 2},
		{"kitten", "sitting", 3},
		{"web-canry", "web-canary", 1},
	}
	for _, tc := range cases {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// A listener that accepts and closes each connection stands for a load
// balancer with no healthy API server behind it.
func TestGatherClosingServerFailsFast(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()

	counter := NewRequestCounter()
	clients, err := NewClients(configFlagsFor(t, "http://"+listener.Addr().String(), counter, ""), counter, Options{RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}

	start := time.Now()
	state, err := clients.Gather(context.Background(), testNamespace, "web")
	elapsed := time.Since(start)

	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("Gather error = %v (state %+v), want *UnreachableError", err, state)
	}
	if elapsed > time.Second {
		t.Errorf("Gather took %v against a server that closes connections, want under 1s", elapsed)
	}
	if got := requestsTo(counter, hpaPath); got != 1 {
		t.Errorf("HPA GET attempted %d times, want 1: %v", got, counter.Requests())
	}
	requireNoRepeats(t, counter)
}
