package nodeports

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

func TestFilter(t *testing.T) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	taken := []string{"node(s) didn't have free ports for the requested pod ports"}
	holder := func(ip string, proto corev1.Protocol, port int32) []*corev1.Pod {
		return []*corev1.Pod{pt.MakePod("holder").HostPort(ip, proto, port).Obj()}
	}
	tests := []struct {
		name     string
		pod      *corev1.Pod
		existing []*corev1.Pod
		skip     bool // PreFilter skips
		code     framework.Code
		reasons  []string
	}{
		{name: "no host ports", pod: pt.MakePod("p").Obj(), existing: holder("", tcp, 80), skip: true},
		{name: "free node", pod: pt.MakePod("p").HostPort("", tcp, 80).Obj()},
		{name: "another port", pod: pt.MakePod("p").HostPort("", tcp, 8080).Obj(), existing: holder("", tcp, 80)},
		{name: "same port, every address on both", pod: pt.MakePod("p").HostPort("", tcp, 80).Obj(), existing: holder("", tcp, 80),
			code: framework.Unschedulable, reasons: taken},
		{name: "empty protocol is TCP", pod: pt.MakePod("p").HostPort("", "", 80).Obj(), existing: holder("", tcp, 80),
			code: framework.Unschedulable, reasons: taken},
		{name: "same port, another protocol", pod: pt.MakePod("p").HostPort("", udp, 80).Obj(), existing: holder("", tcp, 80)},
		{name: "0.0.0.0 and empty are the same", pod: pt.MakePod("p").HostPort("0.0.0.0", tcp, 80).Obj(), existing: holder("", tcp, 80),
			code: framework.Unschedulable, reasons: taken},
		{name: "wanted on every address, taken on one", pod: pt.MakePod("p").HostPort("", tcp, 80).Obj(), existing: holder("10.0.0.1", tcp, 80),
			code: framework.Unschedulable, reasons: taken},
		{name: "wanted on one, taken on every address", pod: pt.MakePod("p").HostPort("10.0.0.1", tcp, 80).Obj(), existing: holder("0.0.0.0", tcp, 80),
			code: framework.Unschedulable, reasons: taken},
		{name: "same specific IP", pod: pt.MakePod("p").HostPort("10.0.0.1", tcp, 80).Obj(), existing: holder("10.0.0.1", tcp, 80),
			code: framework.Unschedulable, reasons: taken},
		{name: "different specific IPs", pod: pt.MakePod("p").HostPort("10.0.0.2", tcp, 80).Obj(), existing: holder("10.0.0.1", tcp, 80)},
		{name: "one of several ports taken", pod: pt.MakePod("p").HostPort("", tcp, 443).HostPort("", udp, 53).Obj(), existing: holder("", udp, 53),
			code: framework.Unschedulable, reasons: taken},
		{name: "container port without host port", pod: func() *corev1.Pod {
			p := pt.MakePod("p").Obj()
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}}
			return p
		}(), existing: holder("", tcp, 80), skip: true},
	}
	pl := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ni := framework.NewNodeInfo(pt.MakeNode("n").Obj(), tt.existing...)
			state := framework.NewCycleState()
			st := pl.PreFilter(context.Background(), state, tt.pod, framework.NewSnapshot([]*framework.NodeInfo{ni}))
			if skipped := framework.CodeOf(st) == framework.Skip; skipped != tt.skip {
				t.Fatalf("PreFilter = %v, want skip %v", st, tt.skip)
			}
			for _, state := range []*framework.CycleState{state, framework.NewCycleState()} { // with and without PreFilter
				st = pl.Filter(context.Background(), state, tt.pod, ni)
				pt.ExpectStatus(t, st, tt.code, tt.reasons)
			}
		})
	}
}
