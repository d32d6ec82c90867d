package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
)

type countingAuth struct {
	calls int
	fail  bool
}

func (a *countingAuth) AuthenticateRequest(*http.Request) (*authenticator.Response, bool, error) {
	a.calls++
	if a.fail {
		return nil, false, errors.New("bad certificate")
	}
	return &authenticator.Response{User: &user.DefaultInfo{Name: "alice"}}, true, nil
}

func requestWithCert(raw []byte, notAfter time.Time) *http.Request {
	return &http.Request{TLS: &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{Raw: raw, NotAfter: notAfter}}}}
}

func TestCertCache(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	inner := &countingAuth{}
	c := newCertCache(inner)
	c.now = func() time.Time { return now }
	long := now.Add(24 * time.Hour)

	for i := 0; i < 3; i++ {
		resp, ok, err := c.AuthenticateRequest(requestWithCert([]byte("cert-a"), long))
		if !ok || err != nil || resp.User.GetName() != "alice" {
			t.Fatalf("request %d: %v %v %v", i, resp, ok, err)
		}
	}
	if inner.calls != 1 {
		t.Errorf("one certificate verified %d times, want once", inner.calls)
	}
	c.AuthenticateRequest(requestWithCert([]byte("cert-b"), long))
	if inner.calls != 2 {
		t.Errorf("another certificate must be verified: %d calls", inner.calls)
	}
	now = now.Add(certCacheTTL + time.Second)
	c.AuthenticateRequest(requestWithCert([]byte("cert-a"), long))
	if inner.calls != 3 {
		t.Errorf("after the TTL the certificate must be verified again: %d calls", inner.calls)
	}
	// A certificate that expires sooner than the TTL is re-verified after it expires.
	c.AuthenticateRequest(requestWithCert([]byte("cert-c"), now.Add(time.Second)))
	now = now.Add(2 * time.Second)
	c.AuthenticateRequest(requestWithCert([]byte("cert-c"), now.Add(-time.Second)))
	if inner.calls != 5 {
		t.Errorf("an expired certificate was served from the cache: %d calls", inner.calls)
	}
	// Failures are never remembered.
	inner.fail = true
	for i := 0; i < 2; i++ {
		if _, ok, _ := c.AuthenticateRequest(requestWithCert([]byte("cert-d"), long)); ok {
			t.Fatal("a rejected certificate was accepted")
		}
	}
	if inner.calls != 7 {
		t.Errorf("rejections must not be cached: %d calls", inner.calls)
	}
}
