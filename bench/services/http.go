package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// httpTarget is a way to the backends.
type httpTarget struct {
	name, url string
	cpu       cpuMeter // the proxy's processes; nil for direct
}

// httpResult is one load run against one target.
type httpResult = loadResult // errors: non-2xx/3xx responses, socket errors, timeouts

// loadResult is what one load run measured: requests or queries per
// second, latency percentiles, errors, and the cores the server (proxy or
// DNS) used meanwhile.
type loadResult struct {
	rate     float64
	p50, p99 time.Duration
	cpu      float64
	errors   int64
}

// Names of the targets the report compares.
const (
	targetDirect      = "direct (one pod)"
	targetMarina      = "Marina ClusterIP (L4)"
	targetHAProxyTCP  = "HAProxy tcp"
	targetHAProxyHTTP = "HAProxy http"
)

// targets are the ways to the backends; the direct one reaches one
// backend only.
func targets(c *cluster, p *peers) []httpTarget {
	return []httpTarget{
		{targetDirect, "http://" + c.pods[0].ip + ":8080/", nil},
		{targetMarina, "http://" + c.clusterIP + "/", c.cpu()},
		{targetHAProxyTCP, "http://" + p.haproxyTCP + "/", p.cpu["haproxy"]},
		{targetHAProxyHTTP, "http://" + p.haproxyHTTP + "/", p.cpu["haproxy"]},
		{"nginx", "http://" + p.nginx + "/", p.cpu["nginx"]},
	}
}

// measureHTTP runs every load level against every target, rounds times,
// reversing the targets' order every other run so that none always runs
// first or last.
func measureHTTP(ctx context.Context, cfg config, log *slog.Logger, r *report, c *cluster, p *peers) error {
	ts := targets(c, p)
	for _, t := range ts {
		r.httpTargets = append(r.httpTargets, t.name)
	}
	type level struct {
		name string
		run  func(url string) (httpResult, error)
	}
	var levels []level
	if cfg.rate > 0 {
		levels = append(levels, level{fmt.Sprintf("fixed %d req/s, %d conns", cfg.rate, cfg.rateConns),
			func(url string) (httpResult, error) {
				return fixedRate(ctx, url, cfg.rate, cfg.rateConns, cfg.duration)
			}})
	}
	for _, n := range cfg.conns {
		levels = append(levels, level{fmt.Sprintf("wrk -c%d", n),
			func(url string) (httpResult, error) { return runWrk(ctx, url, n, cfg.duration) }})
	}
	k := 0
	for round := range cfg.rounds {
		for _, l := range levels {
			order := slices.Clone(ts)
			if k%2 == 1 {
				slices.Reverse(order)
			}
			k++
			for _, t := range order {
				var res httpResult
				cpu, err := measureCPU(t.cpu, func() (err error) {
					res, err = l.run(t.url)
					return err
				})
				res.cpu = cpu
				if err != nil {
					return fmt.Errorf("%s, %s: %w", t.name, l.name, err)
				}
				log.Info("http", "round", round+1, "load", l.name, "target", t.name,
					"req/s", int(res.rate), "p50", res.p50, "p99", res.p99, "errors", res.errors, "cpu", fmt.Sprintf("%.2f", cpu))
				r.addHTTP(l.name, t.name, res)
			}
		}
	}
	return nil
}

// runWrk runs wrk with 2 threads and conns connections, without a Lua
// script, and reads its summary.
func runWrk(ctx context.Context, url string, conns int, d time.Duration) (httpResult, error) {
	args := []string{"--latency", "-t2", "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--timeout", "2s", url}
	out, err := exec.CommandContext(ctx, "wrk", args...).CombinedOutput()
	if err != nil {
		return httpResult{}, fmt.Errorf("wrk %s: %w: %s", strings.Join(args, " "), err, out)
	}
	res, err := parseWrk(string(out))
	if err != nil {
		return res, fmt.Errorf("wrk output: %w:\n%s", err, out)
	}
	return res, nil
}

// parseWrk reads requests/s, the 50th and 99th percentiles of
// --latency's distribution, and the errors from wrk's output.
func parseWrk(out string) (httpResult, error) {
	var res httpResult
	var haveRate, have50, have99 bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "Requests/sec:") && len(f) == 2:
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return res, fmt.Errorf("requests/sec %q: %w", f[1], err)
			}
			res.rate, haveRate = v, true
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := time.ParseDuration(f[1]) // wrk's units (us, ms, s, m) are Go's
			if err != nil {
				return res, fmt.Errorf("latency %q: %w", f[1], err)
			}
			if f[0] == "50%" {
				res.p50, have50 = d, true
			} else {
				res.p99, have99 = d, true
			}
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:") && len(f) == 4:
			n, _ := strconv.ParseInt(f[3], 10, 64)
			res.errors += n
		case strings.HasPrefix(line, "Socket errors:"):
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 2; i+1 < len(f); i += 2 {
				n, _ := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
				res.errors += n
			}
		}
	}
	if !haveRate || !have50 || !have99 {
		return res, fmt.Errorf("no Requests/sec or 50%%/99%% latency")
	}
	return res, nil
}

// fixedRate sends rate requests/s for d over conns kept-alive connections,
// open loop: request i is due at start + i/rate, and its latency counts
// from then, so time spent waiting for a free connection counts too (no
// coordinated omission).
func fixedRate(ctx context.Context, url string, rate, conns int, d time.Duration) (httpResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 2 * time.Second}
	n := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	lat := make([][]time.Duration, conns)
	var errs atomic.Int64
	start := time.Now().Add(10 * time.Millisecond)
	benchutil.ForEach(n, conns, func(w, i int) bool {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		if ctx.Err() != nil {
			return false
		}
		if err := get(client, url); err != nil {
			errs.Add(1)
			return true
		}
		lat[w] = append(lat[w], time.Since(due))
		return true
	})
	if err := ctx.Err(); err != nil {
		return httpResult{}, err
	}
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return httpResult{}, fmt.Errorf("all %d requests failed", n)
	}
	return httpResult{
		rate:   float64(len(all)) / elapsed.Seconds(),
		p50:    benchutil.Percentile(all, 50),
		p99:    benchutil.Percentile(all, 99),
		errors: errs.Load(),
	}, nil
}

// get fetches url and reads the whole body.
func get(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}
