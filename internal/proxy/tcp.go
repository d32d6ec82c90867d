package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// errNoBackends is returned when a service port has no ready backend, which
// happens only in the moment between a Sync emptying the table and closing
// the listener.
var errNoBackends = errors.New("no ready backends")

// tcpFrontend accepts connections on one frontend and relays each to a
// backend of its balancer.
type tcpFrontend struct {
	f         frontend
	bal       *balancer
	ln        *net.TCPListener
	p         *Proxy
	log       *slog.Logger
	stop      chan struct{} // closed by close, ends the accept back-off
	done      chan struct{} // closed when the accept loop has returned
	closeOnce sync.Once
}

var _ frontendServer = (*tcpFrontend)(nil)

func openTCP(p *Proxy, f frontend, bal *balancer) (*tcpFrontend, error) {
	ln, err := listenTCP(f)
	if err != nil {
		return nil, err
	}
	t := &tcpFrontend{
		f: f, bal: bal, ln: ln, p: p,
		log:  p.log.With("frontend", f.String(), "service", bal.name.String()),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go t.serve()
	return t, nil
}

// shutdown closes the listener and waits for the accept loop; connections
// being relayed go on. Once it returns the socket is closed, so new
// connections are refused.
func (t *tcpFrontend) shutdown() {
	t.closeOnce.Do(func() {
		close(t.stop)
		_ = t.ln.Close()
	})
	<-t.done
}

// backendsChanged is a no-op for TCP: each connection reads the table once,
// and established connections are left alone, as kube-proxy does.
func (t *tcpFrontend) backendsChanged() {}

func (t *tcpFrontend) serve() {
	defer close(t.done)
	var delay time.Duration
	for {
		c, err := t.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t.log.Debug("accept failed", "err", err, "retry", delay)
			select {
			case <-time.After(delay):
				continue
			case <-t.stop:
				return
			}
		}
		delay = 0
		t.p.conns.goRelay(c, func() { t.handle(c) })
	}
}

// handle connects client to a backend and relays until both sides are done.
// If no backend answers, the client gets a reset, as if the service had
// refused it.
func (t *tcpFrontend) handle(client *net.TCPConn) {
	clientIP := addrPortOf(client.RemoteAddr()).Addr()
	backend, err := t.dial(clientIP)
	if err != nil {
		t.log.Debug("no backend answered", "client", client.RemoteAddr().String(), "err", err)
		_ = client.SetLinger(0)
		_ = client.Close()
		return
	}
	if !t.p.conns.track(backend) {
		_ = backend.Close()
		_ = client.Close()
		return
	}
	defer t.p.conns.untrack(backend)
	relay(client, backend)
}

// dial connects to the balancer's choice for client, falling back to each
// other ready backend once.
func (t *tcpFrontend) dial(client netip.Addr) (*net.TCPConn, error) {
	tab, start := t.bal.choose(client)
	if tab == nil {
		return nil, errNoBackends
	}
	d := net.Dialer{Timeout: t.p.cfg.DialTimeout}
	var errs []error
	for i := range tab.len() {
		b := tab.nth(start, i)
		c, err := d.DialContext(context.Background(), "tcp", b.String())
		if err != nil {
			errs = append(errs, fmt.Errorf("backend %s: %w", b, err))
			continue
		}
		t.bal.remember(tab, client, b)
		return c.(*net.TCPConn), nil
	}
	return nil, errors.Join(errs...)
}

// relay copies both ways between a and b. When one direction reaches EOF,
// the write side of its destination is closed (TCP half-close); when both
// have, both connections are closed. An error in either direction resets
// both, so a peer's reset reaches the other peer. io.Copy between two
// *net.TCPConn splices in the kernel.
func relay(a, b *net.TCPConn) {
	var abortOnce sync.Once
	abort := func() {
		abortOnce.Do(func() {
			_ = a.SetLinger(0)
			_ = b.SetLinger(0)
			_ = a.Close()
			_ = b.Close()
		})
	}
	pipe := func(dst, src *net.TCPConn) {
		if _, err := io.Copy(dst, src); err != nil {
			abort()
			return
		}
		_ = dst.CloseWrite()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pipe(b, a)
	}()
	pipe(a, b)
	<-done
	_ = a.Close()
	_ = b.Close()
}

// connSet tracks the connections being relayed, so that tests (and a
// future graceful stop) can end them and wait for their goroutines.
type connSet struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// goRelay runs serve for the accepted connection c in a new goroutine,
// tracking c meanwhile. After closeAll it closes c instead.
func (s *connSet) goRelay(c net.Conn, serve func()) {
	if !s.track(c) {
		_ = c.Close()
		return
	}
	go func() {
		defer s.untrack(c)
		serve()
	}()
}

// track adds c to the set until untrack; it reports false after closeAll.
func (s *connSet) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1) // under mu, so closeAll's Wait never races with an Add
	return true
}

func (s *connSet) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// closeAll closes every tracked connection, refuses new ones, and waits
// until all are untracked.
func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// addrPortOf returns the address of a TCP or UDP net.Addr.
func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return unmap(a.AddrPort())
	case *net.UDPAddr:
		return unmap(a.AddrPort())
	}
	return netip.AddrPort{}
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
