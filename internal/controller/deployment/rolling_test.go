package deployment

import (
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Unix(100000, 0)

// deploy is a rolling-update deployment of n replicas with the given
// maxSurge and maxUnavailable.
func deploy(n int32, surge, unavailable string) *appsv1.Deployment {
	s, u := intstr.Parse(surge), intstr.Parse(unavailable)
	return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
		Replicas: &n,
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &s, MaxUnavailable: &u}},
	}}
}

// set is a replica set of size n with available pods, created age
// seconds before t0, its last sizing done for a deployment of desired
// replicas with maximum maxReplicas.
func set(name string, n, available int32, age int, desired, maxReplicas int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(-time.Duration(age) * time.Second)),
			Annotations: map[string]string{
				DesiredReplicasAnnotation: strconv.Itoa(int(desired)),
				MaxReplicasAnnotation:     strconv.Itoa(int(maxReplicas)),
			}},
		Spec:   appsv1.ReplicaSetSpec{Replicas: &n},
		Status: appsv1.ReplicaSetStatus{Replicas: n, AvailableReplicas: available, ReadyReplicas: available},
	}
}

func TestFenceposts(t *testing.T) {
	tests := []struct {
		name                   string
		d                      *appsv1.Deployment
		wantSurge, wantUnavail int32
	}{
		{"defaults 25% of 10 round surge up and unavailable down", deploy(10, "25%", "25%"), 3, 2},
		{"absolute values", deploy(5, "1", "0"), 1, 0},
		{"both zero leaves one unavailable", deploy(5, "0", "0"), 0, 1},
		{"25% of 1", deploy(1, "25%", "25%"), 1, 0},
		{"unavailable capped at replicas", deploy(2, "0", "5"), 0, 2},
		{"recreate has none", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, u, err := fenceposts(tc.d)
			if err != nil || s != tc.wantSurge || u != tc.wantUnavail {
				t.Errorf("surge %d unavailable %d err %v, want %d %d", s, u, err, tc.wantSurge, tc.wantUnavail)
			}
		})
	}
	bad := deploy(4, "1", "0")
	x := intstr.FromString("ten")
	bad.Spec.Strategy.RollingUpdate.MaxSurge = &x
	if _, _, err := fenceposts(bad); err == nil {
		t.Error("maxSurge \"ten\" accepted")
	}
}

// TestBookRollingUpdate steps the book's rolling update (5 replicas,
// surge 1, unavailable 0) through the two planners, making each new pod
// available at once, and checks the invariant after every step: never
// more than 6 pods asked for, never fewer than 5 available.
func TestBookRollingUpdate(t *testing.T) {
	d := deploy(5, "1", "0")
	surge, unavailable, _ := fenceposts(d)
	old := set("v1", 5, 5, 100, 5, 6)
	newRS := set("v2", 0, 0, 1, 5, 6)
	steps := 0
	for size(old) > 0 || newRS.Status.AvailableReplicas < 5 {
		if steps++; steps > 30 {
			t.Fatalf("no end after 30 steps: old %d, new %d", size(old), size(newRS))
		}
		all := []*appsv1.ReplicaSet{old, newRS}
		if n := newSetSize(d, all, newRS, surge); n != size(newRS) {
			newRS.Spec.Replicas = &n
		} else {
			plan := oldScaleDown(d, newRS, []*appsv1.ReplicaSet{old}, unavailable)
			if n, ok := plan[old]; ok {
				old.Spec.Replicas = &n
				old.Status.Replicas, old.Status.AvailableReplicas = n, n
			}
		}
		if total := size(old) + size(newRS); total > 6 {
			t.Fatalf("step %d: %d pods asked for, more than 6", steps, total)
		}
		if avail := old.Status.AvailableReplicas + newRS.Status.AvailableReplicas; avail < 5 {
			t.Fatalf("step %d: %d available, fewer than 5", steps, avail)
		}
		// The new set's pods start and become available.
		newRS.Status.Replicas, newRS.Status.AvailableReplicas = size(newRS), size(newRS)
	}
	if steps != 10 {
		t.Errorf("%d steps, want 10 (up to 1, down to 4, up to 2, ... up to 5, down to 0)", steps)
	}
}

