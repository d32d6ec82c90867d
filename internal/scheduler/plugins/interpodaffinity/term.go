package interpodaffinity

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// A pod affinity term belongs to a pod, its owner, and selects other
// pods. The owner matters twice: a term with neither namespaces nor a
// namespaceSelector selects pods in the owner's namespace, and
// matchLabelKeys (mismatchLabelKeys) select pods whose label has (has
// not) the owner's value for that key. Kubernetes' API server merges the
// label keys into labelSelector when a pod is created; Marina's does not,
// so they are applied here (merging twice would change nothing).
//
// The incoming pod's terms are compiled once per cycle (term) and matched
// against many pods. Existing pods' terms are matched against the one
// incoming pod, once each per cycle, so compiling them would cost more
// than it saves: termMatches reads them as they are.

// term is a compiled pod affinity term.
type term struct {
	topologyKey string
	// weight is a preferred term's weight; 0 for a required term.
	weight int64
	// namespaces: the term selects pods in these, in every namespace
	// when allNamespaces, or in those whose labels nsSelector matches.
	namespaces    []string
	allNamespaces bool
	nsSelector    labels.Selector
	// selector includes matchLabelKeys and mismatchLabelKeys.
	selector labels.Selector
}

// newTerm compiles t, a term of owner's.
func newTerm(owner *corev1.Pod, t *corev1.PodAffinityTerm, weight int32) (term, error) {
	out := term{topologyKey: t.TopologyKey, weight: int64(weight), namespaces: t.Namespaces}
	switch {
	case len(t.Namespaces) == 0 && t.NamespaceSelector == nil:
		out.namespaces = []string{owner.Namespace}
	case t.NamespaceSelector != nil && len(t.NamespaceSelector.MatchLabels)+len(t.NamespaceSelector.MatchExpressions) == 0:
		out.allNamespaces = true
	case t.NamespaceSelector != nil:
		sel, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector)
		if err != nil {
			return term{}, fmt.Errorf("namespaceSelector: %w", err)
		}
		out.nsSelector = sel
	}
	sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return term{}, fmt.Errorf("labelSelector: %w", err)
	}
	if t.LabelSelector != nil {
		reqs, err := labelKeyRequirements(owner, t)
		if err != nil {
			return term{}, err
		}
		sel = sel.Add(reqs...)
	}
	out.selector = sel
	return out, nil
}

// labelKeyRequirements turns t's matchLabelKeys into "key in (owner's
// value)" and its mismatchLabelKeys into "key notin (owner's value)";
// keys the owner has no label for are ignored, as in Kubernetes.
func labelKeyRequirements(owner *corev1.Pod, t *corev1.PodAffinityTerm) ([]labels.Requirement, error) {
	var reqs []labels.Requirement
	add := func(field string, keys []string, op selection.Operator) error {
		for _, k := range keys {
			v, ok := owner.Labels[k]
			if !ok {
				continue
			}
			r, err := labels.NewRequirement(k, op, []string{v})
			if err != nil {
				return fmt.Errorf("%s: %w", field, err)
			}
			reqs = append(reqs, *r)
		}
		return nil
	}
	if err := add("matchLabelKeys", t.MatchLabelKeys, selection.In); err != nil {
		return nil, err
	}
	if err := add("mismatchLabelKeys", t.MismatchLabelKeys, selection.NotIn); err != nil {
		return nil, err
	}
	return reqs, nil
}

// matches reports whether the term selects p. The labels are looked at
// first: they rule out most pods, and the namespace's name would be one
// more cache miss per pod on a large cluster.
func (t *term) matches(p *corev1.Pod) bool {
	return t.selector.Matches(labels.Set(p.Labels)) && t.matchesNamespace(p.Namespace)
}

func (t *term) matchesNamespace(ns string) bool {
	return t.allNamespaces || slices.Contains(t.namespaces, ns) ||
		t.nsSelector != nil && t.nsSelector.Matches(namespaceLabels(ns))
}

