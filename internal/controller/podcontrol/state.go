package podcontrol

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Ready reports whether the pod's Ready condition is True, and since
// when.
func Ready(p *corev1.Pod) (bool, time.Time) {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue, c.LastTransitionTime.Time
		}
	}
	return false, time.Time{}
}

// Available reports whether the pod has been ready for minReady at now.
func Available(p *corev1.Pod, minReady time.Duration, now time.Time) bool {
	ok, since := Ready(p)
	return ok && (minReady == 0 || !since.Add(minReady).After(now))
}

// Finished reports whether the pod ran to its end.
func Finished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// UIDs lists the pods' UIDs.
func UIDs(pods []*corev1.Pod) []types.UID {
	out := make([]types.UID, 0, len(pods))
	for _, p := range pods {
		out = append(out, p.UID)
	}
	return out
}
