package replicaset

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Unix(10000, 0)

// pod builds a pod: on node ("" unscheduled), in phase, ready since
// readyAgo (negative: not ready), created createdAgo before t0.
func pod(name, node string, phase corev1.PodPhase, readyAgo, createdAgo time.Duration) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), Labels: map[string]string{"app": "web"},
		CreationTimestamp: metav1.NewTime(t0.Add(-createdAgo))},
		Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: phase}}
	if readyAgo >= 0 {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(t0.Add(-readyAgo))}}
	}
	return p
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestDeletionOrder(t *testing.T) {
	running := corev1.PodRunning
	tests := []struct {
		name string
		pods []*corev1.Pod
		want []string
	}{
		{"unscheduled first", []*corev1.Pod{pod("placed", "n1", corev1.PodPending, -1, 0), pod("unplaced", "", corev1.PodPending, -1, 0)},
			[]string{"unplaced", "placed"}},
		{"pending before running", []*corev1.Pod{pod("run", "n1", running, time.Minute, 0), pod("pend", "n2", corev1.PodPending, -1, 0)},
			[]string{"pend", "run"}},
		{"not ready before ready", []*corev1.Pod{pod("ready", "n1", running, time.Minute, 0), pod("unready", "n2", running, -1, 0)},
			[]string{"unready", "ready"}},
		{"crowded node first", []*corev1.Pod{pod("alone", "n1", running, time.Minute, 0), pod("crowd-a", "n2", running, time.Minute, 0),
			pod("crowd-b", "n2", running, time.Minute, 0)}, []string{"crowd-b", "crowd-a", "alone"}},
		{"ready for less time first", []*corev1.Pod{pod("long", "n1", running, time.Hour, 0), pod("short", "n2", running, time.Minute, 0)},
			[]string{"short", "long"}},
		{"newest first", []*corev1.Pod{pod("old", "n1", corev1.PodPending, -1, time.Hour), pod("new", "n2", corev1.PodPending, -1, time.Minute)},
			[]string{"new", "old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := names(deletionOrder(tt.pods))
			if len(got) != len(tt.want) {
				t.Fatalf("order %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("order %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestComputeStatus(t *testing.T) {
	relabelled := pod("other-labels", "n1", corev1.PodRunning, time.Hour, 0)
	relabelled.Labels = map[string]string{"app": "web-old"}
	pods := []*corev1.Pod{
		pod("available", "n1", corev1.PodRunning, time.Hour, 0),
		pod("just-ready", "n1", corev1.PodRunning, 5*time.Second, 0),
		pod("unready", "n2", corev1.PodRunning, -1, 0),
		relabelled,
	}
	got := computeStatus(pods, map[string]string{"app": "web"}, 10, 7, t0)
	want := Status{Replicas: 4, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 2, ObservedGeneration: 7}
	if got != want {
		t.Errorf("status %+v, want %+v", got, want)
	}
	if d := nextAvailable(pods, 10, t0); d != 5*time.Second {
		t.Errorf("next available in %v, want 5s (just-ready after minReadySeconds 10)", d)
	}
	if d := nextAvailable(pods, 0, t0); d != 0 {
		t.Errorf("without minReadySeconds: next available in %v, want 0", d)
	}
}
