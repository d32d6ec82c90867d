package daemonset

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderuntime"
)

// daemonTolerations are added to every daemon pod, as Kubernetes does: a
// daemon runs on a node that is unready, unreachable, under pressure or
// cordoned, since it is often what the node needs to recover.
var daemonTolerations = []corev1.Toleration{
	{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
}

// withTolerations is the template's pod spec with the daemon
// tolerations it lacks.
func withTolerations(spec *corev1.PodSpec) *corev1.PodSpec {
	out := spec.DeepCopy()
	for _, t := range daemonTolerations {
		if !slices.ContainsFunc(out.Tolerations, func(have corev1.Toleration) bool { return have.MatchToleration(&t) }) {
			out.Tolerations = append(out.Tolerations, t)
		}
	}
	return out
}

// placement says whether a daemon pod belongs on a node: should it be
// started there, and may one already there go on running. A node that
// gains a NoSchedule taint keeps its daemon; one with an untolerated
// NoExecute taint, or whose labels or runtimes stop fitting, loses it.
func placement(node *corev1.Node, spec *corev1.PodSpec) (start, keep bool) {
	pod := &corev1.Pod{Spec: *withTolerations(spec)}
	if match, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node); !match {
		return false, false
	}
	if rc := pod.Spec.RuntimeClassName; rc != nil && *rc != "" && !noderuntime.Offers(node, *rc) {
		return false, false
	}
	if rc := pod.Spec.RuntimeClassName; (rc == nil || *rc == "") && !noderuntime.Offers(node, noderuntime.Docker) && !noderuntime.Offers(node, noderuntime.Process) {
		return false, false
	}
	if untolerated(node, pod.Spec.Tolerations, corev1.TaintEffectNoExecute) {
		return false, false
	}
	return !untolerated(node, pod.Spec.Tolerations, corev1.TaintEffectNoSchedule), true
}

// untolerated reports whether the node has a taint with effect that no
// toleration tolerates.
func untolerated(node *corev1.Node, tolerations []corev1.Toleration, effect corev1.TaintEffect) bool {
	logger := klog.Background()
	for i := range node.Spec.Taints {
		t := &node.Spec.Taints[i]
		if t.Effect != effect {
			continue
		}
		if !slices.ContainsFunc(tolerations, func(tol corev1.Toleration) bool { return tol.ToleratesTaint(logger, t, false) }) {
			return true
		}
	}
	return false
}
