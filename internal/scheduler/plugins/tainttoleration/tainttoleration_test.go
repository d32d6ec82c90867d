package tainttoleration

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

const (
	noSchedule       = corev1.TaintEffectNoSchedule
	noExecute        = corev1.TaintEffectNoExecute
	preferNoSchedule = corev1.TaintEffectPreferNoSchedule
)

func TestFilter(t *testing.T) {
	gpu := pt.MakeNode("n").Taint("dedicated", "gpu", noSchedule).Obj()
	tests := []struct {
		name    string
		pod     *corev1.Pod
		node    *corev1.Node
		code    framework.Code
		reasons []string
	}{
		{name: "no taints", pod: pt.MakePod("p").Obj(), node: pt.MakeNode("n").Obj()},
		{name: "untolerated NoSchedule", pod: pt.MakePod("p").Obj(), node: gpu,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"node(s) had untolerated taint {dedicated: gpu}"}},
		{name: "tolerated by Equal", pod: pt.MakePod("p").Toleration("dedicated", "gpu", noSchedule).Obj(), node: gpu},
		{name: "Equal with another value", pod: pt.MakePod("p").Toleration("dedicated", "web", noSchedule).Obj(), node: gpu,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"node(s) had untolerated taint {dedicated: gpu}"}},
		{name: "tolerated by Exists", pod: pt.MakePod("p").Toleration("dedicated", "", noSchedule).Obj(), node: gpu},
		{name: "tolerated by a toleration of every effect", pod: pt.MakePod("p").Toleration("dedicated", "gpu", "").Obj(), node: gpu},
		{name: "tolerate everything", pod: pt.MakePod("p").Tolerations(corev1.Toleration{Operator: corev1.TolerationOpExists}).Obj(),
			node: pt.MakeNode("n").Taint("a", "1", noSchedule).Taint("b", "", noExecute).Obj()},
		{name: "toleration of another effect", pod: pt.MakePod("p").Toleration("dedicated", "gpu", noExecute).Obj(), node: gpu,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"node(s) had untolerated taint {dedicated: gpu}"}},
		{name: "untolerated NoExecute with no value", pod: pt.MakePod("p").Obj(),
			node: pt.MakeNode("n").Taint(corev1.TaintNodeUnreachable, "", noExecute).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"node(s) had untolerated taint {node.kubernetes.io/unreachable: }"}},
		{name: "PreferNoSchedule does not filter", pod: pt.MakePod("p").Obj(), node: pt.MakeNode("n").Taint("spot", "true", preferNoSchedule).Obj()},
		{name: "the first untolerated taint is named", pod: pt.MakePod("p").Toleration("a", "", noSchedule).Obj(),
			node: pt.MakeNode("n").Taint("a", "1", noSchedule).Taint("spot", "true", preferNoSchedule).Taint("b", "2", noExecute).Taint("c", "3", noSchedule).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"node(s) had untolerated taint {b: 2}"}},
		{name: "Gt tolerates a larger value", node: pt.MakeNode("n").Taint("tier", "5", noSchedule).Obj(),
			pod: pt.MakePod("p").Tolerations(corev1.Toleration{Key: "tier", Operator: corev1.TolerationOpGt, Value: "3", Effect: noSchedule}).Obj()},
		{name: "Gt does not tolerate a smaller value", node: pt.MakeNode("n").Taint("tier", "2", noSchedule).Obj(),
			pod:  pt.MakePod("p").Tolerations(corev1.Toleration{Key: "tier", Operator: corev1.TolerationOpGt, Value: "3", Effect: noSchedule}).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"node(s) had untolerated taint {tier: 2}"}},
		{name: "Lt tolerates a smaller value", node: pt.MakeNode("n").Taint("tier", "2", noSchedule).Obj(),
			pod: pt.MakePod("p").Tolerations(corev1.Toleration{Key: "tier", Operator: corev1.TolerationOpLt, Value: "3", Effect: noSchedule}).Obj()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := New().Filter(context.Background(), framework.NewCycleState(), tt.pod, framework.NewNodeInfo(tt.node))
			pt.ExpectStatus(t, st, tt.code, tt.reasons)
		})
	}
}

func TestScore(t *testing.T) {
	clean := pt.MakeNode("clean").Obj()
	one := pt.MakeNode("one").Taint("spot", "true", preferNoSchedule).Obj()
	two := pt.MakeNode("two").Taint("spot", "true", preferNoSchedule).Taint("old", "", preferNoSchedule).Taint("x", "y", noSchedule).Obj()
	hard := pt.MakeNode("hard").Taint("x", "y", noSchedule).Obj()
	tests := []struct {
		name      string
		pod       *corev1.Pod
		nodes     []*corev1.Node
		raw, want []int64 // nil: PreScore skips
	}{
		// Counts 0, 1, 2 reversed: 100, 100-1*100/2, 0.
		{name: "fewer untolerated taints is better", pod: pt.MakePod("p").Obj(), nodes: []*corev1.Node{clean, one, two},
			raw: []int64{0, 1, 2}, want: []int64{100, 50, 0}},
		{name: "tolerated taints do not count", pod: pt.MakePod("p").Toleration("spot", "true", preferNoSchedule).Obj(),
			nodes: []*corev1.Node{clean, one, two}, raw: []int64{0, 0, 1}, want: []int64{100, 100, 0}},
		{name: "a toleration of every effect counts", pod: pt.MakePod("p").Toleration("spot", "", "").Obj(),
			nodes: []*corev1.Node{clean, one, two}, raw: []int64{0, 0, 1}, want: []int64{100, 100, 0}},
		{name: "a NoSchedule toleration does not", pod: pt.MakePod("p").Toleration("spot", "", noSchedule).Obj(),
			nodes: []*corev1.Node{clean, one, two}, raw: []int64{0, 1, 2}, want: []int64{100, 50, 0}},
		{name: "all tolerated: all best", pod: pt.MakePod("p").Tolerations(corev1.Toleration{Operator: corev1.TolerationOpExists}).Obj(),
			nodes: []*corev1.Node{clean, one, two}, raw: []int64{0, 0, 0}, want: []int64{100, 100, 100}},
		{name: "no PreferNoSchedule taints: skip", pod: pt.MakePod("p").Obj(), nodes: []*corev1.Node{clean, hard}},
	}
	pl := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := make([]*framework.NodeInfo, len(tt.nodes))
			for i, n := range tt.nodes {
				nodes[i] = framework.NewNodeInfo(n)
			}
			pt.ExpectScores(t, pl, tt.pod, nodes, tt.raw, tt.want)
		})
	}
}