// matchesAll reports whether p matches every term; false when there are
// none. A pod counts towards required affinity only if it matches all of
// the incoming pod's terms, as in Kubernetes.
func matchesAll(terms []term, p *corev1.Pod) bool {
	for i := range terms {
		if !terms[i].matches(p) {
			return false
		}
	}
	return len(terms) > 0
}

// compileTerms compiles owner's required terms (weight 0).
func compileTerms(owner *corev1.Pod, terms []corev1.PodAffinityTerm, field string) ([]term, error) {
	out := make([]term, 0, len(terms))
	for i := range terms {
		t, err := newTerm(owner, &terms[i], 0)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", field, i, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// compileWeightedTerms compiles owner's preferred terms.
func compileWeightedTerms(owner *corev1.Pod, terms []corev1.WeightedPodAffinityTerm, field string) ([]term, error) {
	out := make([]term, 0, len(terms))
	for i := range terms {
		t, err := newTerm(owner, &terms[i].PodAffinityTerm, terms[i].Weight)
		if err != nil {
			return nil, fmt.Errorf("%s[%d].podAffinityTerm: %w", field, i, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// termMatches reports whether t, a term of owner's, selects p, without
// compiling it. It means what newTerm's term.matches means; a selector
// that does not parse (validation keeps those out) selects nothing, so
// that one bad pod cannot fail every scheduling cycle.
func termMatches(owner *corev1.Pod, t *corev1.PodAffinityTerm, p *corev1.Pod) bool {
	if !selectorMatches(t.LabelSelector, labels.Set(p.Labels)) || !termMatchesNamespace(owner, t, p.Namespace) {
		return false
	}
	for _, k := range t.MatchLabelKeys {
		if v, ok := owner.Labels[k]; ok {
			if pv, has := p.Labels[k]; !has || pv != v {
				return false
			}
		}
	}
	for _, k := range t.MismatchLabelKeys {
		if v, ok := owner.Labels[k]; ok {
			if pv, has := p.Labels[k]; has && pv == v {
				return false
			}
		}
	}
	return true
}

func termMatchesNamespace(owner *corev1.Pod, t *corev1.PodAffinityTerm, ns string) bool {
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		return ns == owner.Namespace
	}
	return slices.Contains(t.Namespaces, ns) ||
		t.NamespaceSelector != nil && selectorMatches(t.NamespaceSelector, namespaceLabels(ns))
}

// selectorMatches is metav1.LabelSelectorAsSelector(sel).Matches(l) for a
// valid selector, without building one: nil selects nothing, an empty
// selector everything; an unknown operator selects nothing.
func selectorMatches(sel *metav1.LabelSelector, l labels.Labels) bool {
	if sel == nil {
		return false
	}
	for k, v := range sel.MatchLabels {
		if got, ok := l.Lookup(k); !ok || got != v {
			return false
		}
	}
	for i := range sel.MatchExpressions {
		e := &sel.MatchExpressions[i]
		got, ok := l.Lookup(e.Key)
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			if !ok || !slices.Contains(e.Values, got) {
				return false
			}
		case metav1.LabelSelectorOpNotIn:
			if ok && slices.Contains(e.Values, got) {
				return false
			}
		case metav1.LabelSelectorOpExists:
			if !ok {
				return false
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// namespaceLabels are the labels of the namespace it names, as far as
// the scheduler knows them: the snapshot has no namespaces, so only the
// label every namespace carries, kubernetes.io/metadata.name (Marina's
// API server sets it, as Kubernetes' does). A namespaceSelector on that
// label works as in Kubernetes; one on any other label sees a namespace
// without it.
type namespaceLabels string

var _ labels.Labels = namespaceLabels("")

// Has implements labels.Labels.
func (n namespaceLabels) Has(key string) bool { return key == corev1.LabelMetadataName }

// Get implements labels.Labels.
func (n namespaceLabels) Get(key string) string {
	v, _ := n.Lookup(key)
	return v
}

// Lookup implements labels.Labels.
func (n namespaceLabels) Lookup(key string) (string, bool) {
	if key != corev1.LabelMetadataName {
		return "", false
	}
	return string(n), true
}
