package gather

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// fakeAPIServer is an API server on 127.0.0.1 that serves aggregated
// discovery, as kube-apiserver v1.37 does, and canned JSON for the paths a
// test registers. Any other path gets a 404 and is recorded in unknown.
type fakeAPIServer struct {
	t      *testing.T
	server *httptest.Server

	mu sync.Mutex
	// routes maps a URL path to its handler.
	routes map[string]http.HandlerFunc
	// groups are the non-core API groups, in /apis order.
	groups  []apidiscoveryv2.APIGroupDiscovery
	unknown []string
}

func newFakeAPIServer(t *testing.T) *fakeAPIServer {
	t.Helper()
	f := &fakeAPIServer{t: t, routes: map[string]http.HandlerFunc{}, groups: defaultGroups()}
	f.server = httptest.NewServer(f)
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeStatus(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "gather must only read, got "+r.Method)
		return
	}

	f.mu.Lock()
	handler := f.routes[r.URL.Path]
	groups := f.groups
	f.mu.Unlock()

	switch {
	case handler != nil:
		handler(w, r)
	case r.URL.Path == "/api":
		writeDiscovery(w, []apidiscoveryv2.APIGroupDiscovery{coreGroup()})
	case r.URL.Path == "/apis":
		writeDiscovery(w, groups)
	default:
		f.mu.Lock()
		f.unknown = append(f.unknown, r.URL.RequestURI())
		f.mu.Unlock()
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
	}
}

// handle registers handler for path, replacing any earlier one.
func (f *fakeAPIServer) handle(path string, handler http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[path] = handler
}

// serve registers a handler that returns obj as JSON.
func (f *fakeAPIServer) serve(path string, obj any) {
	f.handle(path, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, obj) })
}

// fail registers a handler that returns a Status error.
func (f *fakeAPIServer) fail(path string, code int, reason metav1.StatusReason, message string) {
	f.handle(path, func(w http.ResponseWriter, _ *http.Request) { writeStatus(w, code, reason, message) })
}

// setGroupVersions replaces the versions served for group, preferred first.
func (f *fakeAPIServer) setGroupVersions(group string, versions ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.groups {
		if f.groups[i].Name == group {
			f.groups[i] = discoveryGroup(group, versions, f.groups[i].Versions[0].Resources...)
		}
	}
}

// removeGroup stops serving group in discovery.
func (f *fakeAPIServer) removeGroup(group string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var kept []apidiscoveryv2.APIGroupDiscovery
	for _, g := range f.groups {
		if g.Name != group {
			kept = append(kept, g)
		}
	}
	f.groups = kept
}

// resetGroups serves the default API groups again.
func (f *fakeAPIServer) resetGroups() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = defaultGroups()
}

func (f *fakeAPIServer) unknownPaths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.unknown...)
}

// configFlags returns the flags the command builds, pointed at the server
// through a kubeconfig file, with a private discovery cache and counter
// installed as the command installs it.
func (f *fakeAPIServer) configFlags(counter *RequestCounter) *genericclioptions.ConfigFlags {
	return configFlagsFor(f.t, f.server.URL, counter, "")
}

// configFlagsFor returns ConfigFlags for server. An empty cacheDir gives
// the flags a fresh discovery cache.
func configFlagsFor(t *testing.T, server string, counter *RequestCounter, cacheDir string) *genericclioptions.ConfigFlags {
	t.Helper()
	dir := t.TempDir()
	if cacheDir == "" {
		cacheDir = filepath.Join(dir, "cache")
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	content := `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ` + server + `
users:
- name: tester
  user:
    token: test-token
contexts:
- name: fake
  context:
    cluster: fake
    user: tester
    namespace: shop
current-context: fake
`
	if err := os.WriteFile(kubeconfig, []byte(content), 0o600); err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}

	flags := genericclioptions.NewConfigFlags(true)
	flags.KubeConfig = &kubeconfig
	flags.CacheDir = &cacheDir
	flags.WrapConfigFn = counter.WrapConfig
	return flags
}

func writeJSON(w http.ResponseWriter, code int, obj any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(obj)
}

func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, message string) {
	writeJSON(w, code, &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Code:     int32(code),
		Reason:   reason,
		Message:  message,
	})
}

// writeNotFound writes the Status kube-apiserver returns for a missing object.
func writeNotFound(w http.ResponseWriter, group, resource, name string) {
	qualified := resource
	if group != "" {
		qualified += "." + group
	}
	writeJSON(w, http.StatusNotFound, &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Code:     http.StatusNotFound,
		Reason:   metav1.StatusReasonNotFound,
		Message:  qualified + ` "` + name + `" not found`,
		Details:  &metav1.StatusDetails{Name: name, Group: group, Kind: resource},
	})
}

