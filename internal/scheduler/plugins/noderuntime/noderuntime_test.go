package noderuntime

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/agent"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

func TestFilter(t *testing.T) {
	docker := pt.MakeNode("docker").Label(LabelPrefix+Docker, "true").Obj()
	process := pt.MakeNode("process").Label(LabelPrefix+Process, "true").Obj()
	both := pt.MakeNode("both").Label(LabelPrefix+Docker, "true").Label(LabelPrefix+Process, "true").Obj()
	none := pt.MakeNode("none").Obj()
	off := pt.MakeNode("off").Label(LabelPrefix+Docker, "false").Obj()

	tests := []struct {
		name    string
		pod     *corev1.Pod
		node    *corev1.Node
		code    framework.Code
		reasons []string
	}{
		{name: "docker pod on a docker node", pod: pt.MakePod("p").RuntimeClass("docker").Obj(), node: docker},
		{name: "docker pod on a node with both", pod: pt.MakePod("p").RuntimeClass("docker").Obj(), node: both},
		{name: "docker pod on a process node", pod: pt.MakePod("p").RuntimeClass("docker").Obj(), node: process,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{`node(s) did not offer runtime "docker"`}},
		{name: "label not true", pod: pt.MakePod("p").RuntimeClass("docker").Obj(), node: off,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{`node(s) did not offer runtime "docker"`}},
		{name: "process pod on a process node", pod: pt.MakePod("p").RuntimeClass("process").Obj(), node: process},
		{name: "process pod on a docker node", pod: pt.MakePod("p").RuntimeClass("process").Obj(), node: docker,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{`node(s) did not offer runtime "process"`}},
		{name: "unset runtime on a docker node", pod: pt.MakePod("p").Obj(), node: docker},
		{name: "unset runtime on a process node", pod: pt.MakePod("p").Obj(), node: process},
		{name: "empty runtime is unset", pod: pt.MakePod("p").RuntimeClass("").Obj(), node: process},
		{name: "unset runtime on a node with none", pod: pt.MakePod("p").Obj(), node: none,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{`node(s) did not offer runtime "docker" or "process"`}},
		{name: "unknown runtime", pod: pt.MakePod("p").RuntimeClass("gvisor").Obj(), node: both,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{`node(s) did not offer runtime "gvisor"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := New().Filter(context.Background(), framework.NewCycleState(), tt.pod, framework.NewNodeInfo(tt.node))
			pt.ExpectStatus(t, st, tt.code, tt.reasons)
		})
	}
}

func TestHint(t *testing.T) {
	tests := []struct {
		reason string
		hint   string
		ok     bool
	}{
		{reason: Reason("docker"), hint: "start Docker on a node, or use runtimeClassName: process", ok: true},
		{reason: Reason("process"), hint: "start a node whose agent offers the process runtime (--runtimes process), or use runtimeClassName: docker", ok: true},
		{reason: Reason("gvisor"), hint: `no Marina node offers runtime "gvisor"; use runtimeClassName: docker or process`, ok: true},
		{reason: Reason(Docker, Process), hint: "start a node with Docker running or with the process runtime", ok: true},
		{reason: "Insufficient cpu"},
		{reason: "node(s) did not offer runtime docker"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			hint, ok := Hint(tt.reason)
			if hint != tt.hint || ok != tt.ok {
				t.Errorf("Hint(%q) = %q, %v; want %q, %v", tt.reason, hint, ok, tt.hint, tt.ok)
			}
		})
	}
}

// The label is the agent's: a node the agent registers offers what it
// says it offers.
func TestLabelMatchesAgent(t *testing.T) {
	if LabelPrefix != agent.RuntimeLabelPrefix {
		t.Fatalf("LabelPrefix = %q, agent labels nodes with %q", LabelPrefix, agent.RuntimeLabelPrefix)
	}
	node := &corev1.Node{}
	node.Labels = agent.NodeLabels("n", []string{Process})
	if !Offers(node, Process) || Offers(node, Docker) {
		t.Errorf("agent labels %v: Offers(process) = %v, Offers(docker) = %v", node.Labels, Offers(node, Process), Offers(node, Docker))
	}
}
