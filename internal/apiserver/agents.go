package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/pki"
	"github.com/marina-orchestrator/marina/internal/registry"
)

// agentConnector reaches node agents: at the node's InternalIP (else its
// first address) and kubelet endpoint port, over TLS with the API
// server's agent client certificate, pinning the agent's certificate.
type agentConnector struct {
	client tls.Certificate
	// nodes reads Nodes from storage; set once the API is installed.
	nodes rest.Getter

	mu         sync.Mutex
	transports map[string]*http.Transport // by pinned fingerprint
}

var _ registry.AgentConnector = (*agentConnector)(nil)

func newAgentConnector(m *pki.Material) (*agentConnector, error) {
	cert, err := m.AgentClientCertificate()
	if err != nil {
		return nil, fmt.Errorf("agent client certificate: %w", err)
	}
	return &agentConnector{client: cert, transports: map[string]*http.Transport{}}, nil
}

func (c *agentConnector) AgentLocation(ctx context.Context, nodeName string) (*url.URL, http.RoundTripper, error) {
	if c.nodes == nil {
		return nil, nil, apierrors.NewServiceUnavailable("nodes are not served yet")
	}
	obj, err := c.nodes.Get(ctx, nodeName, &metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		// The store names the resource of the request (pods); say nodes.
		return nil, nil, apierrors.NewNotFound(corev1.Resource("nodes"), nodeName)
	}
	if err != nil {
		return nil, nil, err
	}
	node := obj.(*corev1.Node)
	port := node.Status.DaemonEndpoints.KubeletEndpoint.Port
	fingerprint := node.Annotations[api.AgentCertAnnotation]
	host := nodeAddress(node)
	if port <= 0 || fingerprint == "" || host == "" {
		return nil, nil, apierrors.NewServiceUnavailable(fmt.Sprintf("node %s publishes no agent endpoint (address, port and %s); is its agent running?", nodeName, api.AgentCertAnnotation))
	}
	u := &url.URL{Scheme: "https", Host: net.JoinHostPort(host, strconv.Itoa(int(port)))}
	return u, c.transport(fingerprint), nil
}

// nodeAddress is the address to reach a node's agent at.
func nodeAddress(node *corev1.Node) string {
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	if len(node.Status.Addresses) > 0 {
		return node.Status.Addresses[0].Address
	}
	return ""
}

// transport is a shared transport that accepts only the certificate with
// fingerprint.
func (c *agentConnector) transport(fingerprint string) *http.Transport {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.transports[fingerprint]; ok {
		return t
	}
	t := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		IdleConnTimeout:     90 * time.Second,
		MaxIdleConnsPerHost: 16,
		TLSClientConfig: &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{c.client},
			// The agent's certificate is self-signed: it is checked by
			// its pinned fingerprint instead of a chain and a name.
			InsecureSkipVerify: true,
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 || pki.Fingerprint(raw[0]) != fingerprint {
					return errors.New("the agent's certificate is not the one its node registered")
				}
				return nil
			},
		},
	}
	c.transports[fingerprint] = t
	return t
}
