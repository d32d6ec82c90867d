package printers

import (
	"context"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Hour)}}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(reason string, code int32) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}}
}

func lastTerminated(d time.Duration) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1, FinishedAt: ago(d)}}
}

func containers(names ...string) []corev1.Container {
	out := make([]corev1.Container, len(names))
	for i, n := range names {
		out[i] = corev1.Container{Name: n, Image: n + ":1"}
	}
	return out
}

func TestPodCells(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	tests := []struct {
		name string
		pod  *corev1.Pod
		want []interface{}
	}{
		{
			name: "one of two containers ready with three restarts",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("web", 5*time.Minute),
				Spec:       corev1.PodSpec{NodeName: "node-1", Containers: containers("app", "proxy")},
				Status: corev1.PodStatus{
					Phase:  corev1.PodRunning,
					PodIP:  "10.0.0.5",
					PodIPs: []corev1.PodIP{{IP: "10.0.0.5"}, {IP: "fd00::5"}},
					ContainerStatuses: []corev1.ContainerStatus{
						{Name: "app", Ready: true, State: running(), RestartCount: 3},
						{Name: "proxy", Ready: false, State: running()},
					},
				},
			},
			want: []interface{}{"web", "1/2", "Running", "3", "5m", "10.0.0.5", "node-1", "<none>", "<none>"},
		},
		{
			name: "crash loop shows reason and time of last restart",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("crashy", 2*time.Hour),
				Spec:       corev1.PodSpec{NodeName: "node-1", Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{{
						Name: "app", State: waiting("CrashLoopBackOff"), RestartCount: 4, LastTerminationState: lastTerminated(30 * time.Second),
					}},
				},
			},
			want: []interface{}{"crashy", "0/1", "CrashLoopBackOff", "4 (30s ago)", "120m", "<none>", "node-1", "<none>", "<none>"},
		},
		{
			name: "container being created",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("new", 10*time.Second),
				Spec:       corev1.PodSpec{NodeName: "node-2", Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodPending,
					ContainerStatuses: []corev1.ContainerStatus{{Name: "app", State: waiting("ContainerCreating")}},
				},
			},
			want: []interface{}{"new", "0/1", "ContainerCreating", "0", "10s", "<none>", "node-2", "<none>", "<none>"},
		},
		{
			name: "unscheduled pod waiting for a preempting node",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("waiting", time.Minute),
				Spec:       corev1.PodSpec{Containers: containers("app")},
				Status:     corev1.PodStatus{Phase: corev1.PodPending, NominatedNodeName: "node-3"},
			},
			want: []interface{}{"waiting", "0/1", "Pending", "0", "60s", "<none>", "<none>", "node-3", "<none>"},
		},
		{
			name: "scheduling gated",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("gated", time.Minute),
				Spec:       corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:      corev1.PodPending,
					Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}},
				},
			},
			want: []interface{}{"gated", "0/1", "SchedulingGated", "0", "60s", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "completed",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("batch", 3*time.Hour),
				Spec:       corev1.PodSpec{NodeName: "node-1", Containers: containers("work")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodSucceeded,
					ContainerStatuses: []corev1.ContainerStatus{{Name: "work", State: terminated("Completed", 0)}},
				},
			},
			want: []interface{}{"batch", "0/1", "Completed", "0", "3h", "<none>", "node-1", "<none>", "<none>"},
		},
		{
			name: "completed container beside a running one in a ready pod",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("mixed", time.Hour),
				Spec:       corev1.PodSpec{Containers: containers("main", "setup")},
				Status: corev1.PodStatus{
					Phase:      corev1.PodRunning,
					Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
					ContainerStatuses: []corev1.ContainerStatus{
						{Name: "main", Ready: true, State: running()},
						{Name: "setup", State: terminated("Completed", 0)},
					},
				},
			},
			want: []interface{}{"mixed", "1/2", "Running", "0", "60m", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "completed container beside a running one in an unready pod",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("mixed", time.Hour),
				Spec:       corev1.PodSpec{Containers: containers("main", "setup")},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{
						{Name: "main", Ready: true, State: running()},
						{Name: "setup", State: terminated("Completed", 0)},
					},
				},
			},
			want: []interface{}{"mixed", "1/2", "NotReady", "0", "60m", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "terminated without a reason shows the signal",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("killed", time.Hour),
				Spec:       corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase: corev1.PodFailed,
					ContainerStatuses: []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{
						Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Signal: 9},
					}}},
				},
			},
			want: []interface{}{"killed", "0/1", "Signal:9", "0", "60m", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "terminated without a reason or signal shows the exit code",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("exited", time.Hour),
				Spec:       corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodFailed,
					ContainerStatuses: []corev1.ContainerStatus{{Name: "app", State: terminated("", 2)}},
				},
			},
			want: []interface{}{"exited", "0/1", "ExitCode:2", "0", "60m", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "terminating",
			pod: &corev1.Pod{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("going", 24*time.Hour)
					m.DeletionTimestamp = agoPtr(time.Second)
					return m
				}(),
				Spec: corev1.PodSpec{NodeName: "node-1", Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodRunning,
					PodIPs:            []corev1.PodIP{{IP: "10.0.0.9"}},
					ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, State: running()}},
				},
			},
			want: []interface{}{"going", "1/1", "Terminating", "0", "24h", "10.0.0.9", "node-1", "<none>", "<none>"},
		},
		{
			name: "deleted on a lost node",
			pod: &corev1.Pod{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("lost", 24*time.Hour)
					m.DeletionTimestamp = agoPtr(time.Minute)
					return m
				}(),
				Spec:   corev1.PodSpec{NodeName: "node-1", Containers: containers("app")},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, Reason: "NodeLost"},
			},
			want: []interface{}{"lost", "0/1", "Unknown", "0", "24h", "<none>", "node-1", "<none>", "<none>"},
		},
		{
			name: "deleted after it already finished",
			pod: &corev1.Pod{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("done", time.Hour)
					m.DeletionTimestamp = agoPtr(time.Minute)
					return m
				}(),
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodSucceeded,
					ContainerStatuses: []corev1.ContainerStatus{{Name: "app", State: terminated("Completed", 0)}},
				},
			},
			want: []interface{}{"done", "0/1", "Completed", "0", "60m", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "init container running",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("init", 20*time.Second),
				Spec:       corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:                 corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{{Name: "migrate", State: running()}},
					ContainerStatuses:     []corev1.ContainerStatus{{Name: "app", State: waiting("PodInitializing")}},
				},
			},
			want: []interface{}{"init", "0/1", "Init:0/1", "0", "20s", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "second init container running",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("init", 20*time.Second),
				Spec:       corev1.PodSpec{InitContainers: containers("fetch", "migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase: corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{
						{Name: "fetch", State: terminated("Completed", 0)},
						{Name: "migrate", State: running()},
					},
				},
			},
			want: []interface{}{"init", "0/1", "Init:1/2", "0", "20s", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "init container crash looping",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("init", time.Hour),
				Spec:       corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase: corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{{
						Name: "migrate", State: waiting("CrashLoopBackOff"), RestartCount: 2, LastTerminationState: lastTerminated(time.Minute),
					}},
				},
			},
			want: []interface{}{"init", "0/1", "Init:CrashLoopBackOff", "2 (60s ago)", "60m", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "init container failed",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("init", time.Hour),
				Spec:       corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:                 corev1.PodFailed,
					InitContainerStatuses: []corev1.ContainerStatus{{Name: "migrate", State: terminated("Error", 1)}},
				},
			},
			want: []interface{}{"init", "0/1", "Init:Error", "0", "60m", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "running sidecar counts as a container",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("sidecar", time.Hour),
				Spec: corev1.PodSpec{
					InitContainers: []corev1.Container{{Name: "mesh", RestartPolicy: &always}},
					Containers:     containers("app"),
				},
				Status: corev1.PodStatus{
					Phase:      corev1.PodRunning,
					Conditions: []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}},
					InitContainerStatuses: []corev1.ContainerStatus{{
						Name: "mesh", Ready: true, Started: ptr(true), State: running(), RestartCount: 1, LastTerminationState: lastTerminated(10 * time.Minute),
					}},
					ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, State: running(), RestartCount: 1}},
				},
			},
			want: []interface{}{"sidecar", "2/2", "Running", "2 (10m ago)", "60m", "<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "readiness gates",
			pod: &corev1.Pod{
				ObjectMeta: objMeta("gates", time.Hour),
				Spec: corev1.PodSpec{
					Containers:     containers("app"),
					ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}},
				},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning,
					Conditions: []corev1.PodCondition{
						{Type: "example.com/lb", Status: corev1.ConditionTrue},
						{Type: "example.com/dns", Status: corev1.ConditionFalse},
					},
					ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, State: running()}},
				},
			},
			want: []interface{}{"gates", "1/1", "Running", "0", "60m", "<none>", "<none>", "<none>", "1/2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, podsGR, tt.pod, tt.want)
		})
	}
}

func TestPodRowConditions(t *testing.T) {
	tests := []struct {
		name  string
		phase corev1.PodPhase
		want  []metav1.TableRowCondition
	}{
		{"running", corev1.PodRunning, nil},
		{"succeeded", corev1.PodSucceeded, []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue, Reason: "Succeeded", Message: "The pod has completed successfully."}}},
		{"failed", corev1.PodFailed, []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue, Reason: "Failed", Message: "The pod failed."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: objMeta("p", time.Hour), Status: corev1.PodStatus{Phase: tt.phase}}
			table, err := ForResource(podsGR).ConvertToTable(context.Background(), pod, nil)
			if err != nil {
				t.Fatalf("ConvertToTable: %v", err)
			}
			if got := table.Rows[0].Conditions; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("conditions = %+v, want %+v", got, tt.want)
			}
		})
	}
}
