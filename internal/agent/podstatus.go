package agent

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// containerView is what the agent knows of one container: its latest
// attempt, the one before, and why it is waiting if it is.
type containerView struct {
	spec     corev1.Container
	runtime  string // docker or process: the scheme of its container ID
	latest   *runtime.ContainerStatus
	previous *runtime.ContainerStatus
	// waiting is set when no attempt runs: a reason such as
	// ContainerCreating, CrashLoopBackOff or CreateContainerError.
	waiting, message string
	// ready and started are the probes' verdicts on a running attempt:
	// true without a readiness (startup) probe.
	ready, started bool
}

// initDone reports whether an init container has completed.
func (v containerView) initDone() bool {
	return v.latest != nil && v.latest.State == runtime.Exited && v.latest.ExitCode == 0 && v.waiting == ""
}

// podStatus computes a pod's status, as the kubelet reports it, from its
// init and regular containers. It keeps transition times from old where
// nothing changed.
func podStatus(pod *corev1.Pod, initViews, views []containerView, podIP, hostIP string, now time.Time) corev1.PodStatus {
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
	var pendingInit []string
	initFailed := false
	for _, v := range initViews {
		cs := containerStatus(v)
		if v.initDone() {
			cs.Ready = true
		} else {
			pendingInit = append(pendingInit, v.spec.Name)
			if v.latest != nil && v.latest.State == runtime.Exited && v.latest.ExitCode != 0 && v.waiting == "" {
				initFailed = true // exited and not restarted: restartPolicy Never
			}
		}
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
	}
	initialized := len(pendingInit) == 0
	running, succeeded, failed, ready := 0, 0, 0, 0
	var unready []string
	for _, v := range views {
		cs := containerStatus(v)
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		if !cs.Ready {
			unready = append(unready, v.spec.Name)
		}
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
	case initFailed:
		st.Phase = corev1.PodFailed
	case !initialized:
		st.Phase = corev1.PodPending
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
	readiness := func(t corev1.PodConditionType) corev1.PodCondition {
		c := podCondition(old, t, allReady, "", now)
		switch {
		case finished:
			c.Reason = "PodCompleted"
		case !allReady:
			c.Reason = "ContainersNotReady"
			c.Message = fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
		}
		return c
	}
	st.Conditions = []corev1.PodCondition{
		podCondition(old, corev1.PodReadyToStartContainers, true, "", now),
		initCondition(old, pendingInit, now),
		readiness(corev1.ContainersReady),
		readiness(corev1.PodReady),
		podCondition(old, corev1.PodScheduled, true, "", now),
	}
	return st
}

// initCondition is Initialized: true once every init container completed,
// else false, naming those that have not.
func initCondition(old corev1.PodStatus, pending []string, now time.Time) corev1.PodCondition {
	c := podCondition(old, corev1.PodInitialized, len(pending) == 0, "", now)
	if len(pending) > 0 {
		c.Reason = "ContainersNotInitialized"
		c.Message = fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(pending, " "))
	}
	return c
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
		cs.LastTerminationState = corev1.ContainerState{Terminated: terminated(v.runtime, v.previous)}
	}
	if v.latest != nil {
		cs.ContainerID = v.runtime + "://" + v.latest.ID
		if v.latest.ImageID != "" {
			cs.ImageID = v.latest.ImageID
		}
		cs.RestartCount = int32(v.latest.Attempt)
	}
	switch {
	case v.waiting != "":
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: v.waiting, Message: v.message}}
		if v.latest != nil && v.latest.State == runtime.Exited {
			cs.LastTerminationState = corev1.ContainerState{Terminated: terminated(v.runtime, v.latest)}
		}
	case v.latest == nil:
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	case v.latest.State == runtime.Running:
		started := v.started
		cs.Started, cs.Ready = &started, v.ready && v.started
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(v.latest.StartedAt)}}
	default:
		started := false
		cs.Started = &started
		cs.State = corev1.ContainerState{Terminated: terminated(v.runtime, v.latest)}
	}
	return cs
}

func terminated(runtimeName string, c *runtime.ContainerStatus) *corev1.ContainerStateTerminated {
	reason := "Completed"
	switch {
	case c.Reason == "OOMKilled":
		reason = c.Reason
	case c.ExitCode != 0:
		reason = "Error"
	}
	return &corev1.ContainerStateTerminated{
		ExitCode: int32(c.ExitCode), Reason: reason, Message: c.Reason,
		StartedAt: metav1.NewTime(c.StartedAt), FinishedAt: metav1.NewTime(c.FinishedAt),
		ContainerID: runtimeName + "://" + c.ID,
	}
}
