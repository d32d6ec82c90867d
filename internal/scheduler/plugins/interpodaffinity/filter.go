package interpodaffinity

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// topologyPair is one topology domain: the nodes whose label key has
// value ("topology.kubernetes.io/zone" = "a").
type topologyPair struct {
	key, value string
}

// pairCounts counts matching pods per topology domain.
type pairCounts map[topologyPair]int64

// add counts one pod on node in the domain of key, if node has that
// label: a pod on a node without the key is in no domain of it.
func (c pairCounts) add(node *corev1.Node, key string) {
	if v, ok := node.Labels[key]; ok {
		c[topologyPair{key, v}]++
	}
}

// has reports whether node's domain of key holds a counted pod.
func (c pairCounts) has(node *corev1.Node, key string) bool {
	v, ok := node.Labels[key]
	return ok && c[topologyPair{key, v}] > 0
}

// preFilterState is what PreFilter computes for Filter.
type preFilterState struct {
	// affinity and antiAffinity are the incoming pod's required terms.
	affinity, antiAffinity []term
	// affinityCounts counts the existing pods that match every affinity
	// term, in each term's domain; antiAffinityCounts the pods matching
	// each anti-affinity term, in that term's domain.
	affinityCounts, antiAffinityCounts pairCounts
	// existingAntiAffinity counts, per domain, the existing pods whose
	// required anti-affinity term of that topology key matches the
	// incoming pod; existingAntiAffinityKeys are its distinct keys, so
	// Filter looks up only those.
	existingAntiAffinity     pairCounts
	existingAntiAffinityKeys []string
	// selfMatch: the incoming pod matches all of its own affinity terms,
	// so it may found its group when no pod matches them yet.
	selfMatch bool
}

// PreFilter computes, in one walk of the snapshot, what Filter needs:
// where the pods matching the incoming pod's required terms are, and
// which domains existing pods' required anti-affinity closes to it. It
// also keeps the snapshot for PreScore, which is given only the feasible
// nodes. It returns Skip when Filter could reject no node: the pod has no
// required affinity, and no pod matches its anti-affinity or has an
// anti-affinity term that matches it. A term that does not parse is an
// Error (validation should have kept the pod out).
func (pl *InterPodAffinity) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, snap *framework.Snapshot) *framework.Status {
	state.Write(snapshotStateKey, snap)
	s := &preFilterState{
		affinityCounts:       pairCounts{},
		antiAffinityCounts:   pairCounts{},
		existingAntiAffinity: pairCounts{},
	}
	var err error
	affinity, anti := requiredTerms(pod)
	if s.affinity, err = compileTerms(pod, affinity, "podAffinity.requiredDuringSchedulingIgnoredDuringExecution"); err != nil {
		return framework.AsStatus(fmt.Errorf("%s prefilter: %w", Name, err))
	}
	if s.antiAffinity, err = compileTerms(pod, anti, "podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution"); err != nil {
		return framework.AsStatus(fmt.Errorf("%s prefilter: %w", Name, err))
	}
	s.selfMatch = matchesAll(s.affinity, pod)
	s.countIncoming(snap.Nodes)
	s.countExisting(pod, snap.HavePodsWithRequiredAntiAffinity)
	if len(s.affinity) == 0 && len(s.antiAffinityCounts) == 0 && len(s.existingAntiAffinity) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, s)
	return nil
}

