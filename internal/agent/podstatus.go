package agent

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// containerView is what the agent knows of one container: its latest
// attempt, the one before, and why it is waiting if it is.
type containerView struct {
	spec     corev1.Container
	latest   *runtime.ContainerStatus
	previous *runtime.ContainerStatus
	// waiting is set when no attempt runs: a reason such as
	// ContainerCreating, CrashLoopBackOff or CreateContainerError.
	waiting, message string
}

// podStatus computes a pod's status, as the kubelet reports it, from its
// containers. It keeps transition times from old where nothing changed.
func podStatus(pod *corev1.Pod, views []containerView, podIP, hostIP string, now time.Time) corev1.PodStatus {
	old := pod.Status
	st := corev1.PodStatus{
		QOSClass: old.QOSClass, HostIP: hostIP, PodIP: podIP, StartTime: old.StartTime,
	}
	if hostIP != "" {
		st.HostIPs = []corev1.HostIP{{IP: hostIP}}
	}
	if podIP != "" {
		st.PodIPs = []corev1.PodIP{{IP: podIP}}
	}
	if st.StartTime == nil {
		t := metav1.NewTime(now)
		st.StartTime = &t
	}
	running, succeeded, failed, ready := 0, 0, 0, 0
	for _, v := range views {
		cs := containerStatus(v)
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		switch {
		case v.waiting != "" && v.latest != nil:
			// Between attempts (back-off): a pod restarting a container
			// counts as running, as Kubernetes reports it.
			running++
		case cs.State.Running != nil:
			running++
			if cs.Ready {
				ready++
			}
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0:
			succeeded++
		case cs.State.Terminated != nil:
			failed++
		}
	}
	n := len(views)
	restartNever := pod.Spec.RestartPolicy == corev1.RestartPolicyNever
	restartOnFailure := pod.Spec.RestartPolicy == corev1.RestartPolicyOnFailure
	switch {
	case n > 0 && succeeded == n && (restartNever || restartOnFailure):
		st.Phase = corev1.PodSucceeded
	case n > 0 && succeeded+failed == n && restartNever && failed > 0:
		st.Phase = corev1.PodFailed
	case running > 0 || (n > 0 && succeeded+failed+running == n && succeeded+failed > 0):
		st.Phase = corev1.PodRunning
	default:
		st.Phase = corev1.PodPending
	}
	allReady := n > 0 && ready == n
	finished := st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed
	st.Conditions = []corev1.PodCondition{
		podCondition(old, corev1.PodReadyToStartContainers, true, "", now),
		podCondition(old, corev1.PodInitialized, true, "", now),
		podCondition(old, corev1.ContainersReady, allReady, reasonIf(!allReady && !finished, "ContainersNotReady", finished, "PodCompleted"), now),
		podCondition(old, corev1.PodReady, allReady, reasonIf(!allReady && !finished, "ContainersNotReady", finished, "PodCompleted"), now),
		podCondition(old, corev1.PodScheduled, true, "", now),
	}
	return st
}

func reasonIf(a bool, ra string, b bool, rb string) string {
	switch {
	case a:
		return ra
	case b:
		return rb
	}
	return ""
}

func podCondition(old corev1.PodStatus, t corev1.PodConditionType, status bool, reason string, now time.Time) corev1.PodCondition {
	s := corev1.ConditionFalse
	if status {
		s = corev1.ConditionTrue
	}
	c := corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: metav1.NewTime(now)}
	for _, oc := range old.Conditions {
		if oc.Type == t && oc.Status == s {
			c.LastTransitionTime = oc.LastTransitionTime
		}
	}
	return c
}

func containerStatus(v containerView) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: v.spec.Name, Image: v.spec.Image, ImageID: v.spec.Image}
	if v.previous != nil {
		cs.LastTerminationState = corev1.ContainerState{Terminated: terminated(v.previous)}
	}
	if v.latest != nil {
		cs.ContainerID = "process://" + v.latest.ID
		cs.RestartCount = int32(v.latest.Attempt)
	}
	switch {
	case v.waiting != "":
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: v.waiting, Message: v.message}}
		if v.latest != nil && v.latest.State == runtime.Exited {
			cs.LastTerminationState = corev1.ContainerState{Terminated: terminated(v.latest)}
		}
	case v.latest == nil:
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	case v.latest.State == runtime.Running:
		started := true
		cs.Started, cs.Ready = &started, true
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(v.latest.StartedAt)}}
	default:
		started := false
		cs.Started = &started
		cs.State = corev1.ContainerState{Terminated: terminated(v.latest)}
	}
	return cs
}

func terminated(c *runtime.ContainerStatus) *corev1.ContainerStateTerminated {
	reason := "Completed"
	if c.ExitCode != 0 {
		reason = "Error"
	}
	return &corev1.ContainerStateTerminated{
		ExitCode: int32(c.ExitCode), Reason: reason, Message: c.Reason,
		StartedAt: metav1.NewTime(c.StartedAt), FinishedAt: metav1.NewTime(c.FinishedAt),
		ContainerID: "process://" + c.ID,
	}
}
