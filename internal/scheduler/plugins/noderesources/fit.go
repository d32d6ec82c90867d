// Package noderesources holds Kubernetes' resource plugins:
// NodeResourcesFit, the filter that a pod's requests fit what a node has
// left (and its LeastAllocated or MostAllocated score), and
// NodeResourcesBalancedAllocation, the score that keeps a node's cpu and
// memory shares even.
//
// The filter uses the pod's requests as they are (framework.PodRequests);
// the Fit scores count a container without cpu or memory requests as
// asking for 100m and 200Mi (framework.NonZeroRequests), so that pods without
// requests still spread.
package noderesources

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is NodeResourcesFit's name in configuration and statuses.
const Name = "NodeResourcesFit"

// The filter's reasons, Kubernetes' words; an extended resource's is
// "Insufficient " and its name ("Insufficient nvidia.com/gpu").
const (
	ReasonTooManyPods              = "Too many pods"
	ReasonInsufficientCPU          = "Insufficient cpu"
	ReasonInsufficientMemory       = "Insufficient memory"
	ReasonInsufficientEphemeral    = "Insufficient ephemeral-storage"
	reasonInsufficientScalarPrefix = "Insufficient "
)

// Cycle state keys.
const (
	preFilterStateKey = "PreFilter" + Name
	preScoreStateKey  = "PreScore" + Name
)

// Fit is NodeResourcesFit: a filter and a score.
type Fit struct {
	resources []ResourceSpec
	scorer    func(requested, allocatable int64) int64
}

var (
	_ framework.PreFilterPlugin = (*Fit)(nil)
	_ framework.FilterPlugin    = (*Fit)(nil)
	_ framework.PreScorePlugin  = (*Fit)(nil)
	_ framework.ScorePlugin     = (*Fit)(nil)
)

// New returns NodeResourcesFit with args (the zero FitArgs is the
// default), or the args' problems.
func New(args FitArgs) (*Fit, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("%s args: %w", Name, err)
	}
	args = args.withDefaults()
	f := &Fit{resources: args.Resources, scorer: leastRequestedScore}
	if args.ScoringStrategy == MostAllocated {
		f.scorer = mostRequestedScore
	}
	return f, nil
}

// Name implements framework.Plugin.
func (*Fit) Name() string { return Name }

// preFilterState is the pod's requests, computed once per cycle.
type preFilterState struct {
	req framework.Resource
	// scalars are the extended resources the pod asks for, sorted, so
	// reasons come in a stable order.
	scalars []corev1.ResourceName
}

func computePreFilterState(pod *corev1.Pod) *preFilterState {
	s := &preFilterState{req: framework.PodRequests(pod)}
	for name, v := range s.req.Scalar {
		if v > 0 {
			s.scalars = append(s.scalars, name)
		}
	}
	sort.Slice(s.scalars, func(i, j int) bool { return s.scalars[i] < s.scalars[j] })
	return s
}

// PreFilter computes the pod's requests for Filter.
func (*Fit) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ *framework.Snapshot) *framework.Status {
	state.Write(preFilterStateKey, computePreFilterState(pod))
	return nil
}

// Filter rejects a node that cannot take one more pod or lacks any
// resource the pod requests, with one reason per resource ("Too many
// pods", "Insufficient cpu", "Insufficient nvidia.com/gpu"). The code is
// Unschedulable (preempting pods there may free enough), or
// UnschedulableAndUnresolvable when the pod asks for more of a resource
// than the node has in all, as Kubernetes has it since 1.32.
func (*Fit) Filter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	s, ok := readState[*preFilterState](state, preFilterStateKey)
	if !ok {
		s = computePreFilterState(pod)
	}
	reasons, unresolvable := insufficient(s, node)
	if len(reasons) == 0 {
		return nil
	}
	code := framework.Unschedulable
	if unresolvable {
		code = framework.UnschedulableAndUnresolvable
	}
	return framework.NewStatus(code, reasons...)
}

// insufficient lists what the node lacks for the pod's requests, in
// Kubernetes' order, and whether even an empty node would lack it.
func insufficient(s *preFilterState, node *framework.NodeInfo) (reasons []string, unresolvable bool) {
	req, alloc, used := &s.req, &node.Allocatable, &node.Requested
	if int64(len(node.Pods))+1 > alloc.Pods {
		reasons = append(reasons, ReasonTooManyPods)
	}
	check := func(want, allocatable, requested int64, reason string) {
		if want > 0 && want > allocatable-requested {
			reasons = append(reasons, reason)
			unresolvable = unresolvable || want > allocatable
		}
	}
	check(req.MilliCPU, alloc.MilliCPU, used.MilliCPU, ReasonInsufficientCPU)
	check(req.Memory, alloc.Memory, used.Memory, ReasonInsufficientMemory)
	check(req.EphemeralStorage, alloc.EphemeralStorage, used.EphemeralStorage, ReasonInsufficientEphemeral)
	for _, name := range s.scalars {
		check(req.Scalar[name], alloc.Scalar[name], used.Scalar[name], reasonInsufficientScalarPrefix+string(name))
	}
	return reasons, unresolvable
}

// preScoreState is the pod's requests in the order of the scored
// resources.
type preScoreState struct{ podRequests []int64 }

// PreScore computes the pod's requests for scoring, with the defaults
// for containers that set no cpu or memory request.
func (f *Fit) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	state.Write(preScoreStateKey, &preScoreState{podRequests: podRequestList(pod, f.resources, true)})
	return nil
}

// Score is the weighted average over the scored resources of the
// strategy's score: LeastAllocated (allocatable-requested)*100/allocatable,
// MostAllocated requested*100/allocatable, where requested counts the
// node's pods and this one with the non-zero defaults. Resources the node
// has none of are left out.
func (f *Fit) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) (int64, *framework.Status) {
	s, ok := readState[*preScoreState](state, preScoreStateKey)
	if !ok {
		s = &preScoreState{podRequests: podRequestList(pod, f.resources, true)}
	}
	used := nonZeroUsage(node, f.resources)
	var score, weights int64
	for i, r := range f.resources {
		alloc, req := allocatableAndRequested(node, used, r.Name, s.podRequests[i])
		if alloc == 0 {
			continue
		}
		score += f.scorer(req, alloc) * r.Weight
		weights += r.Weight
	}
	if weights == 0 {
		return 0, nil
	}
	return score / weights, nil
}

// leastRequestedScore favours room left: 0 when full (or over), 100 when
// empty.
func leastRequestedScore(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * framework.MaxNodeScore / capacity
}

// mostRequestedScore favours use: 100 when full (or over), 0 when empty.
func mostRequestedScore(requested, capacity int64) int64 {
	if capacity == 0 {
		return 0
	}
	requested = min(requested, capacity)
	return requested * framework.MaxNodeScore / capacity
}

// readState reads a value of type T that a plugin stored in the cycle.
func readState[T any](state *framework.CycleState, key string) (T, bool) {
	var zero T
	if state == nil {
		return zero, false
	}
	v, ok := state.Read(key)
	if !ok {
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}
