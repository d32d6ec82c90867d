package ingress

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// upstream is a real backend: an HTTP server on its own loopback address
// that answers with who it is and what it received.
type upstream struct {
	name string
	ip   string
	port int32
	srv  *httptest.Server
}

// reply is what an upstream answers.
type reply struct {
	Backend string      `json:"backend"`
	Host    string      `json:"host"`
	Path    string      `json:"path"`
	Header  http.Header `json:"header"`
}

// startUpstream serves on ip (anything in 127/8), port chosen by the kernel.
func startUpstream(t testing.TB, name, ip string) *upstream {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(reply{Backend: name, Host: r.Host, Path: r.URL.Path, Header: r.Header})
	}))
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("listen %s: %v", ip, err)
	}
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &upstream{name: name, ip: ip, port: int32(ln.Addr().(*net.TCPAddr).Port), srv: srv}
}

// cluster is the API state a test syncs into a Proxy.
type cluster struct {
	ingresses []*networkingv1.Ingress
	classes   []*networkingv1.IngressClass
	services  []*corev1.Service
	slices    []*discoveryv1.EndpointSlice
	secrets   map[string]*corev1.Secret // by "namespace/name"
}

// addService adds Service ns/name (port 80 "http") with one EndpointSlice
// per upstream, since each listens on its own port.
func (c *cluster) addService(ns, name string, ups ...*upstream) {
	c.services = append(c.services, service(ns, name))
	for i, u := range ups {
		c.addEndpoint(ns, name, fmt.Sprintf("%s-%d", name, i), u, nil)
	}
}

func (c *cluster) addEndpoint(ns, svc, slice string, u *upstream, ready *bool) {
	c.slices = append(c.slices, endpointSlice(ns, slice, svc, "http", u.port, endpoint{ip: u.ip, ready: ready}))
}

func (c *cluster) addSecret(ns, name string, crt, key []byte) {
	if c.secrets == nil {
		c.secrets = map[string]*corev1.Secret{}
	}
	c.secrets[ns+"/"+name] = &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key},
	}
}

// secret is the lookup Sync is given, as an informer cache would answer.
func (c *cluster) secret(ns, name string) (*corev1.Secret, error) {
	if s, ok := c.secrets[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

func (c *cluster) sync(t testing.TB, p *Proxy) {
	t.Helper()
	if err := p.Sync(c.ingresses, c.classes, c.services, c.slices, c.secret); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// startProxy starts a Proxy on 127.0.0.1 with kernel-chosen ports.
func startProxy(t testing.TB) *Proxy {
	t.Helper()
	p := New(Config{HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0", Logger: testLogger(t)})
	if err := p.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if c, ok := clients.LoadAndDelete(p); ok {
			c.(*http.Client).CloseIdleConnections()
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b))
	return len(b), nil
}

var clients sync.Map // *Proxy → *http.Client

// client returns an HTTP client whose every connection goes to the proxy's
// HTTP or HTTPS listener, whatever the URL's host, and which trusts any
// certificate (the tests inspect them instead).
func client(p *Proxy) *http.Client {
	if c, ok := clients.Load(p); ok {
		return c.(*http.Client)
	}
	c := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			target := p.HTTPAddr().String()
			if _, port, _ := net.SplitHostPort(addr); port == "443" {
				target = p.HTTPSAddr().String()
			}
			var d net.Dialer
			return d.DialContext(ctx, network, target)
		},
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
		MaxIdleConnsPerHost: 64,
	}}
	clients.Store(p, c)
	return c
}

// get requests url through the proxy and returns the status and, for a
// 200, what the upstream saw.
func get(t testing.TB, p *Proxy, url string, header http.Header) (int, reply, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := client(p).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	var r reply
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, body)
		}
	}
	return resp.StatusCode, r, resp
}

// selfSignedPEM makes a certificate for hosts, as a TLS Secret holds it.
func selfSignedPEM(t testing.TB, hosts ...string) (crt, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: hosts[0]},
		DNSNames:     hosts,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

func port(a net.Addr) string { return strconv.Itoa(a.(*net.TCPAddr).Port) }
