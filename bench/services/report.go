package main

import (
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// report collects every run's results; figures are means over rounds.
type report struct {
	cfg       config
	clusterIP string
	dnsAddr   string

	httpTargets []string
	httpLevels  []string                           // in the order run
	http        map[string]map[string][]httpResult // level, target
	dns         map[int]map[string][]dnsResult     // workers, server
	flips       []time.Duration
	creates     []time.Duration
}

func newReport(cfg config, c *cluster) *report {
	return &report{cfg: cfg, clusterIP: c.clusterIP, dnsAddr: c.dnsAddr,
		http: map[string]map[string][]httpResult{}, dns: map[int]map[string][]dnsResult{}}
}

func (r *report) addHTTP(level, target string, res httpResult) {
	if r.http[level] == nil {
		r.http[level] = map[string][]httpResult{}
		r.httpLevels = append(r.httpLevels, level)
	}
	r.http[level][target] = append(r.http[level][target], res)
}

func (r *report) addDNS(workers int, server string, res dnsResult) {
	if r.dns[workers] == nil {
		r.dns[workers] = map[string][]dnsResult{}
	}
	r.dns[workers][server] = append(r.dns[workers][server], res)
}

// mean averages a target's rounds and sums their errors.
func mean(rs []loadResult) loadResult {
	var m loadResult
	for _, r := range rs {
		m.rate += r.rate
		m.p50 += r.p50
		m.p99 += r.p99
		m.errors += r.errors
		m.cpu += r.cpu
	}
	n := len(rs)
	if n == 0 {
		return m
	}
	m.cpu /= float64(n)
	m.rate /= float64(n)
	m.p50 /= time.Duration(n)
	m.p99 /= time.Duration(n)
	return m
}

// ratio is a/b, or "–" when b is not positive.
func ratio(a, b float64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func signedMs(d time.Duration) string {
	return fmt.Sprintf("%+.2f ms", float64(d)/float64(time.Millisecond))
}

func ms2(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func (r *report) print(w io.Writer) {
	kernel, _ := exec.Command("uname", "-r").Output()
	fmt.Fprintf(w, "Services: %d CPUs, Linux %s, %s, %s. Each load run %s; figures are means of %d rounds (targets' order alternating).\n\n",
		runtime.NumCPU(), strings.TrimSpace(string(kernel)), runtime.Version(), time.Now().UTC().Format("2006-01-02"), r.cfg.duration, r.cfg.rounds)

	fmt.Fprintf(w, "HTTP to %d process pods of a static Go server (100-byte body); ClusterIP %s:80. "+
		"wrk runs with 2 threads, no Lua script; the fixed-rate runs use the benchmark's open-loop Go client. "+
		"\"added p99\" is the target's p99 minus the direct p99 at the same load; "+
		"\"proxy CPU\" the cores the proxy's processes used meanwhile (for Marina: the whole marina process).\n\n", replicas, r.clusterIP)
	fmt.Fprintln(w, "| load | target | req/s | p50 | p99 | added p99 | proxy CPU | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, level := range r.httpLevels {
		direct := mean(r.http[level][targetDirect])
		for _, t := range r.httpTargets {
			m := mean(r.http[level][t])
			added, cpu := "–", "–"
			if t != targetDirect {
				added, cpu = signedMs(m.p99-direct.p99), fmt.Sprintf("%.2f", m.cpu)
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %s | %s | %d |\n", level, t, m.rate, ms2(m.p50), ms2(m.p99), added, cpu, m.errors)
		}
	}

	fmt.Fprintln(w, "\n| load | req/s: Marina ÷ HAProxy tcp | ÷ HAProxy http | added p99: Marina, HAProxy tcp, HAProxy http |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, level := range r.httpLevels {
		direct := mean(r.http[level][targetDirect])
		marina := mean(r.http[level][targetMarina])
		tcp := mean(r.http[level][targetHAProxyTCP])
		hh := mean(r.http[level][targetHAProxyHTTP])
		fmt.Fprintf(w, "| %s | %s | %s | %s, %s, %s |\n", level,
			ratio(marina.rate, tcp.rate), ratio(marina.rate, hh.rate),
			signedMs(marina.p99-direct.p99), signedMs(tcp.p99-direct.p99), signedMs(hh.p99-direct.p99))
	}

	fmt.Fprintf(w, "\nDNS: A queries over UDP for %d service names in turn, closed loop; Marina at %s, dnsmasq on 127.0.0.1 with the same names (addn-hosts).\n\n",
		r.cfg.services, r.dnsAddr)
	fmt.Fprintln(w, "| workers | server | queries/s | p50 | p99 | server CPU | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, workers := range r.cfg.dnsWorkers {
		for _, s := range []string{dnsMarina, dnsDnsmasq} {
			m := mean(r.dns[workers][s])
			fmt.Fprintf(w, "| %d | %s | %.0f | %s | %s | %.2f | %d |\n", workers, s, m.rate, ms2(m.p50), ms2(m.p99), m.cpu, m.errors)
		}
		fmt.Fprintf(w, "| %d | Marina ÷ dnsmasq | %s | | | | |\n", workers,
			ratio(mean(r.dns[workers][dnsMarina]).rate, mean(r.dns[workers][dnsDnsmasq]).rate))
	}

	fmt.Fprintln(w, "\n| latency (aim < 100 ms) | n | p50 | max |")
	fmt.Fprintln(w, "|---|---|---|---|")
	fmt.Fprintf(w, "| pod seen Ready (watch) → first request through the ClusterIP | %d | %s | %s |\n",
		len(r.flips), benchutil.Ms(benchutil.Percentile(r.flips, 50)), benchutil.Ms(maxOf(r.flips)))
	fmt.Fprintf(w, "| Service create returned → name resolves at %s | %d | %s | %s |\n",
		r.dnsAddr, len(r.creates), benchutil.Ms(benchutil.Percentile(r.creates, 50)), benchutil.Ms(maxOf(r.creates)))
}

func maxOf(d []time.Duration) time.Duration {
	var m time.Duration
	for i, x := range d {
		if i == 0 || x > m {
			m = x
		}
	}
	return m
}
