package gather

import (
	"fmt"
	"sort"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var apiServicesResource = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// apiServiceObject mirrors the fields of an apiregistration.k8s.io/v1
// APIService that APIService keeps, to avoid depending on kube-aggregator.
type apiServiceObject struct {
	Spec struct {
		Service *struct {
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
			Port      *int32 `json:"port"`
		} `json:"service"`
	} `json:"spec"`
	Status struct {
		Conditions []struct {
			Type               string      `json:"type"`
			Status             string      `json:"status"`
			LastTransitionTime metav1.Time `json:"lastTransitionTime"`
			Reason             string      `json:"reason"`
			Message            string      `json:"message"`
		} `json:"conditions"`
	} `json:"status"`
}

// getAPIServices reads the APIService behind each metrics API version the
// HPA uses. For a group missing from discovery it reads the version the
// controller would use, which shows whether a registration exists at all.
func (g *gathering) getAPIServices() {
	names := map[string]bool{}
	if g.usesAPI(customMetricsGroup) {
		names[apiServiceName(g.customMetrics().version)] = true
	}
	if g.usesAPI(resourceMetricsGroup) {
		version, _ := g.resourceMetricsVersion()
		names[apiServiceName(version)] = true
	}
	if g.usesAPI(externalMetricsGroup) {
		names[apiServiceName(externalMetricsV1beta1)] = true
	}

	sorted := make([]string, 0, len(names))
	for name := range names {
		sorted = append(sorted, name)
	}
	sort.Strings(sorted)

	var wg sync.WaitGroup
	for _, name := range sorted {
		wg.Go(func() {
			service := g.getAPIService(name)
			g.mu.Lock()
			defer g.mu.Unlock()
			g.state.APIServices[name] = service
		})
	}
	wg.Wait()
}

// apiServiceName is the name an APIService for version must have.
func apiServiceName(version schema.GroupVersion) string {
	return version.Version + "." + version.Group
}

func (g *gathering) getAPIService(name string) *APIService {
	service := &APIService{Name: name}

	ctx, done := g.begin()
	defer done()
	u, err := g.c.dynamic.Resource(apiServicesResource).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return service
	case err != nil:
		service.Error = newSourceError("GET apiregistration.k8s.io/v1 apiservices/"+name, err)
		return service
	}
	service.Found = true

	var obj apiServiceObject
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &obj); err != nil {
		service.Error = &SourceError{Source: "decode APIService " + name, Message: err.Error()}
		return service
	}

	service.Service = "Local"
	if ref := obj.Spec.Service; ref != nil {
		port := int32(443)
		if ref.Port != nil {
			port = *ref.Port
		}
		service.Service = fmt.Sprintf("%s/%s:%d", ref.Namespace, ref.Name, port)
	}
	for _, c := range obj.Status.Conditions {
		if c.Type == "Available" {
			service.Available = &metav1.Condition{
				Type:               c.Type,
				Status:             metav1.ConditionStatus(c.Status),
				LastTransitionTime: c.LastTransitionTime,
				Reason:             c.Reason,
				Message:            c.Message,
			}
		}
	}
	return service
}
