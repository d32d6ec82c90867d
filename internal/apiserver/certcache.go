package apiserver

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
)

// certCacheSize bounds the remembered certificates; beyond it the cache
// starts over, which costs only re-verification.
const certCacheSize = 4096

// certCacheTTL bounds how long a verification is trusted without being
// repeated, even for a long-lived certificate.
const certCacheTTL = 5 * time.Minute

// certCache remembers the outcome of verifying a client certificate
// chain. The x509 authenticator verifies the chain's signatures on every
// request; a client sending many requests (every controller and agent)
// would pay for an ECDSA verification each time, although the chain, the
// CA and so the answer are the same. Entries expire with the certificate.
type certCache struct {
	auth    authenticator.Request
	now     func() time.Time
	mu      sync.Mutex
	entries map[[sha256.Size]byte]certEntry
}

type certEntry struct {
	resp    *authenticator.Response
	expires time.Time
}

var _ authenticator.Request = (*certCache)(nil)

func newCertCache(auth authenticator.Request) *certCache {
	return &certCache{auth: auth, now: time.Now, entries: map[[sha256.Size]byte]certEntry{}}
}

func (c *certCache) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 {
		return c.auth.AuthenticateRequest(req)
	}
	h := sha256.New()
	for _, cert := range req.TLS.PeerCertificates {
		h.Write(cert.Raw)
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return &authenticator.Response{User: e.resp.User, Audiences: e.resp.Audiences}, true, nil
	}
	resp, ok, err := c.auth.AuthenticateRequest(req)
	if !ok || err != nil {
		return resp, ok, err
	}
	expires := now.Add(certCacheTTL)
	if leaf := req.TLS.PeerCertificates[0]; leaf.NotAfter.Before(expires) {
		expires = leaf.NotAfter
	}
	c.mu.Lock()
	if len(c.entries) >= certCacheSize {
		c.entries = map[[sha256.Size]byte]certEntry{}
	}
	c.entries[key] = certEntry{resp: resp, expires: expires}
	c.mu.Unlock()
	return resp, true, nil
}
