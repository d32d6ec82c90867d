package agent

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

func TestRestartDelay(t *testing.T) {
	tests := []struct {
		attempt int
		ranFor  time.Duration
		want    time.Duration
	}{
		{0, time.Second, 10 * time.Second},
		{1, time.Second, 20 * time.Second},
		{3, time.Second, 80 * time.Second},
		{10, time.Second, 5 * time.Minute},
		{10, 11 * time.Minute, 10 * time.Second},
	}
	for _, tc := range tests {
		if got := restartDelay(tc.attempt, tc.ranFor); got != tc.want {
			t.Errorf("restartDelay(%d, %s) = %s, want %s", tc.attempt, tc.ranFor, got, tc.want)
		}
	}
}

func TestShouldRestart(t *testing.T) {
	tests := []struct {
		policy corev1.RestartPolicy
		code   int
		want   bool
	}{
		{corev1.RestartPolicyAlways, 0, true},
		{corev1.RestartPolicyAlways, 1, true},
		{corev1.RestartPolicyOnFailure, 0, false},
		{corev1.RestartPolicyOnFailure, 2, true},
		{corev1.RestartPolicyNever, 1, false},
	}
	for _, tc := range tests {
		if got := shouldRestart(tc.policy, tc.code); got != tc.want {
			t.Errorf("shouldRestart(%s, %d) = %v", tc.policy, tc.code, got)
		}
	}
}

func TestPodStatusPhase(t *testing.T) {
	now := time.Unix(5000, 0)
	running := &runtime.ContainerStatus{ID: "a", State: runtime.Running, StartedAt: now}
	exited := func(code int) *runtime.ContainerStatus {
		return &runtime.ContainerStatus{ID: "b", State: runtime.Exited, ExitCode: code, StartedAt: now, FinishedAt: now}
	}
	c := corev1.Container{Name: "c"}
	initC := corev1.Container{Name: "init"}
	tests := []struct {
		name        string
		policy      corev1.RestartPolicy
		init, views []containerView
		phase       corev1.PodPhase
		ready       bool
		initialized bool
	}{
		{"creating", corev1.RestartPolicyAlways, nil, []containerView{{spec: c}}, corev1.PodPending, false, true},
		{"running", corev1.RestartPolicyAlways, nil, []containerView{{spec: c, latest: running, ready: true, started: true}}, corev1.PodRunning, true, true},
		{"running, readiness probe not passed", corev1.RestartPolicyAlways, nil, []containerView{{spec: c, latest: running, started: true}}, corev1.PodRunning, false, true},
		{"running, startup probe not passed", corev1.RestartPolicyAlways, nil, []containerView{{spec: c, latest: running, ready: true}}, corev1.PodRunning, false, true},
		{"completed, never restart", corev1.RestartPolicyNever, nil, []containerView{{spec: c, latest: exited(0)}}, corev1.PodSucceeded, false, true},
		{"failed, never restart", corev1.RestartPolicyNever, nil, []containerView{{spec: c, latest: exited(1)}}, corev1.PodFailed, false, true},
		{"crash looping", corev1.RestartPolicyAlways, nil, []containerView{{spec: c, latest: exited(1), waiting: "CrashLoopBackOff"}}, corev1.PodRunning, false, true},
		{"init running", corev1.RestartPolicyAlways, []containerView{{spec: initC, latest: running}}, []containerView{{spec: c, waiting: "PodInitializing"}}, corev1.PodPending, false, false},
		{"init failed, retrying", corev1.RestartPolicyAlways, []containerView{{spec: initC, latest: exited(1), waiting: "CrashLoopBackOff"}}, []containerView{{spec: c, waiting: "PodInitializing"}}, corev1.PodPending, false, false},
		{"init failed, never restart", corev1.RestartPolicyNever, []containerView{{spec: initC, latest: exited(1)}}, []containerView{{spec: c, waiting: "PodInitializing"}}, corev1.PodFailed, false, false},
		{"init done", corev1.RestartPolicyAlways, []containerView{{spec: initC, latest: exited(0)}}, []containerView{{spec: c, latest: running, ready: true, started: true}}, corev1.PodRunning, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: tc.policy}}
			st := podStatus(pod, tc.init, tc.views, "127.1.0.1", "10.0.0.1", now)
			if st.Phase != tc.phase {
				t.Errorf("phase %s, want %s", st.Phase, tc.phase)
			}
			ready, initialized := false, false
			for _, cond := range st.Conditions {
				switch cond.Type {
				case corev1.PodReady:
					ready = cond.Status == corev1.ConditionTrue
					if !ready && tc.phase == corev1.PodRunning && cond.Message == "" {
						t.Errorf("Ready=False without a message naming the unready containers")
					}
				case corev1.PodInitialized:
					initialized = cond.Status == corev1.ConditionTrue
				}
			}
			if ready != tc.ready {
				t.Errorf("Ready = %v, want %v", ready, tc.ready)
			}
			if initialized != tc.initialized {
				t.Errorf("Initialized = %v, want %v", initialized, tc.initialized)
			}
			if len(st.InitContainerStatuses) != len(tc.init) {
				t.Errorf("%d init container statuses, want %d", len(st.InitContainerStatuses), len(tc.init))
			}
			if st.PodIP != "127.1.0.1" || st.HostIP != "10.0.0.1" || st.StartTime == nil {
				t.Errorf("addresses or start time: %+v", st)
			}
		})
	}
}
