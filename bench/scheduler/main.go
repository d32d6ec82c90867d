// Command scheduler benchmarks Marina's scheduler against a real `marina
// server` with hollow nodes (internal/hollownode, in this process): nodes
// that register, renew their leases every 10 s and report bound pods
// Running, without running anything.
//
// For each cluster size and workload it starts a fresh server, registers
// the nodes (in 10 zones), creates the pods from 32 client-go clients as
// fast as the server takes them, and measures from a watch:
//
//   - pods bound per second, from the first create to the last binding;
//   - p50 and p99 of the time from a pod's create call to its binding;
//   - the server's resident memory once every pod is bound.
//
// Workloads: "default" (pods of 100m cpu / 128 MiB, default plugins) and
// "spread" (the same pods in groups of 100, each with a zone spread
// constraint, maxSkew 1, DoNotSchedule).
//
// It also measures the scheduler's core alone, in this process: the cache,
// queue and profile placing the same pods on the same nodes with no API
// server, which is what the scheduler could do if creating and binding
// pods were free.
//
// Usage (from the repository root):
//
//	go run ./bench/scheduler [-sizes 1000x10000,5000x30000] [-workloads default,spread]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
	"github.com/marina-orchestrator/marina/internal/hollownode"
)

const zones = 10

type size struct{ nodes, pods int }

func main() {
	sizes := flag.String("sizes", "1000x10000,5000x30000", "comma-separated NODESxPODS")
	workloads := flag.String("workloads", "default,spread", "default and/or spread")
	clients := flag.Int("clients", 32, "concurrent client-go clients creating pods")
	core := flag.Bool("core", true, "also measure the scheduler's core in this process")
	api := flag.Bool("api", true, "measure against a real marina server")
	coreProfile := flag.String("core-cpuprofile", "", "write a CPU profile of the core measurement to this file")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))

	var ss []size
	for _, s := range strings.Split(*sizes, ",") {
		n, p, ok := strings.Cut(s, "x")
		nodes, err1 := strconv.Atoi(n)
		pods, err2 := strconv.Atoi(p)
		if !ok || err1 != nil || err2 != nil {
			log.Fatalf("-sizes: %q is not NODESxPODS", s)
		}
		ss = append(ss, size{nodes, pods})
	}
	bin, cleanup, err := benchutil.Build()
	if err != nil {
		log.Fatal(err)
	}
	defer cleanup()
	fmt.Printf("Go %s, %d CPUs, %s\n\n", runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	if *api {
		measureAPI(bin, ss, *workloads, *clients)
	}
	if *core {
		if *coreProfile != "" {
			f, err := os.Create(*coreProfile)
			if err != nil {
				log.Fatal(err)
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
			defer pprof.StopCPUProfile()
		}
		fmt.Println()
		fmt.Println("| nodes | pods | workload | core: pods placed/s (no API server) |")
		fmt.Println("|---|---|---|---|")
		for _, s := range ss {
			for _, w := range strings.Split(*workloads, ",") {
				rate, err := measureCore(s, w)
				if err != nil {
					log.Fatal(err)
				}
				fmt.Printf("| %d | %d | %s | %.0f |\n", s.nodes, s.pods, w, rate)
			}
		}
	}
}

func measureAPI(bin string, ss []size, workloads string, clients int) {
	fmt.Println("| nodes | pods | workload | pods bound/s | create→bound p50 | p99 | creates/s | server RSS when all bound |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, s := range ss {
		for _, w := range strings.Split(workloads, ",") {
			r, err := measure(bin, s, w, clients)
			if err != nil {
				log.Fatalf("%d nodes, %d pods, %s: %v", s.nodes, s.pods, w, err)
			}
			fmt.Printf("| %d | %d | %s | %.0f | %s | %s | %.0f | %s |\n", s.nodes, s.pods, w, r.boundPerSec,
				benchutil.Ms(r.p50), benchutil.Ms(r.p99), r.createsPerSec, r.rss)
		}
	}
}

type result struct {
	boundPerSec, createsPerSec float64
	p50, p99                   time.Duration
	rss                        benchutil.Memory
}

// benchPod is pod i of the workload.
func benchPod(w string, i int) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%06d", i), Namespace: "default",
			Labels: map[string]string{"group": fmt.Sprintf("g%d", i/100)}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}}}}},
	}
	if w == "spread" {
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"group": p.Labels["group"]}}}}
	}
	return p
}

func zoneLabels(i int) map[string]string {
	return map[string]string{corev1.LabelTopologyZone: fmt.Sprintf("zone-%d", i%zones)}
}

func measure(bin string, s size, w string, clients int) (result, error) {
	m, err := benchutil.Start(bin, "server")
	if err != nil {
		return result{}, err
	}
	defer m.Remove()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, err := kubernetes.NewForConfig(m.Config)
	if err != nil {
		return result{}, err
	}
	hollow, err := hollownode.Start(ctx, hollownode.Config{Client: client, Prefix: "hollow-", Count: s.nodes,
		Labels: zoneLabels, ReportRunning: true, Workers: 64})
	if err != nil {
		return result{}, err
	}
	defer hollow.Stop()

	// The time each pod is bound, from a watch.
	var mu sync.Mutex
	bound := make(map[string]time.Time, s.pods)
	factory := informers.NewSharedInformerFactory(client, 0)
	inf := factory.Core().V1().Pods().Informer()
	record := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			mu.Lock()
			if _, seen := bound[p.Name]; !seen {
				bound[p.Name] = time.Now()
			}
			mu.Unlock()
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: record, UpdateFunc: func(_, o any) { record(o) }}); err != nil {
		return result{}, err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())

	created := make([]time.Time, s.pods)
	cs := make([]*kubernetes.Clientset, clients)
	for i := range cs {
		if cs[i], err = kubernetes.NewForConfig(m.Config); err != nil {
			return result{}, err
		}
	}
	var createErr error
	var errOnce sync.Once
	t0 := time.Now()
	benchutil.ForEach(s.pods, clients, func(c, i int) bool {
		created[i] = time.Now()
		if _, err := cs[c].CoreV1().Pods("default").Create(ctx, benchPod(w, i), metav1.CreateOptions{}); err != nil {
			errOnce.Do(func() { createErr = err })
			return false
		}
		return true
	})
	if createErr != nil {
		return result{}, fmt.Errorf("create: %w", createErr)
	}
	createdAll := time.Since(t0)
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Minute, true, func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return len(bound) == s.pods, nil
	})
	if err != nil {
		mu.Lock()
		n := len(bound)
		mu.Unlock()
		return result{}, fmt.Errorf("only %d of %d pods bound after 10 minutes; see %s/server.log", n, s.pods, m.Dir)
	}
	r := result{createsPerSec: float64(s.pods) / createdAll.Seconds(), rss: benchutil.RSS(m.Cmd.Process.Pid)}
	var last time.Time
	lat := make([]time.Duration, 0, s.pods)
	for i, c := range created {
		b := bound[benchPod(w, i).Name]
		lat = append(lat, b.Sub(c))
		if b.After(last) {
			last = b
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r.p50, r.p99 = benchutil.Percentile(lat, 50), benchutil.Percentile(lat, 99)
	r.boundPerSec = float64(s.pods) / last.Sub(t0).Seconds()
	return r, nil
}
