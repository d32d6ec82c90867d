// Package nodeready is the filter that keeps pods off nodes that are not
// Ready or are cordoned: Kubernetes' NodeUnschedulable plugin, plus the
// Ready check that Kubernetes gets from the node.kubernetes.io/not-ready
// and unreachable NoSchedule taints. Marina's node lifecycle controller
// puts only the unreachable NoExecute taint on a node (for eviction), so
// this plugin reads the Ready condition itself.
//
// As in Kubernetes, a pod that tolerates the taint a node would carry
// goes there anyway: node.kubernetes.io/unschedulable:NoSchedule for a
// cordoned node, node.kubernetes.io/not-ready:NoSchedule for Ready=False
// and node.kubernetes.io/unreachable:NoSchedule for Ready=Unknown (or no
// Ready condition). That is how a pod tolerating everything (operator
// Exists, no key), such as a network daemon, reaches a node that is not
// Ready yet.
package nodeready

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is the plugin's name in configuration and statuses.
const Name = "NodeReady"

// The reasons, Kubernetes' words.
const (
	ReasonUnschedulable = "node(s) were unschedulable"
	ReasonNotReady      = "node(s) were not ready"
)

// The taints Kubernetes would put on such nodes, which a pod may tolerate.
var (
	unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	notReadyTaint      = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}
	unreachableTaint   = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}
)

// NodeReady is the filter.
type NodeReady struct{}

var _ framework.FilterPlugin = (*NodeReady)(nil)

// New returns the plugin; it has no configuration.
func New() *NodeReady { return &NodeReady{} }

// Name implements framework.Plugin.
func (*NodeReady) Name() string { return Name }

// Filter rejects a cordoned node, then a node that is not Ready, both as
// UnschedulableAndUnresolvable: preemption changes neither. A node that is
// both gives the cordon reason, as Kubernetes (whose NodeUnschedulable
// runs before its taint check) does.
func (*NodeReady) Filter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	n := node.Node
	if n == nil {
		return framework.AsStatus(fmt.Errorf("node not found"))
	}
	if n.Spec.Unschedulable && !tolerates(pod, &unschedulableTaint) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonUnschedulable)
	}
	switch Ready(n) {
	case corev1.ConditionTrue:
		return nil
	case corev1.ConditionFalse:
		if tolerates(pod, &notReadyTaint) {
			return nil
		}
	default:
		if tolerates(pod, &unreachableTaint) {
			return nil
		}
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNotReady)
}

// Ready is the status of the node's Ready condition; Unknown when it has
// none (a node that never reported).
func Ready(node *corev1.Node) corev1.ConditionStatus {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == corev1.NodeReady {
			return node.Status.Conditions[i].Status
		}
	}
	return corev1.ConditionUnknown
}

// tolerates reports whether one of the pod's tolerations tolerates taint.
// Marina's validation admits the Lt and Gt operators, so they are
// compared; the zero logger discards what a bad number would log
// (validation rejects those too).
func tolerates(pod *corev1.Pod, taint *corev1.Taint) bool {
	for i := range pod.Spec.Tolerations {
		if pod.Spec.Tolerations[i].ToleratesTaint(klog.Logger{}, taint, true) {
			return true
		}
	}
	return false
}
