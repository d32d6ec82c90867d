package dns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// upstreamTimeout bounds one exchange with one upstream: a stub resolver
// gives up after 5 s (glibc's default), so two upstreams that time out
// still leave time for a third.
const upstreamTimeout = 2 * time.Second

// forwarder asks the upstream resolvers, in order, the questions that are
// not the cluster's. It is safe for concurrent use and keeps no state
// between queries (no cache, no connection pool).
type forwarder struct {
	upstreams []string // host:port
	udp, tcp  *dns.Client
}

func newForwarder(upstreams []string) *forwarder {
	return &forwarder{
		upstreams: upstreams,
		// UDPSize only matters for queries without EDNS0, whose replies
		// are at most 512 bytes anyway; larger buffers cost nothing.
		udp: &dns.Client{Net: "udp", Timeout: upstreamTimeout, UDPSize: dns.DefaultMsgSize},
		tcp: &dns.Client{Net: "tcp", Timeout: upstreamTimeout},
	}
}

// exchange sends req to each upstream in turn until one answers: over UDP
// unless tcp, retrying over TCP with the same upstream when the UDP reply
// is truncated. A SERVFAIL or REFUSED reply moves on to the next upstream
// too, and is what exchange returns if no upstream does better. req is not
// modified; the reply has req's ID. The error, when no upstream replied,
// names each upstream's failure.
func (f *forwarder) exchange(ctx context.Context, req *dns.Msg, tcp bool) (*dns.Msg, error) {
	if len(f.upstreams) == 0 {
		return nil, errors.New("no upstream resolvers configured")
	}
	// A fresh ID per upstream exchange: the client's ID is the client's,
	// and a predictable one would make spoofed replies easier.
	out := req.Copy()
	var (
		errs     []error
		fallback *dns.Msg
	)
	for _, up := range f.upstreams {
		out.Id = dns.Id()
		resp, err := f.exchangeOne(ctx, out, up, tcp)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", up, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		resp.Id = req.Id
		if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused {
			if fallback == nil {
				fallback = resp
			}
			continue
		}
		return resp, nil
	}
	if fallback != nil {
		return fallback, nil
	}
	return nil, errors.Join(errs...)
}

func (f *forwarder) exchangeOne(ctx context.Context, m *dns.Msg, up string, tcp bool) (*dns.Msg, error) {
	var (
		resp *dns.Msg
		err  error
	)
	if !tcp {
		resp, _, err = f.udp.ExchangeContext(ctx, m, up)
		if err != nil {
			return nil, fmt.Errorf("udp: %w", err)
		}
		if !resp.Truncated {
			return resp, checkReply(m, resp)
		}
	}
	resp, _, err = f.tcp.ExchangeContext(ctx, m, up)
	if err != nil {
		return nil, fmt.Errorf("tcp: %w", err)
	}
	return resp, checkReply(m, resp)
}

// checkReply rejects a reply to some other question (the ID matched, which
// is 16 bits of protection; the question is more).
func checkReply(req, resp *dns.Msg) error {
	if len(resp.Question) == 0 && resp.Rcode != dns.RcodeSuccess {
		return nil // some servers drop the question from errors
	}
	if len(resp.Question) != 1 || len(req.Question) != 1 {
		return fmt.Errorf("reply has %d questions", len(resp.Question))
	}
	q, r := req.Question[0], resp.Question[0]
	if q.Qtype != r.Qtype || q.Qclass != r.Qclass || !strings.EqualFold(q.Name, r.Name) {
		return fmt.Errorf("reply is for %s, not %s", r.String(), q.String())
	}
	return nil
}
