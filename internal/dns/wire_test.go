package dns

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

// datagram is a test query in wire form.
type datagram struct {
	name  string
	query []byte
	// fast: appendReply answers it; otherwise the general path does.
	fast bool
}

// datagrams are queries of every kind the UDP loop must tell apart, for the
// fixture with the "big" headless service of bigService added.
func datagrams(t testing.TB) []datagram {
	pack := func(m *dns.Msg) []byte {
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	q := func(name string, qtype uint16, edit ...func(*dns.Msg)) []byte {
		m := new(dns.Msg).SetQuestion(name, qtype)
		m.Id = 0x1234
		for _, e := range edit {
			e(m)
		}
		return pack(m)
	}
	edns := func(size uint16, do bool) func(*dns.Msg) {
		return func(m *dns.Msg) { m.SetEdns0(size, do) }
	}
	web := "web.default.svc.cluster.local."
	return []datagram{
		{name: "A", query: q(web, dns.TypeA), fast: true},
		{name: "A, mixed case", query: q("Web.DEFAULT.svc.Cluster.Local.", dns.TypeA), fast: true},
		{name: "A, no RD, CD", query: q(web, dns.TypeA, func(m *dns.Msg) { m.RecursionDesired, m.CheckingDisabled = false, true }), fast: true},
		{name: "A, EDNS0", query: q(web, dns.TypeA, edns(4096, false)), fast: true},
		{name: "A, EDNS0 DO", query: q(web, dns.TypeA, edns(1232, true)), fast: true},
		{name: "A, EDNS0 size under 512", query: q(web, dns.TypeA, edns(100, false)), fast: true},
		{name: "AAAA", query: q("v6.default.svc.cluster.local.", dns.TypeAAAA), fast: true},
		{name: "A of dual stack", query: q("dual.default.svc.cluster.local.", dns.TypeA), fast: true},
		{name: "AAAA of dual stack", query: q("dual.default.svc.cluster.local.", dns.TypeAAAA), fast: true},
		{name: "headless, rotated", query: q("nginx.default.svc.cluster.local.", dns.TypeA), fast: true},
		{name: "StatefulSet pod", query: q("web-0.nginx.default.svc.cluster.local.", dns.TypeA), fast: true},
		{name: "big, truncated", query: q("big.default.svc.cluster.local.", dns.TypeA)},
		{name: "big, EDNS0 4096", query: q("big.default.svc.cluster.local.", dns.TypeA, edns(4096, false)), fast: true},
		{name: "big, EDNS0 1232, truncated", query: q("big.default.svc.cluster.local.", dns.TypeA, edns(1232, false))},

		{name: "NODATA", query: q(web, dns.TypeAAAA)},
		{name: "NXDOMAIN", query: q("nope.default.svc.cluster.local.", dns.TypeA)},
		{name: "empty non-terminal", query: q("svc.cluster.local.", dns.TypeA)},
		{name: "SRV", query: q("_http._tcp."+web, dns.TypeSRV)},
		{name: "ANY", query: q(web, dns.TypeANY)},
		{name: "ExternalName", query: q("ext.default.svc.cluster.local.", dns.TypeA)},
		{name: "pod", query: q("10-244-0-7.default.pod.cluster.local.", dns.TypeA)},
		{name: "PTR", query: q("10.0.96.10.in-addr.arpa.", dns.TypePTR)},
		{name: "outside the cluster domain", query: q("example.org.", dns.TypeA)},
		{name: "class CH", query: q(web, dns.TypeA, func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS })},
		{name: "class ANY", query: q(web, dns.TypeA, func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassANY })},
		{name: "EDNS0 with an option", query: q(web, dns.TypeA, edns(1232, false), func(m *dns.Msg) {
			opt := m.IsEdns0()
			opt.Option = append(opt.Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0123456789abcdef"})
		})},
		{name: "trailing byte", query: append(q(web, dns.TypeA), 0)},
		{name: "NOTIFY", query: q(web, dns.TypeSOA, func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify })},
		{name: "UPDATE", query: q("cluster.local.", dns.TypeSOA, func(m *dns.Msg) { m.Opcode = dns.OpcodeUpdate })},
		{name: "two questions", query: q(web, dns.TypeA, func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) })},
		{name: "no question", query: q(web, dns.TypeA, func(m *dns.Msg) { m.Question = nil })},
		{name: "question cut short", query: func() []byte { b := q(web, dns.TypeA); return b[:len(b)-2] }()},
		{name: "name is a pointer", query: append(q(web, dns.TypeA)[:headerSize], 0xC0, 0, 0, 1, 0, 1)},
		{name: "response", query: q(web, dns.TypeA, func(m *dns.Msg) { m.Response = true })},
		{name: "shorter than a header", query: []byte{0x12, 0x34, 1}},
	}
}

