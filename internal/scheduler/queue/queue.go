// Package queue holds the pods waiting for the scheduler, in the order it
// takes them: higher priority first; among equal priorities, with fair
// sharing on, the namespace with the lowest weighted dominant share
// (internal/scheduler/fairshare); then the pod waiting longest.
//
// A pod the scheduler could not place waits in the unschedulable set
// until something in the cluster changes that could help (a node added
// or updated, a pod deleted) and its back-off (1 s doubling to 10 s, as
// Kubernetes) has passed; it is never retried in a busy loop. Pods
// waiting there longer than MaxUnschedulable are retried anyway.
//
// Eligible pods are kept in one heap per namespace, ordered by priority
// and age; a pop compares the namespaces' heads (priority, then share,
// then age), so it costs O(namespaces + log pods), not O(pods): tens of
// thousands of pending pods are popped at thousands a second. Within a
// namespace the share is the same for every pod, so the head of its heap
// is its best pod. Pods backing off wait in a heap by the end of their
// back-off.
package queue

import (
	"container/heap"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Back-off between attempts at one pod, and the longest a pod waits for a
// cluster event before it is retried anyway.
const (
	InitialBackoff   = time.Second
	MaxBackoff       = 10 * time.Second
	MaxUnschedulable = 5 * time.Minute
)

// ShareFunc returns a namespace's weighted dominant share; lower goes
// first. Nil turns fair sharing off.
type ShareFunc func(namespace string) float64

type entry struct {
	pod      *corev1.Pod
	added    time.Time // first queued: the pod's place in line
	attempts int
	// retryAt is when its back-off ends; parked since when it entered
	// the unschedulable set.
	retryAt, parked time.Time
	// where the entry is, and its index in that heap.
	where place
	index int
}

// place is where an entry is in the queue.
type place int

const (
	nowhere       place = iota
	active              // in its namespace's heap
	backingOff          // in the back-off heap
	unschedulable       // parked until a cluster event
	inFlight            // popped, not yet done
)

// Queue is safe for concurrent use: informer handlers add, update and
// delete; one scheduling loop pops.
type Queue struct {
	share ShareFunc
	now   func() time.Time
	// initialBackoff and maxBackoff bound the wait between attempts.
	initialBackoff, maxBackoff time.Duration

	mu      sync.Mutex
	cond    *sync.Cond
	entries map[types.UID]*entry
	// active holds the eligible pods, a heap per namespace.
	active  map[string]*podHeap
	backoff *backoffHeap
	// parked are the unschedulable entries.
	parked map[types.UID]*entry
	closed bool
}

// New returns an empty queue. share may be nil (no fair sharing); now is
// the clock (time.Now when nil).
func New(share ShareFunc, now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	q := &Queue{share: share, now: now, initialBackoff: InitialBackoff, maxBackoff: MaxBackoff, entries: map[types.UID]*entry{},
		active: map[string]*podHeap{}, backoff: &backoffHeap{}, parked: map[types.UID]*entry{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// SetBackoff changes the back-off bounds (InitialBackoff and MaxBackoff by
// default); call it before the queue is used.
func (q *Queue) SetBackoff(initial, maximum time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.initialBackoff, q.maxBackoff = initial, maximum
}

// Add queues a pod to schedule; an update of a queued pod replaces it and,
// if it was parked as unschedulable, makes it eligible again (the user
// may have fixed it) once its back-off has passed.
func (q *Queue) Add(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[pod.UID]
	if e == nil {
		e = &entry{pod: pod, added: q.now()}
		q.entries[pod.UID] = e
		q.activate(e)
		q.cond.Broadcast()
		return
	}
	q.take(e)
	e.pod = pod
	if e.where == inFlight {
		return // the scheduling loop has it; its outcome decides
	}
	q.activate(e)
	q.cond.Broadcast()
}

// Refresh replaces a queued pod's object without moving it: for updates
// that cannot change where it fits (its status). Unknown pods are
// ignored.
func (q *Queue) Refresh(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.entries[pod.UID]; e != nil {
		e.pod = pod
	}
}

// activate puts e among the eligible pods, or in the back-off heap while
// its back-off lasts.
func (q *Queue) activate(e *entry) {
	if e.retryAt.After(q.now()) {
		e.where = backingOff
		heap.Push(q.backoff, e)
		return
	}
	h := q.active[e.pod.Namespace]
	if h == nil {
		h = &podHeap{}
		q.active[e.pod.Namespace] = h
	}
	e.where = active
	heap.Push(h, e)
}

// take removes e from whatever heap or set holds it (not from entries).
func (q *Queue) take(e *entry) {
	switch e.where {
	case active:
		h := q.active[e.pod.Namespace]
		heap.Remove(h, e.index)
		if h.Len() == 0 {
			delete(q.active, e.pod.Namespace)
		}
	case backingOff:
		heap.Remove(q.backoff, e.index)
	case unschedulable:
		delete(q.parked, e.pod.UID)
	default:
		return
	}
	e.where = nowhere
}

// Delete drops a pod (deleted, or bound by someone else).
func (q *Queue) Delete(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.entries[pod.UID]; e != nil {
		q.take(e)
		delete(q.entries, pod.UID)
	}
}

// Pop blocks until a pod is ready to schedule and returns it, or returns
// nil once the queue is closed. The caller reports back with Done,
// Unschedulable or Retry.
func (q *Queue) Pop() *corev1.Pod {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return nil
		}
		if p := q.popLocked(); p != nil {
			return p
		}
		q.cond.Wait()
	}
}

// TryPop returns the next pod ready now, or nil.
func (q *Queue) TryPop() *corev1.Pod {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.popLocked()
}

func (q *Queue) popLocked() *corev1.Pod {
	q.flushBackoff()
	// The highest priority among the namespaces' heads; then, among the
	// heads of that priority, the lowest share (each namespace's share
	// computed once), then the oldest.
	first := true
	var top int32
	for _, h := range q.active {
		if p := priority((*h)[0].pod); first || p > top {
			top, first = p, false
		}
	}
	var best *entry
	var bestShare float64
	for ns, h := range q.active {
		e := (*h)[0]
		if priority(e.pod) != top {
			continue
		}
		var share float64
		if q.share != nil {
			share = q.share(ns)
		}
		if best == nil || share < bestShare || (share == bestShare && older(e, best)) {
			best, bestShare = e, share
		}
	}
	if best == nil {
		return nil
	}
	q.take(best)
	best.where = inFlight
	return best.pod
}

// flushBackoff makes the pods whose back-off has ended eligible.
func (q *Queue) flushBackoff() {
	now := q.now()
	for q.backoff.Len() > 0 && !q.backoff.podHeap[0].retryAt.After(now) {
		e := heap.Pop(q.backoff).(*entry)
		e.where = nowhere
		q.activate(e)
	}
}

// older reports whether a has waited longer than b (by UID on a tie).
func older(a, b *entry) bool {
	if !a.added.Equal(b.added) {
		return a.added.Before(b.added)
	}
	return a.pod.UID < b.pod.UID
}

func priority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}

// Done forgets a popped pod that was bound.
func (q *Queue) Done(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.entries[pod.UID]; e != nil && e.where == inFlight {
		delete(q.entries, pod.UID)
	}
}

// Unschedulable parks a popped pod that fits nowhere until a cluster
// event (MoveAll) and its back-off let it be tried again.
func (q *Queue) Unschedulable(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.failed(pod); e != nil {
		e.parked = q.now()
		e.where = unschedulable
		q.parked[pod.UID] = e
	}
}

// failed takes a popped pod back after a failed attempt and sets its
// back-off; nil if the pod was deleted meanwhile.
func (q *Queue) failed(pod *corev1.Pod) *entry {
	e := q.entries[pod.UID]
	if e == nil || e.where != inFlight {
		return nil
	}
	e.where = nowhere
	e.attempts++
	e.retryAt = q.now().Add(backoff(e.attempts, q.initialBackoff, q.maxBackoff))
	return e
}

// Retry puts a popped pod back after an error that was not the pod's
// fault (a failed binding), with its back-off.
func (q *Queue) Retry(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.failed(pod); e != nil {
		q.activate(e)
		q.cond.Broadcast()
	}
}

// MoveAll makes every parked pod eligible again, after its back-off: call
// it when the cluster changed in a way that could help (a node added,
// updated or freed, a pod deleted).
func (q *Queue) MoveAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.parked) == 0 {
		return
	}
	q.unpark(func(*entry) bool { return true })
	q.cond.Broadcast()
}

