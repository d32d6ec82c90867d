package fairshare

import (
	"testing"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

const gi = int64(1) << 30

// run offers the cluster the pods two namespaces keep submitting, picking
// the namespace with the lowest weighted dominant share each time, until
// no pending pod fits what is left: Mesos' DRF allocation loop.
func run(weightA float64) (a, b int) {
	total := framework.Resource{MilliCPU: 9000, Memory: 18 * gi}
	s := New(total)
	s.SetWeight("A", weightA)
	demand := map[string]framework.Resource{
		"A": {MilliCPU: 1000, Memory: 4 * gi},
		"B": {MilliCPU: 3000, Memory: 1 * gi},
	}
	var used framework.Resource
	fits := func(r framework.Resource) bool {
		return used.MilliCPU+r.MilliCPU <= total.MilliCPU && used.Memory+r.Memory <= total.Memory
	}
	count := map[string]int{}
	candidates := []string{"A", "B"}
	for len(candidates) > 0 {
		ns := s.Lowest(candidates)
		if !fits(demand[ns]) {
			// This tenant's next pod does not fit any more: offer the
			// rest to the others.
			var rest []string
			for _, c := range candidates {
				if c != ns {
					rest = append(rest, c)
				}
			}
			candidates = rest
			continue
		}
		s.Add(ns, demand[ns])
		used.Add(demand[ns])
		count[ns]++
	}
	return count["A"], count["B"]
}

// TestDRFWorkedExample is the (and the DRF paper's) example: 9
// CPUs and 18 GiB; A's pods need 1 CPU and 4 GiB, B's 3 CPUs and 1 GiB.
func TestDRFWorkedExample(t *testing.T) {
	if a, b := run(1); a != 3 || b != 2 {
		t.Errorf("equal weights: A %d, B %d; want A 3, B 2 (both dominant shares 2/3)", a, b)
	}
	// With A's weight 2 the last step is a tie: A 4 / B 1 or A 3 / B 2.
	if a, b := run(2); !(a == 4 && b == 1) && !(a == 3 && b == 2) {
		t.Errorf("A weight 2: A %d, B %d; want A 4, B 1 or A 3, B 2", a, b)
	}
}

func TestDominant(t *testing.T) {
	s := New(framework.Resource{MilliCPU: 9000, Memory: 18 * gi})
	s.Add("A", framework.Resource{MilliCPU: 3000, Memory: 12 * gi})
	if got := s.Dominant("A"); got != 12.0/18 {
		t.Errorf("dominant share of A = %v, want 2/3 (memory)", got)
	}
	s.SetWeight("A", 2)
	if got := s.Dominant("A"); got != 1.0/3 {
		t.Errorf("weighted dominant share of A = %v, want 1/3", got)
	}
	s.Remove("A", framework.Resource{MilliCPU: 3000, Memory: 12 * gi})
	if got := s.Dominant("A"); got != 0 {
		t.Errorf("after removing everything: %v", got)
	}
	if got := s.Lowest([]string{"A", "B"}); got != "A" {
		t.Errorf("a tie goes to the first: %s", got)
	}
}
