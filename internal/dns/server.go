package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

const (
	// ednsSize is the UDP payload size we advertise (RFC 6891): the DNS
	// flag day 2020 value, which avoids IP fragmentation.
	ednsSize = 1232
	// maxChase bounds how many CNAMEs an answer follows.
	maxChase = 8
	// shutdownTimeout bounds how long Close waits for queries in flight.
	shutdownTimeout = 5 * time.Second
	// warnEvery limits the "upstreams failed" warning to one per interval.
	warnEvery = 30 * time.Second
)

// Server is the cluster DNS of one node agent. Construct it with New, give
// it records with Sync, serve with Listen, stop with Close.
type Server struct {
	origin string // lowercase FQDN of the cluster domain
	ttl    uint32
	log    *slog.Logger
	fwd    *forwarder

	// zone is what queries read; nil until the first Sync, when names in
	// the cluster domain get SERVFAIL rather than a negative answer that
	// clients would cache.
	zone atomic.Pointer[zone]
	// rotate advances the start of multi-address answers, so that clients
	// taking the first address spread over a headless service's pods (the
	// CoreDNS loadbalance plugin's job).
	rotate atomic.Uint32
	// lastWarn (unix nanos) and suppressed rate-limit the upstream warning.
	lastWarn   atomic.Int64
	suppressed atomic.Int64

	syncMu sync.Mutex
	serial uint32 // guarded by syncMu

	// ctx is cancelled by Close, ending upstream exchanges in flight.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards the fields below
	closed  bool
	servers []shutdowner
	addrs   []string
}

// New makes a server from cfg, applying its defaults. It has no side
// effects: nothing listens until Listen, and cluster names get SERVFAIL
// until the first Sync. cfg should have passed Validate; an upstream that
// does not parse is dropped with an error logged.
func New(cfg Config) *Server {
	cfg.setDefaults()
	log := cfg.Logger.With("component", "dns")
	var ups []string
	for _, u := range cfg.Upstreams {
		a, err := upstreamAddr(u)
		if err != nil {
			log.Error("ignoring upstream", "upstream", u, "err", err)
			continue
		}
		ups = append(ups, a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		origin: dns.CanonicalName(cfg.Domain),
		ttl:    cfg.TTL,
		log:    log,
		fwd:    newForwarder(ups),
		ctx:    ctx,
		cancel: cancel,
	}
}

// Sync replaces the zone with the records of these services and endpoint
// slices, which are the complete current lists; the caller (the agent's
// informer handlers, one goroutine) calls it after every change. The zone
// is rebuilt whole and swapped in atomically: a query sees the old zone or
// the new one, never a mix. Sync does not keep or modify the objects.
func (s *Server) Sync(services []*corev1.Service, slices []*discoveryv1.EndpointSlice) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.serial++
	z := buildZone(services, slices, s.origin, s.ttl, s.serial)
	s.zone.Store(z)
	s.log.Debug("zone updated", "serial", s.serial, "services", len(services),
		"endpointSlices", len(slices), "names", len(z.nodes))
}

// Listen starts serving UDP and TCP on addr (host:port; port 0 picks one
// free port for both). It may be called for several addresses. The sockets
// have SO_REUSEADDR and SO_REUSEPORT, so that several agents of one
// cluster on one machine can share the DNS address; the kernel spreads
// queries over them. Listen returns once the sockets are bound and served.
func (s *Server) Listen(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("listen %s: server closed", addr)
	}
	pc, ln, err := listen(s.ctx, addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	udp, err := s.serveUDP(pc.(*net.UDPConn))
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	tcp := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(s.serveDNS)}
	if err := s.start(tcp, "tcp"); err != nil {
		ln.Close()
		for _, srv := range udp {
			_ = srv.ShutdownContext(context.Background())
		}
		return fmt.Errorf("listen %s: serve tcp: %w", addr, err)
	}
	s.servers = append(s.servers, udp...)
	s.servers = append(s.servers, tcp)
	bound := pc.LocalAddr().String()
	s.addrs = append(s.addrs, bound)
	s.log.Info("serving DNS", "addr", bound, "domain", s.origin, "upstreams", s.fwd.upstreams)
	return nil
}

