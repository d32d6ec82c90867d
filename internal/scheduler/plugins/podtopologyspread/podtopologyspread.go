// Package podtopologyspread is Kubernetes' PodTopologySpread plugin: it
// spreads a pod's matching pods evenly over topology domains (nodes,
// zones, any node label) by its topologySpreadConstraints: a filter for
// those with whenUnsatisfiable DoNotSchedule and a score for those with
// ScheduleAnyway.
//
// # Counting
//
// A constraint's topology domains are the values of its topologyKey on
// the nodes that count for it; a node without the key is in no domain. A
// domain's count is the number of pods on its nodes that are in the
// incoming pod's namespace, are not terminating, and match the
// constraint's labelSelector, with "key = the incoming pod's value" added
// for each of its matchLabelKeys the pod has. A constraint without a
// labelSelector counts no pod. A node counts for a constraint only if it
// has every constraint's key and passes the constraint's node inclusion
// policies: nodeAffinityPolicy Honor (the default) counts only nodes that
// match the pod's nodeSelector and required node affinity;
// nodeTaintsPolicy Honor (the default is Ignore) counts only nodes whose
// NoSchedule and NoExecute taints the pod tolerates.
//
// # Filter
//
// PreFilter walks every node of the snapshot once and counts each domain
// of each DoNotSchedule constraint, then takes each constraint's global
// minimum: the smallest count of any of its domains, or 0 when it has
// fewer domains than minDomains (default 1). Filter then looks up the
// node's domains, so it costs a map lookup per constraint:
//
//   - a node without a constraint's key is rejected as
//     UnschedulableAndUnresolvable, ReasonMissingLabel;
//   - a node where count(domain) + self - global minimum > maxSkew is
//     rejected as Unschedulable, ReasonConstraints. self is 1 when the
//     incoming pod matches the selector itself (it will count once
//     placed), else 0. Evicting pods can lower the count, hence
//     Unschedulable.
//
// PreFilter returns Skip for a pod with no DoNotSchedule constraint.
//
// # Score
//
// PreScore counts each domain of each ScheduleAnyway constraint over the
// feasible nodes, the ones it is given. Kubernetes counts non-hostname
// domains over all nodes; this plugin does not, by choice: the system
// default constraints apply to almost every pod, and a walk over every
// pod of a 5000-node, 30000-pod cluster costs some 10 ms (memory-bound:
// each pod's labels or owner reference are a few cache misses), ten times
// a scheduling cycle's budget, where the feasible nodes (about 500 at that
// size, see scheduler.Profile.PercentageOfNodesToScore) cost a tenth of
// it. The price: a zone's pods on nodes that failed a filter, or that the
// cycle did not look at, do not make that zone look fuller. Filtering,
// which decides what may run where, counts over all nodes. A hostname
// domain is one node, so its count is the node's own matching pods, as in
// Kubernetes.
//
// A node's raw score sums, over the constraints whose key it has, count
// × log(number of domains + 2) + maxSkew − 1: the logarithm keeps a key
// with many small domains (hostnames) from drowning one with few (zones),
// and maxSkew − 1 softens the differences a tolerant constraint should not
// care about. Unless the constraints are the system defaults, a feasible
// node that lacks any constraint's key is ignored: it scores 0, also
// after normalizing.
//
// NormalizeScore reverses the raw scores as Kubernetes does: with the
// highest raw score max and the lowest min among the nodes not ignored, a
// node scores 100 × (max + min − raw) / max. The best node gets 100; the
// worst gets 100 × min / max, which is 0 only when the best node's raw
// score is 0, so that a small difference in counts does not swing a node
// from best to worst. When every raw score is 0 every node gets 100.
// PreScore returns Skip when the pod has no ScheduleAnyway constraint or
// every feasible node is ignored.
//
// # Default constraints
//
// A pod with no topologySpreadConstraints of its own gets default ones:
// with System defaulting Kubernetes' system defaults (hostname, maxSkew 3,
// and zone, maxSkew 5, both ScheduleAnyway), with List defaulting
// Args.DefaultConstraints. Kubernetes gives them the selector of the
// Services, ReplicaSets and StatefulSets that select the pod; this plugin
// is pure and has no listers, so a default constraint instead counts the
// pods of the same owner: pods of the pod's namespace whose controller
// ownerReference has the UID of the pod's own. A ReplicaSet's or a
// StatefulSet's pods spread among themselves, as they do in Kubernetes;
// unlike Kubernetes, the old and new ReplicaSets of a rollout, or two
// Deployments behind one Service, are spread each on its own, and a pod
// without a controller owner gets no default constraints.
//
// # Performance
//
// A cycle compiles each selector once, walks each node's pods at most
// once in PreFilter (every node) and once in PreScore (the feasible
// nodes), looks up each topology key once per node, and matches a pod
// once for all the constraints that share a selector. Filter and Score
// allocate nothing but a rejection's Status.
package podtopologyspread

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is the plugin's name in configuration and statuses.
const Name = "PodTopologySpread"

// The filter's reasons, Kubernetes' words.
const (
	// ReasonConstraints: placing the pod on the node would skew a
	// DoNotSchedule constraint beyond its maxSkew (Unschedulable).
	ReasonConstraints = "node(s) didn't match pod topology spread constraints"
	// ReasonMissingLabel: the node lacks a DoNotSchedule constraint's
	// topology key (UnschedulableAndUnresolvable).
	ReasonMissingLabel = ReasonConstraints + " (missing required label)"
)

// Cycle state keys.
const (
	preFilterStateKey = "PreFilter" + Name
	preScoreStateKey  = "PreScore" + Name
)

// PodTopologySpread is the plugin. It is immutable after New, so one value
// may serve concurrent cycles.
type PodTopologySpread struct {
	// defaults are the default constraints, compiled without a matcher;
	// defaultActions their whenUnsatisfiable.
	defaults       []constraint
	defaultActions []corev1.UnsatisfiableConstraintAction
	// systemDefaulted: the defaults are the system defaults, under which
	// scoring does not ignore nodes that lack a zone.
	systemDefaulted bool
}

var (
	_ framework.PreFilterPlugin = (*PodTopologySpread)(nil)
	_ framework.FilterPlugin    = (*PodTopologySpread)(nil)
	_ framework.PreScorePlugin  = (*PodTopologySpread)(nil)
	_ framework.ScorePlugin     = (*PodTopologySpread)(nil)
	_ framework.ScoreNormalizer = (*PodTopologySpread)(nil)
)

// New validates args and returns the plugin.
func New(args Args) (*PodTopologySpread, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("%s args: %w", Name, err)
	}
	args = args.withDefaults()
	defaults := args.DefaultConstraints
	pl := &PodTopologySpread{}
	if args.DefaultingType == SystemDefaulting {
		defaults, pl.systemDefaulted = SystemDefaultConstraints(), true
	}
	for i := range defaults {
		pl.defaults = append(pl.defaults, resolve(&defaults[i]))
		pl.defaultActions = append(pl.defaultActions, defaults[i].WhenUnsatisfiable)
	}
	return pl, nil
}

// Name implements framework.Plugin.
func (*PodTopologySpread) Name() string { return Name }
