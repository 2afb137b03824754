package cmd

import (
	"context"
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	autoscalingv2client "k8s.io/client-go/kubernetes/typed/autoscaling/v2"
	"k8s.io/client-go/rest"

	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// clusterFetcher backs the watch view with the cluster: gather.Clients for
// full gatherings and a typed client for the cheap LIST of HPAs, which
// gather does not offer with whole objects.
type clusterFetcher struct {
	clients     *gather.Clients
	autoscaling autoscalingv2client.AutoscalingV2Interface
	timeout     time.Duration
}

func newClusterFetcher(configFlags *genericclioptions.ConfigFlags, counter *gather.RequestCounter, timeout time.Duration) (*clusterFetcher, error) {
	if timeout <= 0 {
		timeout = gather.DefaultRequestTimeout
	}
	clients, err := gather.NewClients(configFlags, counter, gather.Options{RequestTimeout: timeout})
	if err != nil {
		return nil, err
	}
	base, err := configFlags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("failed to load the kubeconfig: %w", err)
	}
	config := rest.CopyConfig(base)
	config.Timeout = timeout
	autoscaling, err := autoscalingv2client.NewForConfig(config)
	if err != nil {
		return nil, fmt.Errorf("failed to create the autoscaling client for %s: %w", base.Host, err)
	}
	return &clusterFetcher{clients: clients, autoscaling: autoscaling, timeout: timeout}, nil
}

// ListHPAs lists the HPAs of namespace, or of every namespace when it is "".
func (f *clusterFetcher) ListHPAs(ctx context.Context, namespace string) ([]autoscalingv2.HorizontalPodAutoscaler, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()

	list, err := f.autoscaling.HorizontalPodAutoscalers(namespace).List(ctx, metav1.ListOptions{})
	if err == nil {
		return list.Items, nil
	}
	scope := fmt.Sprintf("namespace %q", namespace)
	if namespace == "" {
		scope = "all namespaces"
	}
	if apierrors.IsForbidden(err) {
		check := "kubectl auth can-i list horizontalpodautoscalers.autoscaling -n " + namespace
		if namespace == "" {
			check = "kubectl auth can-i list horizontalpodautoscalers.autoscaling -A"
		}
		return nil, fmt.Errorf("forbidden to list HPAs in %s; check your access with: %s", scope, check)
	}
	return nil, fmt.Errorf("failed to list HPAs in %s: %w", scope, err)
}

// Gather reads one HPA fully, with the same hints as explain on failure.
func (f *clusterFetcher) Gather(ctx context.Context, namespace, name string) (*gather.State, error) {
	state, err := f.clients.Gather(ctx, namespace, name)
	if err != nil {
		return nil, explainError(err, namespace)
	}
	return state, nil
}