// serveUDP serves UDP on pc and on one more socket of the same address per
// CPU the process may use beyond the first, each with its own udpServer:
// a udpServer answers one query at a time, and the kernel spreads clients
// over the sockets (SO_REUSEPORT). A wildcard address gets miekg/dns's
// server instead, which alone replies from the address each query was
// sent to. pc is closed if serveUDP fails.
func (s *Server) serveUDP(pc *net.UDPConn) ([]shutdowner, error) {
	bound := pc.LocalAddr().(*net.UDPAddr)
	if bound.IP.IsUnspecified() {
		udp := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serveDNS)}
		if err := s.start(udp, "udp"); err != nil {
			pc.Close()
			return nil, fmt.Errorf("serve udp: %w", err)
		}
		return []shutdowner{udp}, nil
	}
	more, err := listenUDP(s.ctx, bound.String(), runtime.GOMAXPROCS(0)-1)
	if err != nil {
		pc.Close()
		return nil, err
	}
	var servers []shutdowner
	for _, pc := range append([]*net.UDPConn{pc}, more...) {
		servers = append(servers, newUDPServer(s, pc))
	}
	return servers, nil
}

// shutdowner is one running server of a Listen: a udpServer, or
// miekg/dns's for TCP and for UDP on a wildcard address. ShutdownContext
// stops it and waits, up to ctx, for the queries being answered.
type shutdowner interface {
	ShutdownContext(ctx context.Context) error
}

var (
	_ shutdowner = (*udpServer)(nil)
	_ shutdowner = (*dns.Server)(nil)
)

// start runs srv in a goroutine and returns once it serves, or with the
// error that stopped it first. A later failure is logged.
func (s *Server) start(srv *dns.Server, network string) error {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	errc := make(chan error, 1)
	go func() { errc <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-errc:
		return err
	}
	go func() {
		if err := <-errc; err != nil {
			s.log.Error("DNS server stopped", "network", network, "err", err)
		}
	}()
	return nil
}

// Addrs returns the addresses served, one per successful Listen, with the
// port chosen when Listen was given port 0.
func (s *Server) Addrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.addrs)
}

// Close stops serving: upstream exchanges in flight are cancelled, and
// Close waits (up to 5 s) for the queries being answered. Later calls do
// nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range s.servers {
		if err := srv.ShutdownContext(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close dns: %w", err)
	}
	return nil
}

// serveDNS answers one query for miekg/dns's servers: TCP, and UDP on a
// wildcard address.
func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	if err := w.WriteMsg(s.respond(req, tcp)); err != nil {
		s.log.Debug("write reply", "remote", w.RemoteAddr().String(), "err", err)
	}
}

// respond makes the reply to req: from the zone if the name is the
// cluster's (or a reverse name of ours), else through the upstreams. It
// may block on the upstreams for as long as they take.
func (s *Server) respond(req *dns.Msg, tcp bool) *dns.Msg {
	if m, ok := s.answerLocal(req, tcp); ok {
		return m
	}
	q := req.Question[0]
	var m *dns.Msg
	if z := s.zone.Load(); z != nil {
		if res, ours := z.answer(q); ours {
			res, target := s.chase(z, q, res)
			if target != "" {
				res.answer = append(res.answer, s.resolveUpstream(target, q)...)
			}
			m = s.reply(req, res)
		}
	}
	if m == nil {
		m = s.forward(req, tcp)
	}
	s.finish(req, m, tcp)
	return m
}

// answerLocal makes the reply to req when that needs no I/O: a name of
// the zone (unless its CNAME leads out of the cluster domain), SERVFAIL
// for a cluster name before the first Sync, and errors for what is not a
// query of one question. ok is false when the reply needs the upstreams.
func (s *Server) answerLocal(req *dns.Msg, tcp bool) (m *dns.Msg, ok bool) {
	switch {
	case req.Opcode != dns.OpcodeQuery:
		m = new(dns.Msg).SetRcode(req, dns.RcodeNotImplemented)
	case len(req.Question) != 1:
		m = new(dns.Msg).SetRcode(req, dns.RcodeFormatError)
	default:
		q := req.Question[0]
		z := s.zone.Load()
		if z == nil {
			if !inDomain(lower(q.Name), s.origin) {
				return nil, false
			}
			s.log.Debug("not synced yet", "name", q.Name)
			m = new(dns.Msg).SetRcode(req, dns.RcodeServerFailure)
			break
		}
		res, ours := z.answer(q)
		if !ours {
			return nil, false
		}
		res, target := s.chase(z, q, res)
		if target != "" {
			return nil, false
		}
		m = s.reply(req, res)
	}
	s.finish(req, m, tcp)
	return m, true
}