func TestOldScaleDown(t *testing.T) {
	tests := []struct {
		name  string
		d     *appsv1.Deployment
		newRS *appsv1.ReplicaSet
		old   []*appsv1.ReplicaSet
		want  map[string]int32
	}{
		{name: "new pods not available yet: nothing goes",
			d: deploy(5, "1", "0"), newRS: set("new", 1, 0, 1, 5, 6), old: []*appsv1.ReplicaSet{set("old", 5, 5, 9, 5, 6)}},
		{name: "one new available: one old goes",
			d: deploy(5, "1", "0"), newRS: set("new", 1, 1, 1, 5, 6), old: []*appsv1.ReplicaSet{set("old", 5, 5, 9, 5, 6)},
			want: map[string]int32{"old": 4}},
		{name: "unavailable old pods go, within the surge, though none are spare",
			d: deploy(5, "1", "0"), newRS: set("new", 1, 1, 1, 5, 6), old: []*appsv1.ReplicaSet{set("old", 5, 3, 9, 5, 6)},
			want: map[string]int32{"old": 4}},
		{name: "oldest set first",
			d: deploy(4, "0", "2"), newRS: set("new", 0, 0, 1, 4, 4),
			old:  []*appsv1.ReplicaSet{set("older", 2, 2, 20, 4, 4), set("old", 2, 2, 10, 4, 4)},
			want: map[string]int32{"older": 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, u, _ := fenceposts(tc.d)
			got := map[string]int32{}
			for rs, n := range oldScaleDown(tc.d, tc.newRS, tc.old, u) {
				if n != size(rs) {
					got[rs.Name] = n
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("plan %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("plan %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestProportion(t *testing.T) {
	tests := []struct {
		name  string
		d     *appsv1.Deployment
		newRS *appsv1.ReplicaSet
		old   []*appsv1.ReplicaSet
		want  map[string]int32
	}{
		// Kubernetes' documented example: 10 replicas, surge 3, mid
		// rollout with 8 old and 5 new; scaled to 15 (max 18), the 5
		// extra split 3 to the old set and 2 to the new.
		{name: "scale 10 to 15 mid rollout", d: deploy(15, "3", "2"),
			newRS: set("new", 5, 0, 1, 10, 13), old: []*appsv1.ReplicaSet{set("old", 8, 8, 9, 10, 13)},
			want: map[string]int32{"new": 7, "old": 11}},
		{name: "scale down mid rollout", d: deploy(5, "1", "0"),
			newRS: set("new", 6, 0, 1, 10, 11), old: []*appsv1.ReplicaSet{set("old", 5, 5, 9, 10, 11)},
			want: map[string]int32{"new": 3, "old": 3}},
		{name: "one active set takes the count", d: deploy(7, "1", "0"),
			newRS: set("new", 5, 5, 1, 5, 6), old: []*appsv1.ReplicaSet{set("old", 0, 0, 9, 5, 6)},
			want: map[string]int32{"new": 7}},
		{name: "to zero", d: deploy(0, "1", "0"),
			newRS: set("new", 2, 0, 1, 5, 6), old: []*appsv1.ReplicaSet{set("old", 4, 4, 9, 5, 6)},
			want: map[string]int32{"new": 0, "old": 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := fenceposts(tc.d)
			got := map[string]int32{}
			for rs, n := range proportion(tc.d, tc.newRS, tc.old, s) {
				got[rs.Name] = n
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("sizes %v, want %v", got, tc.want)
					break
				}
			}
			if !scalingEvent(tc.d, append(tc.old, tc.newRS)) && tc.name != "to zero" {
				t.Errorf("no scaling event seen for %d replicas", desired(tc.d))
			}
		})
	}
}
