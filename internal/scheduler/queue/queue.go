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
package queue

import (
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
}

// Queue is safe for concurrent use: informer handlers add, update and
// delete; one scheduling loop pops.
type Queue struct {
	share ShareFunc
	now   func() time.Time

	mu            sync.Mutex
	cond          *sync.Cond
	active        map[types.UID]*entry
	unschedulable map[types.UID]*entry
	inFlight      map[types.UID]*entry // popped, not yet done
	closed        bool
}

// New returns an empty queue. share may be nil (no fair sharing); now is
// the clock (time.Now when nil).
func New(share ShareFunc, now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	q := &Queue{share: share, now: now,
		active: map[types.UID]*entry{}, unschedulable: map[types.UID]*entry{}, inFlight: map[types.UID]*entry{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Add queues a pod to schedule; an update of a queued pod replaces it and,
// if it was parked as unschedulable, makes it eligible again (the user
// may have fixed it).
func (q *Queue) Add(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch e := q.find(pod.UID); {
	case e == nil:
		q.active[pod.UID] = &entry{pod: pod, added: q.now()}
	case q.unschedulable[pod.UID] != nil:
		e.pod = pod
		delete(q.unschedulable, pod.UID)
		q.active[pod.UID] = e
	default:
		e.pod = pod
	}
	q.cond.Broadcast()
}

// Delete drops a pod (deleted, or bound by someone else).
func (q *Queue) Delete(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.active, pod.UID)
	delete(q.unschedulable, pod.UID)
	delete(q.inFlight, pod.UID)
}

func (q *Queue) find(uid types.UID) *entry {
	if e := q.active[uid]; e != nil {
		return e
	}
	if e := q.unschedulable[uid]; e != nil {
		return e
	}
	return q.inFlight[uid]
}

// Pop blocks until a pod is ready to schedule and returns it, or returns
// nil once the queue is closed. The caller reports back with Done or
// Unschedulable.
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
	now := q.now()
	var best *entry
	shares := map[string]float64{}
	for _, e := range q.active {
		if e.retryAt.After(now) {
			continue // still backing off
		}
		if best == nil || q.before(e, best, shares) {
			best = e
		}
	}
	if best == nil {
		return nil
	}
	delete(q.active, best.pod.UID)
	q.inFlight[best.pod.UID] = best
	return best.pod
}

// before reports whether a goes before b.
func (q *Queue) before(a, b *entry, shares map[string]float64) bool {
	if pa, pb := priority(a.pod), priority(b.pod); pa != pb {
		return pa > pb
	}
	if q.share != nil && a.pod.Namespace != b.pod.Namespace {
		sa, sb := q.shareOf(a.pod.Namespace, shares), q.shareOf(b.pod.Namespace, shares)
		if sa != sb {
			return sa < sb
		}
	}
	if !a.added.Equal(b.added) {
		return a.added.Before(b.added)
	}
	return a.pod.UID < b.pod.UID
}

func (q *Queue) shareOf(ns string, memo map[string]float64) float64 {
	if s, ok := memo[ns]; ok {
		return s
	}
	s := q.share(ns)
	memo[ns] = s
	return s
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
	delete(q.inFlight, pod.UID)
}

// Unschedulable parks a popped pod that fits nowhere until a cluster
// event (MoveAll) and its back-off let it be tried again.
func (q *Queue) Unschedulable(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.failed(pod); e != nil {
		e.parked = q.now()
		q.unschedulable[pod.UID] = e
	}
}

// failed takes a popped pod back after a failed attempt and sets its
// back-off; nil if the pod was deleted meanwhile.
func (q *Queue) failed(pod *corev1.Pod) *entry {
	e := q.inFlight[pod.UID]
	if e == nil {
		return nil
	}
	delete(q.inFlight, pod.UID)
	e.attempts++
	e.retryAt = q.now().Add(Backoff(e.attempts))
	return e
}

// Retry puts a popped pod back after an error that was not the pod's
// fault (a failed binding), with its back-off.
func (q *Queue) Retry(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.failed(pod); e != nil {
		q.active[pod.UID] = e
		q.cond.Broadcast()
	}
}

// MoveAll makes every parked pod eligible again, after its back-off: call
// it when the cluster changed in a way that could help (a node added,
// updated or freed, a pod deleted).
func (q *Queue) MoveAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for uid, e := range q.unschedulable {
		delete(q.unschedulable, uid)
		q.active[uid] = e
	}
	q.cond.Broadcast()
}

// Tick moves pods parked longer than MaxUnschedulable back, and wakes Pop
// for pods whose back-off has ended; call it about once a second.
func (q *Queue) Tick() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for uid, e := range q.unschedulable {
		if now.Sub(e.parked) >= MaxUnschedulable {
			delete(q.unschedulable, uid)
			q.active[uid] = e
		}
	}
	q.cond.Broadcast()
}

// Close wakes Pop for good.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// Len is how many pods are waiting: eligible, backing off or parked.
func (q *Queue) Len() (active, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.active), len(q.unschedulable)
}

// Backoff is the wait after attempt n (1-based): 1 s doubling to 10 s.
func Backoff(n int) time.Duration {
	d := InitialBackoff
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}
