package preemption

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Eligible reports whether pod may preempt others at all, and why not:
// a pod whose spec.preemptionPolicy is Never waits for room instead.
// Preempt checks this itself; a caller may check it first to skip the
// work of preparing a call.
func Eligible(pod *corev1.Pod) (bool, string) {
	if p := pod.Spec.PreemptionPolicy; p != nil && *p == corev1.PreemptNever {
		return false, "preemptionPolicy is Never"
	}
	return true, ""
}

// awaitingVictims reports whether pod already preempted and is waiting
// for its victims to go: it is nominated to a node where a pod of lower
// priority is terminating. Preempting again would evict more pods for
// room that is about to be freed. The exception is a nominated node that
// can no longer take the pod at all (its FitError status is
// UnschedulableAndUnresolvable, say a taint was added): then the pod
// should look elsewhere.
func awaitingVictims(pod *corev1.Pod, snap *framework.Snapshot, fitErr *scheduler.FitError) (bool, string) {
	name := pod.Status.NominatedNodeName
	if name == "" || framework.CodeOf(fitErr.NodeStatus[name]) == framework.UnschedulableAndUnresolvable {
		return false, ""
	}
	node := snap.Get(name)
	if node == nil {
		return false, ""
	}
	prio := podPriority(pod)
	for _, p := range node.Pods {
		if p.DeletionTimestamp != nil && podPriority(p) < prio {
			return true, fmt.Sprintf("pod %s/%s on nominated node %s is still terminating", p.Namespace, p.Name, name)
		}
	}
	return false, ""
}

// podPriority is the pod's resolved priority; a pod without one (no
// priority class admission ran) counts as 0, as in Kubernetes.
func podPriority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}
