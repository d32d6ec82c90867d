package ingress

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestProxyTLS(t *testing.T) {
	p := startProxy(t)
	up := startUpstream(t, "web", "127.67.0.1")
	var c cluster
	c.addService("ns", "web", up)
	crtA, keyA := selfSignedPEM(t, "a.example.com")
	crtB, keyB := selfSignedPEM(t, "*.b.example.com")
	c.addSecret("ns", "a-tls", crtA, keyA)
	c.addSecret("ns", "b-tls", crtB, keyB)
	c.addSecret("ns", "broken", []byte("not a certificate"), keyA)
	c.ingresses = []*networkingv1.Ingress{
		withTLS(ingress("ns", "a", 0, rule("a.example.com", prefix("/", "web"))), "a-tls", "a.example.com"),
		withTLS(ingress("ns", "b", 1, rule("*.b.example.com", prefix("/", "web"))), "b-tls", "*.b.example.com"),
		withTLS(withTLS(ingress("ns", "bad", 2, rule("bad.example.com", prefix("/", "web"))),
			"broken", "bad.example.com"), "missing", "bad.example.com"),
	}
	err := p.Sync(c.ingresses, nil, c.services, c.slices, c.secret)
	for _, want := range []string{"ingress ns/bad: tls secret broken:", "ingress ns/bad: tls secret missing:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Sync error %v, want it to contain %q", err, want)
		}
	}

	tests := []struct {
		url, wantName string
		wantStatus    int
	}{
		{"https://a.example.com/", "a.example.com", 200},
		{"https://x.b.example.com/", "*.b.example.com", 200},
		{"https://A.Example.com/", "a.example.com", 200},
		// The bad secret is skipped: its host gets the first certificate
		// and is still routed.
		{"https://bad.example.com/", "a.example.com", 200},
		{"https://unknown.example.com/", "a.example.com", 404},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			status, r, resp := get(t, p, tc.url, nil)
			if got := resp.TLS.PeerCertificates[0].DNSNames; len(got) != 1 || got[0] != tc.wantName {
				t.Errorf("certificate for %v, want %s", got, tc.wantName)
			}
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d", status, tc.wantStatus)
			}
			if status != 200 {
				return
			}
			if got := r.Header.Get("X-Forwarded-Proto"); got != "https" {
				t.Errorf("X-Forwarded-Proto %q, want https", got)
			}
			if got := r.Header.Get("X-Forwarded-Port"); got != port(p.HTTPSAddr()) {
				t.Errorf("X-Forwarded-Port %q, want %s", got, port(p.HTTPSAddr()))
			}
		})
	}

	// Plain HTTP to a host with TLS is served, not redirected.
	if status, r, _ := get(t, p, "http://a.example.com/", nil); status != 200 || r.Header.Get("X-Forwarded-Proto") != "http" {
		t.Errorf("http to a TLS host: status %d, proto %q", status, r.Header.Get("X-Forwarded-Proto"))
	}
}

func TestProxyDefaultCertificate(t *testing.T) {
	p := startProxy(t)
	up := startUpstream(t, "web", "127.68.0.1")
	var c cluster
	c.addService("ns", "web", up)
	c.ingresses = []*networkingv1.Ingress{ingress("ns", "i", 0, rule("", prefix("/", "web")))}
	c.sync(t, p)

	status, _, resp := get(t, p, "https://any.example.com/", nil)
	if status != 200 {
		t.Errorf("status %d", status)
	}
	if cn := resp.TLS.PeerCertificates[0].Subject.CommonName; cn != defaultCertName {
		t.Errorf("certificate CN %q, want %q", cn, defaultCertName)
	}
}

func TestBuildCerts(t *testing.T) {
	certs := map[string]*tls.Certificate{"ns/a": {}, "ns/b": {}, "ns/wild": {}, "other/a": {}}
	source := func(ns, name string) (*tls.Certificate, error) {
		if c, ok := certs[ns+"/"+name]; ok {
			return c, nil
		}
		return nil, errors.New("not found")
	}
	def := &tls.Certificate{}
	ingresses := ownIngresses([]*networkingv1.Ingress{
		withTLS(ingress("ns", "late", 9), "b", "a.example.com", "b.example.com"),
		withTLS(withTLS(ingress("ns", "first", 0), "missing", "m.other.test"), "a", "A.example.com"),
		withTLS(ingress("ns", "wild", 1), "wild", "*.example.com"),
		withTLS(ingress("other", "same-secret-name", 2), "a", "o.example.com"),
	}, nil)
	s, err := buildCerts(ingresses, source, def)
	if err == nil || !strings.Contains(err.Error(), "ingress ns/first: tls secret missing: not found") {
		t.Errorf("error %v, want one naming ns/first and secret missing", err)
	}
	tests := []struct {
		name, sni string
		want      *tls.Certificate
	}{
		{"exact, oldest ingress wins", "a.example.com", certs["ns/a"]},
		{"exact from the younger ingress", "b.example.com", certs["ns/b"]},
		{"exact before wildcard", "b.example.com", certs["ns/b"]},
		{"wildcard", "x.example.com", certs["ns/wild"]},
		{"secret in the ingress's namespace", "o.example.com", certs["other/a"]},
		{"wildcard is one label", "x.y.example.com", certs["ns/a"]},
		{"no sni: first certificate", "", certs["ns/a"]},
		{"missing secret's host: first certificate", "m.other.test", certs["ns/a"]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.lookup(tc.sni); got != tc.want {
				t.Errorf("lookup(%q) is the wrong certificate", tc.sni)
			}
		})
	}
	if s, _ := buildCerts(nil, source, def); s.lookup("a.example.com") != def {
		t.Error("without configured certificates, lookup did not return the default")
	}
}

func TestParseTLSSecret(t *testing.T) {
	crt, key := selfSignedPEM(t, "a.example.com")
	_, otherKey := selfSignedPEM(t, "b.example.com")
	secret := func(crt, key []byte) *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s"},
			Data:       map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key},
		}
	}
	c, err := parseTLSSecret(secret(crt, key))
	if err != nil || c.Leaf == nil || c.Leaf.DNSNames[0] != "a.example.com" {
		t.Errorf("good secret: %v", err)
	}
	for name, s := range map[string]*corev1.Secret{
		"missing key":    secret(crt, nil),
		"garbage":        secret([]byte("x"), key),
		"mismatched key": secret(crt, otherKey),
	} {
		if _, err := parseTLSSecret(s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSyncReusesParsedSecrets(t *testing.T) {
	p := New(Config{HTTPAddr: "127.0.0.1:0"})
	crt, key := selfSignedPEM(t, "a.example.com")
	var c cluster
	c.addSecret("ns", "tls", crt, key)
	c.secrets["ns/tls"].ResourceVersion = "1"
	c.ingresses = []*networkingv1.Ingress{withTLS(ingress("ns", "i", 0), "tls", "a.example.com")}
	c.sync(t, p)
	first := p.state.Load().certs.lookup("a.example.com")
	c.sync(t, p)
	if p.state.Load().certs.lookup("a.example.com") != first {
		t.Error("unchanged secret parsed again")
	}
	c.secrets["ns/tls"].ResourceVersion = "2"
	c.sync(t, p)
	if p.state.Load().certs.lookup("a.example.com") == first {
		t.Error("changed secret not parsed again")
	}
}
