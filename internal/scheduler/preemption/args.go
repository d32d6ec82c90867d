package preemption

import (
	"errors"
	"fmt"
)

// Kubernetes' defaults for how many candidate nodes a preemption looks
// for before picking one.
const (
	DefaultMinCandidateNodesPercentage = 10
	DefaultMinCandidateNodesAbsolute   = 100
)

// Args bound the search for candidate nodes, as Kubernetes'
// DefaultPreemptionArgs do. The search stops once it has found
// max(MinCandidateNodesPercentage% of the potential nodes,
// MinCandidateNodesAbsolute) candidates, or run out of nodes. The zero
// value (both fields zero, which would otherwise mean "no candidate at
// all") is the default: 10% and 100.
type Args struct {
	// MinCandidateNodesPercentage, 0 to 100, of the potential nodes.
	MinCandidateNodesPercentage int32
	// MinCandidateNodesAbsolute, at least 0.
	MinCandidateNodesAbsolute int32
}

// withDefaults fills in the zero value.
func (a Args) withDefaults() Args {
	if a.MinCandidateNodesPercentage == 0 && a.MinCandidateNodesAbsolute == 0 {
		return Args{MinCandidateNodesPercentage: DefaultMinCandidateNodesPercentage, MinCandidateNodesAbsolute: DefaultMinCandidateNodesAbsolute}
	}
	return a
}

// Validate returns every problem with the args, each with its field
// path.
func (a Args) Validate() error {
	var errs []error
	if p := a.MinCandidateNodesPercentage; p < 0 || p > 100 {
		errs = append(errs, fmt.Errorf("minCandidateNodesPercentage: invalid value %d: must be between 0 and 100", p))
	}
	if n := a.MinCandidateNodesAbsolute; n < 0 {
		errs = append(errs, fmt.Errorf("minCandidateNodesAbsolute: invalid value %d: must be at least 0", n))
	}
	return errors.Join(errs...)
}

// numCandidates is how many candidates to look for among n potential
// nodes.
func (a Args) numCandidates(n int) int {
	a = a.withDefaults()
	want := max(n*int(a.MinCandidateNodesPercentage)/100, int(a.MinCandidateNodesAbsolute))
	return min(want, n)
}
