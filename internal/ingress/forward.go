package ingress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
)

// entry is the handler of one listener: it routes a request and forwards
// it to an endpoint of its backend.
type entry struct {
	p     *Proxy
	proto string // "http" or "https", for X-Forwarded-Proto
	port  string // the listener's port, for X-Forwarded-Port
}

var _ http.Handler = (*entry)(nil)

// ServeHTTP answers 404 when no rule matches, 503 when the backend has no
// ready endpoint, and 502 when the endpoint cannot be reached.
func (e *entry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := e.p.state.Load().routes.route(r.Host, r.URL.Path)
	if b == nil {
		http.Error(w, "404 not found: no ingress rule matches this host and path", http.StatusNotFound)
		return
	}
	ep, ok := b.pick()
	if !ok {
		e.p.log.Debug("no endpoint for ingress backend", "host", r.Host, "path", r.URL.Path, "backend", b.name, "reason", b.reason)
		http.Error(w, "503 service unavailable: the backend has no ready endpoints", http.StatusServiceUnavailable)
		return
	}
	f := &forward{entry: e, backend: b, endpoint: ep}
	rp := &httputil.ReverseProxy{
		Rewrite:      f.rewrite,
		Transport:    e.p.transport,
		ErrorHandler: f.fail,
		ErrorLog:     e.p.errorLog,
		BufferPool:   copyBuffers,
	}
	rp.ServeHTTP(w, r)
}

// forward is one request on its way to one endpoint.
type forward struct {
	*entry
	backend  *backend
	endpoint string
}

// rewrite addresses the outgoing request to the endpoint and adds the
// X-Forwarded-* headers. The Host header stays as the client sent it.
// httputil.ReverseProxy has already removed the client's Forwarded and
// X-Forwarded-* headers and the hop-by-hop ones (except an Upgrade it
// passes through).
func (f *forward) rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = f.endpoint
	// Append the client to the X-Forwarded-For chain it sent, as nginx's
	// $proxy_add_x_forwarded_for does; the other headers are ours alone.
	pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
	pr.SetXForwarded() // X-Forwarded-For, -Host (the client's Host), -Proto
	pr.Out.Header.Set("X-Forwarded-Proto", f.proto)
	pr.Out.Header.Set("X-Forwarded-Port", f.port)
	if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
		pr.Out.Header.Set("X-Real-IP", ip)
	} else {
		pr.Out.Header.Del("X-Real-IP")
	}
}

// fail is the ReverseProxy's ErrorHandler: the endpoint could not be
// reached or broke off. It is not retried on another endpoint.
func (f *forward) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away (or Close was called); nobody reads this.
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	f.p.log.Warn("ingress backend error", "host", r.Host, "path", r.URL.Path,
		"backend", f.backend.name, "endpoint", f.endpoint, "err", err)
	http.Error(w, "502 bad gateway: the backend could not be reached", http.StatusBadGateway)
}

// copyBuffers recycles the buffers ReverseProxy copies bodies through
// (32 KiB, its default), which would otherwise be the largest allocation
// of every request.
var copyBuffers httputil.BufferPool = &bufferPool{pool: sync.Pool{New: func() any { return new([32 << 10]byte) }}}

type bufferPool struct{ pool sync.Pool }

var _ httputil.BufferPool = (*bufferPool)(nil)

func (p *bufferPool) Get() []byte { return p.pool.Get().(*[32 << 10]byte)[:] }

func (p *bufferPool) Put(b []byte) {
	if cap(b) == 32<<10 {
		p.pool.Put((*[32 << 10]byte)(b[:32<<10]))
	}
}
