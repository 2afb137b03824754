package adapter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/restmapper"
	"k8s.io/klog/v2"
	"k8s.io/metrics/pkg/apis/metrics"
	metricsinstall "k8s.io/metrics/pkg/apis/metrics/install"
	cmapiserver "sigs.k8s.io/custom-metrics-apiserver/pkg/apiserver"
	"sigs.k8s.io/custom-metrics-apiserver/pkg/cmd"
)

func init() {
	// The library's scheme registers the custom and external metrics groups,
	// so only metrics.k8s.io (v1 and v1beta1, v1 preferred) is added here.
	metricsinstall.Install(cmapiserver.Scheme)
}

// Adapter is the fixture adapter: the library's AdapterBase (secure
// serving, delegated authentication and authorization, the custom and
// external metrics APIs) plus metrics.k8s.io and the control endpoint.
type Adapter struct {
	cmd.AdapterBase

	// ControlAddress is the loopback host:port of the control endpoint.
	ControlAddress string
	// Store is the source of every value the adapter serves.
	Store *Store
}

// NewAdapter returns an adapter with an empty store and its flags
// installed on the library's flag set.
func NewAdapter() *Adapter {
	a := &Adapter{Store: NewStore()}
	a.Name = "hpametrics-fixture-metrics-adapter"
	a.InstallFlags()
	a.FlagSet.StringVar(&a.ControlAddress, "control-address", "127.0.0.1:0",
		"Loopback host:port of the unauthenticated HTTP+JSON control endpoint that sets metric values and faults.")
	return a
}

// Run serves until ctx ends.
func (a *Adapter) Run(ctx context.Context) error {
	if err := CheckLoopback(a.ControlAddress); err != nil {
		return err
	}

	namer := openapinamer.NewDefinitionNamer(cmapiserver.Scheme)
	a.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openAPIDefinitions, namer)
	a.OpenAPIConfig.Info.Title = a.Name
	a.OpenAPIConfig.Info.Version = "1.0.0"
	a.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openAPIDefinitions, namer)
	a.OpenAPIV3Config.Info.Title = a.Name
	a.OpenAPIV3Config.Info.Version = "1.0.0"

	provider, podMetrics, err := a.buildProviders()
	if err != nil {
		return err
	}
	a.WithCustomMetrics(provider)
	a.WithExternalMetrics(provider)

	server, err := a.Server()
	if err != nil {
		return fmt.Errorf("build the adapter's API server: %w", err)
	}
	if err := installResourceMetrics(server.GenericAPIServer, podMetrics); err != nil {
		return err
	}

	listener, err := net.Listen("tcp", a.ControlAddress)
	if err != nil {
		return fmt.Errorf("listen on control address %s: %w", a.ControlAddress, err)
	}
	controlServer := &http.Server{Handler: NewControlHandler(a.Store), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		klog.InfoS("Serving the control endpoint", "address", listener.Addr().String())
		if err := controlServer.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			klog.ErrorS(err, "Control endpoint stopped")
		}
	}()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = controlServer.Shutdown(shutdownCtx)
	}()

	return server.GenericAPIServer.PrepareRun().RunWithContext(ctx)
}

func (a *Adapter) buildProviders() (*Provider, *podMetricsREST, error) {
	clientConfig, err := a.ClientConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("client config for the API server (set --lister-kubeconfig): %w", err)
	}
	informers, err := a.Informers()
	if err != nil {
		return nil, nil, err
	}
	// Asking for the informer registers it, so the server's post-start hook
	// starts it along with the library's own informers.
	podInformer := informers.Core().V1().Pods()
	_ = podInformer.Informer()
	pods := podInformer.Lister()

	discoveryClient, err := discovery.NewDiscoveryClientForConfig(clientConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("discovery client: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discoveryClient))
	metadataClient, err := metadata.NewForConfig(clientConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("metadata client: %w", err)
	}

	return NewProvider(a.Store, pods, mapper, metadataClient), newPodMetricsREST(a.Store, pods), nil
}

// installResourceMetrics adds metrics.k8s.io with its pods resource in
// every version the scheme registers. NodeMetrics are not served: the HPA
// controller never reads them, and the local cluster has no nodes.
func installResourceMetrics(server *genericapiserver.GenericAPIServer, podMetrics *podMetricsREST) error {
	groupInfo := genericapiserver.NewDefaultAPIGroupInfo(metrics.GroupName, cmapiserver.Scheme, runtime.NewParameterCodec(cmapiserver.Scheme), cmapiserver.Codecs)
	for _, version := range groupInfo.PrioritizedVersions {
		groupInfo.VersionedResourcesStorageMap[version.Version] = map[string]rest.Storage{"pods": podMetrics}
	}
	if err := server.InstallAPIGroup(&groupInfo); err != nil {
		return fmt.Errorf("install %s: %w", metrics.GroupName, err)
	}
	return nil
}
