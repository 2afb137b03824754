// Package adapter is a fixture metrics adapter: an aggregated API server,
// built on sigs.k8s.io/custom-metrics-apiserver, that serves
// custom.metrics.k8s.io, external.metrics.k8s.io and metrics.k8s.io from
// values set at run time through a loopback control endpoint, and injects
// the faults of real metrics pipelines on request.
package adapter

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
)

// defaultUsageWindow is the PodMetrics window when a PodUsage sets none.
const defaultUsageWindow = 15 * time.Second

type podMetricKey struct{ namespace, pod, metric string }

type objectMetricKey struct {
	namespace string
	kind      schema.GroupKind
	name      string
	metric    string
}

type externalMetricKey struct{ namespace, metric, labels string }

type podKey struct{ namespace, pod string }

type faultKey struct{ api, namespace, metric string }

// sample is a validated value with the request it came from.
type sample[T any] struct {
	spec  T
	value resource.Quantity
}

type podUsage struct {
	spec       control.PodUsage
	containers []containerUsage
}

type containerUsage struct {
	name   string
	cpu    *resource.Quantity
	memory *resource.Quantity
}

// Store contains the values and faults the adapter serves. It is safe for
// concurrent use.
type Store struct {
	mu              sync.RWMutex
	podMetrics      map[podMetricKey]sample[control.PodMetric]
	objectMetrics   map[objectMetricKey]sample[control.ObjectMetric]
	externalMetrics map[externalMetricKey]sample[control.ExternalMetric]
	podUsage        map[podKey]podUsage
	faults          map[faultKey]control.Fault
}

// NewStore returns an empty store.
func NewStore() *Store {
	s := &Store{}
	s.reset()
	return s
}

func (s *Store) reset() {
	s.podMetrics = map[podMetricKey]sample[control.PodMetric]{}
	s.objectMetrics = map[objectMetricKey]sample[control.ObjectMetric]{}
	s.externalMetrics = map[externalMetricKey]sample[control.ExternalMetric]{}
	s.podUsage = map[podKey]podUsage{}
	s.faults = map[faultKey]control.Fault{}
}

// Reset deletes every value and fault.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reset()
}

