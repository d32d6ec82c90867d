package podtopologyspread

import (
	"context"
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// preFilterState is what PreFilter computes for Filter: the pod's
// DoNotSchedule constraints and, for each, its domain counts, global
// minimum, and whether the pod counts for itself.
type preFilterState struct {
	constraints []constraint
	counts      []map[string]int
	minMatch    []int
	selfMatch   []int
}

// PreFilter counts, for each DoNotSchedule constraint of the pod, the
// matching pods in each topology domain over every node of snap, and each
// constraint's global minimum. It returns Skip when the pod has no such
// constraint, and an Error when a selector does not parse (the pod should
// not have passed validation).
func (pl *PodTopologySpread) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, snap *framework.Snapshot) *framework.Status {
	cs, err := pl.constraints(pod, corev1.DoNotSchedule)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("hard topology spread constraints: %w", err))
	}
	if len(cs) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	t := newTally(pod, cs, len(snap.Nodes))
	t.requireAll = true
	t.add(snap.Nodes)
	s := &preFilterState{constraints: cs, counts: t.counts, minMatch: make([]int, len(cs)), selfMatch: make([]int, len(cs))}
	for i := range cs {
		s.minMatch[i] = globalMin(t.counts[i], cs[i].minDomains)
		s.selfMatch[i] = cs[i].match.selfMatch(pod)
	}
	state.Write(preFilterStateKey, s)
	return nil
}

// globalMin is the smallest count of any domain, or 0 when there are fewer
// domains than minDomains (so a new domain may still be opened).
func globalMin(counts map[string]int, minDomains int32) int {
	if len(counts) < int(minDomains) {
		return 0
	}
	m := math.MaxInt
	for _, n := range counts {
		m = min(m, n)
	}
	return m
}

// Filter rejects a node that lacks a constraint's topology key
// (UnschedulableAndUnresolvable, ReasonMissingLabel), or where placing the
// pod would make a domain's count exceed the global minimum by more than
// maxSkew (Unschedulable, ReasonConstraints). It reads only what
// PreFilter computed, and fails with an Error if PreFilter did not run.
func (*PodTopologySpread) Filter(_ context.Context, state *framework.CycleState, _ *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	if node.Node == nil {
		return framework.AsStatus(fmt.Errorf("node not found"))
	}
	v, _ := state.Read(preFilterStateKey)
	s, ok := v.(*preFilterState)
	if !ok {
		return framework.AsStatus(fmt.Errorf("%s filter: no PreFilter state: PreFilter must run first", Name))
	}
	for i := range s.constraints {
		c := &s.constraints[i]
		domain, ok := node.Node.Labels[c.topologyKey]
		if !ok {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonMissingLabel)
		}
		if skew := s.counts[i][domain] + s.selfMatch[i] - s.minMatch[i]; skew > int(c.maxSkew) {
			return framework.NewStatus(framework.Unschedulable, ReasonConstraints)
		}
	}
	return nil
}
