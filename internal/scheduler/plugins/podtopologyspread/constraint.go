package podtopologyspread

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// constraint is one topology spread constraint as a cycle uses it: the
// pod's own or a default one, its selector compiled once and its optional
// fields defaulted as Kubernetes does.
type constraint struct {
	maxSkew     int32
	topologyKey string
	// minDomains is at least 1: with fewer eligible domains than this, the
	// global minimum is taken to be 0.
	minDomains int32
	// honorAffinity: count only nodes that match the pod's nodeSelector and
	// required node affinity (nodeAffinityPolicy Honor, the default).
	// honorTaints: count only nodes whose NoSchedule and NoExecute taints
	// the pod tolerates (nodeTaintsPolicy Honor; the default is Ignore).
	honorAffinity, honorTaints bool
	match                      matcher
	// group is the same for constraints with equal matchers, so that a
	// node's pods are matched once for all of them (hostname and zone
	// spreading of one app is the common case).
	group int
}

// matcher says which existing pods a constraint counts: pods of the
// incoming pod's namespace that are not terminating, and that either match
// a label selector or share the incoming pod's controller owner. A matcher
// with neither counts no pod (a constraint without a labelSelector).
type matcher struct {
	namespace string
	selector  labels.Selector
	owner     types.UID
	// indexKey is set when the selector is one label equal to one value:
	// the node's LabelCounts then has the count (framework.LabelCountKey).
	indexKey string
	// id identifies what the matcher matches, to group equal ones.
	id string
}

// counts reports whether existing pod p counts for m.
func (m *matcher) counts(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Namespace != m.namespace {
		return false
	}
	switch {
	case m.selector != nil:
		return m.selector.Matches(labels.Set(p.Labels))
	case m.owner != "":
		ref := metav1.GetControllerOfNoCopy(p)
		return ref != nil && ref.UID == m.owner
	}
	return false
}

// countOn is how many of the node's pods m counts.
func (m *matcher) countOn(n *framework.NodeInfo) int {
	switch {
	case m.selector == nil && m.owner == "":
		return 0
	case m.selector == nil:
		return n.OwnerCounts[m.owner]
	case m.indexKey != "":
		return n.LabelCounts[m.indexKey]
	}
	count := 0
	for _, p := range n.Pods {
		if m.counts(p) {
			count++
		}
	}
	return count
}

// selfMatch is 1 when the incoming pod, once placed, will count for m
// itself (its labels match the selector, or m is its owner's), else 0.
func (m *matcher) selfMatch(pod *corev1.Pod) int {
	if (m.selector != nil && m.selector.Matches(labels.Set(pod.Labels))) || m.owner != "" {
		return 1
	}
	return 0
}

// resolve returns c without its selector, its optional fields defaulted.
func resolve(c *corev1.TopologySpreadConstraint) constraint {
	r := constraint{maxSkew: c.MaxSkew, topologyKey: c.TopologyKey, minDomains: 1, honorAffinity: true}
	if c.MinDomains != nil && c.WhenUnsatisfiable == corev1.DoNotSchedule {
		r.minDomains = max(*c.MinDomains, 1)
	}
	if c.NodeAffinityPolicy != nil {
		r.honorAffinity = *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor
	}
	if c.NodeTaintsPolicy != nil {
		r.honorTaints = *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor
	}
	return r
}

// podConstraints compiles the pod's own constraints whose
// whenUnsatisfiable is action.
func podConstraints(pod *corev1.Pod, action corev1.UnsatisfiableConstraintAction) ([]constraint, error) {
	var out []constraint
	for i := range pod.Spec.TopologySpreadConstraints {
		c := &pod.Spec.TopologySpreadConstraints[i]
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := selectorFor(c, pod.Labels)
		if err != nil {
			return nil, fmt.Errorf("topologySpreadConstraints[%d]: %w", i, err)
		}
		r := resolve(c)
		r.match = matcher{namespace: pod.Namespace, selector: sel, id: "none"}
		if sel != nil {
			r.match.id = "selector:" + sel.String()
			r.match.indexKey = indexKey(pod.Namespace, sel)
		}
		out = append(out, r)
	}
	return groupMatchers(out), nil
}