// SetPodMetrics validates all values first and stores none if one is
// invalid.
func (s *Store) SetPodMetrics(values []control.PodMetric) error {
	parsed := make([]sample[control.PodMetric], 0, len(values))
	for i, v := range values {
		if v.Namespace == "" || v.Pod == "" || v.Metric == "" {
			return fmt.Errorf("pod metric %d: namespace, pod and metric are required", i)
		}
		q, err := parseQuantity(v.Value, fmt.Sprintf("pod metric %s/%s %s", v.Namespace, v.Pod, v.Metric))
		if err != nil {
			return err
		}
		parsed = append(parsed, sample[control.PodMetric]{spec: v, value: q})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range parsed {
		s.podMetrics[podMetricKey{p.spec.Namespace, p.spec.Pod, p.spec.Metric}] = p
	}
	return nil
}

// SetObjectMetrics validates all values first and stores none if one is
// invalid.
func (s *Store) SetObjectMetrics(values []control.ObjectMetric) error {
	parsed := make([]sample[control.ObjectMetric], 0, len(values))
	for i, v := range values {
		if v.Kind == "" || v.APIVersion == "" || v.Name == "" || v.Metric == "" {
			return fmt.Errorf("object metric %d: apiVersion, kind, name and metric are required", i)
		}
		if _, err := schema.ParseGroupVersion(v.APIVersion); err != nil {
			return fmt.Errorf("object metric %d: invalid apiVersion %q: %w", i, v.APIVersion, err)
		}
		if v.Kind == "Namespace" && v.Namespace != "" {
			return fmt.Errorf("object metric %d: a Namespace object is cluster-scoped, so leave namespace empty and put the namespace in name", i)
		}
		q, err := parseQuantity(v.Value, fmt.Sprintf("object metric %s %s/%s %s", v.Kind, v.Namespace, v.Name, v.Metric))
		if err != nil {
			return err
		}
		parsed = append(parsed, sample[control.ObjectMetric]{spec: v, value: q})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range parsed {
		s.objectMetrics[objectKeyOf(p.spec)] = p
	}
	return nil
}

func objectKeyOf(v control.ObjectMetric) objectMetricKey {
	gk := schema.FromAPIVersionAndKind(v.APIVersion, v.Kind).GroupKind()
	return objectMetricKey{namespace: v.Namespace, kind: gk, name: v.Name, metric: v.Metric}
}

// SetExternalMetrics validates all values first and stores none if one is
// invalid.
func (s *Store) SetExternalMetrics(values []control.ExternalMetric) error {
	parsed := make([]sample[control.ExternalMetric], 0, len(values))
	for i, v := range values {
		if v.Metric == "" {
			return fmt.Errorf("external metric %d: metric is required", i)
		}
		q, err := parseQuantity(v.Value, fmt.Sprintf("external metric %s %v", v.Metric, v.Labels))
		if err != nil {
			return err
		}
		parsed = append(parsed, sample[control.ExternalMetric]{spec: v, value: q})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range parsed {
		key := externalMetricKey{p.spec.Namespace, p.spec.Metric, labels.Set(p.spec.Labels).String()}
		s.externalMetrics[key] = p
	}
	return nil
}

// SetPodUsage validates all entries first and stores none if one is
// invalid.
func (s *Store) SetPodUsage(values []control.PodUsage) error {
	parsed := make([]podUsage, 0, len(values))
	for i, v := range values {
		if v.Namespace == "" || v.Pod == "" {
			return fmt.Errorf("pod usage %d: namespace and pod are required", i)
		}
		u := podUsage{spec: v}
		for _, c := range v.Containers {
			if c.Name == "" {
				return fmt.Errorf("pod usage %s/%s: every container needs a name", v.Namespace, v.Pod)
			}
			cu := containerUsage{name: c.Name}
			if c.CPU != "" {
				q, err := parseQuantity(c.CPU, fmt.Sprintf("cpu of %s/%s container %s", v.Namespace, v.Pod, c.Name))
				if err != nil {
					return err
				}
				cu.cpu = &q
			}
			if c.Memory != "" {
				q, err := parseQuantity(c.Memory, fmt.Sprintf("memory of %s/%s container %s", v.Namespace, v.Pod, c.Name))
				if err != nil {
					return err
				}
				cu.memory = &q
			}
			u.containers = append(u.containers, cu)
		}
		parsed = append(parsed, u)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range parsed {
		s.podUsage[podKey{u.spec.Namespace, u.spec.Pod}] = u
	}
	return nil
}

// SetFaults validates all faults first and stores none if one is invalid.
func (s *Store) SetFaults(faults []control.Fault) error {
	for i, f := range faults {
		switch f.API {
		case control.APICustom, control.APIExternal:
		case control.APIResource:
			if f.Metric != "" {
				return fmt.Errorf("fault %d: metric must be empty for the resource metrics API, whose requests name no metric", i)
			}
		default:
			return fmt.Errorf("fault %d: invalid api %q, expected %q, %q or %q", i, f.API, control.APICustom, control.APIExternal, control.APIResource)
		}
		if f.StatusCode != 0 && (f.StatusCode < 400 || f.StatusCode > 599) {
			return fmt.Errorf("fault %d: statusCode %d is not an error status (400-599)", i, f.StatusCode)
		}
		if f.Delay < 0 {
			return fmt.Errorf("fault %d: delay %s is negative", i, f.Delay)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.faults[faultKey{f.API, f.Namespace, f.Metric}] = f
	}
	return nil
}

// Delete removes the entries of one kind (a control path) that f matches.
func (s *Store) Delete(path string, f control.Filter) error {
	match := func(want, have string) bool { return want == "" || want == have }

	s.mu.Lock()
	defer s.mu.Unlock()
	switch path {
	case control.PathPodMetrics:
		for k := range s.podMetrics {
			if match(f.Namespace, k.namespace) && match(f.Name, k.pod) && match(f.Metric, k.metric) {
				delete(s.podMetrics, k)
			}
		}
	case control.PathObjectMetrics:
		for k := range s.objectMetrics {
			if match(f.Namespace, k.namespace) && match(f.Name, k.name) && match(f.Metric, k.metric) {
				delete(s.objectMetrics, k)
			}
		}
	case control.PathExternalMetrics:
		for k := range s.externalMetrics {
			if match(f.Namespace, k.namespace) && match(f.Metric, k.metric) {
				delete(s.externalMetrics, k)
			}
		}
	case control.PathPodUsage:
		for k := range s.podUsage {
			if match(f.Namespace, k.namespace) && match(f.Name, k.pod) {
				delete(s.podUsage, k)
			}
		}
	case control.PathFaults:
		for k := range s.faults {
			if match(f.API, k.api) && match(f.Namespace, k.namespace) && match(f.Metric, k.metric) {
				delete(s.faults, k)
			}
		}
	default:
		return fmt.Errorf("unknown control path %q", path)
	}
	return nil
}

// State returns a copy of everything stored, sorted for stable output.
func (s *Store) State() control.State {
	s.mu.RLock()
	defer s.mu.RUnlock()

	state := control.State{
		PodMetrics:      []control.PodMetric{},
		ObjectMetrics:   []control.ObjectMetric{},
		ExternalMetrics: []control.ExternalMetric{},
		PodUsage:        []control.PodUsage{},
		Faults:          []control.Fault{},
	}
	for _, v := range s.podMetrics {
		state.PodMetrics = append(state.PodMetrics, v.spec)
	}
	for _, v := range s.objectMetrics {
		state.ObjectMetrics = append(state.ObjectMetrics, v.spec)
	}
	for _, v := range s.externalMetrics {
		state.ExternalMetrics = append(state.ExternalMetrics, v.spec)
	}
	for _, v := range s.podUsage {
		state.PodUsage = append(state.PodUsage, v.spec)
	}
	for _, f := range s.faults {
		state.Faults = append(state.Faults, f)
	}

	sort.Slice(state.PodMetrics, func(i, j int) bool {
		a, b := state.PodMetrics[i], state.PodMetrics[j]
		return a.Namespace+"/"+a.Pod+"/"+a.Metric < b.Namespace+"/"+b.Pod+"/"+b.Metric
	})
	sort.Slice(state.ObjectMetrics, func(i, j int) bool {
		a, b := state.ObjectMetrics[i], state.ObjectMetrics[j]
		return a.Namespace+"/"+a.Kind+"/"+a.Name+"/"+a.Metric < b.Namespace+"/"+b.Kind+"/"+b.Name+"/"+b.Metric
	})
	sort.Slice(state.ExternalMetrics, func(i, j int) bool {
		a, b := state.ExternalMetrics[i], state.ExternalMetrics[j]
		return a.Namespace+"/"+a.Metric+"/"+labels.Set(a.Labels).String() < b.Namespace+"/"+b.Metric+"/"+labels.Set(b.Labels).String()
	})
	sort.Slice(state.PodUsage, func(i, j int) bool {
		a, b := state.PodUsage[i], state.PodUsage[j]
		return a.Namespace+"/"+a.Pod < b.Namespace+"/"+b.Pod
	})
	sort.Slice(state.Faults, func(i, j int) bool {
		a, b := state.Faults[i], state.Faults[j]
		return a.API+"/"+a.Namespace+"/"+a.Metric < b.API+"/"+b.Namespace+"/"+b.Metric
	})
	return state
}

// fault returns the most specific fault for a request: exact namespace and
// metric, then namespace only, then metric only, then neither.
func (s *Store) fault(api, namespace, metric string) (control.Fault, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, key := range []faultKey{
		{api, namespace, metric},
		{api, namespace, ""},
		{api, "", metric},
		{api, "", ""},
	} {
		if f, ok := s.faults[key]; ok {
			return f, true
		}
	}
	return control.Fault{}, false
}

// omits reports whether the fault matching a request leaves pod out of
// the response.
func (s *Store) omits(api, namespace, metric, pod string) bool {
	f, ok := s.fault(api, namespace, metric)
	return ok && slices.Contains(f.OmitPods, pod)
}

// podMetric returns the value of metric for a pod.
func (s *Store) podMetric(namespace, pod, metric string) (sample[control.PodMetric], bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.podMetrics[podMetricKey{namespace, pod, metric}]
	return v, ok
}

// knowsPodMetric reports whether any pod in any namespace has a value for
// metric. Like a Prometheus-backed adapter that discovers series, the
// fixture returns NotFound for a metric no pod has and an empty list for a
// known metric without values for the selected pods.
func (s *Store) knowsPodMetric(metric string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for k := range s.podMetrics {
		if k.metric == metric {
			return true
		}
	}
	return false
}

func (s *Store) objectMetric(namespace string, kind schema.GroupKind, name, metric string) (sample[control.ObjectMetric], bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.objectMetrics[objectMetricKey{namespace, kind, name, metric}]
	return v, ok
}

func (s *Store) knowsObjectMetric(kind schema.GroupKind, metric string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for k := range s.objectMetrics {
		if k.kind == kind && k.metric == metric {
			return true
		}
	}
	return false
}

// externalSeries returns the series of metric served in namespace: those
// set for it and those set for every namespace.
func (s *Store) externalSeries(namespace, metric string) []sample[control.ExternalMetric] {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []sample[control.ExternalMetric]
	for k, v := range s.externalMetrics {
		if k.metric == metric && (k.namespace == "" || k.namespace == namespace) {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return labels.Set(out[i].spec.Labels).String() < labels.Set(out[j].spec.Labels).String()
	})
	return out
}

func (s *Store) usage(namespace, pod string) (podUsage, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.podUsage[podKey{namespace, pod}]
	return u, ok
}

// customMetricNames returns the distinct pod metric names and the distinct
// (kind, metric) pairs of object metrics, for discovery.
func (s *Store) customMetricNames() (podMetrics []string, objectMetrics []objectMetricKey) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seenPod := map[string]bool{}
	for k := range s.podMetrics {
		if !seenPod[k.metric] {
			seenPod[k.metric] = true
			podMetrics = append(podMetrics, k.metric)
		}
	}
	seenObject := map[objectMetricKey]bool{}
	for k := range s.objectMetrics {
		key := objectMetricKey{kind: k.kind, metric: k.metric, namespace: namespacedMarker(k.namespace)}
		if !seenObject[key] {
			seenObject[key] = true
			objectMetrics = append(objectMetrics, key)
		}
	}
	slices.Sort(podMetrics)
	sort.Slice(objectMetrics, func(i, j int) bool {
		return objectMetrics[i].kind.String()+"/"+objectMetrics[i].metric < objectMetrics[j].kind.String()+"/"+objectMetrics[j].metric
	})
	return podMetrics, objectMetrics
}

// namespacedMarker reduces a namespace to whether there is one, so
// discovery lists a metric once per scope.
func namespacedMarker(namespace string) string {
	if namespace == "" {
		return ""
	}
	return "namespaced"
}

func (s *Store) externalMetricNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[string]bool{}
	var names []string
	for k := range s.externalMetrics {
		if !seen[k.metric] {
			seen[k.metric] = true
			names = append(names, k.metric)
		}
	}
	slices.Sort(names)
	return names
}

func parseQuantity(value, what string) (resource.Quantity, error) {
	if strings.TrimSpace(value) == "" {
		return resource.Quantity{}, fmt.Errorf("%s: value is required", what)
	}
	q, err := resource.ParseQuantity(value)
	if err != nil {
		return resource.Quantity{}, fmt.Errorf("%s: invalid quantity %q: %w", what, value, err)
	}
	return q, nil
}