// bigService is a headless service with 100 ready endpoints, whose A
// answer does not fit 512 bytes.
func bigService() (*corev1.Service, *discoveryv1.EndpointSlice) {
	var eps []discoveryv1.Endpoint
	for i := range 100 {
		eps = append(eps, endpoint(fmt.Sprintf("10.9.0.%d", i+1), ptr.To(true), ""))
	}
	return headlessService("default", "big", false), endpointSlice("default", "big", "big-1", nil, eps...)
}

func syncFixture(s *Server) {
	services, slices := fixture()
	svc, es := bigService()
	s.Sync(append(services, svc), append(slices, es))
}

// generalReply is the general path's reply to the datagram b, packed: nil
// for no reply, or when it would go upstream.
func generalReply(t testing.TB, s *Server, b []byte) []byte {
	req, reply := readQuery(b)
	if req != nil {
		var ok bool
		if reply, ok = s.answerLocal(req, false); !ok {
			return nil
		}
	}
	if reply == nil {
		return nil
	}
	out, err := reply.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAppendReplyIsGeneralReply checks that the wire answers are the
// general path's, byte for byte, and are used where they should be.
func TestAppendReplyIsGeneralReply(t *testing.T) {
	for _, upstreams := range [][]string{nil, {"192.0.2.1"}} { // RA clear, then set
		s := New(Config{Upstreams: upstreams})
		syncFixture(s)
		z := s.zone.Load()
		for _, d := range datagrams(t) {
			t.Run(fmt.Sprintf("%s/upstreams=%d", d.name, len(upstreams)), func(t *testing.T) {
				s.rotate.Store(7)
				fast, ok := z.appendReply(nil, d.query, &s.rotate, len(upstreams) > 0)
				if ok != d.fast {
					t.Fatalf("appendReply ok = %v, want %v", ok, d.fast)
				}
				if !ok {
					return
				}
				s.rotate.Store(7)
				want := generalReply(t, s, d.query)
				if !bytes.Equal(fast, want) {
					t.Errorf("appendReply:\n%s\ngeneral path:\n%s", unpacked(fast), unpacked(want))
				}
			})
		}
	}
}

// FuzzAppendReply checks, for any datagram, that a wire answer is the
// general path's reply.
func FuzzAppendReply(f *testing.F) {
	for _, d := range datagrams(f) {
		f.Add(d.query)
	}
	s := New(Config{})
	syncFixture(s)
	z := s.zone.Load()
	f.Fuzz(func(t *testing.T, b []byte) {
		s.rotate.Store(3)
		fast, ok := z.appendReply(nil, b, &s.rotate, false)
		if !ok {
			return
		}
		s.rotate.Store(3)
		if want := generalReply(t, s, b); !bytes.Equal(fast, want) {
			t.Errorf("appendReply:\n%s\ngeneral path:\n%s", unpacked(fast), unpacked(want))
		}
	})
}

// TestUDPServerRepliesAsMiekgServer sends every datagram to the server's
// own UDP loop and to miekg/dns's server with the same handler, and
// expects the same reply, or none from either.
func TestUDPServerRepliesAsMiekgServer(t *testing.T) {
	s, addr := startServer(t, Config{})
	syncFixture(s)
	pc, ln, err := listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	miekg := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serveDNS)}
	if err := s.start(miekg, "udp"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = miekg.Shutdown() })

	for _, d := range datagrams(t) {
		t.Run(d.name, func(t *testing.T) {
			s.rotate.Store(0)
			got := rawExchange(t, addr, d.query)
			s.rotate.Store(0)
			want := rawExchange(t, pc.LocalAddr().String(), d.query)
			if !bytes.Equal(got, want) {
				t.Errorf("UDP loop:\n%s\nmiekg/dns server:\n%s", unpacked(got), unpacked(want))
			}
		})
	}
}

// rawExchange sends b to addr over UDP and returns the reply, or nil if
// none comes within 200 ms.
func rawExchange(t *testing.T, addr string, b []byte) []byte {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, dns.MaxMsgSize)
	n, err := c.Read(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

// unpacked shows a reply for a test failure.
func unpacked(b []byte) string {
	if b == nil {
		return "(no reply)"
	}
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		return fmt.Sprintf("%x (%v)", b, err)
	}
	return fmt.Sprintf("%x\n%v", b, m)
}
