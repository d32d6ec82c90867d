package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// latencies are the create→Running times of one batch, and how long the
// whole batch took, from the first create to the last pod Running.
type latencies struct {
	each  []time.Duration
	total time.Duration
	// created is when the last create call returned, from the first.
	created time.Duration
}

// tracker follows the bench namespace's pods through one watch, opened
// before any create, and records when each was first seen running.
type tracker struct {
	mu      sync.Mutex
	running map[string]time.Time
	waiters map[string]chan struct{}
	last    map[string]*corev1.Pod // the newest state seen, for failure reports
}

// watch starts the tracker. The watch resumes from the last event if the
// server ends it.
func (b *bench) watch(ctx context.Context) *tracker {
	pods := b.client.CoreV1().Pods(b.ns)
	list, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		b.fatalf("list pods: %v", err)
	}
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return pods.Watch(ctx, o)
		},
	})
	if err != nil {
		b.fatalf("watch pods: %v", err)
	}
	t := &tracker{running: map[string]time.Time{}, waiters: map[string]chan struct{}{}, last: map[string]*corev1.Pod{}}
	go func() {
		for ev := range rw.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			now := time.Now()
			t.mu.Lock()
			t.last[pod.Name] = pod
			if ev.Type != watch.Deleted && running(pod) {
				if _, seen := t.running[pod.Name]; !seen {
					t.running[pod.Name] = now
					close(t.waiter(pod.Name))
				}
			}
			t.mu.Unlock()
		}
	}()
	return t
}

// running says whether the pod is Running with every container running.
func running(pod *corev1.Pod) bool {
	if pod.Status.Phase != corev1.PodRunning || len(pod.Status.ContainerStatuses) != len(pod.Spec.Containers) {
		return false
	}
	for _, c := range pod.Status.ContainerStatuses {
		if c.State.Running == nil {
			return false
		}
	}
	return true
}

// waiter is closed once the pod is seen running; t.mu is held.
func (t *tracker) waiter(name string) chan struct{} {
	ch, ok := t.waiters[name]
	if !ok {
		ch = make(chan struct{})
		t.waiters[name] = ch
	}
	return ch
}

func (t *tracker) wait(name string) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waiter(name)
}

func (t *tracker) runningAt(name string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.running[name]
}

// startPods creates n pods named prefix-i with runtime rt from c
// goroutines, each create as soon as the goroutine's previous pod is
// created (c > 1) or running (c == 1, one at a time), and returns each
// pod's time from its create call returning to its being seen running.
func (b *bench) startPods(ctx context.Context, w *tracker, rt, prefix string, n, c int) latencies {
	created := make([]time.Time, n)
	t0 := time.Now()
	deadline := time.After(b.timeout)
	benchutil.ForEach(n, c, func(_, i int) bool {
		if b.failing.Load() {
			return false
		}
		name := fmt.Sprintf("%s-%d", prefix, i)
		p, err := b.client.CoreV1().Pods(b.ns).Create(ctx, b.pod(rt, prefix, name), metav1.CreateOptions{})
		if err != nil {
			b.fatalf("create pod %s: %v", name, err)
		}
		created[i] = time.Now()
		b.uids.add(string(p.UID))
		if c == 1 {
			select {
			case <-w.wait(name):
			case <-deadline:
				b.failPods(w, prefix, n)
			}
		}
		return true
	})
	var l latencies
	l.created = time.Since(t0)
	for i := 0; i < n; i++ {
		select {
		case <-w.wait(fmt.Sprintf("%s-%d", prefix, i)):
		case <-deadline:
			b.failPods(w, prefix, n)
		}
	}
	var last time.Time
	for i := 0; i < n; i++ {
		at := w.runningAt(fmt.Sprintf("%s-%d", prefix, i))
		l.each = append(l.each, at.Sub(created[i]))
		if at.After(last) {
			last = at
		}
	}
	l.total = last.Sub(t0)
	return l
}

// failPods ends the run with what the pods of a batch that are not running
// are doing.
func (b *bench) failPods(w *tracker, prefix string, n int) {
	w.mu.Lock()
	var lines []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		if _, ok := w.running[name]; ok {
			continue
		}
		lines = append(lines, fmt.Sprintf("  %s: %s", name, describe(w.last[name])))
	}
	w.mu.Unlock()
	sort.Strings(lines)
	missing := len(lines)
	if len(lines) > 20 {
		lines = append(lines[:20], fmt.Sprintf("  ... and %d more", len(lines)-20))
	}
	b.fatalf("%d of %d pods %s-* not running after %s:\n%s%s", missing, n, prefix, b.timeout,
		strings.Join(lines, "\n"), b.events(prefix))
}

