package main

import (
	"fmt"
	"io"
	"time"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

type report struct {
	marina []times
	swarm  times
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func ratio(a, b time.Duration) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a.Seconds()/b.Seconds())
}

func (r report) print(w io.Writer, b *bench) {
	fmt.Fprintf(w, "Workloads: %d replicas of a static Go web server; %s, %s. Ratios are Marina's time over Swarm's (below 1: Marina is faster).\n\n",
		b.replicas, goVersion(), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintln(w, "| | create → all available | rolling update, surge 25% | replacement ready p50 | p90 |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, m := range append(r.marina, r.swarm) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", m.name, secs(m.create), secs(m.update),
			benchutil.Ms(benchutil.Percentile(m.replaced, 50)), benchutil.Ms(benchutil.Percentile(m.replaced, 90)))
	}
	for _, m := range r.marina {
		fmt.Fprintf(w, "| %s / Swarm | %s | %s | %s | %s |\n", m.name, ratio(m.create, r.swarm.create), ratio(m.update, r.swarm.update),
			ratio(benchutil.Percentile(m.replaced, 50), benchutil.Percentile(r.swarm.replaced, 50)),
			ratio(benchutil.Percentile(m.replaced, 90), benchutil.Percentile(r.swarm.replaced, 90)))
	}
	fmt.Fprintf(w, "\nSwarm's default `docker service update --image` (one task at a time, stop-first): %s.\n", secs(r.swarm.updateD))
}
