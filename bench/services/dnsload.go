package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// Names of the DNS servers the report compares.
const (
	dnsMarina  = "Marina cluster DNS"
	dnsDnsmasq = "dnsmasq"
)

// dnsResult is one load run against one server.
type dnsResult = loadResult // errors: timeouts, and answers other than one A record

// measureDNS checks that both servers give the same answers, then runs
// every worker count against both, rounds times, alternating the order.
func measureDNS(ctx context.Context, cfg config, log *slog.Logger, r *report, c *cluster, p *peers) error {
	servers := []struct {
		name, addr string
		cpu        cpuMeter
	}{{dnsMarina, c.dnsAddr, c.cpu()}, {dnsDnsmasq, p.dnsmasq, p.cpu["dnsmasq"]}}
	for _, s := range servers {
		for i, name := range c.names {
			ip, err := resolve(s.addr, name, time.Second)
			if err != nil || ip != c.ips[i] {
				return fmt.Errorf("%s at %s answers %s with %q (%v), want %s", s.name, s.addr, name, ip, err, c.ips[i])
			}
		}
	}
	k := 0
	for round := range cfg.rounds {
		for _, workers := range cfg.dnsWorkers {
			order := slices.Clone(servers)
			if k%2 == 1 {
				slices.Reverse(order)
			}
			k++
			for _, s := range order {
				var res dnsResult
				cpu, err := measureCPU(s.cpu, func() (err error) {
					res, err = dnsLoad(ctx, s.addr, c.names, workers, cfg.duration)
					return err
				})
				res.cpu = cpu
				if err != nil {
					return fmt.Errorf("%s, %d workers: %w", s.name, workers, err)
				}
				log.Info("dns", "round", round+1, "workers", workers, "server", s.name,
					"qps", int(res.rate), "p50", res.p50, "p99", res.p99, "errors", res.errors, "cpu", fmt.Sprintf("%.2f", cpu))
				r.addDNS(workers, s.name, res)
			}
		}
	}
	return nil
}

// dnsLoad sends A queries for names, in turn, to server over UDP from
// workers closed-loop workers, each on its own socket, for d.
func dnsLoad(ctx context.Context, server string, names []string, workers int, d time.Duration) (dnsResult, error) {
	lat := make([][]time.Duration, workers)
	failed := make([]int64, workers)
	errs := make([]error, workers)
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("udp", server)
			if err != nil {
				errs[w] = err
				return
			}
			defer conn.Close()
			co := &dns.Conn{Conn: conn}
			m := new(dns.Msg)
			m.RecursionDesired = true
			for i := w; ctx.Err() == nil; i += workers {
				t0 := time.Now()
				if t0.After(end) {
					return
				}
				m.Id = uint16(i)
				m.Question = []dns.Question{{Name: names[i%len(names)], Qtype: dns.TypeA, Qclass: dns.ClassINET}}
				if err := exchange(co, m, t0.Add(time.Second)); err != nil {
					failed[w]++
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return dnsResult{}, err
	}
	all := slices.Concat(lat...)
	var nFailed int64
	for _, n := range failed {
		nFailed += n
	}
	if len(all) == 0 {
		return dnsResult{}, fmt.Errorf("no query answered (%d failed)", nFailed)
	}
	return dnsResult{
		rate:   float64(len(all)) / time.Since(start).Seconds(),
		p50:    benchutil.Percentile(all, 50),
		p99:    benchutil.Percentile(all, 99),
		errors: nFailed,
	}, nil
}

// exchange sends m and waits until deadline for its answer, which must be
// one A record; answers to earlier queries that timed out are skipped.
func exchange(co *dns.Conn, m *dns.Msg, deadline time.Time) error {
	if err := co.WriteMsg(m); err != nil {
		return err
	}
	_ = co.SetReadDeadline(deadline)
	for {
		r, err := co.ReadMsg()
		if err != nil {
			return err
		}
		if r.Id != m.Id {
			continue
		}
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
			return fmt.Errorf("%s: %s, %d answers", m.Question[0].Name, dns.RcodeToString[r.Rcode], len(r.Answer))
		}
		return nil
	}
}

// resolve asks server for name's A record and returns its address.
func resolve(server, name string, timeout time.Duration) (string, error) {
	client := &dns.Client{Net: "udp", Timeout: timeout}
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	r, _, err := client.Exchange(m, server)
	if err != nil {
		return "", err
	}
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String(), nil
		}
	}
	return "", fmt.Errorf("%s: %s, no A record", name, dns.RcodeToString[r.Rcode])
}
