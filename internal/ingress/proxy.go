package ingress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Config configures a Proxy.
type Config struct {
	// HTTPAddr is the plain HTTP listen address, e.g. ":80"; "" disables
	// plain HTTP.
	HTTPAddr string
	// HTTPSAddr is the HTTPS listen address, e.g. ":443"; "" disables HTTPS.
	HTTPSAddr string
	// Logger receives the proxy's logs; nil discards them.
	Logger *slog.Logger
}

// Validate reports whether the listen addresses are usable.
func (c Config) Validate() error {
	if c.HTTPAddr == "" && c.HTTPSAddr == "" {
		return errors.New("ingress: neither HTTP nor HTTPS address set")
	}
	for _, a := range []struct{ field, addr string }{{"HTTPAddr", c.HTTPAddr}, {"HTTPSAddr", c.HTTPSAddr}} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return fmt.Errorf("ingress: %s: %w", a.field, err)
		}
	}
	return nil
}

// Server timeouts. There is no read or write timeout on bodies: uploads,
// downloads, long polls and WebSockets take as long as they take.
const (
	readHeaderTimeout = 30 * time.Second
	idleTimeout       = 75 * time.Second // nginx's keepalive_timeout
)

// Proxy is the Ingress data plane of one node agent. Its life is
// New → Sync (any time, any number of times) → Start → Close.
type Proxy struct {
	cfg Config
	log *slog.Logger
	// errorLog takes net/http's own messages: handshake failures, client
	// resets and broken copies are routine on a public port, so debug level.
	errorLog  *log.Logger
	transport *http.Transport
	// defaultCert is served when no Ingress configures a certificate; nil
	// if it could not be made (then such handshakes fail).
	defaultCert *tls.Certificate

	// state is what requests and handshakes read; Sync replaces it.
	state atomic.Pointer[state]

	syncMu  sync.Mutex
	secrets map[string]parsedSecret // by "namespace/name", as of the last Sync

	// ctx is the base of every request's context; Close cancels it, which
	// also ends proxied WebSockets the servers no longer track.
	ctx    context.Context
	cancel context.CancelFunc

	mu              sync.Mutex
	started, closed bool
	httpLn, httpsLn net.Listener
	servers         []*http.Server
	wg              sync.WaitGroup
}

var _ io.Closer = (*Proxy)(nil)

// state is one Sync's result.
type state struct {
	routes *table
	certs  *certStore
}

// parsedSecret is a TLS Secret as parsed at a Sync, reused at the next
// while the Secret's UID and resourceVersion are unchanged.
type parsedSecret struct {
	uid     types.UID
	version string
	cert    *tls.Certificate
	err     error
}

// New returns a Proxy that routes nothing until Sync and listens nowhere
// until Start. It makes the self-signed default certificate.
func New(cfg Config) *Proxy {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "ingress")
	def, err := selfSigned(time.Now())
	if err != nil {
		logger.Error("self-signed default certificate", "err", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		cfg:         cfg,
		log:         logger,
		errorLog:    slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		transport:   newTransport(),
		defaultCert: def,
		ctx:         ctx,
		cancel:      cancel,
	}
	p.state.Store(&state{routes: buildTable(nil, nil, nil), certs: &certStore{fallback: def}})
	return p
}

// newTransport returns the one transport all requests to backends share.
// Backends are pods on the cluster network: no environment proxy, HTTP/1.1,
// many idle connections per endpoint so that keep-alive pays off under load.
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Start opens the configured listeners and serves on them until Close. It
// returns once they are open. If one cannot be opened, none is left open.
func (p *Proxy) Start() error {
	if err := p.cfg.Validate(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return errors.New("ingress: start after close")
	case p.started:
		return errors.New("ingress: already started")
	}
	var httpLn, httpsLn net.Listener
	var err error
	if p.cfg.HTTPAddr != "" {
		if httpLn, err = listen(p.cfg.HTTPAddr); err != nil {
			return fmt.Errorf("ingress: listen http: %w", err)
		}
	}
	if p.cfg.HTTPSAddr != "" {
		if httpsLn, err = listen(p.cfg.HTTPSAddr); err != nil {
			if httpLn != nil {
				_ = httpLn.Close()
			}
			return fmt.Errorf("ingress: listen https: %w", err)
		}
	}
	p.started = true
	p.httpLn, p.httpsLn = httpLn, httpsLn
	if httpLn != nil {
		p.serve(httpLn, "http", nil)
	}
	if httpsLn != nil {
		p.serve(httpsLn, "https", &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: p.getCertificate,
		})
	}
	p.log.Info("ingress listening", "http", addrString(httpLn), "https", addrString(httpsLn))
	return nil
}