// indexKey is the LabelCounts key that counts what sel selects in
// namespace, when sel is a single "key = value" (or "key in (value)")
// requirement; "" otherwise, and the pods are walked.
func indexKey(namespace string, sel labels.Selector) string {
	reqs, selectable := sel.Requirements()
	if !selectable || len(reqs) != 1 {
		return ""
	}
	r := reqs[0]
	switch r.Operator() {
	case selection.Equals, selection.DoubleEquals, selection.In:
	default:
		return ""
	}
	if r.Values().Len() != 1 {
		return ""
	}
	return framework.LabelCountKey(namespace, r.Key(), r.Values().UnsortedList()[0])
}

// selectorFor compiles c's labelSelector with, for each of c's
// matchLabelKeys the pod has, "key = the pod's value" added (so that, say,
// pods of one rollout revision spread among themselves). It returns nil
// for a constraint that selects no pod: one without a labelSelector, as
// Kubernetes reads it, unless matchLabelKeys add requirements.
func selectorFor(c *corev1.TopologySpreadConstraint, podLabels map[string]string) (labels.Selector, error) {
	var reqs []labels.Requirement
	for _, key := range c.MatchLabelKeys {
		v, ok := podLabels[key]
		if !ok {
			continue
		}
		r, err := labels.NewRequirement(key, selection.Equals, []string{v})
		if err != nil {
			return nil, fmt.Errorf("matchLabelKeys: %w", err)
		}
		reqs = append(reqs, *r)
	}
	if c.LabelSelector == nil {
		if len(reqs) == 0 {
			return nil, nil
		}
		return labels.NewSelector().Add(reqs...), nil
	}
	sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
	if err != nil {
		return nil, fmt.Errorf("labelSelector: %w", err)
	}
	if len(reqs) > 0 {
		sel = sel.Add(reqs...)
	}
	return sel, nil
}

// defaultConstraints applies the plugin's default constraints whose
// whenUnsatisfiable is action to a pod that has none of its own: each
// counts the pods controlled by the pod's controller owner. A pod without
// one gets none.
func (pl *PodTopologySpread) defaultConstraints(pod *corev1.Pod, action corev1.UnsatisfiableConstraintAction) []constraint {
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil || owner.UID == "" {
		return nil
	}
	var out []constraint
	for i, c := range pl.defaults {
		if pl.defaultActions[i] != action {
			continue
		}
		c.match = matcher{namespace: pod.Namespace, owner: owner.UID, id: "owner"}
		out = append(out, c)
	}
	return groupMatchers(out)
}

// constraints are the pod's constraints whose whenUnsatisfiable is
// action: its own, or the defaults when it has none.
func (pl *PodTopologySpread) constraints(pod *corev1.Pod, action corev1.UnsatisfiableConstraintAction) ([]constraint, error) {
	if len(pod.Spec.TopologySpreadConstraints) > 0 {
		return podConstraints(pod, action)
	}
	return pl.defaultConstraints(pod, action), nil
}

// groupMatchers numbers the distinct matchers of cs (few: a quadratic
// scan is cheapest).
func groupMatchers(cs []constraint) []constraint {
	for i := range cs {
		cs[i].group = i
		for j := 0; j < i; j++ {
			if cs[j].match.id == cs[i].match.id {
				cs[i].group = cs[j].group
				break
			}
		}
	}
	return cs
}

// hasKeys reports whether the node labels have every constraint's key.
func hasKeys(nodeLabels map[string]string, cs []constraint) bool {
	for i := range cs {
		if _, ok := nodeLabels[cs[i].topologyKey]; !ok {
			return false
		}
	}
	return true
}
