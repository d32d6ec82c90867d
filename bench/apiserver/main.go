// Command apiserver benchmarks Marina's API server on each storage backend
// in one run, so the figures compare within the same machine state:
//
//   - time from `marina up` to /readyz = 200
//   - resident memory idle, and after the pods below are stored
//   - pod creates per second and p50/p99 latency, N concurrent client-go clients
//   - watch delivery latency from a create to W watchers
//
// Usage (from the repository root):
//
//	go run ./bench/apiserver [-backends bolt,etcd] [-pods 10000] [-clients 32] [-watchers 100]
//
// For etcd the benchmark starts an embedded etcd in its own process, on the
// same machine, as a small installation would run it. It prints a Markdown
// report for docs/benchmarks.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

func main() {
	backends := flag.String("backends", "bolt,etcd", "comma-separated backends to measure")
	pods := flag.Int("pods", 10000, "pods to create")
	clients := flag.Int("clients", 32, "concurrent client-go clients")
	watchers := flag.Int("watchers", 100, "watchers for the delivery latency")
	events := flag.Int("events", 300, "changes sent to the watchers")
	starts := flag.Int("starts", 5, "startups timed per backend")
	flag.Parse()

	bin, cleanup, err := benchutil.Build()
	if err != nil {
		log.Fatal(err)
	}
	defer cleanup()
	fmt.Printf("Go %s, %d CPUs, %s\n\n", runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	fmt.Println("| backend | ready after `up` (median of", *starts, ") | RSS idle | RSS after", *pods, "pods | creates/s | create p50 | create p99 | watch p50 | watch p99 |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, backend := range strings.Split(*backends, ",") {
		r := measure(bin, backend, *pods, *clients, *watchers, *events, *starts)
		fmt.Printf("| %s | %s | %s | %s | %.0f | %s | %s | %s | %s |\n", backend,
			r.ready.Round(time.Millisecond), r.rssIdle, r.rssLoaded, r.createsPerSec,
			benchutil.Ms(r.createP50), benchutil.Ms(r.createP99), benchutil.Ms(r.watchP50), benchutil.Ms(r.watchP99))
	}
}

type result struct {
	ready                time.Duration
	rssIdle, rssLoaded   benchutil.Memory
	createsPerSec        float64
	createP50, createP99 time.Duration
	watchP50, watchP99   time.Duration
}

func measure(bin, backend string, pods, clients, watchers, events, starts int) result {
	var r result
	var etcdURL string
	if backend == "etcd" {
		var stop func()
		etcdURL, stop = startEtcd()
		defer stop()
	}
	// Startup: a fresh data dir each time, so first-start work (keys,
	// certificates, bootstrap objects) is included.
	var readies []time.Duration
	for i := 0; i < starts; i++ {
		p := start(bin, backend, etcdURL, i)
		readies = append(readies, p.Ready)
		p.Remove()
	}
	r.ready = benchutil.Percentile(readies, 50)

	p := start(bin, backend, etcdURL, starts)
	defer p.Remove()
	time.Sleep(3 * time.Second) // let start-up work settle before measuring idle memory
	r.rssIdle = benchutil.RSS(p.Cmd.Process.Pid)

	r.watchP50, r.watchP99 = watchLatency(p.Config, watchers, events)

	lat, elapsed := createPods(p.Config, pods, clients)
	r.createsPerSec = float64(pods) / elapsed.Seconds()
	r.createP50, r.createP99 = benchutil.Percentile(lat, 50), benchutil.Percentile(lat, 99)
	runtime.GC()
	time.Sleep(2 * time.Second)
	r.rssLoaded = benchutil.RSS(p.Cmd.Process.Pid)
	return r
}

func start(bin, backend, etcdURL string, run int) *benchutil.Marina {
	// The process runtime only: this measures the control plane, and
	// should neither build nor leave a docker sandbox image.
	args := []string{"--datastore", backend, "--log-level", "error", "--runtimes", "process", "--agent-port", "0"}
	if etcdURL != "" {
		// All starts share one etcd: after the first, the bootstrap
		// objects already exist.
		args = append(args, "--etcd-endpoints", etcdURL)
	}
	p, err := benchutil.Up(bin, args...)
	if err != nil {
		log.Fatalf("%s run %d: %v", backend, run, err)
	}
	return p
}

// createPods creates n pods from c clients, each with its own connection,
// and returns every create's latency and the total time.
func createPods(cfg *rest.Config, n, c int) ([]time.Duration, time.Duration) {
	ctx := context.Background()
	ns := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	admin := kubernetes.NewForConfigOrDie(cfg)
	if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		log.Fatal(err)
	}
	lat := make([]time.Duration, n)
	clients := make([]*kubernetes.Clientset, c) // a connection each
	for w := range clients {
		clients[w] = kubernetes.NewForConfigOrDie(rest.CopyConfig(cfg))
	}
	t0 := time.Now()
	benchutil.ForEach(n, c, func(w, i int) bool {
		start := time.Now()
		if _, err := clients[w].CoreV1().Pods(ns).Create(ctx, benchPod(i), metav1.CreateOptions{}); err != nil {
			log.Fatalf("create pod %d: %v", i, err)
		}
		lat[i] = time.Since(start)
		return true
	})
	return lat, time.Since(t0)
}

