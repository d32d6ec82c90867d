package dns

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// udpServer serves the queries arriving on one UDP socket bound to one
// address. One goroutine reads a query and, when the answer needs no I/O
// (a cluster name: nearly every query), writes the reply before reading
// the next; a query that needs the upstreams is handed to a goroutine of
// its own, so that a slow upstream holds up only that query. The addresses
// of a cluster name come from the zone's wire form (appendReply) with no
// allocation; anything else takes the general path (readQuery, then
// Server.answerLocal).
//
// It replaces miekg/dns's server for UDP, which starts a goroutine per
// datagram, sets a read deadline per read and asks for each datagram's
// destination address (so that a socket bound to 0.0.0.0 replies from the
// address that was asked): together they cost more than the answer. A
// wildcard address still gets that server (serveUDP).
type udpServer struct {
	s    *Server
	conn *net.UDPConn
	// wg counts the loop and the upstream queries in flight.
	wg sync.WaitGroup
	// closing tells the loop that a read error is the shutdown's.
	closing atomic.Bool
}

// newUDPServer starts serving conn; ShutdownContext stops it.
func newUDPServer(s *Server, conn *net.UDPConn) *udpServer {
	u := &udpServer{s: s, conn: conn}
	u.wg.Add(1)
	go u.loop()
	return u
}

func (u *udpServer) loop() {
	defer u.wg.Done()
	// A query is one question and perhaps an OPT record: 512 bytes hold
	// any real one, but a larger buffer costs nothing and truncates none.
	in := make([]byte, dns.DefaultMsgSize)
	out := make([]byte, dns.DefaultMsgSize)
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(in)
		if err != nil {
			if u.closing.Load() {
				return
			}
			// As miekg/dns's server: a temporary error (ECONNRESET,
			// EMFILE...) ends no more than that read.
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				continue
			}
			u.s.log.Error("DNS server stopped", "network", "udp", "addr", u.conn.LocalAddr().String(), "err", err)
			return
		}
		out = u.serve(in[:n], from, out)
	}
}

// serve answers the datagram b from client from, packing the reply into
// buf when it answers at once; it returns the buffer to keep, buf or a
// larger one.
func (u *udpServer) serve(b []byte, from netip.AddrPort, buf []byte) []byte {
	if z := u.s.zone.Load(); z != nil {
		if out, ok := z.appendReply(buf[:0], b, &u.s.rotate, len(u.s.fwd.upstreams) > 0); ok {
			return u.send(out, from, buf)
		}
	}
	req, reply := readQuery(b)
	if reply != nil {
		return u.write(reply, from, buf)
	}
	if req == nil {
		return buf
	}
	m, ok := u.s.answerLocal(req, false)
	if !ok {
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			u.write(u.s.respond(req, false), from, nil)
		}()
		return buf
	}
	return u.write(m, from, buf)
}

// write packs m into buf (nil: a new buffer) and sends it to client to;
// it returns the buffer to keep, as send.
func (u *udpServer) write(m *dns.Msg, to netip.AddrPort, buf []byte) []byte {
	out, err := m.PackBuffer(buf)
	if err != nil {
		u.s.log.Debug("pack reply", "remote", to.String(), "err", err)
		return buf
	}
	return u.send(out, to, buf)
}

// send sends the packed reply out to client to. out may be buf, or a
// larger buffer that then replaces it; send returns the buffer to keep.
func (u *udpServer) send(out []byte, to netip.AddrPort, buf []byte) []byte {
	if _, err := u.conn.WriteToUDPAddrPort(out, to); err != nil {
		u.s.log.Debug("write reply", "remote", to.String(), "err", err)
	}
	if cap(out) > cap(buf) && cap(out) <= dns.MaxMsgSize {
		return out[:cap(out)]
	}
	return buf
}

// ShutdownContext stops reading, waits for the queries being answered (or
// ctx), then closes the socket.
func (u *udpServer) ShutdownContext(ctx context.Context) error {
	u.closing.Store(true)
	// A deadline in the past ends the read in progress; closing the
	// socket now would fail the replies still to be written.
	err := u.conn.SetReadDeadline(time.Unix(1, 0))
	done := make(chan struct{})
	go func() {
		u.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	return errors.Join(err, u.conn.Close())
}

// readQuery parses a datagram as miekg/dns's server does: req is the query
// to answer; or reply is the error to send (FORMERR for a message it
// cannot take, NOTIMP for an opcode other than QUERY and NOTIFY); or both
// are nil and the datagram is dropped (too short for a header, or itself a
// response).
func readQuery(b []byte) (req, reply *dns.Msg) {
	if len(b) < headerSize {
		return nil, nil
	}
	dh := dns.Header{
		Id:      binary.BigEndian.Uint16(b[0:]),
		Bits:    binary.BigEndian.Uint16(b[2:]),
		Qdcount: binary.BigEndian.Uint16(b[4:]),
		Ancount: binary.BigEndian.Uint16(b[6:]),
		Nscount: binary.BigEndian.Uint16(b[8:]),
		Arcount: binary.BigEndian.Uint16(b[10:]),
	}
	req = new(dns.Msg)
	action := dns.DefaultMsgAcceptFunc(dh)
	switch action {
	case dns.MsgIgnore:
		return nil, nil
	case dns.MsgAccept:
		if err := req.Unpack(b); err == nil {
			return req, nil
		}
		action = dns.MsgReject // with what Unpack read of the question
	default:
		// The header only, as miekg/dns answers a query it rejects
		// before reading the rest.
		_ = req.Unpack(b[:headerSize])
	}
	opcode := req.Opcode
	reply = req.SetRcodeFormatError(req)
	reply.Zero = false
	if action == dns.MsgRejectNotImplemented {
		reply.Opcode = opcode
		reply.Rcode = dns.RcodeNotImplemented
	}
	reply.Answer, reply.Ns, reply.Extra = nil, nil, nil
	return nil, reply
}
