package cmd

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

func TestWatchHelpListsFlagsAndKeys(t *testing.T) {
	streams, out, _ := testStreams()
	root := NewRootCmd(streams)
	root.SetArgs([]string{"watch", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubectl hpametrics watch [NAME]", "--interval", "--all-namespaces", "--no-alt-screen", "--no-color", "--tolerance", "esc goes back", "(default 15s)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("watch help lacks %q", want)
		}
	}
}

func TestWatchValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*WatchOptions)
		want   string
	}{
		{"name across namespaces", func(o *WatchOptions) { o.Name = "web"; o.AllNamespaces = true }, "cannot be watched by name across all namespaces"},
		{"short interval", func(o *WatchOptions) { o.Interval = 100 * time.Millisecond }, "invalid --interval 100ms"},
		{"negative tolerance", func(o *WatchOptions) { o.Tolerance = -1 }, "invalid --tolerance -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			streams, _, _ := testStreams()
			o := NewWatchOptions(genericclioptions.NewConfigFlags(false), gather.NewRequestCounter(), streams)
			tc.mutate(o)
			err := o.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}

	streams, _, _ := testStreams()
	o := NewWatchOptions(genericclioptions.NewConfigFlags(false), gather.NewRequestCounter(), streams)
	if err := o.Validate(); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
}

func TestWatchRejectsNonTerminal(t *testing.T) {
	streams, _, _ := testStreams()
	o := NewWatchOptions(genericclioptions.NewConfigFlags(false), gather.NewRequestCounter(), streams)
	err := o.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "needs a terminal") {
		t.Fatalf("err = %v, want a terminal error", err)
	}
}

// kubeconfigFor writes a kubeconfig for server and returns config flags
// that read it.
func kubeconfigFor(t *testing.T, server string) *genericclioptions.ConfigFlags {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	config := `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ` + server + `
contexts:
- name: test
  context:
    cluster: test
    user: test
    namespace: shop
users:
- name: test
  user:
    token: test
current-context: test
`
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &path
	return flags
}

func TestClusterFetcherListsHPAs(t *testing.T) {
	var paths []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers", "/apis/autoscaling/v2/horizontalpodautoscalers":
			list := autoscalingv2.HorizontalPodAutoscalerList{
				TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscalerList"},
				Items:    []autoscalingv2.HorizontalPodAutoscaler{{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}}},
			}
			_ = json.NewEncoder(w).Encode(list)
		case "/apis/autoscaling/v2/namespaces/locked/horizontalpodautoscalers":
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(metav1.Status{
				TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
				Status:   metav1.StatusFailure, Reason: metav1.StatusReasonForbidden, Code: http.StatusForbidden,
				Message: "horizontalpodautoscalers.autoscaling is forbidden",
			})
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer server.Close()

	fetcher, err := newClusterFetcher(kubeconfigFor(t, server.URL), gather.NewRequestCounter(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	hpas, err := fetcher.ListHPAs(ctx, "shop")
	if err != nil || len(hpas) != 1 || hpas[0].Name != "web" {
		t.Errorf("ListHPAs(shop) = %v, %v", hpas, err)
	}
	if _, err := fetcher.ListHPAs(ctx, ""); err != nil {
		t.Errorf("ListHPAs across namespaces: %v", err)
	}
	if paths[len(paths)-1] != "/apis/autoscaling/v2/horizontalpodautoscalers" {
		t.Errorf("the list across namespaces requested %s", paths[len(paths)-1])
	}

	_, err = fetcher.ListHPAs(ctx, "locked")
	if err == nil || !strings.Contains(err.Error(), "kubectl auth can-i list horizontalpodautoscalers.autoscaling -n locked") {
		t.Errorf("forbidden list: err = %v, want an auth can-i hint", err)
	}
}

func TestWatchRequestsAreNotCounted(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(autoscalingv2.HorizontalPodAutoscalerList{
			TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscalerList"},
		})
	}))
	defer server.Close()

	counter := gather.NewRequestCounter()
	flags := kubeconfigFor(t, server.URL)
	flags.WrapConfigFn = counter.WrapConfig
	streams, _, _ := testStreams()
	o := NewWatchOptions(flags, counter, streams)
	if err := o.Complete(nil); err != nil {
		t.Fatal(err)
	}
	if o.Namespace != "shop" {
		t.Errorf("namespace = %q, want the kubeconfig's shop", o.Namespace)
	}
	for range 3 {
		if _, err := o.fetcher.ListHPAs(context.Background(), "shop"); err != nil {
			t.Fatal(err)
		}
	}
	if n := counter.Count(); n != 0 {
		t.Errorf("the counter recorded %d requests; a long watch would grow it without bound", n)
	}
}
