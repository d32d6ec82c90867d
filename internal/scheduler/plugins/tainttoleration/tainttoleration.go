// Package tainttoleration is Kubernetes' TaintToleration plugin: a filter
// that keeps a pod off a node with a NoSchedule or NoExecute taint it does
// not tolerate, and a score that prefers nodes with fewer PreferNoSchedule
// taints it does not tolerate. Toleration matching is
// k8s.io/component-helpers', the code kube-scheduler uses.
package tainttoleration

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is the plugin's name in configuration and statuses.
const Name = "TaintToleration"

const preScoreStateKey = "PreScore" + Name

// comparisonOperators: Marina's validation admits the Lt and Gt toleration
// operators, so matching honours them.
const comparisonOperators = true

// discard is the logger the helpers are given: it drops what they would
// log about a toleration value that is not a number (validation rejects
// those), and keeps the plugin free of I/O.
var discard = klog.Logger{}

// TaintToleration is the plugin.
type TaintToleration struct{}

var (
	_ framework.FilterPlugin    = (*TaintToleration)(nil)
	_ framework.PreScorePlugin  = (*TaintToleration)(nil)
	_ framework.ScorePlugin     = (*TaintToleration)(nil)
	_ framework.ScoreNormalizer = (*TaintToleration)(nil)
)

// New returns the plugin; it has no configuration.
func New() *TaintToleration { return &TaintToleration{} }

// Name implements framework.Plugin.
func (*TaintToleration) Name() string { return Name }

// Reason is the filter's reason for taint, in Kubernetes' words since
// 1.27: "node(s) had untolerated taint {dedicated: gpu}" (the value may be
// empty: "{node-role.kubernetes.io/control-plane: }").
func Reason(taint corev1.Taint) string {
	return fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value)
}

// Filter rejects a node with a NoSchedule or NoExecute taint the pod does
// not tolerate, naming the first such taint, as
// UnschedulableAndUnresolvable.
func (*TaintToleration) Filter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	if node.Node == nil {
		return framework.AsStatus(fmt.Errorf("node not found"))
	}
	taint, untolerated := v1helper.FindMatchingUntoleratedTaint(discard, node.Node.Spec.Taints, pod.Spec.Tolerations,
		scheduling, comparisonOperators)
	if !untolerated {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, Reason(taint))
}

// scheduling selects the taints that keep pods off a node.
func scheduling(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// preScoreState is the pod's tolerations that can tolerate a
// PreferNoSchedule taint.
type preScoreState struct{ tolerations []corev1.Toleration }

// PreScore keeps the pod's tolerations with effect PreferNoSchedule or
// none. It returns Skip when none of the nodes has a PreferNoSchedule
// taint: every node would score the same.
func (*TaintToleration) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) *framework.Status {
	if !anyPreferNoSchedule(nodes) {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(preScoreStateKey, &preScoreState{tolerations: preferNoScheduleTolerations(pod)})
	return nil
}

func anyPreferNoSchedule(nodes []*framework.NodeInfo) bool {
	for _, n := range nodes {
		if n.Node == nil {
			continue
		}
		for i := range n.Node.Spec.Taints {
			if n.Node.Spec.Taints[i].Effect == corev1.TaintEffectPreferNoSchedule {
				return true
			}
		}
	}
	return false
}

func preferNoScheduleTolerations(pod *corev1.Pod) []corev1.Toleration {
	var out []corev1.Toleration
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == corev1.TaintEffectPreferNoSchedule {
			out = append(out, t)
		}
	}
	return out
}

// Score counts the node's PreferNoSchedule taints the pod does not
// tolerate; NormalizeScore turns fewer into better.
func (*TaintToleration) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) (int64, *framework.Status) {
	if node.Node == nil {
		return 0, framework.AsStatus(fmt.Errorf("node not found"))
	}
	v, _ := state.Read(preScoreStateKey)
	s, ok := v.(*preScoreState)
	if !ok { // no PreScore ran
		s = &preScoreState{tolerations: preferNoScheduleTolerations(pod)}
	}
	var n int64
	for i := range node.Node.Spec.Taints {
		t := &node.Node.Spec.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule && !v1helper.TolerationsTolerateTaint(discard, s.tolerations, t, comparisonOperators) {
			n++
		}
	}
	return n, nil
}

// NormalizeScore reverses and scales the counts: no untolerated taints
// scores MaxNodeScore, the most scores 0.
func (*TaintToleration) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, scores []int64) *framework.Status {
	framework.DefaultNormalizeScore(framework.MaxNodeScore, true, scores)
	return nil
}