// reply makes the authoritative message of a zone result, with copies of
// its slices, and multi-address answers rotated.
func (s *Server) reply(req *dns.Msg, res result) *dns.Msg {
	m := new(dns.Msg).SetRcode(req, res.rcode)
	m.Authoritative = res.rcode != dns.RcodeRefused
	m.Answer = slices.Clone(res.answer)
	m.Ns = slices.Clone(res.ns)
	m.Extra = slices.Clone(res.extra)
	if n := len(m.Answer); n > 1 && allAddresses(m.Answer) {
		k := int(s.rotate.Add(1) % uint32(n))
		m.Answer = append(m.Answer[k:], m.Answer[:k]...)
	}
	return m
}

func allAddresses(rrs []dns.RR) bool {
	for _, rr := range rrs {
		if t := rr.Header().Rrtype; t != dns.TypeA && t != dns.TypeAAAA {
			return false
		}
	}
	return true
}

// chase follows a CNAME answer (an ExternalName service) to its target's
// records, as CoreDNS does, because stub resolvers (glibc, musl) do not
// ask again. It follows CNAMEs within the zone itself; a target outside
// the cluster domain it returns, for the caller to ask the upstreams
// (resolveUpstream) and append to the answer. What cannot be resolved is
// left out; the CNAME alone is still a valid answer.
func (s *Server) chase(z *zone, q dns.Question, res result) (_ result, upstream string) {
	if res.rcode != dns.RcodeSuccess || q.Qtype == dns.TypeCNAME || q.Qtype == dns.TypeANY ||
		len(res.answer) == 0 || res.answer[len(res.answer)-1].Header().Rrtype != dns.TypeCNAME {
		return res, ""
	}
	answer := slices.Clone(res.answer)
	seen := map[string]bool{lower(q.Name): true}
	for range maxChase {
		cname, ok := answer[len(answer)-1].(*dns.CNAME)
		if !ok || seen[cname.Target] {
			break
		}
		seen[cname.Target] = true
		if !inDomain(cname.Target, s.origin) {
			upstream = cname.Target
			break
		}
		r, _ := z.answer(dns.Question{Name: cname.Target, Qtype: q.Qtype, Qclass: q.Qclass})
		if r.rcode != dns.RcodeSuccess || len(r.answer) == 0 {
			break
		}
		answer = append(answer, r.answer...)
	}
	res.answer = answer
	return res, upstream
}

// resolveUpstream asks the upstreams for the records of q's type at
// target, the end of a CNAME chain; nil if they have none or fail.
func (s *Server) resolveUpstream(target string, q dns.Question) []dns.RR {
	m := new(dns.Msg)
	m.SetQuestion(target, q.Qtype)
	m.SetEdns0(ednsSize, false)
	resp, err := s.fwd.exchange(s.ctx, m, false)
	if err != nil || resp.Rcode != dns.RcodeSuccess {
		return nil
	}
	return resp.Answer
}

// forward sends req to the upstreams and returns their reply, or SERVFAIL.
func (s *Server) forward(req *dns.Msg, tcp bool) *dns.Msg {
	resp, err := s.fwd.exchange(s.ctx, req, tcp)
	if err != nil {
		s.warnUpstreams(req.Question[0], err)
		return new(dns.Msg).SetRcode(req, dns.RcodeServerFailure)
	}
	return resp
}

// warnUpstreams logs that no upstream answered, at most once per
// warnEvery (a dead upstream fails every query), counting the rest.
func (s *Server) warnUpstreams(q dns.Question, err error) {
	now := time.Now().UnixNano()
	last := s.lastWarn.Load()
	if now-last < int64(warnEvery) || !s.lastWarn.CompareAndSwap(last, now) {
		s.suppressed.Add(1)
		return
	}
	s.log.Warn("no upstream answered; replied SERVFAIL", "name", q.Name,
		"type", dns.TypeToString[q.Qtype], "err", err, "suppressed", s.suppressed.Swap(0))
}

// finish readies m, the reply to req, to be sent: with EDNS0 if req had
// it, and over UDP cut to the size the client can take (TC set, so it
// retries over TCP).
func (s *Server) finish(req, m *dns.Msg, tcp bool) {
	m.RecursionAvailable = m.RecursionAvailable || len(s.fwd.upstreams) > 0
	size := dns.MaxMsgSize
	if opt := req.IsEdns0(); opt != nil {
		if m.IsEdns0() == nil {
			m.SetEdns0(ednsSize, opt.Do())
		}
		if !tcp {
			size = int(opt.UDPSize())
		}
	} else if !tcp {
		size = dns.MinMsgSize
	}
	m.Truncate(size)
	m.Compress = true
}
