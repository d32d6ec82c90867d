package dns

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

// startServer starts a Server on a free loopback port and closes it when
// the test ends.
func startServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s := New(cfg)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, s.Addrs()[0]
}

// query asks addr over network ("udp" or "tcp").
func query(t testing.TB, network, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return exchange(t, network, addr, m)
}

func exchange(t testing.TB, network, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 10 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype], network, err)
	}
	return r
}

var networks = []string{"udp", "tcp"}

func TestServerAnswers(t *testing.T) {
	s, addr := startServer(t, Config{})
	s.Sync(fixture())
	soa := []string{"cluster.local. SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5"}

	tests := []struct {
		name   string
		qname  string
		qtype  uint16
		rcode  int
		answer []string
		ns     []string
		extra  []string
	}{
		{name: "ClusterIP service", qname: "web.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"web.default.svc.cluster.local. A 10.96.0.10"}},
		{name: "SRV of a named port", qname: "_http._tcp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_http._tcp.web.default.svc.cluster.local. SRV 0 100 80 web.default.svc.cluster.local."},
			extra:  []string{"web.default.svc.cluster.local. A 10.96.0.10"}},
		{name: "headless: ready pods only", qname: "nginx.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{
				"nginx.default.svc.cluster.local. A 10.1.0.1",
				"nginx.default.svc.cluster.local. A 10.1.0.2",
				"nginx.default.svc.cluster.local. A 10.1.0.4",
			}},
		{name: "headless with publishNotReadyAddresses", qname: "pnr.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"pnr.default.svc.cluster.local. A 10.2.0.1"}},
		{name: "StatefulSet pod", qname: "web-0.nginx.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"web-0.nginx.default.svc.cluster.local. A 10.1.0.1"}},
		{name: "PTR of a ClusterIP", qname: "10.0.96.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"10.0.96.10.in-addr.arpa. PTR web.default.svc.cluster.local."}},
		{name: "PTR of a headless pod", qname: "2.0.1.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"2.0.1.10.in-addr.arpa. PTR web-1.nginx.default.svc.cluster.local."}},
		// No upstreams: the CNAME to a name outside stays alone.
		{name: "ExternalName", qname: "ext.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"ext.default.svc.cluster.local. CNAME example.org."}},
		{name: "unknown service", qname: "nope.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "AAAA of an IPv4 service", qname: "web.default.svc.cluster.local.", qtype: dns.TypeAAAA, ns: soa},
		{name: "case-insensitive", qname: "Web.DEFAULT.svc.Cluster.Local.", qtype: dns.TypeA,
			answer: []string{"Web.DEFAULT.svc.Cluster.Local. A 10.96.0.10"}},
		{name: "pod", qname: "10-244-0-7.default.pod.cluster.local.", qtype: dns.TypeA,
			answer: []string{"10-244-0-7.default.pod.cluster.local. A 10.244.0.7"}},
	}
	for _, network := range networks {
		for _, tt := range tests {
			t.Run(network+"/"+tt.name, func(t *testing.T) {
				r := query(t, network, addr, tt.qname, tt.qtype)
				if r.Rcode != tt.rcode {
					t.Errorf("rcode = %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
				}
				if !r.Authoritative {
					t.Error("AA not set")
				}
				if r.Question[0].Name != tt.qname {
					t.Errorf("question %q, want %q", r.Question[0].Name, tt.qname)
				}
				check(t, "answer", r.Answer, tt.answer)
				check(t, "authority", r.Ns, tt.ns)
				check(t, "additional", r.Extra, tt.extra)
				for _, rr := range r.Answer {
					if rr.Header().Ttl != DefaultTTL {
						t.Errorf("TTL %d, want %d", rr.Header().Ttl, DefaultTTL)
					}
				}
			})
		}
	}
}

func TestServerNotSyncedIsServfail(t *testing.T) {
	_, addr := startServer(t, Config{})
	r := query(t, "udp", addr, "web.default.svc.cluster.local.", dns.TypeA)
	if r.Rcode != dns.RcodeServerFailure {
		t.Fatalf("before the first Sync: rcode %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
}

func TestServerSyncIsVisibleToNextQuery(t *testing.T) {
	s, addr := startServer(t, Config{Domain: "example.cluster."})
	name := "web.default.svc.example.cluster."
	s.Sync([]*corev1.Service{clusterIPService("default", "web", []string{"10.96.0.10"})}, nil)
	check(t, "first", query(t, "udp", addr, name, dns.TypeA).Answer, []string{name + " A 10.96.0.10"})

	s.Sync([]*corev1.Service{clusterIPService("default", "web", []string{"10.96.0.99"})}, nil)
	r := query(t, "udp", addr, name, dns.TypeA)
	check(t, "after Sync", r.Answer, []string{name + " A 10.96.0.99"})

	s.Sync(nil, nil)
	r = query(t, "udp", addr, name, dns.TypeA)
	if r.Rcode != dns.RcodeNameError {
		t.Errorf("after delete: rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	if soa, ok := r.Ns[0].(*dns.SOA); !ok || soa.Serial != 3 {
		t.Errorf("authority %v, want the SOA with serial 3 (one per Sync)", r.Ns)
	}
}

func TestServerTruncatesOverUDP(t *testing.T) {
	s, addr := startServer(t, Config{})
	var eps []discoveryv1.Endpoint
	for i := range 100 {
		eps = append(eps, endpoint(fmt.Sprintf("10.1.0.%d", i+1), ptr.To(true), ""))
	}
	s.Sync([]*corev1.Service{headlessService("default", "big", false)},
		[]*discoveryv1.EndpointSlice{endpointSlice("default", "big", "big-1", nil, eps...)})
	name := "big.default.svc.cluster.local."

	r := query(t, "udp", addr, name, dns.TypeA)
	if !r.Truncated || len(r.Answer) >= 100 {
		t.Errorf("UDP without EDNS0: TC=%v with %d answers, want TC and fewer than 100", r.Truncated, len(r.Answer))
	}
	m := new(dns.Msg).SetQuestion(name, dns.TypeA)
	m.SetEdns0(4096, false)
	r = exchange(t, "udp", addr, m)
	if r.Truncated || len(r.Answer) != 100 || r.IsEdns0() == nil {
		t.Errorf("UDP with EDNS0 4096: TC=%v, %d answers, OPT %v; want 100 answers and OPT", r.Truncated, len(r.Answer), r.IsEdns0())
	}
	r = query(t, "tcp", addr, name, dns.TypeA)
	if r.Truncated || len(r.Answer) != 100 {
		t.Errorf("TCP: TC=%v with %d answers, want 100", r.Truncated, len(r.Answer))
	}
}

func TestServerRotatesAddresses(t *testing.T) {
	s, addr := startServer(t, Config{})
	s.Sync(fixture())
	firsts := map[string]bool{}
	for range 6 {
		r := query(t, "udp", addr, "nginx.default.svc.cluster.local.", dns.TypeA)
		firsts[r.Answer[0].(*dns.A).A.String()] = true
	}
	if len(firsts) != 3 {
		t.Errorf("first addresses over 6 queries: %v, want each of the 3", firsts)
	}
}

// fakeUpstream is a resolver for the forwarding tests, serving UDP and TCP
// on one loopback port.
type fakeUpstream struct {
	addr     string
	udp, tcp atomic.Int32 // queries seen
}

// startUpstream serves:
//
//	example.org. A        93.184.216.34
//	big.example.org. A    TC over UDP; 192.0.2.1 over TCP
//	servfail.example.     SERVFAIL
//	4.3.2.1.in-addr.arpa. PTR host.example.org.
func startUpstream(t *testing.T) *fakeUpstream {
	t.Helper()
	u := &fakeUpstream{}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		_, tcp := w.RemoteAddr().(*net.TCPAddr)
		if tcp {
			u.tcp.Add(1)
		} else {
			u.udp.Add(1)
		}
		m := new(dns.Msg).SetReply(req)
		m.RecursionAvailable = true
		q := req.Question[0]
		rr := func(s string) dns.RR {
			rr, err := dns.NewRR(s)
			if err != nil {
				panic(err)
			}
			return rr
		}
		switch {
		case q.Name == "example.org." && q.Qtype == dns.TypeA:
			m.Answer = []dns.RR{rr("example.org. 300 IN A 93.184.216.34")}
		case q.Name == "big.example.org." && !tcp:
			m.Truncated = true
		case q.Name == "big.example.org." && q.Qtype == dns.TypeA:
			m.Answer = []dns.RR{rr("big.example.org. 300 IN A 192.0.2.1")}
		case q.Name == "servfail.example.":
			m.Rcode = dns.RcodeServerFailure
		case q.Name == "4.3.2.1.in-addr.arpa." && q.Qtype == dns.TypePTR:
			m.Answer = []dns.RR{rr("4.3.2.1.in-addr.arpa. 300 IN PTR host.example.org.")}
		default:
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})
	pc, ln, err := listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	u.addr = pc.LocalAddr().String()
	return u
}

// deadAddr is a loopback UDP and TCP address nobody listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	pc, ln, err := listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	ln.Close()
	return addr
}

func TestServerForwards(t *testing.T) {
	up := startUpstream(t)
	s, addr := startServer(t, Config{Upstreams: []string{up.addr}})
	s.Sync(fixture())

	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			udp0, tcp0 := up.udp.Load(), up.tcp.Load()
			r := query(t, network, addr, "example.org.", dns.TypeA)
			if r.Rcode != dns.RcodeSuccess || r.Authoritative {
				t.Errorf("rcode %s AA %v, want NOERROR from upstream", dns.RcodeToString[r.Rcode], r.Authoritative)
			}
			check(t, "answer", r.Answer, []string{"example.org. A 93.184.216.34"})
			if network == "tcp" && (up.tcp.Load() != tcp0+1 || up.udp.Load() != udp0) {
				t.Errorf("TCP query reached the upstream as %d UDP, %d TCP; want over TCP", up.udp.Load()-udp0, up.tcp.Load()-tcp0)
			}
			if network == "udp" && (up.udp.Load() != udp0+1 || up.tcp.Load() != tcp0) {
				t.Errorf("UDP query reached the upstream as %d UDP, %d TCP; want over UDP", up.udp.Load()-udp0, up.tcp.Load()-tcp0)
			}
		})
	}

	t.Run("upstream NXDOMAIN", func(t *testing.T) {
		r := query(t, "udp", addr, "nope.example.org.", dns.TypeA)
		if r.Rcode != dns.RcodeNameError {
			t.Errorf("rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
		}
	})
	t.Run("reverse name not ours", func(t *testing.T) {
		r := query(t, "udp", addr, "4.3.2.1.in-addr.arpa.", dns.TypePTR)
		check(t, "answer", r.Answer, []string{"4.3.2.1.in-addr.arpa. PTR host.example.org."})
	})
	t.Run("reverse name ours", func(t *testing.T) {
		udp0 := up.udp.Load()
		r := query(t, "udp", addr, "10.0.96.10.in-addr.arpa.", dns.TypePTR)
		check(t, "answer", r.Answer, []string{"10.0.96.10.in-addr.arpa. PTR web.default.svc.cluster.local."})
		if up.udp.Load() != udp0 {
			t.Error("our PTR went upstream")
		}
	})
	t.Run("ExternalName followed upstream", func(t *testing.T) {
		r := query(t, "udp", addr, "ext.default.svc.cluster.local.", dns.TypeA)
		check(t, "answer", r.Answer, []string{
			"ext.default.svc.cluster.local. CNAME example.org.",
			"example.org. A 93.184.216.34",
		})
	})
	t.Run("upstream SERVFAIL relayed", func(t *testing.T) {
		r := query(t, "udp", addr, "servfail.example.", dns.TypeA)
		if r.Rcode != dns.RcodeServerFailure {
			t.Errorf("rcode %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
		}
	})
}

func TestServerForwardRetriesTruncatedOverTCP(t *testing.T) {
	up := startUpstream(t)
	_, addr := startServer(t, Config{Upstreams: []string{up.addr}})
	r := query(t, "udp", addr, "big.example.org.", dns.TypeA)
	if r.Truncated {
		t.Error("reply truncated; want the upstream's TCP answer")
	}
	check(t, "answer", r.Answer, []string{"big.example.org. A 192.0.2.1"})
	if up.udp.Load() != 1 || up.tcp.Load() != 1 {
		t.Errorf("upstream saw %d UDP and %d TCP queries, want 1 and 1", up.udp.Load(), up.tcp.Load())
	}
}

func TestServerForwardFailure(t *testing.T) {
	up := startUpstream(t)
	tests := []struct {
		name      string
		upstreams []string
		rcode     int
	}{
		{name: "no upstreams", rcode: dns.RcodeServerFailure},
		{name: "dead upstream", upstreams: []string{deadAddr(t)}, rcode: dns.RcodeServerFailure},
		{name: "dead then live upstream", upstreams: []string{deadAddr(t), up.addr}, rcode: dns.RcodeSuccess},
	}
	for _, tt := range tests {
		for _, network := range networks {
			t.Run(tt.name+"/"+network, func(t *testing.T) {
				_, addr := startServer(t, Config{Upstreams: tt.upstreams})
				r := query(t, network, addr, "example.org.", dns.TypeA)
				if r.Rcode != tt.rcode {
					t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
				}
			})
		}
	}
}

func TestServerConcurrentQueriesAndSyncs(t *testing.T) {
	s, addr := startServer(t, Config{})
	services, endpointSlices := fixture()
	s.Sync(services, endpointSlices)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				s.Sync(services, endpointSlices)
			}
		}
	})
	var queriers sync.WaitGroup
	for i := range 4 {
		queriers.Go(func() {
			for j := range 50 {
				name := []string{"web.default.svc.cluster.local.", "WEB.default.svc.cluster.local.",
					"_web._tcp.nginx.default.svc.cluster.local.", "nginx.default.svc.cluster.local."}[(i+j)%4]
				qtype := dns.TypeA
				if name[0] == '_' {
					qtype = dns.TypeSRV
				}
				if r := query(t, networks[j%2], addr, name, qtype); r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
					t.Errorf("%s: rcode %s, %d answers", name, dns.RcodeToString[r.Rcode], len(r.Answer))
				}
			}
		})
	}
	queriers.Wait()
	close(stop)
	wg.Wait()
}

func TestListenSharesAddress(t *testing.T) {
	a, addr := startServer(t, Config{})
	b := New(Config{Logger: a.log})
	if err := b.Listen(addr); err != nil {
		t.Fatalf("second server on %s: %v", addr, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := b.Listen("127.0.0.1:0"); err == nil {
		t.Error("Listen after Close succeeded")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{name: "zero", ok: true},
		{name: "upstreams", cfg: Config{Upstreams: []string{"10.0.0.1", "::1", "10.0.0.2:5353", "[fd00::1]:53"}}, ok: true},
		{name: "bad port", cfg: Config{Upstreams: []string{"10.0.0.1:x"}}},
		{name: "bad domain", cfg: Config{Domain: "a..b"}},
		{name: "reverse domain", cfg: Config{Domain: "in-addr.arpa"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
	got := New(Config{Upstreams: []string{"10.0.0.1", "::1", "10.0.0.2:5353"}}).fwd.upstreams
	if want := []string{"10.0.0.1:53", "[::1]:53", "10.0.0.2:5353"}; !slices.Equal(got, want) {
		t.Errorf("upstreams %q, want %q", got, want)
	}
}
