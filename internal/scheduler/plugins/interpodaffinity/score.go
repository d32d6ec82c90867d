package interpodaffinity

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// topologyScores are the scores of topology domains, by topology key and
// value. A node scores the sum of its domains'.
type topologyScores map[string]map[string]int64

// add adds delta to node's domain of key, if node has that label.
func (s topologyScores) add(node *corev1.Node, key string, delta int64) {
	v, ok := node.Labels[key]
	if !ok {
		return
	}
	m := s[key]
	if m == nil {
		m = map[string]int64{}
		s[key] = m
	}
	m[v] += delta
}

// scorer accumulates the domain scores of one cycle.
type scorer struct {
	pod *corev1.Pod
	// preferred and antiPreferred are the incoming pod's preferred terms.
	preferred, antiPreferred []term
	hardWeight               int64
	scores                   topologyScores
}

// PreScore scores every topology domain for the pod, in one walk over the
// pods of the whole cluster (when the pod has preferred terms of its own)
// or over the pods with affinity terms only (when it has none: other pods
// cannot then score). Each existing pod adds to the domains of its node:
//
//   - the weight of each of the incoming pod's preferred affinity terms it
//     matches, minus that of each preferred anti-affinity term;
//   - HardPodAffinityWeight for each of its required affinity terms that
//     matches the incoming pod;
//   - the weight of each of its preferred affinity terms that matches the
//     incoming pod, minus that of each preferred anti-affinity term.
//
// Domains are read from the snapshot PreFilter kept (existing pods on
// nodes that failed the filters still count); without it, from the
// feasible nodes only. It returns Skip when no domain got a score, and
// when IgnorePreferredTermsOfExistingPods is set and the pod has no
// preferred terms.
func (pl *InterPodAffinity) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) *framework.Status {
	if len(nodes) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	preferred, antiPreferred := preferredTerms(pod)
	hasPreferred := len(preferred)+len(antiPreferred) > 0
	if pl.args.IgnorePreferredTermsOfExistingPods && !hasPreferred {
		return framework.NewStatus(framework.Skip)
	}
	sc := &scorer{pod: pod, hardWeight: int64(pl.args.HardPodAffinityWeight), scores: topologyScores{}}
	var err error
	if sc.preferred, err = compileWeightedTerms(pod, preferred, "podAffinity.preferredDuringSchedulingIgnoredDuringExecution"); err != nil {
		return framework.AsStatus(fmt.Errorf("%s prescore: %w", Name, err))
	}
	if sc.antiPreferred, err = compileWeightedTerms(pod, antiPreferred, "podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution"); err != nil {
		return framework.AsStatus(fmt.Errorf("%s prescore: %w", Name, err))
	}
	all, withAffinity := nodes, nodes
	if v, _ := state.Read(snapshotStateKey); v != nil {
		if snap, ok := v.(*framework.Snapshot); ok && snap != nil {
			all, withAffinity = snap.Nodes, snap.HavePodsWithAffinity
		}
	}
	if hasPreferred {
		for _, n := range all {
			for _, p := range n.Pods {
				sc.processExisting(p, n.Node)
			}
		}
	} else {
		for _, n := range withAffinity {
			for _, p := range n.PodsWithAffinity {
				sc.processExisting(p, n.Node)
			}
		}
	}
	if len(sc.scores) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(preScoreStateKey, sc.scores)
	return nil
}

// preferredTerms are pod's preferred affinity and anti-affinity terms.
func preferredTerms(pod *corev1.Pod) (affinity, anti []corev1.WeightedPodAffinityTerm) {
	a := pod.Spec.Affinity
	if a == nil {
		return nil, nil
	}
	if a.PodAffinity != nil {
		affinity = a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	}
	if a.PodAntiAffinity != nil {
		anti = a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	}
	return affinity, anti
}

// processExisting adds what existing, a pod on node, means for the
// incoming pod to node's domains.
func (sc *scorer) processExisting(existing *corev1.Pod, node *corev1.Node) {
	if node == nil || len(node.Labels) == 0 {
		return
	}
	for i := range sc.preferred {
		if t := &sc.preferred[i]; t.matches(existing) {
			sc.scores.add(node, t.topologyKey, t.weight)
		}
	}
	for i := range sc.antiPreferred {
		if t := &sc.antiPreferred[i]; t.matches(existing) {
			sc.scores.add(node, t.topologyKey, -t.weight)
		}
	}
	a := existing.Spec.Affinity
	if a == nil {
		return
	}
	if pa := a.PodAffinity; pa != nil {
		if sc.hardWeight > 0 {
			for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
				if t := &pa.RequiredDuringSchedulingIgnoredDuringExecution[i]; termMatches(existing, t, sc.pod) {
					sc.scores.add(node, t.TopologyKey, sc.hardWeight)
				}
			}
		}
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			if w := &pa.PreferredDuringSchedulingIgnoredDuringExecution[i]; termMatches(existing, &w.PodAffinityTerm, sc.pod) {
				sc.scores.add(node, w.PodAffinityTerm.TopologyKey, int64(w.Weight))
			}
		}
	}
	if pa := a.PodAntiAffinity; pa != nil {
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			if w := &pa.PreferredDuringSchedulingIgnoredDuringExecution[i]; termMatches(existing, &w.PodAffinityTerm, sc.pod) {
				sc.scores.add(node, w.PodAffinityTerm.TopologyKey, -int64(w.Weight))
			}
		}
	}
}

// Score is the sum of the scores of the node's domains; it may be
// negative. NormalizeScore scales it.
func (pl *InterPodAffinity) Score(_ context.Context, state *framework.CycleState, _ *corev1.Pod, node *framework.NodeInfo) (int64, *framework.Status) {
	if node.Node == nil {
		return 0, framework.AsStatus(fmt.Errorf("node not found"))
	}
	v, _ := state.Read(preScoreStateKey)
	scores, ok := v.(topologyScores)
	if !ok {
		return 0, framework.AsStatus(fmt.Errorf("%s score: no prescore state: PreScore must run first", Name))
	}
	var total int64
	for key, values := range scores {
		if v, ok := node.Node.Labels[key]; ok {
			total += values[v]
		}
	}
	return total, nil
}

// NormalizeScore scales the scores min-max into [MinNodeScore,
// MaxNodeScore]: the lowest (most repelled) node gets 0, the highest 100,
// all 0 when every node scores the same. Division truncates.
func (pl *InterPodAffinity) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, scores []int64) *framework.Status {
	if len(scores) == 0 {
		return nil
	}
	lo, hi := scores[0], scores[0]
	for _, s := range scores {
		lo, hi = min(lo, s), max(hi, s)
	}
	for i, s := range scores {
		if hi == lo {
			scores[i] = framework.MinNodeScore
			continue
		}
		scores[i] = framework.MinNodeScore + (s-lo)*(framework.MaxNodeScore-framework.MinNodeScore)/(hi-lo)
	}
	return nil
}
