package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

const (
	adapterServiceName      = "metrics-adapter"
	adapterServiceNamespace = "kube-system"
)

// Metrics API versions the adapter serves, as APIService names.
const (
	APIServiceCustomV1Beta1   = "v1beta1.custom.metrics.k8s.io"
	APIServiceCustomV1Beta2   = "v1beta2.custom.metrics.k8s.io"
	APIServiceExternalV1Beta1 = "v1beta1.external.metrics.k8s.io"
	APIServiceResourceV1Beta1 = "v1beta1.metrics.k8s.io"
	APIServiceResourceV1      = "v1.metrics.k8s.io"
)

// apiServicePriorities are the group and version priorities of each
// APIService, in the ranges the Kubernetes docs recommend for extension
// APIs. Within a group the higher version priority is preferred.
var apiServicePriorities = map[string][2]int32{
	APIServiceCustomV1Beta1:   {100, 100},
	APIServiceCustomV1Beta2:   {100, 200},
	APIServiceExternalV1Beta1: {100, 100},
	APIServiceResourceV1Beta1: {100, 100},
	APIServiceResourceV1:      {100, 200},
}

func (c *Cluster) registerAPIServices(ctx context.Context) error {
	// The aggregator resolves an ExternalName Service to its host name and
	// port. Endpoints and EndpointSlices reject loopback addresses, so
	// this is how it reaches an adapter on 127.0.0.1.
	service := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: adapterServiceName, Namespace: adapterServiceNamespace},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
			Ports:        []corev1.ServicePort{{Name: "https", Port: int32(c.ports.adapter)}},
		},
	}
	if _, err := c.Client.CoreV1().Services(adapterServiceNamespace).Create(ctx, service, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create the metrics adapter Service: %w", err)
	}

	names := []string{APIServiceCustomV1Beta1, APIServiceExternalV1Beta1}
	if !c.opts.CustomMetricsV1Beta1Only {
		names = append(names, APIServiceCustomV1Beta2)
	}
	if !c.opts.NoResourceMetrics {
		names = append(names, APIServiceResourceV1Beta1, APIServiceResourceV1)
	}
	for _, name := range names {
		if err := c.RegisterAPIService(ctx, name); err != nil {
			return err
		}
	}
	for _, name := range names {
		if err := c.WaitForAPIServiceAvailable(ctx, name, startTimeout); err != nil {
			return err
		}
	}
	return nil
}

// RegisterAPIService routes one metrics API version (an APIService* name)
// to the fixture adapter. It returns nil if the APIService exists.
func (c *Cluster) RegisterAPIService(ctx context.Context, name string) error {
	priorities, ok := apiServicePriorities[name]
	if !ok {
		return fmt.Errorf("unknown metrics APIService %q: use one of the harness.APIService* names", name)
	}
	version, group, _ := strings.Cut(name, ".")
	apiService := &apiregistrationv1.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: apiregistrationv1.APIServiceSpec{
			Service: &apiregistrationv1.ServiceReference{
				Namespace: adapterServiceNamespace,
				Name:      adapterServiceName,
				Port:      ptrTo(int32(c.ports.adapter)),
			},
			Group:                group,
			Version:              version,
			CABundle:             c.pki.ca.certPEM,
			GroupPriorityMinimum: priorities[0],
			VersionPriority:      priorities[1],
		},
	}
	_, err := c.Aggregator.ApiregistrationV1().APIServices().Create(ctx, apiService, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("register APIService %s: %w", name, err)
	}
	return nil
}

// UnregisterAPIService deletes an APIService, as when a metrics adapter is
// uninstalled. It returns nil if the APIService does not exist.
func (c *Cluster) UnregisterAPIService(ctx context.Context, name string) error {
	err := c.Aggregator.ApiregistrationV1().APIServices().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete APIService %s: %w", name, err)
	}
	return nil
}

// WaitForAPIServiceAvailable waits until the aggregator reports the
// APIService Available, which means it reached the adapter.
func (c *Cluster) WaitForAPIServiceAvailable(ctx context.Context, name string, timeout time.Duration) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		apiService, err := c.Aggregator.ApiregistrationV1().APIServices().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		for _, cond := range apiService.Status.Conditions {
			if cond.Type == apiregistrationv1.Available {
				last = fmt.Sprintf("Available=%s (%s: %s)", cond.Status, cond.Reason, cond.Message)
				return cond.Status == apiregistrationv1.ConditionTrue, nil
			}
		}
		last = "no Available condition yet"
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("APIService %s not available after %s: %s; metrics adapter log: %s", name, timeout, last, c.LogPath("metrics-adapter"))
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }
