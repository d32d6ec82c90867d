package preemption

import (
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// candidate is a node where the pod fits once its victims are evicted,
// with what picking it would cost, worked out once.
type candidate struct {
	node    string
	victims []*corev1.Pod // most important first
	// highest is the victims' highest priority; below any real priority
	// when there are none, so that a node needing no eviction wins.
	highest int64
	// sum is the victims' priorities, each shifted up by MaxInt32+1 so
	// that all are positive: otherwise a negative-priority victim would
	// make evicting more pods look cheaper than evicting fewer.
	sum int64
	// earliest is the earliest start time of the victims with the highest
	// priority.
	earliest time.Time
}

// newCandidate summarises victims, which are sorted most important first.
func newCandidate(node string, victims []*corev1.Pod) *candidate {
	c := &candidate{node: node, victims: victims, highest: math.MinInt64}
	for _, v := range victims {
		c.sum += int64(podPriority(v)) + math.MaxInt32 + 1
	}
	if len(victims) > 0 {
		// The most important victim has the highest priority and, among
		// those, the earliest start.
		c.highest, c.earliest = int64(podPriority(victims[0])), startTime(victims[0])
	}
	return c
}

// better reports whether c is a better choice than d, by Kubernetes'
// rules in order: the lowest highest victim priority; the lowest sum of
// victim priorities; the fewest victims; the latest start of the
// highest-priority victims (evict what has been running the shortest);
// and, for a result that does not depend on search order, the first node
// by name.
func (c *candidate) better(d *candidate) bool {
	switch {
	case c.highest != d.highest:
		return c.highest < d.highest
	case c.sum != d.sum:
		return c.sum < d.sum
	case len(c.victims) != len(d.victims):
		return len(c.victims) < len(d.victims)
	case !c.earliest.Equal(d.earliest):
		return c.earliest.After(d.earliest)
	default:
		return c.node < d.node
	}
}
