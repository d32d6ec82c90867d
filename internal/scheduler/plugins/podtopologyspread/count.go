package podtopologyspread

import (
	corev1 "k8s.io/api/core/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// comparisonOperators: Marina's validation admits the Lt and Gt toleration
// operators, so nodeTaintsPolicy Honor honours them, as TaintToleration
// does.
const comparisonOperators = true

// discard drops what the toleration helpers would log (a toleration value
// that is not a number; validation rejects those).
var discard = klog.Logger{}

// tally counts, for each constraint, the matching pods in each of its
// topology domains (the values of its key). counts[i] maps a value of
// constraint i's key to the number of pods; a domain is present, possibly
// with 0, once a node that counts for the constraint is in it.
type tally struct {
	pod    *corev1.Pod
	cs     []constraint
	counts []map[string]int
	// requireAll: a node that lacks any constraint's key counts for none
	// (always so for filtering; for scoring, unless the constraints are
	// the system defaults, which spread over hostnames even where nodes
	// have no zone).
	requireAll bool
}

// newTally makes empty counts for cs, sized for nodes nodes.
func newTally(pod *corev1.Pod, cs []constraint, nodes int) *tally {
	t := &tally{pod: pod, cs: cs, counts: make([]map[string]int, len(cs))}
	for i := range cs {
		size := 0
		if cs[i].topologyKey == corev1.LabelHostname {
			size = nodes // one domain per node
		}
		t.counts[i] = make(map[string]int, size)
	}
	return t
}

// add walks nodes once, looking up each topology key once per node and
// matching each node's pods at most once per distinct matcher, and adds
// them to the domains of the constraints the node counts for.
func (t *tally) add(nodes []*framework.NodeInfo) {
	in := inclusion{pod: t.pod, affinity: nodeaffinity.GetRequiredNodeAffinity(t.pod)}
	values := make([]string, len(t.cs))
	has := make([]bool, len(t.cs))
	perGroup := make([]int, len(t.cs)) // the node's count per group, -1 until matched
	for _, n := range nodes {
		node := n.Node
		if node == nil {
			continue
		}
		all := true
		for i := range t.cs {
			values[i], has[i] = node.Labels[t.cs[i].topologyKey]
			all = all && has[i]
		}
		if t.requireAll && !all {
			continue
		}
		in.reset(node)
		for g := range perGroup {
			perGroup[g] = -1
		}
		for i := range t.cs {
			c := &t.cs[i]
			if !has[i] || !in.includes(c) {
				continue
			}
			if perGroup[c.group] < 0 {
				perGroup[c.group] = c.match.countOn(n)
			}
			t.counts[i][values[i]] += perGroup[c.group]
		}
	}
}

// inclusion decides, once per node, the node inclusion policies: whether
// the node matches the pod's required node affinity, and whether the pod
// tolerates its taints.
type inclusion struct {
	pod      *corev1.Pod
	affinity nodeaffinity.RequiredNodeAffinity
	node     *corev1.Node
	// affinityOK and taintsOK are 0 until computed, then 1 or -1.
	affinityOK, taintsOK int8
}

func (in *inclusion) reset(node *corev1.Node) {
	in.node, in.affinityOK, in.taintsOK = node, 0, 0
}

// includes reports whether the node counts for c under c's policies.
func (in *inclusion) includes(c *constraint) bool {
	if c.honorAffinity {
		if in.affinityOK == 0 {
			in.affinityOK = -1
			// A term that does not parse matches no node, as in NodeAffinity.
			if ok, _ := in.affinity.Match(in.node); ok {
				in.affinityOK = 1
			}
		}
		if in.affinityOK < 0 {
			return false
		}
	}
	if c.honorTaints {
		if in.taintsOK == 0 {
			in.taintsOK = 1
			if !toleratesScheduling(in.pod, in.node) {
				in.taintsOK = -1
			}
		}
		if in.taintsOK < 0 {
			return false
		}
	}
	return true
}

// toleratesScheduling reports whether the pod tolerates every NoSchedule
// and NoExecute taint of the node (the taints TaintToleration filters on).
func toleratesScheduling(pod *corev1.Pod, node *corev1.Node) bool {
	for i := range node.Spec.Taints {
		t := &node.Spec.Taints[i]
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if !v1helper.TolerationsTolerateTaint(discard, pod.Spec.Tolerations, t, comparisonOperators) {
			return false
		}
	}
	return true
}
