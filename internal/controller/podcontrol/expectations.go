package podcontrol

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// ExpectationsTimeout is how long a controller waits for its cache to show
// what it sent before it acts again anyway (a lost watch event).
const ExpectationsTimeout = 5 * time.Minute

// Expectations are, per controller key, the creations and deletions sent
// but not yet seen by the informer. While any are outstanding, a sync only
// updates the status: acting on a cache that lags would create or delete
// twice. It is safe for concurrent use.
type Expectations struct {
	mu  sync.Mutex
	set map[string]*expected
}

type expected struct {
	adds    int
	deletes map[types.UID]bool
	at      time.Time
}

// NewExpectations returns empty expectations.
func NewExpectations() *Expectations { return &Expectations{set: map[string]*expected{}} }

// Expect records that n creations and the deletions of the objects with
// these UIDs are about to be sent for k. It replaces what was expected:
// a controller sets its expectations once per sync, when the previous
// ones are satisfied.
func (e *Expectations) Expect(k string, n int, deletions []types.UID, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expected{adds: n, deletes: map[types.UID]bool{}, at: now}
	for _, uid := range deletions {
		x.deletes[uid] = true
	}
	e.set[k] = x
}

// ExpectCreations is Expect with creations only.
func (e *Expectations) ExpectCreations(k string, n int, now time.Time) { e.Expect(k, n, nil, now) }

// ExpectDeletions is Expect with deletions only.
func (e *Expectations) ExpectDeletions(k string, uids []types.UID, now time.Time) {
	e.Expect(k, 0, uids, now)
}

// ObserveCreation counts one creation for k as seen (or as never to be
// seen, because it failed).
func (e *Expectations) ObserveCreation(k string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.set[k]; x != nil && x.adds > 0 {
		x.adds--
	}
}

// ObserveDeletion counts the deletion of uid for k as seen.
func (e *Expectations) ObserveDeletion(k string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.set[k]; x != nil {
		delete(x.deletes, uid)
	}
}

// Satisfied reports whether everything sent for k has been seen (or has
// been waited for too long).
func (e *Expectations) Satisfied(k string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.set[k]
	return x == nil || (x.adds <= 0 && len(x.deletes) == 0) || now.Sub(x.at) > ExpectationsTimeout
}

// Forget drops what is expected for k (its object is gone).
func (e *Expectations) Forget(k string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.set, k)
}
