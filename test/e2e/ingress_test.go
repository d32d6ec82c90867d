package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// echoServer answers every request with its app's name, the path and the
// headers a proxy adds.
const echoServer = `
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        h = self.headers
        body = "%s %s host=%s xff=%s proto=%s xhost=%s\n" % (os.environ["APP"], self.path, h.get("Host"), h.get("X-Forwarded-For"), h.get("X-Forwarded-Proto"), h.get("X-Forwarded-Host"))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body.encode())
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((os.environ["POD_IP"], 8080), H).serve_forever()
`

// echoApp is a Service and a process pod running echoServer as app.
func echoApp(app string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: %[1]s}
spec:
  selector: {app: %[1]s}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: %[1]s, labels: {app: %[1]s}}
spec:
  runtimeClassName: process
  containers:
  - name: echo
    image: none
    command: ["python3", "-c", "$(SERVER)"]
    env: [{name: APP, value: %[1]s}, {name: SERVER, value: %[2]q}]
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
`, app, echoServer)
}

// shopIngress routes /api, /web and /docs of shop.example to three
// services, and blog.example to a fourth, with TLS for shop.example.
const shopIngress = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  tls: [{hosts: [shop.example], secretName: shop-tls}]
  rules:
  - host: shop.example
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /web, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
      - {path: /docs, pathType: Exact, backend: {service: {name: docs, port: {number: 80}}}}
  - host: blog.example
    http:
      paths:
      - {path: /, pathType: ImplementationSpecific, backend: {service: {name: blog, port: {number: 80}}}}
`

// TestIngress is acceptance 4 of services: one host's /api, /web and
// /docs reach three services, a second host another one, TLS is served
// with the certificate from a Secret (SNI), the backends see the
// X-Forwarded headers, and the Ingress's status names the node.
func TestIngress(t *testing.T) {
	requireCommands(t, "python3")
	s := StartUp(t)
	ctx := context.Background()
	certPEM, keyPEM, pool := selfSigned(t, "shop.example")
	if _, err := s.Client.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "shop-tls"},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "shop.yaml")
	manifest := echoApp("api") + echoApp("web") + echoApp("docs") + echoApp("blog") + shopIngress
	if err := writeFile(path, manifest); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)

	httpBase := "http://127.0.0.1:" + strconv.Itoa(s.IngressHTTP)
	for _, tc := range []struct{ host, path, want string }{
		{"shop.example", "/api/orders", "api /api/orders host=shop.example"},
		{"shop.example", "/web", "web /web host=shop.example"},
		{"shop.example", "/docs", "docs /docs host=shop.example"},
		{"blog.example", "/2024/hello", "blog /2024/hello host=blog.example"},
		{"BLOG.example:" + strconv.Itoa(s.IngressHTTP), "/", "blog / host=BLOG.example"},
	} {
		eventually(t, 60*time.Second, func() error {
			body, err := httpGet(httpBase+tc.path, tc.host)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(body, tc.want) {
				return fmt.Errorf("%s%s: %q, want %q...", tc.host, tc.path, body, tc.want)
			}
			if !strings.Contains(body, "xff=127.0.0.1 proto=http xhost="+tc.host) {
				return fmt.Errorf("%s%s: forwarded headers missing: %q", tc.host, tc.path, body)
			}
			return nil
		})
	}
	// /docs is Exact; /apiv1 is not under the /api prefix; unknown hosts
	// match nothing.
	for _, tc := range []struct{ host, path string }{{"shop.example", "/docs/x"}, {"shop.example", "/apiv1"}, {"other.example", "/api"}} {
		if body, err := httpGet(httpBase+tc.path, tc.host); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("%s%s: %q %v, want 404", tc.host, tc.path, body, err)
		}
	}

	// HTTPS with the Secret's certificate, chosen by SNI.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "shop.example"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(s.IngressHTTPS))
		},
	}}
	eventually(t, 30*time.Second, func() error {
		resp, err := client.Get("https://shop.example/api/secure")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if !strings.HasPrefix(string(body), "api /api/secure host=shop.example xff=127.0.0.1 proto=https") {
			return fmt.Errorf("https: %q", body)
		}
		if cn := resp.TLS.PeerCertificates[0].DNSNames; len(cn) != 1 || cn[0] != "shop.example" {
			return fmt.Errorf("served certificate for %v", cn)
		}
		return nil
	})

	// The Ingress's status names the node's address, as a bare-metal
	// load balancer's does.
	eventually(t, 30*time.Second, func() error {
		ing, err := s.Client.NetworkingV1().Ingresses("default").Get(ctx, "shop", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(ing.Status.LoadBalancer.Ingress) == 0 || ing.Status.LoadBalancer.Ingress[0].IP == "" {
			return fmt.Errorf("ingress status %+v", ing.Status.LoadBalancer)
		}
		return nil
	})
	if out := s.MustKubectl("get", "ingress", "shop"); !strings.Contains(out, "marina") || !strings.Contains(out, "shop.example,blog.example") {
		t.Errorf("kubectl get ingress:\n%s", out)
	}
}

// selfSigned makes a certificate for host and a pool that trusts it.
func selfSigned(t *testing.T, host string) (certPEM, keyPEM []byte, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), pool
}
