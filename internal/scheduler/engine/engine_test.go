package engine

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler"
	"github.com/marina-orchestrator/marina/internal/scheduler/config"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderuntime"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// Only node changes that could let a waiting pod fit wake the parked
// pods; a heartbeat does not.
func TestSchedulingChanged(t *testing.T) {
	base := pt.MakeNode("n1").Capacity("cpu", "2").Obj()
	tests := []struct {
		name   string
		change func(n *corev1.Node)
		want   bool
	}{
		{"heartbeat", func(n *corev1.Node) {
			n.Status.Conditions[0].LastHeartbeatTime = metav1.NewTime(time.Now())
		}, false},
		{"annotation", func(n *corev1.Node) { n.Annotations = map[string]string{"a": "b"} }, false},
		{"cordoned", func(n *corev1.Node) { n.Spec.Unschedulable = true }, true},
		{"label", func(n *corev1.Node) { n.Labels["zone"] = "a" }, true},
		{"taint removed", func(n *corev1.Node) {
			n.Spec.Taints = []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}
		}, true},
		{"allocatable", func(n *corev1.Node) { n.Status.Allocatable = pt.Res("cpu", "4") }, true},
		{"ready", func(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionFalse }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := base.DeepCopy()
			tt.change(changed)
			if got := schedulingChanged(base, changed); got != tt.want {
				t.Errorf("schedulingChanged = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResponsible(t *testing.T) {
	def := &Engine{conf: config.Default()}
	other := &Engine{conf: &config.Configuration{SchedulerName: "mine"}}
	pod := func(name string) *corev1.Pod {
		p := pt.MakePod("p").Obj()
		p.Spec.SchedulerName = name
		return p
	}
	for _, tt := range []struct {
		e    *Engine
		name string
		want bool
	}{
		{def, "", true}, {def, "default-scheduler", true}, {def, "mine", false},
		{other, "", false}, {other, "mine", true},
	} {
		if got := tt.e.responsible(pod(tt.name)); got != tt.want {
			t.Errorf("scheduler %q, pod schedulerName %q: responsible = %v, want %v", tt.e.conf.SchedulerName, tt.name, got, tt.want)
		}
	}
}

func TestHints(t *testing.T) {
	fitErr := &scheduler.FitError{NumAllNodes: 2, NodeStatus: map[string]*framework.Status{
		"a": framework.NewStatus(framework.UnschedulableAndUnresolvable, noderuntime.Reason("docker")),
		"b": framework.NewStatus(framework.UnschedulableAndUnresolvable, noderuntime.Reason("docker")),
	}}
	want := " To run it: start Docker on a node, or use runtimeClassName: process."
	if got := hints(fitErr); got != want {
		t.Errorf("hints = %q, want %q", got, want)
	}
	fitErr.NodeStatus = map[string]*framework.Status{"a": framework.NewStatus(framework.Unschedulable, "Insufficient cpu")}
	if got := hints(fitErr); got != "" {
		t.Errorf("hints for cpu = %q, want none", got)
	}
}

// A pod nominated to a node after preempting holds room there against
// pods of lower or equal priority, not against higher ones or itself.
func TestNominationsReserve(t *testing.T) {
	node := pt.MakeNode("n1").Capacity("cpu", "2").Obj()
	orig := framework.NewNodeInfo(node)
	snap := framework.NewSnapshot([]*framework.NodeInfo{orig})
	preemptor := pt.MakePod("preemptor").Req("cpu", "1500m").Priority(100).Obj()
	var n nominations
	n.set(preemptor, "n1")
	for _, tt := range []struct {
		pod  *corev1.Pod
		want int64
	}{
		{pt.MakePod("low").Priority(10).Obj(), 1500},
		{pt.MakePod("equal").Priority(100).Obj(), 1500},
		{pt.MakePod("higher").Priority(1000).Obj(), 0},
		{preemptor, 0},
	} {
		restore := n.reserve(snap, tt.pod)
		if got := snap.Get("n1").Requested.MilliCPU; got != tt.want {
			t.Errorf("%s sees %dm requested on n1, want %dm", tt.pod.Name, got, tt.want)
		}
		restore()
		if snap.Get("n1") != orig || orig.Requested.MilliCPU != 0 {
			t.Fatalf("%s: the snapshot was not put back", tt.pod.Name)
		}
	}
	n.set(preemptor, "")
	if restore := n.reserve(snap, pt.MakePod("low").Obj()); snap.Get("n1") != orig {
		t.Error("a cleared nomination still holds room")
	} else {
		restore()
	}
}
