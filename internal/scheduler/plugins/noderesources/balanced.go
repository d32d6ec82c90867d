package noderesources

import (
	"context"
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// BalancedAllocationName is NodeResourcesBalancedAllocation's name in
// configuration and statuses.
const BalancedAllocationName = "NodeResourcesBalancedAllocation"

const balancedPreScoreStateKey = "PreScore" + BalancedAllocationName

// BalancedAllocation prefers the node whose resources would be used in the
// most even shares with the pod placed, so that no node runs out of
// memory with cpu to spare (or the reverse).
type BalancedAllocation struct {
	resources []ResourceSpec
}

var (
	_ framework.PreScorePlugin = (*BalancedAllocation)(nil)
	_ framework.ScorePlugin    = (*BalancedAllocation)(nil)
)

// NewBalancedAllocation returns the plugin with args (the zero value
// balances cpu and memory), or the args' problems.
func NewBalancedAllocation(args BalancedAllocationArgs) (*BalancedAllocation, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("%s args: %w", BalancedAllocationName, err)
	}
	return &BalancedAllocation{resources: args.withDefaults().Resources}, nil
}

// Name implements framework.Plugin.
func (*BalancedAllocation) Name() string { return BalancedAllocationName }

// PreScore computes the pod's requests as they are (no non-zero
// defaults), and returns Skip for a pod that requests none of the
// resources: placing it changes no node's balance, and scoring it would
// pile such pods onto the most balanced node (Kubernetes issue 129138).
func (b *BalancedAllocation) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	req := podRequestList(pod, b.resources, false)
	for _, v := range req {
		if v != 0 {
			state.Write(balancedPreScoreStateKey, &preScoreState{podRequests: req})
			return nil
		}
	}
	return framework.NewStatus(framework.Skip)
}

// Score is (1 - std) * 100, where std is the standard deviation of the
// node's requested/allocatable fractions (each at most 1) over the
// resources, counting its pods and this one: for two resources,
// |f1 - f2| / 2.
func (b *BalancedAllocation) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) (int64, *framework.Status) {
	s, ok := readState[*preScoreState](state, balancedPreScoreStateKey)
	if !ok {
		s = &preScoreState{podRequests: podRequestList(pod, b.resources, false)}
	}
	used := requestedUsage(node)
	var fractions [8]float64
	fs := fractions[:0]
	var total float64
	for i, r := range b.resources {
		alloc, req := allocatableAndRequested(node, used, r.Name, s.podRequests[i])
		if alloc == 0 {
			continue
		}
		f := min(float64(req)/float64(alloc), 1)
		total += f
		fs = append(fs, f)
	}
	return balancedScore(fs, total), nil
}

// balancedScore is Kubernetes' balancedResourceScorer over fractions
// that sum to total.
func balancedScore(fractions []float64, total float64) int64 {
	var std float64
	switch n := len(fractions); {
	case n == 2:
		std = math.Abs((fractions[0] - fractions[1]) / 2)
	case n > 2:
		mean := total / float64(n)
		var sum float64
		for _, f := range fractions {
			sum += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sum / float64(n))
	}
	return int64((1 - std) * float64(framework.MaxNodeScore))
}
