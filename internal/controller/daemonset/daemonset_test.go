package daemonset

import (
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderuntime"
)

var t0 = time.Unix(100000, 0)

func node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	l := map[string]string{noderuntime.LabelPrefix + noderuntime.Process: "true"}
	for k, v := range labels {
		l[k] = v
	}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}, Spec: corev1.NodeSpec{Taints: taints}}
}

func TestPlacement(t *testing.T) {
	process := &corev1.PodSpec{RuntimeClassName: ptr.To("process")}
	tests := []struct {
		name                string
		node                *corev1.Node
		spec                *corev1.PodSpec
		wantStart, wantKeep bool
	}{
		{"plain node", node("n", nil), process, true, true},
		{"nodeSelector matches", node("n", map[string]string{"disk": "ssd"}),
			&corev1.PodSpec{RuntimeClassName: ptr.To("process"), NodeSelector: map[string]string{"disk": "ssd"}}, true, true},
		{"nodeSelector does not", node("n", nil),
			&corev1.PodSpec{RuntimeClassName: ptr.To("process"), NodeSelector: map[string]string{"disk": "ssd"}}, false, false},
		{"runtime missing", node("n", nil), &corev1.PodSpec{RuntimeClassName: ptr.To("docker")}, false, false},
		{"cordoned: daemons still run", node("n", nil, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}), process, true, true},
		{"unreachable: daemons stay", node("n", nil, corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}), process, true, true},
		{"NoSchedule taint: no new daemon, the old one stays", node("n", nil, corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoSchedule}), process, false, true},
		{"NoExecute taint: the daemon goes", node("n", nil, corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoExecute}), process, false, false},
		{"tolerated", node("n", nil, corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoExecute}),
			&corev1.PodSpec{RuntimeClassName: ptr.To("process"), Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, keep := placement(tc.node, tc.spec)
			if start != tc.wantStart || keep != tc.wantKeep {
				t.Errorf("start %v keep %v, want %v %v", start, keep, tc.wantStart, tc.wantKeep)
			}
		})
	}
}

func pod(name string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name)},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.NewTime(t0.Add(-time.Minute))}}}}
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

func TestManage(t *testing.T) {
	failed := pod("failed", false)
	failed.Status.Phase = corev1.PodFailed
	a := manage([]nodeState{
		{name: "new-node", existing: true, start: true, keep: true},
		{name: "has-one", existing: true, start: true, keep: true, current: []*corev1.Pod{pod("ok", true)}},
		{name: "has-two", existing: true, start: true, keep: true, current: []*corev1.Pod{pod("first", true)}, old: []*corev1.Pod{pod("extra", true)}},
		{name: "failed", existing: true, start: true, keep: true, current: []*corev1.Pod{failed}},
		{name: "tainted", existing: true, start: false, keep: true, current: []*corev1.Pod{pod("stays", true)}},
		{name: "unfit", existing: true, current: []*corev1.Pod{pod("unfit", true)}},
		{name: "gone", current: []*corev1.Pod{pod("orphan", true)}},
		{name: "not-for-us", existing: true},
	})
	if fmt.Sprint(a.create) != "[new-node]" {
		t.Errorf("create on %v, want [new-node]", a.create)
	}
	if got := names(a.delete); fmt.Sprint(got) != "[extra failed orphan unfit]" {
		t.Errorf("delete %v", got)
	}
}

func TestRollingUpdate(t *testing.T) {
	nodes := func() []nodeState {
		return []nodeState{
			{name: "a", existing: true, start: true, keep: true, old: []*corev1.Pod{pod("a-old", true)}},
			{name: "b", existing: true, start: true, keep: true, old: []*corev1.Pod{pod("b-old", true)}},
			{name: "c", existing: true, start: true, keep: true, old: []*corev1.Pod{pod("c-old", false)}},
			{name: "d", existing: true, start: true, keep: true, current: []*corev1.Pod{pod("d-new", false)}},
		}
	}
	// maxUnavailable 2: d (new, not ready) and c (old, not ready) are
	// unavailable already; c's old pod goes at no cost, nothing else.
	if a := rollingUpdate(nodes(), 2, 0, 0, t0); fmt.Sprint(names(a.delete)) != "[c-old]" || len(a.create) != 0 {
		t.Errorf("maxUnavailable 2: %+v", a)
	}
	if a := rollingUpdate(nodes(), 3, 0, 0, t0); fmt.Sprint(names(a.delete)) != "[a-old c-old]" {
		t.Errorf("maxUnavailable 3: delete %v, want a-old and c-old", names(a.delete))
	}
	// Surge 1: a new pod beside a's old one; c is replaced outright.
	if a := rollingUpdate(nodes(), 2, 1, 0, t0); fmt.Sprint(a.create) != "[a]" || fmt.Sprint(names(a.delete)) != "[c-old]" {
		t.Errorf("surge 1: %+v", a)
	}
	// Surging node whose new pod is available: its old pod goes.
	n := nodes()
	n[0].current = []*corev1.Pod{pod("a-new", true)}
	if a := rollingUpdate(n, 1, 1, 0, t0); !slices.Contains(names(a.delete), "a-old") {
		t.Errorf("surge, new available: delete %v, want a-old", names(a.delete))
	}
}
