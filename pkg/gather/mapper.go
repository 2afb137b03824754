package gather

import (
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// serializedMapper runs one RESTMapper call at a time, holding the lock
// that also guards direct discovery calls. In client-go v0.37.2 the
// ConfigFlags discovery cache is not safe for concurrent refreshes: two
// goroutines filling it encode the same shared object at once (found with
// go test -race). Mapper calls are served from memory once discovery has
// been read, so the lock rarely waits.
type serializedMapper struct {
	mu       *sync.Mutex
	delegate meta.RESTMapper
}

var _ meta.RESTMapper = serializedMapper{}

func (m serializedMapper) KindFor(resource schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delegate.KindFor(resource)
}

func (m serializedMapper) KindsFor(resource schema.GroupVersionResource) ([]schema.GroupVersionKind, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delegate.KindsFor(resource)
}

func (m serializedMapper) ResourceFor(input schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delegate.ResourceFor(input)
}

func (m serializedMapper) ResourcesFor(input schema.GroupVersionResource) ([]schema.GroupVersionResource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delegate.ResourcesFor(input)
}

func (m serializedMapper) RESTMapping(kind schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delegate.RESTMapping(kind, versions...)
}

func (m serializedMapper) RESTMappings(kind schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delegate.RESTMappings(kind, versions...)
}

func (m serializedMapper) ResourceSingularizer(resource string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delegate.ResourceSingularizer(resource)
}