// unpark makes the parked entries for which move is true eligible again
// (after their back-off).
func (q *Queue) unpark(move func(*entry) bool) {
	for _, e := range q.parked {
		if move(e) {
			q.take(e)
			q.activate(e)
		}
	}
}

// Tick moves pods parked longer than MaxUnschedulable back, and wakes Pop
// for pods whose back-off has ended; call it a few times a second.
func (q *Queue) Tick() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	q.unpark(func(e *entry) bool { return now.Sub(e.parked) >= MaxUnschedulable })
	q.cond.Broadcast()
}

// Close wakes Pop for good.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// Len is how many pods are waiting: eligible or backing off, and parked
// as unschedulable.
func (q *Queue) Len() (active, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, h := range q.active {
		active += h.Len()
	}
	return active + q.backoff.Len(), len(q.parked)
}

// Backoff is the wait after attempt n (1-based): 1 s doubling to 10 s.
func Backoff(n int) time.Duration { return backoff(n, InitialBackoff, MaxBackoff) }

func backoff(n int, initial, maximum time.Duration) time.Duration {
	d := initial
	for i := 1; i < n && d < maximum; i++ {
		d *= 2
	}
	return min(d, maximum)
}

// podHeap orders one namespace's eligible pods: higher priority first,
// then the longest waiting.
type podHeap []*entry

func (h podHeap) Len() int { return len(h) }
func (h podHeap) Less(i, j int) bool {
	if pi, pj := priority(h[i].pod), priority(h[j].pod); pi != pj {
		return pi > pj
	}
	return older(h[i], h[j])
}
func (h podHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *podHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *podHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// backoffHeap orders pods backing off by the end of their back-off.
type backoffHeap struct{ podHeap }

func (h backoffHeap) Less(i, j int) bool {
	return h.podHeap[i].retryAt.Before(h.podHeap[j].retryAt)
}
