package nodeready

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

func TestFilter(t *testing.T) {
	ready := pt.MakeNode("n").Obj()
	notReady := pt.MakeNode("n").Condition(corev1.NodeReady, corev1.ConditionFalse).Obj()
	unknown := pt.MakeNode("n").Condition(corev1.NodeReady, corev1.ConditionUnknown).Obj()
	never := pt.MakeNode("n").NoConditions().Obj()
	pressure := pt.MakeNode("n").Condition(corev1.NodeMemoryPressure, corev1.ConditionTrue).Obj()
	cordoned := pt.MakeNode("n").Unschedulable().Obj()
	cordonedNotReady := pt.MakeNode("n").Unschedulable().Condition(corev1.NodeReady, corev1.ConditionFalse).Obj()

	plain := pt.MakePod("p").Obj()
	all := pt.MakePod("p").Tolerations(corev1.Toleration{Operator: corev1.TolerationOpExists}).Obj()

	unsched := []string{"node(s) were unschedulable"}
	notReadyReason := []string{"node(s) were not ready"}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		node    *corev1.Node
		code    framework.Code
		reasons []string
	}{
		{name: "ready", pod: plain, node: ready},
		{name: "ready with memory pressure", pod: plain, node: pressure},
		{name: "not ready", pod: plain, node: notReady, code: framework.UnschedulableAndUnresolvable, reasons: notReadyReason},
		{name: "ready unknown", pod: plain, node: unknown, code: framework.UnschedulableAndUnresolvable, reasons: notReadyReason},
		{name: "never reported", pod: plain, node: never, code: framework.UnschedulableAndUnresolvable, reasons: notReadyReason},
		{name: "cordoned", pod: plain, node: cordoned, code: framework.UnschedulableAndUnresolvable, reasons: unsched},
		{name: "cordoned and not ready gives the cordon", pod: plain, node: cordonedNotReady,
			code: framework.UnschedulableAndUnresolvable, reasons: unsched},
		{name: "cordoned, pod tolerates unschedulable", node: cordoned,
			pod: pt.MakePod("p").Toleration(corev1.TaintNodeUnschedulable, "", corev1.TaintEffectNoSchedule).Obj()},
		{name: "cordoned, toleration with no effect", node: cordoned,
			pod: pt.MakePod("p").Toleration(corev1.TaintNodeUnschedulable, "", "").Obj()},
		{name: "cordoned, NoExecute toleration does not do", node: cordoned,
			pod:  pt.MakePod("p").Toleration(corev1.TaintNodeUnschedulable, "", corev1.TaintEffectNoExecute).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: unsched},
		{name: "cordoned, other key does not do", node: cordoned,
			pod:  pt.MakePod("p").Toleration("dedicated", "", corev1.TaintEffectNoSchedule).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: unsched},
		{name: "not ready, pod tolerates not-ready NoSchedule", node: notReady,
			pod: pt.MakePod("p").Toleration(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoSchedule).Obj()},
		{name: "not ready, NoExecute toleration (the DaemonSet default) does not do", node: notReady,
			pod:  pt.MakePod("p").Toleration(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoExecute).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: notReadyReason},
		{name: "unknown, not-ready toleration does not do", node: unknown,
			pod:  pt.MakePod("p").Toleration(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoSchedule).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: notReadyReason},
		{name: "unknown, pod tolerates unreachable", node: unknown,
			pod: pt.MakePod("p").Toleration(corev1.TaintNodeUnreachable, "", corev1.TaintEffectNoSchedule).Obj()},
		{name: "tolerate everything: cordoned and not ready", pod: all, node: cordonedNotReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := New().Filter(context.Background(), framework.NewCycleState(), tt.pod, framework.NewNodeInfo(tt.node))
			pt.ExpectStatus(t, st, tt.code, tt.reasons)
		})
	}
}
