package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// errClosed is returned by Sync after Close.
var errClosed = errors.New("proxy closed")

// Proxy serves services' virtual addresses by relaying connections and
// datagrams to their ready endpoints. Create it with [New], feed it with
// [Proxy.Sync], stop it with [Proxy.Close].
type Proxy struct {
	cfg Config
	log *slog.Logger
	// now is the session-affinity clock; tests replace it before the first
	// Sync.
	now func() time.Time

	mu        sync.Mutex // serialises Sync and Close
	closed    bool
	balancers map[portName]*balancer
	servers   map[frontend]served

	conns connSet // TCP connections being relayed
}

// served is a frontend's open listener and the service port it serves.
type served struct {
	name   portName
	server frontendServer
}

// frontendServer is an open listener of one protocol on one frontend.
// Its methods are called by Sync and Close only, never concurrently.
type frontendServer interface {
	// backendsChanged tells the server its balancer has a new table, so it
	// can end per-client state that points at backends no longer ready.
	backendsChanged()
	// shutdown closes the listener and waits for its accept or read loop;
	// afterwards the address refuses new connections.
	shutdown()
}

// New returns a proxy that serves nothing until the first Sync. It opens no
// socket and starts no goroutine.
func New(cfg Config) *Proxy {
	cfg = cfg.withDefaults()
	return &Proxy{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "proxy"),
		now:       time.Now,
		balancers: make(map[portName]*balancer),
		servers:   make(map[frontend]served),
	}
}

// Sync makes the proxy serve exactly these services over these endpoint
// slices. It is called by one goroutine (the agent's service watcher) with
// the complete current lists after every change; it must be cheap when
// little changed (keep listeners whose frontend still exists, swap backend
// tables atomically), safe while connections are being served, and it
// returns the errors of listeners it could not open (joined, each naming the
// service and address) while still applying everything else.
//
// A frontend claimed by two services is served for the older one; the
// other's claim is returned as an error too. Listeners that failed to open
// are retried on the next Sync. Sync does not modify its arguments.
func (p *Proxy) Sync(services []*corev1.Service, slices []*discoveryv1.EndpointSlice) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errClosed
	}
	pl := computePlan(services, slices, p.cfg.NodeIPs, p.cfg.Skip)

	// Backend tables first, so listeners opened below serve the new ones.
	changed := make(map[portName]bool)
	for name, pp := range pl.ports {
		b, ok := p.balancers[name]
		if !ok {
			b = newBalancer(name, p.now)
			p.balancers[name] = b
		}
		if b.update(pp) {
			changed[name] = true
		}
	}
	for name, b := range p.balancers {
		if _, ok := pl.ports[name]; !ok {
			b.update(portPlan{}) // connections racing with the close find nothing
			delete(p.balancers, name)
			changed[name] = true
		}
	}

	// Close before opening, so a frontend that moves to another service port
	// is rebound.
	var closed, opened int
	for f, s := range p.servers {
		if name, listen := pl.listening(f); listen && name == s.name {
			if changed[name] {
				s.server.backendsChanged()
			}
			continue
		}
		s.server.shutdown()
		delete(p.servers, f)
		closed++
		p.log.Debug("listener closed", "frontend", f.String(), "service", s.name.String())
	}

	var errs []error
	for _, f := range p.missing(pl) {
		name := pl.frontends[f]
		srv, err := p.open(f, p.balancers[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("listen %s for %s: %w", f, name, err))
			continue
		}
		p.servers[f] = served{name: name, server: srv}
		opened++
		p.log.Debug("listener opened", "frontend", f.String(), "service", name.String())
	}
	for _, c := range pl.conflicts {
		errs = append(errs, c)
	}

	p.log.Debug("synced",
		"services", len(services), "endpointSlices", len(slices),
		"servicePorts", len(pl.ports), "frontends", len(pl.frontends),
		"listeners", len(p.servers), "opened", opened, "closed", closed,
		"tablesChanged", len(changed), "errors", len(errs))
	return errors.Join(errs...)
}

// missing returns, in a stable order, the frontends that should listen and
// do not.
func (p *Proxy) missing(pl plan) []frontend {
	var out []frontend
	for f := range pl.frontends {
		if _, ok := p.servers[f]; ok {
			continue
		}
		if _, listen := pl.listening(f); listen {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b frontend) int {
		if c := a.addr.Compare(b.addr); c != 0 {
			return c
		}
		return strings.Compare(string(a.protocol), string(b.protocol))
	})
	return out
}

func (p *Proxy) open(f frontend, b *balancer) (frontendServer, error) {
	if f.protocol == corev1.ProtocolUDP {
		return openUDP(p, f, b)
	}
	return openTCP(p, f, b)
}

// Close stops every listener and waits for the accept loops (not for open
// connections to end). Sync fails after Close. Close is idempotent and
// always returns nil.
func (p *Proxy) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for f, s := range p.servers {
		s.server.shutdown()
		delete(p.servers, f)
	}
	return nil
}
