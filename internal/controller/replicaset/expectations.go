package replicaset

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// expectationsTimeout is how long a set waits for the cache to show what
// it sent before it acts again anyway (a lost watch event).
const expectationsTimeout = 5 * time.Minute

// expectations are, per set, the pod creations and deletions sent but not
// yet seen by the informer. While any are outstanding, a sync only
// updates the status: acting on a cache that lags would create or delete
// pods twice.
type expectations struct {
	mu  sync.Mutex
	set map[string]*expected
}

type expected struct {
	adds    int
	deletes map[types.UID]bool
	at      time.Time
}

func newExpectations() *expectations { return &expectations{set: map[string]*expected{}} }

func (e *expectations) expectCreations(k string, n int, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.set[k] = &expected{adds: n, at: now}
}

func (e *expectations) expectDeletions(k string, pods []*corev1.Pod, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expected{deletes: map[types.UID]bool{}, at: now}
	for _, p := range pods {
		x.deletes[p.UID] = true
	}
	e.set[k] = x
}

func (e *expectations) observeCreation(k string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.set[k]; x != nil && x.adds > 0 {
		x.adds--
	}
}

func (e *expectations) observeDeletion(k string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.set[k]; x != nil {
		delete(x.deletes, uid)
	}
}

// satisfied reports whether everything sent for k has been seen (or has
// been waited for too long).
func (e *expectations) satisfied(k string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.set[k]
	return x == nil || (x.adds <= 0 && len(x.deletes) == 0) || now.Sub(x.at) > expectationsTimeout
}

func (e *expectations) forget(k string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.set, k)
}
