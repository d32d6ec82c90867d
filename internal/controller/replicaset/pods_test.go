package replicaset

import (
	"errors"
	"sync/atomic"
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

func TestSlowStart(t *testing.T) {
	var calls atomic.Int32
	done, err := slowStart(10, func() error { calls.Add(1); return nil })
	if err != nil || done != 10 || calls.Load() != 10 {
		t.Errorf("10 creations: done %d, calls %d, err %v", done, calls.Load(), err)
	}
	// Creations failing from the third on: the batch of 2 fails, and no
	// batch of 4 follows.
	calls.Store(0)
	fail := errors.New("quota exceeded")
	done, err = slowStart(100, func() error {
		if calls.Add(1) > 2 {
			return fail
		}
		return nil
	})
	if !errors.Is(err, fail) || done != 3 || calls.Load() != 3 {
		t.Errorf("failing creations: done %d, calls %d, err %v; want batches of 1 and 2, then a stop at the failure", done, calls.Load(), err)
	}
}

func TestExpectations(t *testing.T) {
	e := newExpectations()
	k := key(KindReplicaSet, "ns", "web")
	if !e.satisfied(k, t0) {
		t.Fatal("a new set waits for nothing")
	}
	e.expectCreations(k, 2, t0)
	e.observeCreation(k)
	if e.satisfied(k, t0) {
		t.Error("satisfied with one of two creations seen")
	}
	e.observeCreation(k)
	if !e.satisfied(k, t0) {
		t.Error("not satisfied once both creations are seen")
	}
	victim := pod("v", "n1", corev1.PodRunning, 0, 0)
	e.expectDeletions(k, []*corev1.Pod{victim}, t0)
	e.observeDeletion(k, "someone-else")
	if e.satisfied(k, t0) {
		t.Error("satisfied by another pod's deletion")
	}
	if !e.satisfied(k, t0.Add(expectationsTimeout+time.Second)) {
		t.Error("still waiting after the timeout")
	}
	e.observeDeletion(k, victim.UID)
	if !e.satisfied(k, t0) {
		t.Error("not satisfied once the victim's deletion is seen")
	}
}