// serve serves ln in a goroutine that Close waits for. Called with p.mu held.
func (p *Proxy) serve(ln net.Listener, proto string, tlsCfg *tls.Config) {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	srv := &http.Server{
		Handler:           &entry{p: p, proto: proto, port: port},
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          p.errorLog,
		BaseContext:       func(net.Listener) context.Context { return p.ctx },
	}
	p.servers = append(p.servers, srv)
	p.wg.Go(func() {
		var err error
		if tlsCfg != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			p.log.Error("ingress listener stopped", "proto", proto, "addr", ln.Addr().String(), "err", err)
		}
	})
}

func addrString(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

// HTTPAddr returns the address the HTTP listener is bound to, or nil if it
// is disabled or not started.
func (p *Proxy) HTTPAddr() net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.httpLn == nil {
		return nil
	}
	return p.httpLn.Addr()
}

// HTTPSAddr returns the address the HTTPS listener is bound to, or nil if
// it is disabled or not started.
func (p *Proxy) HTTPSAddr() net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.httpsLn == nil {
		return nil
	}
	return p.httpsLn.Addr()
}

// Sync replaces the routing table and certificates with those built from
// complete, current lists of Ingresses (all classes: Sync picks Marina's),
// IngressClasses, Services and EndpointSlices. The agent calls it from one
// goroutine after every change; the lists are only read, during the call.
// secret looks up a Secret in the agent's informer cache. Requests see the
// new table atomically.
//
// A TLS Secret that is missing or cannot be parsed is left out (its hosts
// get the fallback certificate) and reported in the returned error, one
// wrapped error per Ingress and Secret; everything else is still applied.
func (p *Proxy) Sync(ingresses []*networkingv1.Ingress, classes []*networkingv1.IngressClass, services []*corev1.Service, slices []*discoveryv1.EndpointSlice, secret func(ns, name string) (*corev1.Secret, error)) error {
	p.syncMu.Lock()
	defer p.syncMu.Unlock()

	ours := ownIngresses(ingresses, classes)
	routes := buildTable(ours, services, slices)
	used := map[string]parsedSecret{}
	source := func(ns, name string) (*tls.Certificate, error) {
		k := ns + "/" + name
		ps, ok := used[k]
		if !ok {
			ps = p.parseSecret(secret, ns, name)
			used[k] = ps
		}
		return ps.cert, ps.err
	}
	certs, err := buildCerts(ours, source, p.defaultCert)
	p.secrets = used
	p.state.Store(&state{routes: routes, certs: certs})
	p.log.Debug("ingress routes synced", "ingresses", len(ours), "ignored", len(ingresses)-len(ours),
		"hosts", len(routes.exact)+len(routes.wildcard), "backends", routes.backends, "certificates", certs.count)
	return err
}

// parseSecret returns a TLS Secret's certificate, parsing it only if it
// changed since the last Sync. Called with syncMu held.
func (p *Proxy) parseSecret(secret func(ns, name string) (*corev1.Secret, error), ns, name string) parsedSecret {
	if secret == nil {
		return parsedSecret{err: errors.New("no secret source")}
	}
	s, err := secret(ns, name)
	if err != nil {
		return parsedSecret{err: err}
	}
	if s == nil {
		return parsedSecret{err: errors.New("not found")}
	}
	if old, ok := p.secrets[ns+"/"+name]; ok && s.ResourceVersion != "" &&
		old.uid == s.UID && old.version == s.ResourceVersion {
		return old
	}
	cert, err := parseTLSSecret(s)
	return parsedSecret{uid: s.UID, version: s.ResourceVersion, cert: cert, err: err}
}

// getCertificate is the HTTPS listener's tls.Config.GetCertificate.
func (p *Proxy) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := p.state.Load().certs.lookup(hello.ServerName); c != nil {
		return c, nil
	}
	return nil, errors.New("ingress: no certificate")
}

// Close stops serving at once: it closes the listeners and all
// connections, including proxied WebSockets, and cancels requests in
// flight. It waits for the servers to return.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	servers := p.servers
	p.mu.Unlock()

	p.cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	p.wg.Wait()
	p.transport.CloseIdleConnections()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ingress: close: %w", err)
	}
	return nil
}