// slowHandler calls then after delay, and returns early when the client
// cancels the request.
func slowHandler(delay time.Duration, then http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
			then(w, r)
		case <-r.Context().Done():
		}
	}
}

func writeDiscovery(w http.ResponseWriter, groups []apidiscoveryv2.APIGroupDiscovery) {
	w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	_ = json.NewEncoder(w).Encode(&apidiscoveryv2.APIGroupDiscoveryList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupDiscoveryList", APIVersion: "apidiscovery.k8s.io/v2"},
		Items:    groups,
	})
}

// apiResource describes one discovery entry, with a scale subresource when
// scale is set.
type apiResource struct {
	name       string
	kind       string
	namespaced bool
	scale      bool
}

func discoveryGroup(group string, versions []string, resources ...apidiscoveryv2.APIResourceDiscovery) apidiscoveryv2.APIGroupDiscovery {
	g := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: group}}
	for _, v := range versions {
		var rs []apidiscoveryv2.APIResourceDiscovery
		for _, r := range resources {
			r.ResponseKind = &metav1.GroupVersionKind{Group: group, Version: v, Kind: r.ResponseKind.Kind}
			rs = append(rs, r)
		}
		g.Versions = append(g.Versions, apidiscoveryv2.APIVersionDiscovery{
			Version:   v,
			Resources: rs,
			Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent,
		})
	}
	return g
}

func discoveryResources(group string, resources ...apiResource) []apidiscoveryv2.APIResourceDiscovery {
	var out []apidiscoveryv2.APIResourceDiscovery
	for _, r := range resources {
		scope := apidiscoveryv2.ScopeCluster
		if r.namespaced {
			scope = apidiscoveryv2.ScopeNamespace
		}
		d := apidiscoveryv2.APIResourceDiscovery{
			Resource:         r.name,
			ResponseKind:     &metav1.GroupVersionKind{Group: group, Kind: r.kind},
			Scope:            scope,
			SingularResource: strings.ToLower(r.kind),
			Verbs:            []string{"get", "list"},
		}
		if r.scale {
			d.Subresources = []apidiscoveryv2.APISubresourceDiscovery{{
				Subresource:  "scale",
				ResponseKind: &metav1.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"},
				Verbs:        []string{"get", "update", "patch"},
			}}
		}
		out = append(out, d)
	}
	return out
}

func coreGroup() apidiscoveryv2.APIGroupDiscovery {
	return discoveryGroup("", []string{"v1"}, discoveryResources("",
		apiResource{name: "pods", kind: "Pod", namespaced: true},
		apiResource{name: "events", kind: "Event", namespaced: true},
		apiResource{name: "namespaces", kind: "Namespace"},
		apiResource{name: "replicationcontrollers", kind: "ReplicationController", namespaced: true, scale: true},
	)...)
}

func defaultGroups() []apidiscoveryv2.APIGroupDiscovery {
	return []apidiscoveryv2.APIGroupDiscovery{
		discoveryGroup("apps", []string{"v1"}, discoveryResources("apps",
			apiResource{name: "deployments", kind: "Deployment", namespaced: true, scale: true},
			apiResource{name: "statefulsets", kind: "StatefulSet", namespaced: true, scale: true},
			apiResource{name: "replicasets", kind: "ReplicaSet", namespaced: true, scale: true},
		)...),
		discoveryGroup("autoscaling", []string{"v2", "v1"}, discoveryResources("autoscaling",
			apiResource{name: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true},
		)...),
		discoveryGroup("networking.k8s.io", []string{"v1"}, discoveryResources("networking.k8s.io",
			apiResource{name: "ingresses", kind: "Ingress", namespaced: true},
		)...),
		discoveryGroup("apiregistration.k8s.io", []string{"v1"}, discoveryResources("apiregistration.k8s.io",
			apiResource{name: "apiservices", kind: "APIService"},
		)...),
		discoveryGroup("example.com", []string{"v1"}, discoveryResources("example.com",
			apiResource{name: "widgets", kind: "Widget", namespaced: true, scale: true},
			apiResource{name: "gadgets", kind: "Gadget", namespaced: true},
		)...),
		discoveryGroup("metrics.k8s.io", []string{"v1", "v1beta1"}, discoveryResources("metrics.k8s.io",
			apiResource{name: "pods", kind: "PodMetrics", namespaced: true},
			apiResource{name: "nodes", kind: "NodeMetrics"},
		)...),
		discoveryGroup("custom.metrics.k8s.io", []string{"v1beta2", "v1beta1"}, discoveryResources("custom.metrics.k8s.io",
			apiResource{name: "pods", kind: "MetricValueList", namespaced: true},
		)...),
		discoveryGroup("external.metrics.k8s.io", []string{"v1beta1"}, discoveryResources("external.metrics.k8s.io",
			apiResource{name: "queue_messages", kind: "ExternalMetricValueList", namespaced: true},
		)...),
	}
}
