package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	aggregatorclient "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset"

	"github.com/hpametrics/kubectl-hpametrics/test/cluster/adapter/control"
)

const (
	// serviceClusterIPRange is the Service CIDR. No proxy routes it; the
	// API server only needs a range to allocate the kubernetes Service.
	serviceClusterIPRange = "10.0.0.0/24"
	serviceClusterFirstIP = "10.0.0.1"

	startTimeout = 60 * time.Second
)

func (c *Cluster) startEtcd(ctx context.Context) error {
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdClient)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdPeer)
	args := []string{
		"--name=hpametrics",
		"--data-dir=" + filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=hpametrics=" + peerURL,
		"--log-level=warn",
		// The data is thrown away with the cluster, so durability buys
		// nothing and fsync would slow every write.
		"--unsafe-no-fsync=true",
	}
	p, err := c.launch("etcd", c.binaries.Etcd, args)
	if err != nil {
		return err
	}
	httpClient := &http.Client{Timeout: 2 * time.Second}
	return waitReady(ctx, p, startTimeout, func(ctx context.Context) error {
		return httpGetOK(ctx, httpClient, clientURL+"/health")
	})
}

func (c *Cluster) startAPIServer(ctx context.Context) error {
	c.Host = fmt.Sprintf("https://127.0.0.1:%d", c.ports.apiServer)
	args := []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.ports.apiServer),
		"--etcd-servers=" + fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdClient),
		"--tls-cert-file=" + c.pki.apiServer.certFile,
		"--tls-private-key-file=" + c.pki.apiServer.keyFile,
		"--client-ca-file=" + c.pki.ca.certFile,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + c.pki.serviceAccountKeyFile,
		"--service-account-signing-key-file=" + c.pki.serviceAccountKeyFile,
		"--service-cluster-ip-range=" + serviceClusterIPRange,
		"--authorization-mode=RBAC",
		// The default reconciler would publish 127.0.0.1 as the endpoint
		// of the kubernetes Service, which the API server rejects.
		"--endpoint-reconciler-type=none",
		// The aggregator authenticates to the metrics adapter with this
		// client certificate and passes the user in request headers.
		"--requestheader-client-ca-file=" + c.pki.frontProxyCA.certFile,
		"--requestheader-allowed-names=" + frontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + c.pki.frontProxyClient.certFile,
		"--proxy-client-key-file=" + c.pki.frontProxyClient.keyFile,
		"--profiling=false",
	}
	if c.opts.AuditPolicy != "" {
		policyPath := filepath.Join(c.Dir, "audit-policy.yaml")
		if err := os.WriteFile(policyPath, []byte(c.opts.AuditPolicy), 0o600); err != nil {
			return fmt.Errorf("write audit policy: %w", err)
		}
		c.AuditLogPath = filepath.Join(c.Dir, "logs", "audit.log")
		args = append(args,
			"--audit-policy-file="+policyPath,
			"--audit-log-path="+c.AuditLogPath,
			// Write each event as it happens, so a test can read the log
			// right after the requests it checks.
			"--audit-log-mode=blocking",
		)
	}
	p, err := c.launch("kube-apiserver", c.binaries.KubeAPIServer, args)
	if err != nil {
		return err
	}

	c.Kubeconfig = filepath.Join(c.Dir, "admin.kubeconfig")
	if err := writeKubeconfig(c.Kubeconfig, c.Host, c.pki.ca, c.pki.admin, "hpametrics-admin"); err != nil {
		return err
	}
	c.RESTConfig, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return fmt.Errorf("load admin kubeconfig: %w", err)
	}
	c.RESTConfig.QPS = 100
	c.RESTConfig.Burst = 200
	if c.Client, err = kubernetes.NewForConfig(c.RESTConfig); err != nil {
		return err
	}
	if c.Aggregator, err = aggregatorclient.NewForConfig(c.RESTConfig); err != nil {
		return err
	}

	return waitReady(ctx, p, startTimeout, func(ctx context.Context) error {
		body, err := c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("readyz: %v: %s", err, strings.TrimSpace(string(body)))
		}
		return nil
	})
}

