package proxy

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// maxDatagram is the largest datagram relayed whole.
const maxDatagram = 64 << 10

// datagramPool holds reply buffers. A flow borrows one only while a reply is
// ready to read, so idle flows hold no buffer.
var datagramPool = sync.Pool{New: func() any {
	b := make([]byte, maxDatagram)
	return &b
}}

// udpFrontend relays datagrams arriving on one frontend socket. Each client
// address gets a flow: a socket connected to the chosen backend, whose
// replies are written back from the frontend socket so that their source is
// the address the client sent to.
//
//	client ──▶ frontend socket ──▶ flow socket ──▶ backend
//	client ◀── frontend socket ◀── flow socket ◀── backend
type udpFrontend struct {
	f        frontend
	bal      *balancer
	conn     *net.UDPConn
	wildcard bool // conn is on 0.0.0.0 and reports each datagram's destination
	idle     time.Duration
	log      *slog.Logger

	epoch     time.Time      // flows' activity clock is monotonic time since epoch
	flows     sync.Map       // flowKey -> *udpFlow; created only by the read loop
	wg        sync.WaitGroup // the flows' reply loops
	done      chan struct{}  // closed when the read loop has returned
	closeOnce sync.Once
}

var _ frontendServer = (*udpFrontend)(nil)

// flowKey identifies a flow: the client, and on a wildcard frontend the
// local address it sent to (replies must come from there).
type flowKey struct {
	client netip.AddrPort
	local  netip.Addr
}

// udpFlow is one client's association with one backend.
type udpFlow struct {
	key     flowKey
	backend netip.AddrPort
	conn    *net.UDPConn // connected to backend
	oob     []byte       // IP_PKTINFO for replies on a wildcard frontend
	last    atomic.Int64 // time of the last packet, nanoseconds since epoch
	ended   atomic.Bool
	end     sync.Once
}

func openUDP(p *Proxy, f frontend, bal *balancer) (*udpFrontend, error) {
	conn, wildcard, err := listenUDP(f)
	if err != nil {
		return nil, err
	}
	u := &udpFrontend{
		f: f, bal: bal, conn: conn, wildcard: wildcard,
		idle:  p.cfg.UDPIdleTimeout,
		log:   p.log.With("frontend", f.String(), "service", bal.name.String()),
		epoch: time.Now(),
		done:  make(chan struct{}),
	}
	go u.serve()
	return u, nil
}

// shutdown closes the frontend socket and every flow and waits for their
// goroutines: without the frontend socket no reply could reach a client.
func (u *udpFrontend) shutdown() {
	u.closeOnce.Do(func() { _ = u.conn.Close() })
	<-u.done // no flow starts after this
	u.flows.Range(func(_, v any) bool {
		u.endFlow(v.(*udpFlow))
		return true
	})
	u.wg.Wait()
}

// backendsChanged ends the flows whose backend is no longer ready, as
// kube-proxy clears their conntrack entries; the clients' next datagrams
// start flows to ready backends.
func (u *udpFrontend) backendsChanged() {
	t := u.bal.table.Load()
	u.flows.Range(func(_, v any) bool {
		if fl := v.(*udpFlow); !u.usable(fl, t) {
			u.endFlow(fl)
		}
		return true
	})
}

func (u *udpFrontend) now() int64 { return int64(time.Since(u.epoch)) }

func (u *udpFrontend) usable(fl *udpFlow, t *backendTable) bool {
	if fl.ended.Load() {
		return false
	}
	_, ready := t.index[fl.backend]
	return ready
}

