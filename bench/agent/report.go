package main

import (
	"fmt"
	"io"
	"time"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// print writes the report in Markdown.
func (r result) print(w io.Writer, b *bench) {
	fmt.Fprintln(w, goVersionLine())
	sandbox := "the pod sandbox image for this marina binary existed already"
	if b.sandboxImage != "" {
		sandbox = "marina built the pod sandbox image " + b.sandboxImage + " for its binary first"
	}
	fmt.Fprintf(w, "\nnode Ready %s after `marina up` started on a fresh data dir; %s\n\n", r.ready.Round(time.Millisecond), sandbox)

	seq := fmt.Sprintf("one at a time (%d)", b.sequential)
	burst := fmt.Sprintf("%d at once, %d clients", b.pods, b.clients)
	fmt.Fprintln(w, "| what | how | p50 | p99 | max | all running after |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	row := func(what, how string, l latencies) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", what, how,
			benchutil.Ms(benchutil.Percentile(l.each, 50)), benchutil.Ms(benchutil.Percentile(l.each, 99)),
			benchutil.Ms(benchutil.Percentile(l.each, 100)), l.total.Round(time.Millisecond))
	}
	row("process pod, create → Running", seq, r.process.seq)
	row("process pod, create → Running", burst, r.process.burst)
	row("docker pod, create → Running", seq, r.docker.seq)
	row("docker pod, create → Running", burst, r.docker.burst)
	row("`docker run -d`", seq, r.peerSeq)
	row("`docker run -d`", burst, r.peerBurst)

	fmt.Fprintf(w, "\nThe %d creates of a burst all returned within %s (process) and %s (docker): the pods then wait in the agent,\n"+
		"while each `docker run -d` of the peer starts only when one of the %d clients is free.\n",
		b.pods, r.process.burst.created.Round(time.Millisecond), r.docker.burst.created.Round(time.Millisecond), b.clients)

	fmt.Fprintln(w, "\n| docker pod ÷ `docker run -d` | p50 | p99 | all running after |")
	fmt.Fprintln(w, "|---|---|---|---|")
	ratio := func(how string, pod, run latencies) {
		q := func(p int) float64 {
			return float64(benchutil.Percentile(pod.each, p)) / float64(benchutil.Percentile(run.each, p))
		}
		fmt.Fprintf(w, "| %s | %.2f× | %.2f× | %.2f× |\n", how, q(50), q(99), float64(pod.total)/float64(run.total))
	}
	ratio(seq, r.docker.seq, r.peerSeq)
	ratio(burst, r.docker.burst, r.peerBurst)

	fmt.Fprintln(w, "\n| state | marina RSS | marina CPU | dockerd CPU | shims |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	cpu := func(p float64) string { return fmt.Sprintf("%.0f%%", p) }
	fmt.Fprintf(w, "| idle | %s | %s | %s | |\n", r.rssIdle, cpu(r.cpuIdle.marina), cpu(r.cpuIdle.dockerd))
	s := r.process.shims
	fmt.Fprintf(w, "| %d process pods running | %s | %s | %s | %d: RSS %s (anon %s), PSS %s; per shim RSS %s, anon %s, PSS %s |\n",
		b.pods, r.process.rss, cpu(r.process.cpu.marina), cpu(r.process.cpu.dockerd),
		s.count, benchutil.MiB(s.total.RSS), benchutil.MiB(s.total.Anon), benchutil.MiB(s.pss),
		mib1(s.total.RSS, s.count), mib1(s.total.Anon, s.count), mib1(s.pss, s.count))
	fmt.Fprintf(w, "| %d docker pods running | %s | %s | %s | |\n",
		b.pods, r.docker.rss, cpu(r.docker.cpu.marina), cpu(r.docker.cpu.dockerd))
	fmt.Fprintln(w, "\nCPU: percent of one core over 10 s, starting 5 s after the last pod was running, while nothing changes.")
	if len(b.leftovers) == 0 {
		fmt.Fprintln(w, "\nCleanup: no container, shim or image of the run left (`docker ps -a` checked).")
	} else {
		fmt.Fprintln(w, "\nCleanup found or left:")
		for _, l := range b.leftovers {
			fmt.Fprintln(w, "-", l)
		}
	}
}

// mib1 is b/n in MiB with one decimal.
func mib1(b int64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/float64(n)/(1<<20))
}
