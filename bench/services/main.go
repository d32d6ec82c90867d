// Command services benchmarks Marina's services against established
// peers, all measured in one run on one machine:
//
//   - the service proxy: HTTP to two process pods running a tiny static
//     server, directly (one pod), through the Service's ClusterIP, through
//     nginx, and through HAProxy in http and in tcp mode; with wrk at 16
//     and at 128 connections, and with an open-loop generator at a fixed
//     rate (wrk cannot hold one), so that latencies compare at equal load
//   - the cluster DNS: A queries of 100 service names over UDP from 2 and
//     16 closed-loop workers, against dnsmasq serving the same names
//   - how long a pod that becomes ready waits for the proxy's traffic,
//     and a new Service for its name to resolve
//
// Usage (from the repository root, as root; needs wrk, nginx, haproxy and
// dnsmasq):
//
//	go run ./bench/services [-duration 10s] [-rounds 2] [-rate 2000]
//
// It prints a Markdown report for docs/benchmarks.md; progress goes to
// stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// config is the benchmark's configuration, from its flags.
type config struct {
	duration   time.Duration // of each load run
	rounds     int           // of every load run, alternating the targets' order
	conns      []int         // wrk's connection counts
	rate       int           // requests/s of the fixed-rate run; 0: none
	rateConns  int           // its connections
	dnsWorkers []int         // closed-loop DNS workers
	services   int           // names the DNS serves
	flips      int           // readiness flips timed
	creates    int           // services created and timed to resolve
	timeout    time.Duration // for each wait on Marina
	// serviceCIDR is marina's --service-cidr. Not the default: other
	// clusters on the machine (tests) use that, their devices would hold
	// the same cluster IPs and DNS address, and their proxies and DNS
	// (SO_REUSEPORT) would take part of the load.
	serviceCIDR string
	keepData    bool // keep marina's data directory (and its log) after a good run too
}

func (c config) validate() error {
	var errs []error
	if c.duration < time.Second {
		errs = append(errs, errors.New("-duration: at least 1s (wrk counts whole seconds)"))
	}
	if c.rounds < 1 {
		errs = append(errs, errors.New("-rounds: at least 1"))
	}
	if len(c.conns) == 0 {
		errs = append(errs, errors.New("-conns: at least one count"))
	}
	if c.rate < 0 || c.rateConns < 1 {
		errs = append(errs, errors.New("-rate: 0 or more, -rate-conns: at least 1"))
	}
	if len(c.dnsWorkers) == 0 {
		errs = append(errs, errors.New("-dns-workers: at least one count"))
	}
	if c.services < 1 || c.flips < 1 || c.creates < 1 {
		errs = append(errs, errors.New("-services, -flips, -creates: at least 1"))
	}
	return errors.Join(errs...)
}

// tools are the programs the benchmark runs.
var tools = []string{"wrk", "nginx", "haproxy", "dnsmasq"}

func main() {
	var cfg config
	var conns, dnsWorkers string
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each load run")
	flag.IntVar(&cfg.rounds, "rounds", 2, "times every load run is repeated; the targets' order alternates")
	flag.StringVar(&conns, "conns", "16,128", "wrk connection counts")
	flag.IntVar(&cfg.rate, "rate", 2000, "requests/s of the fixed-rate run (0: none)")
	flag.IntVar(&cfg.rateConns, "rate-conns", 16, "connections of the fixed-rate run")
	flag.StringVar(&dnsWorkers, "dns-workers", "2,16", "concurrent DNS workers")
	flag.IntVar(&cfg.services, "services", 100, "services whose names the DNS serves")
	flag.IntVar(&cfg.flips, "flips", 10, "times a pod turns unready and ready again")
	flag.IntVar(&cfg.creates, "creates", 20, "services created one at a time and timed until they resolve")
	flag.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "how long each wait on Marina may take")
	flag.StringVar(&cfg.serviceCIDR, "service-cidr", "10.143.0.0/16", "marina's service network, apart from other clusters' on this machine; the DNS takes its tenth address")
	flag.BoolVar(&cfg.keepData, "keep-data", false, "keep marina's data directory, with its server.log (it is kept anyway if the run fails)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var err error
	if cfg.conns, err = ints(conns); err == nil {
		cfg.dnsWorkers, err = ints(dnsWorkers)
	}
	if err == nil {
		err = cfg.validate()
	}
	if err != nil {
		log.Error("bad flags", "err", err)
		os.Exit(2)
	}
	if err := preflight(); err != nil {
		log.Error("cannot run", "err", err)
		os.Exit(1)
	}
	// Children run in their own process groups, so an interrupt reaches
	// only the benchmark, which then stops them in order.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := run(ctx, cfg, log)
	if err != nil {
		log.Error("benchmark failed", "err", err)
		os.Exit(1)
	}
	r.print(os.Stdout)
}

// preflight checks that the benchmark runs as root with its tools.
func preflight() error {
	if os.Geteuid() != 0 {
		return errors.New("run as root: the cluster IPs go on a network device of the node")
	}
	var missing []string
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s; install with: apt-get install -y wrk haproxy nginx-light dnsmasq-base", strings.Join(missing, ", "))
	}
	return nil
}

// run sets everything up, measures, and takes everything down again,
// also when a step fails.
func run(ctx context.Context, cfg config, log *slog.Logger) (r *report, err error) {
	var undo cleanups
	defer undo.run()

	bin, removeBin, err := benchutil.Build()
	if err != nil {
		return nil, err
	}
	undo.add(removeBin)
	work, err := os.MkdirTemp("", "marina-bench-services")
	if err != nil {
		return nil, err
	}
	undo.add(func() { os.RemoveAll(work) })
	backend, err := buildBackend(work)
	if err != nil {
		return nil, err
	}

	log.Info("starting marina up")
	c, err := startCluster(ctx, bin, backend, work, cfg, log)
	if c != nil {
		device := c.deviceName()
		// Runs before the teardown (which removes the device).
		defer func() {
			if err != nil && device != "" && !deviceExists(device) {
				err = fmt.Errorf("%w (the device %s of the cluster IPs was removed during the run by something else on this machine)", err, device)
			}
		}()
		// Registered before the error check: a half-started cluster is
		// taken down too. Its data directory stays if the run fails.
		undo.add(func() { c.teardown(log, err != nil || cfg.keepData, bin, backend) })
	}
	if err != nil {
		return nil, err
	}

	peers, err := startPeers(work, c)
	undo.add(peers.stop)
	if err != nil {
		return nil, err
	}

	r = newReport(cfg, c)
	if err := measureHTTP(ctx, cfg, log, r, c, peers); err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	if err := measureDNS(ctx, cfg, log, r, c, peers); err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	log.Info("timing readiness flips", "flips", cfg.flips)
	if r.flips, err = c.timeFlips(ctx, cfg.flips, log); err != nil {
		return nil, fmt.Errorf("readiness: %w", err)
	}
	log.Info("timing new services until they resolve", "services", cfg.creates)
	if r.creates, err = c.timeCreates(ctx, cfg.creates); err != nil {
		return nil, fmt.Errorf("service names: %w", err)
	}
	return r, nil
}

// cleanups are undone in reverse order.
type cleanups []func()

func (u *cleanups) add(f func()) { *u = append(*u, f) }

func (u *cleanups) run() {
	for i := len(*u) - 1; i >= 0; i-- {
		(*u)[i]()
	}
}

// ints parses a comma-separated list of positive integers.
func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want positive integers separated by commas", s)
		}
		out = append(out, n)
	}
	return out, nil
}