// describe is a pod's phase and container states in one line.
func describe(p *corev1.Pod) string {
	if p == nil {
		return "never seen by the watch"
	}
	s := fmt.Sprintf("phase %q", p.Status.Phase)
	for _, c := range p.Status.ContainerStatuses {
		switch {
		case c.State.Waiting != nil:
			s += fmt.Sprintf(", %s waiting: %s %s", c.Name, c.State.Waiting.Reason, c.State.Waiting.Message)
		case c.State.Terminated != nil:
			s += fmt.Sprintf(", %s terminated: %s exit %d %s", c.Name, c.State.Terminated.Reason, c.State.Terminated.ExitCode, c.State.Terminated.Message)
		case c.State.Running != nil:
			s += fmt.Sprintf(", %s running", c.Name)
		}
	}
	return s
}

// events lists the Warning events of the batch's pods, for a failure
// report.
func (b *bench) events(prefix string) string {
	list, err := b.client.CoreV1().Events(b.ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		return "\nevents: " + err.Error()
	}
	var out []string
	for _, e := range list.Items {
		if e.Type == corev1.EventTypeWarning && strings.HasPrefix(e.InvolvedObject.Name, prefix+"-") {
			out = append(out, fmt.Sprintf("  %s %s: %s (x%d)", e.InvolvedObject.Name, e.Reason, e.Message, e.Count))
		}
	}
	if len(out) == 0 {
		return "\nno Warning events for them"
	}
	if len(out) > 20 {
		out = append(out[:20], fmt.Sprintf("  ... and %d more", len(out)-20))
	}
	return "\nWarning events:\n" + strings.Join(out, "\n")
}

// pod is a bench pod, created bound to the node: a `sleep 3600` for the
// process runtime, the test image's web server for docker.
func (b *bench) pod(rt, batch, name string) *corev1.Pod {
	c := corev1.Container{Name: "main", Image: "local", Command: []string{"sleep", "3600"}}
	if rt == "docker" {
		c = corev1.Container{Name: "main", Image: b.image, ImagePullPolicy: corev1.PullNever}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"batch": batch}},
		Spec: corev1.PodSpec{
			NodeName:                      nodeName,
			RuntimeClassName:              ptr.To(rt),
			TerminationGracePeriodSeconds: ptr.To[int64](5),
			Containers:                    []corev1.Container{c},
		},
	}
}

// deletePods deletes a batch and waits until its pods are gone, which is
// when the agent has stopped and removed their containers.
func (b *bench) deletePods(ctx context.Context, batch string) {
	pods := b.client.CoreV1().Pods(b.ns)
	sel := metav1.ListOptions{LabelSelector: "batch=" + batch}
	if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{}, sel); err != nil {
		b.fatalf("delete pods %s-*: %v", batch, err)
	}
	deadline := time.Now().Add(b.timeout)
	for {
		list, err := pods.List(ctx, sel)
		if err != nil {
			b.fatalf("list pods: %v", err)
		}
		if len(list.Items) == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.fatalf("%d pods %s-* still there %s after their deletion, e.g. %s: %s", len(list.Items), batch, b.timeout,
				list.Items[0].Name, describe(&list.Items[0]))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *bench) createNamespace(ctx context.Context) string {
	ns := "bench-agent"
	if _, err := b.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.fatalf("create namespace: %v", err)
	}
	return ns
}

// waitNodeReady waits for the agent to register the node and report it
// Ready.
func (b *bench) waitNodeReady(ctx context.Context) {
	deadline := time.Now().Add(b.timeout)
	for {
		n, err := b.client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err == nil {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					if n.Labels["runtime.marina.io/docker"] != "true" {
						b.fatalf("node %s does not offer the docker runtime: labels %v", nodeName, n.Labels)
					}
					return
				}
			}
		}
		if time.Now().After(deadline) {
			b.fatalf("node %s not Ready after %s (last error: %v)", nodeName, b.timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uidSet is every pod UID the run created, so that cleanup can find their
// containers whatever happened to the pods.
type uidSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func (u *uidSet) add(uid string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[string]bool{}
	}
	u.m[uid] = true
}

func (u *uidSet) has(uid string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.m[uid]
}
