package statefulset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/controller/history"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// step is one thing a sync does: create the pod at an ordinal (with the
// revision given) or delete a pod.
type step struct {
	create   int // ordinal to create, or -1
	revision string
	delete   *corev1.Pod
}

// view is what a sync decides from: the pods at each ordinal of the set
// (nil where there is none) and the condemned pods beyond it.
type view struct {
	slots     map[int]*corev1.Pod
	first     int           // first ordinal
	count     int           // replicas
	condemned []*corev1.Pod // ordinals out of range, highest first
}

// plan decides the steps of one sync, as Kubernetes' stateful set
// control does. Ordinals are visited from the lowest: a failed pod is
// deleted (to be recreated), a missing one created. Under OrderedReady
// each step waits for the pods before it to be running and ready, and
// only one pod changes at a time; under Parallel all go at once. Then
// pods beyond the replicas are deleted from the highest ordinal; then,
// for RollingUpdate, pods at or above the partition that run an old
// revision are deleted, highest first, one at a time, each once the
// others are ready.
func plan(set *appsv1.StatefulSet, v view, currentRev, updateRev string, minReady time.Duration, now time.Time) []step {
	ordered := set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement
	var steps []step
	partition := partitionOf(set)
	for ord := v.first; ord < v.first+v.count; ord++ {
		pod := v.slots[ord]
		switch {
		case pod == nil:
			rev := updateRev
			if set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType && ord-v.first < partition {
				rev = currentRev
			}
			steps = append(steps, step{create: ord, revision: rev})
			if ordered {
				return steps
			}
		case pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded:
			if pod.DeletionTimestamp == nil {
				steps = append(steps, step{create: -1, delete: pod})
			}
			if ordered {
				return steps
			}
		case ordered && (pod.DeletionTimestamp != nil || !runningAndReady(pod, minReady, now)):
			return steps // wait for it
		}
	}
	for _, pod := range v.condemned {
		if pod.DeletionTimestamp != nil {
			if ordered {
				return steps
			}
			continue
		}
		steps = append(steps, step{create: -1, delete: pod})
		if ordered {
			return steps
		}
	}
	if len(steps) > 0 || set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return steps
	}
	for ord := v.first + v.count - 1; ord >= v.first+partition; ord-- {
		pod := v.slots[ord]
		if pod == nil {
			return steps
		}
		if pod.Labels[history.HashLabel] != updateRev && pod.DeletionTimestamp == nil {
			return append(steps, step{create: -1, delete: pod})
		}
		if pod.DeletionTimestamp != nil || !runningAndReady(pod, minReady, now) {
			return steps
		}
	}
	return steps
}

// partitionOf is the rolling update's partition (0 without one).
func partitionOf(set *appsv1.StatefulSet) int {
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		return int(*ru.Partition)
	}
	return 0
}

// runningAndReady reports whether a pod runs and has been ready for
// minReady.
func runningAndReady(pod *corev1.Pod, minReady time.Duration, now time.Time) bool {
	return pod.Status.Phase == corev1.PodRunning && podcontrol.Available(pod, minReady, now)
}
