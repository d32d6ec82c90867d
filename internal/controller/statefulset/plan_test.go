package statefulset

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/controller/history"
)

var t0 = time.Unix(100000, 0)

func set(n int, mutate ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.StatefulSetSpec{
		Replicas: ptr.To(int32(n)), PodManagementPolicy: appsv1.OrderedReadyPodManagement,
		UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
	}}
	for _, m := range mutate {
		m(s)
	}
	return s
}

// pod is web-<ord> at revision rev, ready or not.
func pod(ord int, rev string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-" + strconv.Itoa(ord), Labels: map[string]string{history.HashLabel: rev}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.NewTime(t0.Add(-time.Minute))}}},
	}
}

func viewOf(s *appsv1.StatefulSet, pods ...*corev1.Pod) view {
	v := view{slots: map[int]*corev1.Pod{}, first: startOrdinal(s), count: replicas(s)}
	for _, p := range pods {
		if ord := ordinalOf(s, p); ord < v.first+v.count {
			v.slots[ord] = p
		} else {
			v.condemned = append([]*corev1.Pod{p}, v.condemned...)
		}
	}
	return v
}

func show(steps []step) string {
	var out []string
	for _, s := range steps {
		if s.delete != nil {
			out = append(out, "delete "+s.delete.Name)
		} else {
			out = append(out, fmt.Sprintf("create %d@%s", s.create, s.revision))
		}
	}
	return fmt.Sprint(out)
}

func TestPlan(t *testing.T) {
	parallel := func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement }
	partition := func(p int32) func(*appsv1.StatefulSet) {
		return func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: &p}
		}
	}
	onDelete := func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType }
	tests := []struct {
		name string
		set  *appsv1.StatefulSet
		pods []*corev1.Pod
		want string
	}{
		{"ordered: first pod first", set(3), nil, "[create 0@v1]"},
		{"ordered: waits for web-0 to be ready", set(3), []*corev1.Pod{pod(0, "v1", false)}, "[]"},
		{"ordered: then web-1", set(3), []*corev1.Pod{pod(0, "v1", true)}, "[create 1@v1]"},
		{"parallel: all at once", set(3, parallel), nil, "[create 0@v1 create 1@v1 create 2@v1]"},
		{"scale down from the top, one at a time", set(1), []*corev1.Pod{pod(0, "v1", true), pod(1, "v1", true), pod(2, "v1", true)}, "[delete web-2]"},
		{"parallel scale down", set(1, parallel), []*corev1.Pod{pod(0, "v1", true), pod(1, "v1", true), pod(2, "v1", true)}, "[delete web-2 delete web-1]"},
		{"rolling update from the top", set(3), []*corev1.Pod{pod(0, "v0", true), pod(1, "v0", true), pod(2, "v0", true)}, "[delete web-2]"},
		{"rolling update waits for the updated pod", set(3), []*corev1.Pod{pod(0, "v0", true), pod(1, "v0", true), pod(2, "v1", false)}, "[]"},
		{"rolling update goes on down", set(3), []*corev1.Pod{pod(0, "v0", true), pod(1, "v0", true), pod(2, "v1", true)}, "[delete web-1]"},
		{"partition 2 keeps web-0 and web-1", set(3, partition(2)), []*corev1.Pod{pod(0, "v0", true), pod(1, "v0", true), pod(2, "v1", true)}, "[]"},
		{"below the partition a pod is made at the current revision", set(3, partition(2)), []*corev1.Pod{pod(0, "v0", true)}, "[create 1@v0]"},
		{"OnDelete leaves old pods", set(2, onDelete), []*corev1.Pod{pod(0, "v0", true), pod(1, "v0", true)}, "[]"},
		{"OnDelete recreates at the update revision", set(2, onDelete), []*corev1.Pod{pod(0, "v0", true)}, "[create 1@v1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := show(plan(tc.set, viewOf(tc.set, tc.pods...), "v0", "v1", 0, t0))
			if got != tc.want {
				t.Errorf("steps %s, want %s", got, tc.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	s := set(2)
	s.Namespace, s.Spec.ServiceName = "ns", "web"
	s.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}
	s.Spec.Template.Labels = map[string]string{"app": "web"}
	patch, _ := history.Patch(&s.Spec.Template)
	rev := history.New(metav1.OwnerReference{Name: "web"}, "ns", s.Spec.Template.Labels, "abc", patch, 1)
	tmpl, err := templateOf(rev)
	if err != nil {
		t.Fatal(err)
	}
	p := newPod(s, tmpl, rev, 1)
	if p.Name != "web-1" || p.Spec.Hostname != "web-1" || p.Spec.Subdomain != "web" || p.Labels[history.HashLabel] != "web-abc" ||
		p.Labels[PodIndexLabel] != "1" || p.Labels[PodNameLabel] != "web-1" {
		t.Errorf("pod %+v", p.ObjectMeta)
	}
	if len(p.Spec.Volumes) != 1 || p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-web-1" {
		t.Errorf("volumes %+v", p.Spec.Volumes)
	}
	claims := newClaims(s, 1)
	if len(claims) != 1 || claims[0].Name != "data-web-1" || claims[0].Labels["app"] != "web" || len(claims[0].OwnerReferences) != 0 {
		t.Errorf("claims %+v", claims)
	}
	if ordinalOf(s, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-01"}}) != -1 || ordinalOf(s, p) != 1 {
		t.Error("ordinals")
	}
}
