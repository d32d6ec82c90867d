package queue

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/marina-orchestrator/marina/internal/scheduler/fairshare"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Unix(1000, 0)} }
func pod(ns, name string, prio int32) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "/" + name)},
		Spec: corev1.PodSpec{Priority: &prio}}
}

func popAll(q *Queue) []string {
	var out []string
	for p := q.TryPop(); p != nil; p = q.TryPop() {
		out = append(out, p.Name)
		q.Done(p)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOrderPriorityThenAge(t *testing.T) {
	c := newClock()
	q := New(nil, c.now)
	for _, p := range []*corev1.Pod{pod("a", "old-low", 0), pod("a", "high", 100), pod("b", "mid", 10)} {
		q.Add(p)
		c.advance(time.Second)
	}
	q.Add(pod("a", "young-low", 0))
	if got, want := popAll(q), []string{"high", "mid", "old-low", "young-low"}; !equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestOrderFairShare(t *testing.T) {
	c := newClock()
	shares := map[string]float64{"heavy": 0.6, "light": 0.1}
	q := New(func(ns string) float64 { return shares[ns] }, c.now)
	q.Add(pod("heavy", "h1", 0))
	c.advance(time.Second)
	q.Add(pod("light", "l1", 0))
	c.advance(time.Second)
	q.Add(pod("heavy", "h2", 5)) // priority still comes first
	if got, want := popAll(q), []string{"h2", "l1", "h1"}; !equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	// Without fair sharing the older pod goes first.
	q = New(nil, c.now)
	q.Add(pod("heavy", "h1", 0))
	c.advance(time.Second)
	q.Add(pod("light", "l1", 0))
	if got, want := popAll(q), []string{"h1", "l1"}; !equal(got, want) {
		t.Errorf("without fair sharing: %v, want %v", got, want)
	}
}

func TestUnschedulableWaitsForAnEventAndItsBackoff(t *testing.T) {
	c := newClock()
	q := New(nil, c.now)
	p := pod("a", "p", 0)
	q.Add(p)
	if q.TryPop() == nil {
		t.Fatal("nothing to pop")
	}
	q.Unschedulable(p)
	c.advance(time.Minute)
	if q.TryPop() != nil {
		t.Fatal("an unschedulable pod came back without a cluster event")
	}
	q.MoveAll()
	if q.TryPop() == nil {
		t.Fatal("after an event and the back-off the pod should be retried")
	}
	// Second failure: 2 s back-off even if an event comes at once.
	q.Unschedulable(p)
	q.MoveAll()
	if q.TryPop() != nil {
		t.Fatal("retried within its back-off")
	}
	c.advance(2 * time.Second)
	if q.TryPop() == nil {
		t.Fatal("not retried after its back-off")
	}
	// Long parked pods are retried anyway.
	q.Unschedulable(p)
	c.advance(MaxUnschedulable)
	q.Tick()
	if q.TryPop() == nil {
		t.Fatal("not retried after MaxUnschedulable")
	}
}

func TestUpdateAndDelete(t *testing.T) {
	c := newClock()
	q := New(nil, c.now)
	p := pod("a", "p", 0)
	q.Add(p)
	q.TryPop()
	q.Unschedulable(p)
	c.advance(time.Minute)
	// The user edits the pod (say its node selector): it is retried.
	q.Add(pod("a", "p", 0))
	if q.TryPop() == nil {
		t.Fatal("an updated pod should be retried")
	}
	q.Retry(p)
	q.Delete(p)
	c.advance(time.Minute)
	if a, u := q.Len(); a != 0 || u != 0 || q.TryPop() != nil {
		t.Errorf("a deleted pod is still queued: %d active, %d unschedulable", a, u)
	}
}

func TestPopBlocksUntilAddOrClose(t *testing.T) {
	q := New(nil, nil)
	got := make(chan *corev1.Pod)
	go func() { got <- q.Pop() }()
	q.Add(pod("a", "p", 0))
	if p := <-got; p == nil || p.Name != "p" {
		t.Fatalf("Pop = %v", p)
	}
	go func() { got <- q.Pop() }()
	q.Close()
	if p := <-got; p != nil {
		t.Fatalf("Pop after Close = %v", p)
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 20: 10 * time.Second} {
		if got := Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestDeleteAndUpdateWhereverThePodIs(t *testing.T) {
	c := newClock()
	q := New(nil, c.now)
	a, b, d := pod("ns", "a", 0), pod("ns", "b", 0), pod("ns", "d", 0)
	for _, p := range []*corev1.Pod{a, b, d} {
		q.Add(p)
	}
	// a backs off, b is parked, d stays eligible; then all three go.
	q.Retry(q.TryPop())
	q.Unschedulable(q.TryPop())
	for _, p := range []*corev1.Pod{a, b, d} {
		q.Delete(p)
	}
	c.advance(time.Minute)
	q.MoveAll()
	if got := popAll(q); len(got) != 0 {
		t.Errorf("deleted pods popped: %v", got)
	}
	if act, un := q.Len(); act != 0 || un != 0 {
		t.Errorf("Len = %d, %d after deleting everything", act, un)
	}
	// An update of a pod backing off keeps its back-off but takes the new
	// priority into account once eligible.
	q.Add(a)
	q.Add(b)
	q.Retry(q.TryPop()) // a
	q.Add(pod("ns", "a", 50))
	if got := popAll(q); !equal(got, []string{"b"}) {
		t.Errorf("during a's back-off popped %v, want [b]", got)
	}
	c.advance(InitialBackoff)
	if got := q.TryPop(); got == nil || got.Name != "a" || *got.Spec.Priority != 50 {
		t.Errorf("after the back-off popped %v, want the updated a", got)
	}
}

// BenchmarkPop pops 30,000 pending pods of 100 namespaces with fair
// sharing on: the cost the scheduling loop pays per pod.
func BenchmarkPop(b *testing.B) {
	const pods, namespaces = 30000, 100
	shares := make(map[string]float64, namespaces)
	for b.Loop() {
		b.StopTimer()
		q := New(func(ns string) float64 { return shares[ns] }, nil)
		for i := range pods {
			ns := "ns" + strconv.Itoa(i%namespaces)
			q.Add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p", UID: types.UID(strconv.Itoa(i))}})
		}
		b.StartTimer()
		for range pods {
			p := q.TryPop()
			shares[p.Namespace] += 0.0001
			q.Done(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pods), "ns/pod")
}

// TestDRFWorkedExample drives the queue with fairshare's shares, as the
// scheduler does: 9 CPUs and 18 GiB; namespace A's pods need 1 CPU and
// 4 GiB, B's 3 CPUs and 1 GiB; all wait at once. A pod that no longer
// fits is parked, as the scheduler parks it.
func TestDRFWorkedExample(t *testing.T) {
	const gi = int64(1) << 30
	run := func(weightA float64) (a, b int) {
		total := framework.Resource{MilliCPU: 9000, Memory: 18 * gi}
		shares := fairshare.New(total)
		shares.SetWeight("A", weightA)
		demand := map[string]framework.Resource{"A": {MilliCPU: 1000, Memory: 4 * gi}, "B": {MilliCPU: 3000, Memory: 1 * gi}}
		c := newClock()
		q := New(shares.Dominant, c.now)
		for i := range 6 {
			q.Add(pod("A", fmt.Sprintf("a%d", i), 0))
			q.Add(pod("B", fmt.Sprintf("b%d", i), 0))
		}
		var used framework.Resource
		count := map[string]int{}
		for p := q.TryPop(); p != nil; p = q.TryPop() {
			r := demand[p.Namespace]
			if used.MilliCPU+r.MilliCPU > total.MilliCPU || used.Memory+r.Memory > total.Memory {
				q.Unschedulable(p)
				continue
			}
			used.Add(r)
			shares.Add(p.Namespace, r)
			count[p.Namespace]++
			q.Done(p)
		}
		return count["A"], count["B"]
	}
	if a, b := run(1); a != 3 || b != 2 {
		t.Errorf("equal weights: A %d, B %d; want A 3, B 2 (both dominant shares 2/3)", a, b)
	}
	// With A's weight 2 the last step is a tie: A 4 / B 1 or A 3 / B 2.
	if a, b := run(2); !(a == 4 && b == 1) && !(a == 3 && b == 2) {
		t.Errorf("A weight 2: A %d, B %d; want A 4, B 1 or A 3, B 2", a, b)
	}
	// Without fair sharing the queue is first come, first served: A's
	// pods were queued first (each before the B pod of its round).
	c := newClock()
	q := New(nil, c.now)
	q.Add(pod("A", "a0", 0))
	c.advance(time.Millisecond)
	q.Add(pod("B", "b0", 0))
	if p := q.TryPop(); p.Namespace != "A" {
		t.Errorf("without fair sharing popped %s first, want the older A pod", p.Name)
	}
}
