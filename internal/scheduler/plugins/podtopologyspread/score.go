package podtopologyspread

import (
	"context"
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// preScoreState is what PreScore computes for Score and NormalizeScore.
type preScoreState struct {
	constraints []constraint
	// counts are the matching pods in each domain, on the feasible nodes.
	counts []map[string]int
	// weights are log(domains + 2) per constraint.
	weights []float64
	// ignored names the feasible nodes that lack a constraint's key;
	// ignoredAt marks them by their place in PreScore's node list, which
	// is the order of NormalizeScore's scores. Both nil when none is.
	ignored   map[string]bool
	ignoredAt []bool
}

// PreScore counts, for each ScheduleAnyway constraint of the pod (its own,
// or the defaults), the matching pods in each domain over the feasible
// nodes (see the package doc for why not over all nodes). It returns Skip
// when the pod has no such constraint or every feasible node is ignored,
// and an Error when a selector does not parse.
func (pl *PodTopologySpread) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) *framework.Status {
	if len(nodes) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	cs, err := pl.constraints(pod, corev1.ScheduleAnyway)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("soft topology spread constraints: %w", err))
	}
	if len(cs) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	t := newTally(pod, cs, len(nodes))
	// The system defaults spread over hostnames even where nodes have no
	// zone; other constraints ignore such nodes, as in Kubernetes.
	t.requireAll = len(pod.Spec.TopologySpreadConstraints) > 0 || !pl.systemDefaulted
	s := &preScoreState{constraints: cs, counts: t.counts, weights: make([]float64, len(cs))}
	for j, n := range nodes {
		if n.Node == nil {
			return framework.AsStatus(fmt.Errorf("node not found"))
		}
		if t.requireAll && !hasKeys(n.Node.Labels, cs) {
			if s.ignored == nil {
				s.ignored, s.ignoredAt = map[string]bool{}, make([]bool, len(nodes))
			}
			s.ignored[n.Node.Name], s.ignoredAt[j] = true, true
		}
	}
	if len(s.ignored) == len(nodes) {
		return framework.NewStatus(framework.Skip)
	}
	t.add(nodes)
	for i := range cs {
		s.weights[i] = math.Log(float64(len(t.counts[i]) + 2))
	}
	state.Write(preScoreStateKey, s)
	return nil
}

// Score sums, over the constraints whose key the node has, the matching
// pods of the node's domain times the constraint's weight, plus maxSkew −
// 1; fewer is better. An ignored node scores 0. It fails with an Error if
// PreScore did not run.
func (*PodTopologySpread) Score(_ context.Context, state *framework.CycleState, _ *corev1.Pod, node *framework.NodeInfo) (int64, *framework.Status) {
	if node.Node == nil {
		return 0, framework.AsStatus(fmt.Errorf("node not found"))
	}
	v, _ := state.Read(preScoreStateKey)
	s, ok := v.(*preScoreState)
	if !ok {
		return 0, framework.AsStatus(fmt.Errorf("%s score: no PreScore state: PreScore must run first", Name))
	}
	if s.ignored[node.Node.Name] {
		return 0, nil
	}
	var score float64
	for i := range s.constraints {
		c := &s.constraints[i]
		if domain, ok := node.Node.Labels[c.topologyKey]; ok {
			score += float64(s.counts[i][domain])*s.weights[i] + float64(c.maxSkew-1)
		}
	}
	return int64(math.Round(score)), nil
}

// NormalizeScore reverses the raw scores: a node scores
// MaxNodeScore × (max + min − raw) / max, with max and min over the nodes
// not ignored, so the best gets MaxNodeScore; all get MaxNodeScore when
// max is 0. Ignored nodes get 0. scores are in PreScore's node order.
func (*PodTopologySpread) NormalizeScore(_ context.Context, state *framework.CycleState, _ *corev1.Pod, scores []int64) *framework.Status {
	v, _ := state.Read(preScoreStateKey)
	s, ok := v.(*preScoreState)
	if !ok {
		return framework.AsStatus(fmt.Errorf("%s normalize: no PreScore state: PreScore must run first", Name))
	}
	if s.ignoredAt != nil && len(s.ignoredAt) != len(scores) {
		return framework.AsStatus(fmt.Errorf("%s normalize: %d scores for %d nodes", Name, len(scores), len(s.ignoredAt)))
	}
	ignored := func(j int) bool { return s.ignoredAt != nil && s.ignoredAt[j] }
	lo, hi := int64(math.MaxInt64), int64(0)
	for j, sc := range scores {
		if !ignored(j) {
			lo, hi = min(lo, sc), max(hi, sc)
		}
	}
	for j, sc := range scores {
		switch {
		case ignored(j):
			scores[j] = framework.MinNodeScore
		case hi == 0:
			scores[j] = framework.MaxNodeScore
		default:
			scores[j] = framework.MaxNodeScore * (hi + lo - sc) / hi
		}
	}
	return nil
}
