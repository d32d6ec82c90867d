// Package nodeaffinity is Kubernetes' NodeAffinity plugin: a filter for
// the pod's nodeSelector and required node affinity, and a score for its
// preferred node affinity. Matching is k8s.io/component-helpers'
// nodeaffinity, the code kube-scheduler and the kubelet use, so
// matchExpressions (In, NotIn, Exists, DoesNotExist, Gt, Lt) and
// matchFields (metadata.name) mean exactly what they mean in Kubernetes.
package nodeaffinity

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is the plugin's name in configuration and statuses.
const Name = "NodeAffinity"

// ReasonPod is the filter's reason, Kubernetes' words.
const ReasonPod = "node(s) didn't match Pod's node affinity/selector"

// Cycle state keys.
const (
	preFilterStateKey = "PreFilter" + Name
	preScoreStateKey  = "PreScore" + Name
)

// NodeAffinity is the plugin.
type NodeAffinity struct{}

var (
	_ framework.PreFilterPlugin = (*NodeAffinity)(nil)
	_ framework.FilterPlugin    = (*NodeAffinity)(nil)
	_ framework.PreScorePlugin  = (*NodeAffinity)(nil)
	_ framework.ScorePlugin     = (*NodeAffinity)(nil)
	_ framework.ScoreNormalizer = (*NodeAffinity)(nil)
)

// New returns the plugin; it has no configuration.
func New() *NodeAffinity { return &NodeAffinity{} }

// Name implements framework.Plugin.
func (*NodeAffinity) Name() string { return Name }

// PreFilter parses the pod's nodeSelector and required affinity once, or
// returns Skip when it has neither.
func (*NodeAffinity) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ *framework.Snapshot) *framework.Status {
	if !hasRequired(pod) {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, nodeaffinity.GetRequiredNodeAffinity(pod))
	return nil
}

func hasRequired(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	return len(pod.Spec.NodeSelector) > 0 ||
		a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil
}

// Filter rejects a node whose labels (or name, for matchFields) do not
// match the nodeSelector and one of the required terms, as
// UnschedulableAndUnresolvable. A term that does not parse matches no
// node, as in Kubernetes (validation keeps such pods out).
func (*NodeAffinity) Filter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	if node.Node == nil {
		return framework.AsStatus(fmt.Errorf("node not found"))
	}
	v, _ := state.Read(preFilterStateKey)
	required, ok := v.(nodeaffinity.RequiredNodeAffinity)
	if !ok { // no PreFilter ran
		required = nodeaffinity.GetRequiredNodeAffinity(pod)
	}
	if ok, _ := required.Match(node.Node); !ok {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonPod)
	}
	return nil
}

// PreScore parses the pod's preferred terms once, or returns Skip when it
// has none. A term that does not parse is an Error: the pod should not
// have passed validation.
func (*NodeAffinity) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	terms := preferredTerms(pod)
	if len(terms) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	parsed, err := nodeaffinity.NewPreferredSchedulingTerms(terms)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("parse preferred node affinity: %w", err))
	}
	state.Write(preScoreStateKey, parsed)
	return nil
}

func preferredTerms(pod *corev1.Pod) []corev1.PreferredSchedulingTerm {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return nil
	}
	return a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution
}

// Score is the sum of the weights of the preferred terms the node
// matches; NormalizeScore scales it to 0-100.
func (*NodeAffinity) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) (int64, *framework.Status) {
	if node.Node == nil {
		return 0, framework.AsStatus(fmt.Errorf("node not found"))
	}
	v, _ := state.Read(preScoreStateKey)
	preferred, ok := v.(*nodeaffinity.PreferredSchedulingTerms)
	if !ok { // no PreScore ran
		var err error
		if preferred, err = nodeaffinity.NewPreferredSchedulingTerms(preferredTerms(pod)); err != nil {
			return 0, framework.AsStatus(fmt.Errorf("parse preferred node affinity: %w", err))
		}
	}
	return preferred.Score(node.Node), nil
}

// NormalizeScore scales the sums so the best node gets MaxNodeScore.
func (*NodeAffinity) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, scores []int64) *framework.Status {
	framework.DefaultNormalizeScore(framework.MaxNodeScore, false, scores)
	return nil
}