// benchPod is a typical small pod: one container, ports, env, resources.
func benchPod(i int) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Labels: map[string]string{"app": "web", "shard": strconv.Itoa(i % 16)}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "web",
			Image: "registry.local/web:1.4.2",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			Env:   []corev1.EnvVar{{Name: "MODE", Value: "production"}, {Name: "LOG_LEVEL", Value: "info"}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: mustQ("100m"), corev1.ResourceMemory: mustQ("64Mi")},
			},
		}}},
	}
}

// watchLatency opens w watchers on one namespace, sends changes one at a
// time, and measures from just before each create to its arrival at each
// watcher.
func watchLatency(cfg *rest.Config, w, events int) (time.Duration, time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := fmt.Sprintf("watch-%d", time.Now().UnixNano())
	admin := kubernetes.NewForConfigOrDie(cfg)
	if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	sent := map[string]time.Time{}
	var lat []time.Duration
	var ready, done sync.WaitGroup
	for i := 0; i < w; i++ {
		client := kubernetes.NewForConfigOrDie(rest.CopyConfig(cfg))
		wi, err := client.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{})
		if err != nil {
			log.Fatal(err)
		}
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			got := 0
			for ev := range wi.ResultChan() {
				if ev.Type != watch.Added {
					continue
				}
				now := time.Now()
				name := ev.Object.(*corev1.ConfigMap).Name
				mu.Lock()
				lat = append(lat, now.Sub(sent[name]))
				mu.Unlock()
				if got++; got == events {
					wi.Stop()
				}
			}
		}()
	}
	ready.Wait()
	time.Sleep(time.Second) // every watch is established
	for i := 0; i < events; i++ {
		name := fmt.Sprintf("cm-%d", i)
		mu.Lock()
		sent[name] = time.Now()
		mu.Unlock()
		if _, err := admin.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			log.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	done.Wait()
	return benchutil.Percentile(lat, 50), benchutil.Percentile(lat, 99)
}

func startEtcd() (string, func()) {
	cfg := embed.NewConfig()
	dir, err := os.MkdirTemp("", "marina-bench-etcd")
	if err != nil {
		log.Fatal(err)
	}
	cfg.Dir = dir
	cfg.LogLevel = "error"
	cu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", benchutil.FreePort()))
	pu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", benchutil.FreePort()))
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		log.Fatal(err)
	}
	<-e.Server.ReadyNotify()
	return cu.String(), func() { e.Close(); os.RemoveAll(dir) }
}

func mustQ(s string) resource.Quantity { return resource.MustParse(s) }