// requiredTerms are pod's required affinity and anti-affinity terms.
func requiredTerms(pod *corev1.Pod) (affinity, anti []corev1.PodAffinityTerm) {
	a := pod.Spec.Affinity
	if a == nil {
		return nil, nil
	}
	if a.PodAffinity != nil {
		affinity = a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	if a.PodAntiAffinity != nil {
		anti = a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	return affinity, anti
}

// countIncoming counts, over every pod of nodes, the pods matching the
// incoming pod's required terms. It is the one walk over every pod in
// the cluster, and only for pods with required terms.
func (s *preFilterState) countIncoming(nodes []*framework.NodeInfo) {
	if len(s.affinity) == 0 && len(s.antiAffinity) == 0 {
		return
	}
	for _, n := range nodes {
		if n.Node == nil || !s.hasAnyTopologyKey(n.Node) {
			continue
		}
		for _, p := range n.Pods {
			if matchesAll(s.affinity, p) {
				for i := range s.affinity {
					s.affinityCounts.add(n.Node, s.affinity[i].topologyKey)
				}
			}
			for i := range s.antiAffinity {
				if s.antiAffinity[i].matches(p) {
					s.antiAffinityCounts.add(n.Node, s.antiAffinity[i].topologyKey)
				}
			}
		}
	}
}

// hasAnyTopologyKey reports whether node has a label any required term
// counts by; the pods of a node without one count nowhere.
func (s *preFilterState) hasAnyTopologyKey(node *corev1.Node) bool {
	for _, terms := range [2][]term{s.affinity, s.antiAffinity} {
		for i := range terms {
			if _, ok := node.Labels[terms[i].topologyKey]; ok {
				return true
			}
		}
	}
	return false
}

// countExisting counts, per domain, the existing pods with a required
// anti-affinity term that matches pod, walking only the nodes that hold
// such pods.
func (s *preFilterState) countExisting(pod *corev1.Pod, nodes []*framework.NodeInfo) {
	for _, n := range nodes {
		if n.Node == nil {
			continue
		}
		for _, existing := range n.PodsWithRequiredAntiAffinity {
			terms := existing.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
			for i := range terms {
				t := &terms[i]
				if _, ok := n.Node.Labels[t.TopologyKey]; ok && termMatches(existing, t, pod) {
					s.existingAntiAffinity.add(n.Node, t.TopologyKey)
					if !slices.Contains(s.existingAntiAffinityKeys, t.TopologyKey) {
						s.existingAntiAffinityKeys = append(s.existingAntiAffinityKeys, t.TopologyKey)
					}
				}
			}
		}
	}
}

// Filter rejects a node, in this order, when:
//
//   - the pod has required affinity and the node lacks one of its
//     topology keys, or some term's domain there holds no pod matching
//     all terms (unless no pod anywhere does and the pod matches its own
//     terms: the first of a group may go to any node with every key):
//     ReasonAffinity, UnschedulableAndUnresolvable;
//   - a domain of the node holds a pod matching one of the pod's required
//     anti-affinity terms: ReasonAntiAffinity, Unschedulable (preempting
//     that pod would make room);
//   - a domain of the node holds an existing pod whose required
//     anti-affinity matches the pod: ReasonExistingAntiAffinity,
//     Unschedulable.
//
// It costs a few map lookups per term.
func (pl *InterPodAffinity) Filter(_ context.Context, state *framework.CycleState, _ *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	if node.Node == nil {
		return framework.AsStatus(fmt.Errorf("node not found"))
	}
	v, _ := state.Read(preFilterStateKey)
	s, ok := v.(*preFilterState)
	if !ok {
		return framework.AsStatus(fmt.Errorf("%s filter: no prefilter state: PreFilter must run first", Name))
	}
	if !s.satisfiesAffinity(node.Node) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonAffinity)
	}
	for i := range s.antiAffinity {
		if s.antiAffinityCounts.has(node.Node, s.antiAffinity[i].topologyKey) {
			return framework.NewStatus(framework.Unschedulable, ReasonAntiAffinity)
		}
	}
	for _, key := range s.existingAntiAffinityKeys {
		if s.existingAntiAffinity.has(node.Node, key) {
			return framework.NewStatus(framework.Unschedulable, ReasonExistingAntiAffinity)
		}
	}
	return nil
}

// satisfiesAffinity reports whether node meets the pod's required
// affinity.
func (s *preFilterState) satisfiesAffinity(node *corev1.Node) bool {
	found := true
	for i := range s.affinity {
		key := s.affinity[i].topologyKey
		if _, ok := node.Labels[key]; !ok {
			return false
		}
		if !s.affinityCounts.has(node, key) {
			found = false
		}
	}
	return found || len(s.affinityCounts) == 0 && s.selfMatch
}