// serve reads client datagrams and forwards each on its flow.
func (u *udpFrontend) serve() {
	defer close(u.done)
	buf := make([]byte, maxDatagram)
	var oob []byte
	if u.wildcard {
		oob = make([]byte, unix.CmsgSpace(unix.SizeofInet6Pktinfo))
	}
	for {
		n, oobn, _, src, err := u.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Not expected on an unconnected socket; do not spin if it
			// persists.
			u.log.Debug("read failed", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		key := flowKey{client: unmap(src)}
		if u.wildcard {
			key.local = pktinfoDst(oob[:oobn])
		}
		fl := u.flow(key)
		if fl == nil {
			continue // no ready backend: the datagram is dropped
		}
		if _, err := fl.conn.Write(buf[:n]); err != nil {
			// Typically ECONNREFUSED from an earlier ICMP port unreachable:
			// the backend is gone; the client's next datagram starts a new
			// flow.
			u.log.Debug("forward failed", "client", key.client.String(), "backend", fl.backend.String(), "err", err)
			u.endFlow(fl)
		}
	}
}

// flow returns the live flow for key, starting one if needed; nil when no
// backend can be reached.
func (u *udpFrontend) flow(key flowKey) *udpFlow {
	if v, ok := u.flows.Load(key); ok {
		fl := v.(*udpFlow)
		if u.usable(fl, u.bal.table.Load()) {
			fl.last.Store(u.now())
			return fl
		}
		u.endFlow(fl)
	}
	tab, start := u.bal.choose(key.client.Addr())
	if tab == nil {
		return nil
	}
	for i := range tab.len() {
		b := tab.nth(start, i)
		conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(b))
		if err != nil {
			u.log.Debug("backend unreachable", "backend", b.String(), "err", err)
			continue
		}
		u.bal.remember(tab, key.client.Addr(), b)
		fl := &udpFlow{key: key, backend: b, conn: conn}
		if u.wildcard {
			fl.oob = pktinfoSrc(key.local)
		}
		fl.last.Store(u.now())
		u.flows.Store(key, fl)
		u.wg.Go(func() { u.relayReplies(fl) })
		return fl
	}
	return nil
}

// endFlow closes fl once and forgets it.
func (u *udpFrontend) endFlow(fl *udpFlow) {
	fl.end.Do(func() {
		fl.ended.Store(true)
		u.flows.CompareAndDelete(fl.key, fl)
		_ = fl.conn.Close()
	})
}

// relayReplies writes the backend's datagrams back to the client until the
// flow has been idle for u.idle or ends.
func (u *udpFrontend) relayReplies(fl *udpFlow) {
	defer u.endFlow(fl)
	rc, err := fl.conn.SyscallConn()
	if err != nil {
		return
	}
	for {
		deadline := u.epoch.Add(time.Duration(fl.last.Load()) + u.idle)
		if err := fl.conn.SetReadDeadline(deadline); err != nil {
			return
		}
		var (
			buf  *[]byte
			n    int
			rerr error
		)
		err := rc.Read(func(fd uintptr) bool {
			b := datagramPool.Get().(*[]byte)
			n, rerr = unix.Read(int(fd), *b)
			if rerr == unix.EAGAIN || rerr == unix.EINTR {
				datagramPool.Put(b)
				return false // wait until readable, or the deadline
			}
			buf = b
			return true
		})
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) && u.now()-fl.last.Load() < int64(u.idle) {
				continue // the client sent meanwhile
			}
			return // idle, or closed
		}
		if rerr != nil {
			datagramPool.Put(buf)
			u.log.Debug("backend read failed", "backend", fl.backend.String(), "err", rerr)
			return
		}
		fl.last.Store(u.now())
		u.reply(fl, (*buf)[:n])
		datagramPool.Put(buf)
	}
}

// reply sends b to the flow's client from the frontend's address.
func (u *udpFrontend) reply(fl *udpFlow, b []byte) {
	var err error
	if fl.oob != nil {
		_, _, err = u.conn.WriteMsgUDPAddrPort(b, fl.oob, fl.key.client)
	} else {
		_, err = u.conn.WriteToUDPAddrPort(b, fl.key.client)
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		u.log.Debug("reply failed", "client", fl.key.client.String(), "err", err)
	}
}