func (c *Cluster) startAdapter(ctx context.Context) error {
	controlAddress := fmt.Sprintf("127.0.0.1:%d", c.ports.adapterControl)
	args := []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.ports.adapter),
		"--tls-cert-file=" + c.pki.adapter.certFile,
		"--tls-private-key-file=" + c.pki.adapter.keyFile,
		"--cert-dir=" + filepath.Join(c.Dir, "pki", "adapter"),
		// One admin kubeconfig for listing pods and for delegated
		// authentication and authorization keeps the fixture's RBAC out of
		// the picture.
		"--lister-kubeconfig=" + c.Kubeconfig,
		"--authentication-kubeconfig=" + c.Kubeconfig,
		"--authorization-kubeconfig=" + c.Kubeconfig,
		"--control-address=" + controlAddress,
		"--v=1",
	}
	p, err := c.launch("metrics-adapter", c.binaries.MetricsAdapter, args)
	if err != nil {
		return err
	}
	c.Metrics = control.NewClient("http://" + controlAddress)

	// The control endpoint starts before the secure port, so wait for
	// both: readyz needs no credentials on an aggregated API server.
	caPool := x509.NewCertPool()
	caPool.AddCert(c.pki.ca.cert)
	httpsClient := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool, ServerName: "localhost"}},
	}
	return waitReady(ctx, p, startTimeout, func(ctx context.Context) error {
		if err := c.Metrics.Healthy(ctx); err != nil {
			return err
		}
		return httpGetOK(ctx, httpsClient, fmt.Sprintf("https://127.0.0.1:%d/readyz", c.ports.adapter))
	})
}

func (c *Cluster) startControllerManager(ctx context.Context) error {
	kubeconfig := filepath.Join(c.Dir, "kube-controller-manager.kubeconfig")
	if err := writeKubeconfig(kubeconfig, c.Host, c.pki.ca, c.pki.controllerManager, "system:kube-controller-manager"); err != nil {
		return err
	}
	syncPeriod := c.opts.HPASyncPeriod
	if syncPeriod == 0 {
		syncPeriod = 2 * time.Second
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.ports.controllerManager),
		"--cert-dir=" + filepath.Join(c.Dir, "pki", "kube-controller-manager"),
		"--leader-elect=false",
		// Each controller gets its own service account, as in a real
		// cluster, so the HPA controller reads metrics with the bootstrap
		// RBAC role system:controller:horizontal-pod-autoscaler.
		"--use-service-account-credentials=true",
		"--controllers=" + strings.Join([]string{
			"horizontal-pod-autoscaler-controller",
			"deployment-controller",
			"replicaset-controller",
			"statefulset-controller",
			"serviceaccount-controller",
			"namespace-controller",
			"garbage-collector-controller",
		}, ","),
		"--horizontal-pod-autoscaler-sync-period=" + syncPeriod.String(),
	}
	if c.opts.HPATolerance != 0 {
		args = append(args, "--horizontal-pod-autoscaler-tolerance="+strconv.FormatFloat(c.opts.HPATolerance, 'f', -1, 64))
	}
	if c.opts.HPACPUInitializationPeriod != 0 {
		args = append(args, "--horizontal-pod-autoscaler-cpu-initialization-period="+c.opts.HPACPUInitializationPeriod.String())
	}
	if c.opts.HPAInitialReadinessDelay != 0 {
		args = append(args, "--horizontal-pod-autoscaler-initial-readiness-delay="+c.opts.HPAInitialReadinessDelay.String())
	}
	if c.opts.HPADownscaleStabilization != 0 {
		args = append(args, "--horizontal-pod-autoscaler-downscale-stabilization="+c.opts.HPADownscaleStabilization.String())
	}

	p, err := c.launch("kube-controller-manager", c.binaries.KubeControllerManager, args)
	if err != nil {
		return err
	}
	// /healthz is open to anonymous requests by default. The serving
	// certificate is self-signed, so it is not verified.
	httpClient := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	return waitReady(ctx, p, startTimeout, func(ctx context.Context) error {
		return httpGetOK(ctx, httpClient, fmt.Sprintf("https://127.0.0.1:%d/healthz", c.ports.controllerManager))
	})
}

func httpGetOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// writeKubeconfig writes a kubeconfig that authenticates with a client
// certificate, embedding the certificates so the file works on its own.
func writeKubeconfig(path, host string, ca, client *keyPair, user string) error {
	config := clientcmdapi.NewConfig()
	config.Clusters["hpametrics"] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: ca.certPEM}
	config.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: client.certPEM, ClientKeyData: client.keyPEM}
	config.Contexts["hpametrics"] = &clientcmdapi.Context{Cluster: "hpametrics", AuthInfo: user, Namespace: "default"}
	config.CurrentContext = "hpametrics"
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}

// WriteKubeconfig writes an admin kubeconfig for the cluster to path, with
// namespace as the context's default namespace.
func (c *Cluster) WriteKubeconfig(path, namespace string) error {
	config, err := clientcmd.LoadFromFile(c.Kubeconfig)
	if err != nil {
		return fmt.Errorf("read admin kubeconfig: %w", err)
	}
	config.Contexts[config.CurrentContext].Namespace = namespace
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}

// restConfigCopy returns a copy of the admin REST config for callers that
// change it.
func (c *Cluster) restConfigCopy() *rest.Config {
	return rest.CopyConfig(c.RESTConfig)
}
