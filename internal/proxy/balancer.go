package proxy

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// backendTable is an immutable snapshot of one service port's ready
// backends. Sync swaps in a new table; the data path only reads.
type backendTable struct {
	plan  portPlan
	index map[netip.AddrPort]int // position of each backend in plan.backends
}

func newBackendTable(pp portPlan) *backendTable {
	t := &backendTable{plan: pp, index: make(map[netip.AddrPort]int, len(pp.backends))}
	for i, b := range pp.backends {
		t.index[b] = i
	}
	return t
}

// len returns the number of ready backends.
func (t *backendTable) len() int { return len(t.plan.backends) }

// nth returns the i-th backend to try when the balancer chose start: the
// choice first, then every other backend once, in table order.
func (t *backendTable) nth(start, i int) netip.AddrPort {
	return t.plan.backends[(start+i)%len(t.plan.backends)]
}

// affinitySweepEvery is how many new affinity entries a balancer records
// between sweeps of expired ones, bounding the map between syncs.
const affinitySweepEvery = 1024

// balancer chooses backends for one service port: round robin, or the
// client's previous backend under ClientIP session affinity. It lives as long
// as the service port and keeps its round-robin position and affinity
// entries across syncs. All methods are safe for concurrent use; choose and
// remember take no lock.
type balancer struct {
	name portName
	now  func() time.Time

	table atomic.Pointer[backendTable]
	next  atomic.Uint64 // round-robin counter

	affinity sync.Map // netip.Addr (client) -> *affinityEntry
	inserts  atomic.Uint64
}

// affinityEntry binds a client IP to a backend.
type affinityEntry struct {
	backend  netip.AddrPort
	lastUsed atomic.Int64 // Unix nanoseconds from balancer.now
}

func newBalancer(name portName, now func() time.Time) *balancer {
	b := &balancer{name: name, now: now}
	b.table.Store(newBackendTable(portPlan{}))
	return b
}

// update makes pp the balancer's table unless it is already, and reports
// whether it changed. Affinity entries for backends no longer in the table
// are dropped. Called by Sync only.
func (b *balancer) update(pp portPlan) bool {
	if b.table.Load().plan.equal(pp) {
		return false
	}
	t := newBackendTable(pp)
	b.table.Store(t)
	b.sweep(t)
	return true
}

// choose returns the current table and the index of the backend to try
// first for a client; the caller falls back with t.nth. It returns a nil
// table when there is no ready backend.
func (b *balancer) choose(client netip.Addr) (t *backendTable, start int) {
	t = b.table.Load()
	n := t.len()
	if n == 0 {
		return nil, 0
	}
	if t.plan.affinity > 0 {
		if v, ok := b.affinity.Load(client); ok {
			e := v.(*affinityEntry)
			now := b.now().UnixNano()
			// A backend missing from the table stopped being ready: the entry
			// is dead even if the last sweep has not removed it yet.
			if i, ok := t.index[e.backend]; ok && now-e.lastUsed.Load() < int64(t.plan.affinity) {
				e.lastUsed.Store(now)
				return t, i
			}
		}
	}
	return t, int((b.next.Add(1) - 1) % uint64(n))
}

// remember records that client was served by backend, when t has session
// affinity. Called after a successful connection to backend.
func (b *balancer) remember(t *backendTable, client netip.Addr, backend netip.AddrPort) {
	if t.plan.affinity <= 0 {
		return
	}
	now := b.now().UnixNano()
	if v, ok := b.affinity.Load(client); ok {
		if e := v.(*affinityEntry); e.backend == backend {
			e.lastUsed.Store(now)
			return
		}
	}
	e := &affinityEntry{backend: backend}
	e.lastUsed.Store(now)
	b.affinity.Store(client, e)
	if b.inserts.Add(1)%affinitySweepEvery == 0 {
		b.sweep(b.table.Load())
	}
}

// sweep drops the affinity entries that t would not honour: expired, or
// pointing at a backend that is no longer ready.
func (b *balancer) sweep(t *backendTable) {
	now := b.now().UnixNano()
	b.affinity.Range(func(k, v any) bool {
		e := v.(*affinityEntry)
		_, ready := t.index[e.backend]
		if !ready || now-e.lastUsed.Load() >= int64(t.plan.affinity) {
			b.affinity.CompareAndDelete(k, v)
		}
		return true
	})
}
