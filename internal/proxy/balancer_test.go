package proxy

import (
	"net/netip"
	"sync"
	"testing"
	"time"
)

// fakeClock is an injectable session-affinity clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// pick chooses like a connection does: choose, then remember the choice.
func pick(b *balancer, client string) netip.AddrPort {
	t, start := b.choose(netip.MustParseAddr(client))
	if t == nil {
		return netip.AddrPort{}
	}
	be := t.nth(start, 0)
	b.remember(t, netip.MustParseAddr(client), be)
	return be
}

func TestBalancerRoundRobin(t *testing.T) {
	b := newBalancer(portName{}, time.Now)
	if tab, _ := b.choose(netip.MustParseAddr("10.2.0.1")); tab != nil {
		t.Fatalf("empty balancer chose a table")
	}
	b.update(portPlan{backends: aps("10.1.0.1:80", "10.1.0.2:80", "10.1.0.3:80")})
	counts := map[netip.AddrPort]int{}
	for range 9 {
		counts[pick(b, "10.2.0.1")]++
	}
	for _, be := range aps("10.1.0.1:80", "10.1.0.2:80", "10.1.0.3:80") {
		if counts[be] != 3 {
			t.Errorf("backend %s chosen %d times, want 3 (%v)", be, counts[be], counts)
		}
	}

	// Fallback order: the choice, then each other backend once.
	tab, start := b.choose(netip.MustParseAddr("10.2.0.1"))
	seen := map[netip.AddrPort]bool{}
	for i := range tab.len() {
		seen[tab.nth(start, i)] = true
	}
	if len(seen) != 3 {
		t.Errorf("fallback order visits %d backends, want 3", len(seen))
	}
}

func TestBalancerUpdateUnchanged(t *testing.T) {
	b := newBalancer(portName{}, time.Now)
	pp := portPlan{backends: aps("10.1.0.1:80")}
	if !b.update(pp) {
		t.Fatalf("first update reported no change")
	}
	before := b.table.Load()
	if b.update(portPlan{backends: aps("10.1.0.1:80")}) {
		t.Errorf("equal update reported a change")
	}
	if b.table.Load() != before {
		t.Errorf("equal update swapped the table")
	}
}

func TestBalancerAffinity(t *testing.T) {
	clock := newFakeClock()
	b := newBalancer(portName{}, clock.Now)
	b.update(portPlan{backends: aps("10.1.0.1:80", "10.1.0.2:80", "10.1.0.3:80"), affinity: time.Second})

	first := pick(b, "10.2.0.1")
	other := pick(b, "10.2.0.2")
	if first == other {
		t.Fatalf("two new clients got the same backend %s under round robin", first)
	}
	for range 5 {
		clock.Advance(900 * time.Millisecond) // each use refreshes the entry
		if got := pick(b, "10.2.0.1"); got != first {
			t.Fatalf("client moved from %s to %s within the timeout", first, got)
		}
	}

	clock.Advance(time.Second)
	if got := pick(b, "10.2.0.1"); got == first {
		t.Errorf("client stayed on %s after the affinity expired (round robin should move it)", got)
	}

	// The client's backend stops being ready: it moves, and the entry is gone.
	cur := pick(b, "10.2.0.1")
	var rest []netip.AddrPort
	for _, be := range aps("10.1.0.1:80", "10.1.0.2:80", "10.1.0.3:80") {
		if be != cur {
			rest = append(rest, be)
		}
	}
	b.update(portPlan{backends: rest, affinity: time.Second})
	if _, ok := b.affinity.Load(netip.MustParseAddr("10.2.0.1")); ok {
		t.Errorf("affinity entry for a removed backend survived the update")
	}
	if got := pick(b, "10.2.0.1"); got == cur {
		t.Errorf("client sent to removed backend %s", got)
	}
}
