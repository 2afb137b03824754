package harness

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity is long enough for any test run or demo session.
const certValidity = 7 * 24 * time.Hour

// keyPair is a certificate and its private key, in memory and on disk.
type keyPair struct {
	cert     *x509.Certificate
	key      crypto.Signer
	certPEM  []byte
	keyPEM   []byte
	certFile string
	keyFile  string
}

// pki is every certificate and key the control plane needs.
type pki struct {
	ca                *keyPair // signs serving and client certificates
	frontProxyCA      *keyPair // signs the aggregator's proxy client certificate
	apiServer         *keyPair
	admin             *keyPair // O=system:masters
	controllerManager *keyPair // CN=system:kube-controller-manager
	frontProxyClient  *keyPair
	adapter           *keyPair // serves the metrics adapter as <service>.<namespace>.svc
	// serviceAccountKeyFile is the RSA key that signs and verifies
	// service account tokens.
	serviceAccountKeyFile string
}

// frontProxyClientName is the common name of the aggregator's proxy client
// certificate, which kube-apiserver lists in --requestheader-allowed-names.
const frontProxyClientName = "front-proxy-client"

func newPKI(dir, adapterServiceHost string) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{}
	var err error

	if p.ca, err = newCA(dir, "ca", "hpametrics-test-ca"); err != nil {
		return nil, err
	}
	if p.frontProxyCA, err = newCA(dir, "front-proxy-ca", "hpametrics-test-front-proxy-ca"); err != nil {
		return nil, err
	}

	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	leaves := []struct {
		target *(*keyPair)
		issuer *keyPair
		spec   leafSpec
	}{
		{&p.apiServer, p.ca, leafSpec{
			file:       "apiserver",
			commonName: "kube-apiserver",
			dnsNames:   []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
			ips:        append(loopback, net.ParseIP(serviceClusterFirstIP)),
			usage:      x509.ExtKeyUsageServerAuth,
		}},
		{&p.adapter, p.ca, leafSpec{
			file:       "metrics-adapter",
			commonName: adapterServiceHost,
			dnsNames:   []string{adapterServiceHost, "localhost"},
			ips:        loopback,
			usage:      x509.ExtKeyUsageServerAuth,
		}},
		{&p.admin, p.ca, leafSpec{
			file:          "admin",
			commonName:    "hpametrics-admin",
			organizations: []string{"system:masters"},
			usage:         x509.ExtKeyUsageClientAuth,
		}},
		{&p.controllerManager, p.ca, leafSpec{
			file:       "kube-controller-manager",
			commonName: "system:kube-controller-manager",
			usage:      x509.ExtKeyUsageClientAuth,
		}},
		{&p.frontProxyClient, p.frontProxyCA, leafSpec{
			file:       "front-proxy-client",
			commonName: frontProxyClientName,
			usage:      x509.ExtKeyUsageClientAuth,
		}},
	}
	for _, leaf := range leaves {
		if *leaf.target, err = newLeaf(dir, leaf.issuer, leaf.spec); err != nil {
			return nil, err
		}
	}

	serviceAccountKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate service account key: %w", err)
	}
	p.serviceAccountKeyFile = filepath.Join(dir, "service-account.key")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(serviceAccountKey)})
	if err := os.WriteFile(p.serviceAccountKeyFile, keyPEM, 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

func newCA(dir, file, commonName string) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create CA %s: %w", commonName, err)
	}
	return writeKeyPair(dir, file, der, key)
}

// leafSpec describes a serving or client certificate.
type leafSpec struct {
	file          string // base name of the .crt and .key files
	commonName    string
	organizations []string // groups, for a client certificate
	dnsNames      []string
	ips           []net.IP
	usage         x509.ExtKeyUsage
}

func newLeaf(dir string, issuer *keyPair, spec leafSpec) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: spec.commonName, Organization: spec.organizations},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{spec.usage},
		DNSNames:     spec.dnsNames,
		IPAddresses:  spec.ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, issuer.cert, key.Public(), issuer.key)
	if err != nil {
		return nil, fmt.Errorf("create certificate %s: %w", spec.commonName, err)
	}
	return writeKeyPair(dir, spec.file, der, key)
}

func writeKeyPair(dir, file string, der []byte, key *ecdsa.PrivateKey) (*keyPair, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	kp := &keyPair{
		cert:     cert,
		key:      key,
		certPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:   pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		certFile: filepath.Join(dir, file+".crt"),
		keyFile:  filepath.Join(dir, file+".key"),
	}
	if err := os.WriteFile(kp.certFile, kp.certPEM, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(kp.keyFile, kp.keyPEM, 0o600); err != nil {
		return nil, err
	}
	return kp, nil
}

func randomSerial() *big.Int {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		// crypto/rand does not fail on Linux; a fixed serial would still
		// produce valid, if less unique, certificates.
		return big.NewInt(time.Now().UnixNano())
	}
	return serial
}
