package adapter

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
)

func TestStoreRejectsInvalidValues(t *testing.T) {
	cases := []struct {
		name    string
		set     func(*Store) error
		wantErr string
	}{
		{"pod metric without pod", func(s *Store) error {
			return s.SetPodMetrics([]control.PodMetric{{Namespace: "ns", Metric: "m", Value: "1"}})
		}, "namespace, pod and metric are required"},
		{"pod metric bad quantity", func(s *Store) error {
			return s.SetPodMetrics([]control.PodMetric{{Namespace: "ns", Pod: "p", Metric: "m", Value: "ten"}})
		}, `invalid quantity "ten"`},
		{"pod metric empty value", func(s *Store) error {
			return s.SetPodMetrics([]control.PodMetric{{Namespace: "ns", Pod: "p", Metric: "m"}})
		}, "value is required"},
		{"object metric bad apiVersion", func(s *Store) error {
			return s.SetObjectMetrics([]control.ObjectMetric{{APIVersion: "a/b/c", Kind: "K", Name: "n", Metric: "m", Value: "1"}})
		}, "invalid apiVersion"},
		{"namespaced Namespace object", func(s *Store) error {
			return s.SetObjectMetrics([]control.ObjectMetric{{Namespace: "ns", APIVersion: "v1", Kind: "Namespace", Name: "ns", Metric: "m", Value: "1"}})
		}, "cluster-scoped"},
		{"external metric without name", func(s *Store) error {
			return s.SetExternalMetrics([]control.ExternalMetric{{Value: "1"}})
		}, "metric is required"},
		{"usage container without name", func(s *Store) error {
			return s.SetPodUsage([]control.PodUsage{{Namespace: "ns", Pod: "p", Containers: []control.ContainerUsage{{CPU: "1"}}}})
		}, "every container needs a name"},
		{"usage bad memory", func(s *Store) error {
			return s.SetPodUsage([]control.PodUsage{{Namespace: "ns", Pod: "p", Containers: []control.ContainerUsage{{Name: "c", Memory: "lots"}}}})
		}, `invalid quantity "lots"`},
		{"fault unknown api", func(s *Store) error {
			return s.SetFaults([]control.Fault{{API: "prometheus"}})
		}, `invalid api "prometheus"`},
		{"fault resource with metric", func(s *Store) error {
			return s.SetFaults([]control.Fault{{API: control.APIResource, Metric: "cpu"}})
		}, "metric must be empty"},
		{"fault success status", func(s *Store) error {
			return s.SetFaults([]control.Fault{{API: control.APICustom, StatusCode: 200}})
		}, "not an error status"},
		{"fault negative delay", func(s *Store) error {
			return s.SetFaults([]control.Fault{{API: control.APICustom, Delay: -time.Second}})
		}, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.set(NewStore())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestStoreRejectsWholeBatch(t *testing.T) {
	s := NewStore()
	err := s.SetPodMetrics([]control.PodMetric{
		{Namespace: "ns", Pod: "good", Metric: "m", Value: "1"},
		{Namespace: "ns", Pod: "bad", Metric: "m", Value: "x"},
	})
	if err == nil {
		t.Fatal("batch with an invalid value was accepted")
	}
	if _, ok := s.podMetric("ns", "good", "m"); ok {
		t.Error("the valid value of a rejected batch was stored")
	}
}

func TestStoreFaultPrecedence(t *testing.T) {
	s := NewStore()
	err := s.SetFaults([]control.Fault{
		{API: control.APICustom, StatusCode: 500},
		{API: control.APICustom, Metric: "rps", StatusCode: 501},
		{API: control.APICustom, Namespace: "ns", StatusCode: 502},
		{API: control.APICustom, Namespace: "ns", Metric: "rps", StatusCode: 503},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		namespace, metric string
		want              int
	}{
		{"ns", "rps", 503},
		{"ns", "other", 502},
		{"elsewhere", "rps", 501},
		{"elsewhere", "other", 500},
	}
	for _, tc := range cases {
		f, ok := s.fault(control.APICustom, tc.namespace, tc.metric)
		if !ok || f.StatusCode != tc.want {
			t.Errorf("fault(%s, %s) = %d (found %v), want %d", tc.namespace, tc.metric, f.StatusCode, ok, tc.want)
		}
	}
	if _, ok := s.fault(control.APIExternal, "ns", "rps"); ok {
		t.Error("a custom metrics fault matched an external metrics request")
	}
}

func TestStoreDeleteFilters(t *testing.T) {
	s := NewStore()
	err := s.SetPodMetrics([]control.PodMetric{
		{Namespace: "a", Pod: "p1", Metric: "m1", Value: "1"},
		{Namespace: "a", Pod: "p2", Metric: "m1", Value: "1"},
		{Namespace: "a", Pod: "p1", Metric: "m2", Value: "1"},
		{Namespace: "b", Pod: "p1", Metric: "m1", Value: "1"},
	})
	if err != nil {
		t.Fatal(err)
	}

	if err := s.Delete(control.PathPodMetrics, control.Filter{Namespace: "a", Metric: "m1"}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []podMetricKey{{"a", "p1", "m1"}, {"a", "p2", "m1"}} {
		if _, ok := s.podMetric(key.namespace, key.pod, key.metric); ok {
			t.Errorf("%v survived a delete of namespace a, metric m1", key)
		}
	}
	for _, key := range []podMetricKey{{"a", "p1", "m2"}, {"b", "p1", "m1"}} {
		if _, ok := s.podMetric(key.namespace, key.pod, key.metric); !ok {
			t.Errorf("%v was deleted by a filter that does not match it", key)
		}
	}

	if err := s.Delete("/v1/unknown", control.Filter{}); err == nil {
		t.Error("delete on an unknown path succeeded")
	}
}

func TestStoreDiscoveryNames(t *testing.T) {
	s := NewStore()
	err := s.SetPodMetrics([]control.PodMetric{
		{Namespace: "a", Pod: "p1", Metric: "rps", Value: "1"},
		{Namespace: "b", Pod: "p2", Metric: "rps", Value: "1"},
		{Namespace: "a", Pod: "p1", Metric: "latency", Value: "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.SetObjectMetrics([]control.ObjectMetric{
		{Namespace: "a", APIVersion: "apps/v1", Kind: "Deployment", Name: "d1", Metric: "hits", Value: "1"},
		{Namespace: "b", APIVersion: "apps/v1", Kind: "Deployment", Name: "d2", Metric: "hits", Value: "1"},
	})
	if err != nil {
		t.Fatal(err)
	}

	pods, objects := s.customMetricNames()
	if strings.Join(pods, ",") != "latency,rps" {
		t.Errorf("pod metric names = %v, want [latency rps] once each", pods)
	}
	if len(objects) != 1 || objects[0].kind != (schema.GroupKind{Group: "apps", Kind: "Deployment"}) || objects[0].metric != "hits" {
		t.Errorf("object metric names = %+v, want one apps Deployment hits", objects)
	}
	if !s.knowsPodMetric("rps") || s.knowsPodMetric("unknown") {
		t.Error("knowsPodMetric does not match the stored names")
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, address := range []string{"127.0.0.1:8080", "[::1]:0", "localhost:9"} {
		if err := CheckLoopback(address); err != nil {
			t.Errorf("CheckLoopback(%q) = %v, want nil", address, err)
		}
	}
	for _, address := range []string{"0.0.0.0:8080", "10.1.2.3:80", ":8080", "127.0.0.1"} {
		if err := CheckLoopback(address); err == nil {
			t.Errorf("CheckLoopback(%q) = nil, want an error", address)
		}
	}
}
