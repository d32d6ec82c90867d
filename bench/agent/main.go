// Command agent benchmarks Marina's node agent in one run of `marina up`, so
// the figures compare within the same machine state:
//
//   - resident memory of `marina up` idle, with N process pods and with N
//     docker pods running, and of the process pods' shims
//   - process pods: time from the create call returning (the pods are
//     created bound, with spec.nodeName) to the pod observed Running with
//     its container running, one at a time and N at once
//   - docker pods: the same, against `docker run -d` of the same image, one
//     at a time and N at once with the same concurrency
//   - CPU of marina and dockerd while the N pods run and nothing changes
//
// Usage (from the repository root; needs Docker and root):
//
//	go run ./bench/agent [-pods 100] [-sequential 20] [-clients 8]
//
// It prints a Markdown report for docs/benchmarks.md. On failure it prints
// what went wrong with the end of the marina log, removes every pod,
// container and image it made, and keeps the data directory for reading.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

const nodeName = "bench"

func main() {
	pods := flag.Int("pods", 100, "pods started at once, per runtime")
	sequential := flag.Int("sequential", 20, "pods started one at a time, per runtime")
	clients := flag.Int("clients", 8, "concurrent creators (and concurrent `docker run -d`) for the burst")
	timeout := flag.Duration("timeout", 5*time.Minute, "how long each step may take")
	flag.Parse()

	if _, err := os.Stat("/var/run/docker.sock"); err != nil {
		log.Fatal("this benchmark needs Docker: ", err)
	}
	bin, cleanupBin, err := benchutil.Build()
	if err != nil {
		log.Fatal(err)
	}
	defer cleanupBin()
	b := &bench{bin: bin, removeBin: cleanupBin, pods: *pods, sequential: *sequential, clients: *clients, timeout: *timeout,
		runID: fmt.Sprintf("%d", time.Now().UnixNano())}
	r := b.run()
	b.cleanup(false)
	r.print(os.Stdout, b)
}

// bench is one run. Its fatalf ends the run, cleaning up; any goroutine may
// call it.
type bench struct {
	bin                       string
	removeBin                 func() // fatalf's exit skips main's defer
	pods, sequential, clients int
	timeout                   time.Duration
	runID                     string

	m      *benchutil.Marina
	client kubernetes.Interface
	ns     string
	image  string // the test image
	// sandboxImage is the sandbox image this run's marina built, if it
	// did not exist before.
	sandboxImage string
	uids         uidSet

	stopWatch func()      // ends the pods' watch, before marina stops
	failing   atomic.Bool // fatalf was called
	leftovers []string    // what cleanup found left over, or could not remove
}

// result holds every figure of the report.
type result struct {
	ready     time.Duration // node Ready after `marina up` started
	rssIdle   benchutil.Memory
	cpuIdle   cpuUse
	process   runtimeResult
	docker    runtimeResult
	peerSeq   latencies
	peerBurst latencies
}

// runtimeResult is one runtime's figures.
type runtimeResult struct {
	seq, burst latencies
	rss        benchutil.Memory // marina with the burst's pods running
	cpu        cpuUse           // while they run
	shims      shimMemory       // process runtime only
}

func (b *bench) run() result {
	var r result
	ctx := context.Background()
	before := sandboxImages()
	t0 := time.Now()
	m, err := benchutil.Up(b.bin, "--runtimes", "docker,process", "--agent-port", "0", "--node-name", nodeName, "--log-level", "error")
	if err != nil {
		b.fatalf("%v", err)
	}
	b.m = m
	b.client = kubernetes.NewForConfigOrDie(m.Config)
	b.waitNodeReady(ctx)
	r.ready = time.Since(t0)
	for img := range sandboxImages() {
		if !before[img] {
			b.sandboxImage = img
		}
	}
	b.buildImage()
	b.ns = b.createNamespace(ctx)

	time.Sleep(5 * time.Second) // let start-up work settle before measuring idle memory
	r.rssIdle = benchutil.RSS(m.Cmd.Process.Pid)
	r.cpuIdle = measureCPU(m.Cmd.Process.Pid, 10*time.Second)

	wctx, stopWatch := context.WithCancel(ctx)
	b.stopWatch = stopWatch
	w := b.watch(wctx)
	r.process = b.measureRuntime(ctx, w, "process")
	r.docker = b.measureRuntime(ctx, w, "docker")
	r.peerSeq = b.dockerRuns("seq", b.sequential, 1)
	r.peerBurst = b.dockerRuns("burst", b.pods, b.clients)
	return r
}

// measureRuntime starts pods with rt one at a time, then all at once, and
// measures marina and the shims with the latter running.
func (b *bench) measureRuntime(ctx context.Context, w *tracker, rt string) runtimeResult {
	var r runtimeResult
	r.seq = b.startPods(ctx, w, rt, "seq-"+rt, b.sequential, 1)
	b.deletePods(ctx, "seq-"+rt)
	r.burst = b.startPods(ctx, w, rt, rt, b.pods, b.clients)
	time.Sleep(5 * time.Second)
	r.rss = benchutil.RSS(b.m.Cmd.Process.Pid)
	r.cpu = measureCPU(b.m.Cmd.Process.Pid, 10*time.Second)
	if rt == "process" {
		r.shims = measureShims(b.m.Dir)
		if r.shims.count != b.pods {
			b.fatalf("found %d shims for %d running process pods", r.shims.count, b.pods)
		}
	}
	b.deletePods(ctx, rt)
	return r
}

func goVersionLine() string {
	return fmt.Sprintf("Go %s, %d CPUs, %s", runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
}
