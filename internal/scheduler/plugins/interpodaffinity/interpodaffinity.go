// Package interpodaffinity is Kubernetes' InterPodAffinity plugin: it
// places a pod by the pods already running in each topology domain, the
// nodes that share a value of the term's topologyKey (one node for
// kubernetes.io/hostname, a zone for topology.kubernetes.io/zone, or any
// node label).
//
// The filter enforces required terms: the incoming pod's podAffinity (a
// pod matching its terms in the node's domain), its podAntiAffinity (no
// matching pod there), and the required podAntiAffinity of the pods
// already placed (the incoming pod stays out of the domains of pods that
// reject it). The score adds up preferred terms, the incoming pod's and
// the existing pods', and existing pods' required affinity for the
// incoming pod times Args.HardPodAffinityWeight, per domain; a node
// scores the sum of its domains, scaled into [0, 100].
//
//	PreFilter (once)  one walk over the pods ─► counts per (key, value)
//	Filter (a node)   a map lookup per term
//	PreScore (once)   one walk over the pods ─► scores per (key, value)
//	Score (a node)    a map lookup per topology key
//
// Where it differs from Kubernetes:
//
//   - namespaceSelector: the snapshot has no namespaces, so a selector is
//     matched against the one label every namespace carries,
//     kubernetes.io/metadata.name. "{}" selects every namespace and a
//     selector on the name label works as in Kubernetes; a selector on
//     any other namespace label sees namespaces without that label (In
//     and Exists select none, NotIn and DoesNotExist select all).
//   - matchLabelKeys and mismatchLabelKeys are applied when matching,
//     since Marina's API server does not merge them into labelSelector.
//   - There are no preemption hooks (Kubernetes' AddPod and RemovePod
//     that update the counts for a victim): the framework has none yet.
package interpodaffinity

import (
	"fmt"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is the plugin's name in configuration and statuses.
const Name = "InterPodAffinity"

// The filter's reasons, Kubernetes' words.
const (
	// ReasonAffinity: the node's domains lack the pods the incoming pod's
	// required affinity needs, or the node lacks a topology key.
	// UnschedulableAndUnresolvable: evicting pods cannot add any.
	ReasonAffinity = "node(s) didn't match pod affinity rules"
	// ReasonAntiAffinity: a domain of the node holds a pod the incoming
	// pod's required anti-affinity rejects. Unschedulable: preempting
	// that pod would make room.
	ReasonAntiAffinity = "node(s) didn't match pod anti-affinity rules"
	// ReasonExistingAntiAffinity: a domain of the node holds a pod whose
	// required anti-affinity rejects the incoming pod. Unschedulable.
	ReasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// Cycle state keys.
const (
	preFilterStateKey = "PreFilter" + Name
	preScoreStateKey  = "PreScore" + Name
	// snapshotStateKey holds the cycle's snapshot, which PreFilter is
	// given and PreScore is not.
	snapshotStateKey = "Snapshot" + Name
)

// InterPodAffinity is the plugin. Register it as a PreFilter as well as a
// PreScore plugin: PreFilter keeps the snapshot PreScore reads. It holds
// only its args, so it is safe for concurrent use.
type InterPodAffinity struct {
	args Args
}

var (
	_ framework.PreFilterPlugin = (*InterPodAffinity)(nil)
	_ framework.FilterPlugin    = (*InterPodAffinity)(nil)
	_ framework.PreScorePlugin  = (*InterPodAffinity)(nil)
	_ framework.ScorePlugin     = (*InterPodAffinity)(nil)
	_ framework.ScoreNormalizer = (*InterPodAffinity)(nil)
)

// New returns the plugin with args, or the args' problems.
func New(args Args) (*InterPodAffinity, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("%s args: %w", Name, err)
	}
	return &InterPodAffinity{args: args}, nil
}

// Name implements framework.Plugin.
func (*InterPodAffinity) Name() string { return Name }
