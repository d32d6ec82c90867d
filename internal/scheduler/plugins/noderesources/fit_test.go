package noderesources

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

func TestFitFilter(t *testing.T) {
	node := pt.MakeNode("n").Capacity("cpu", "2", "memory", "4Gi", "ephemeral-storage", "10Gi", "pods", "3", "nvidia.com/gpu", "2").Obj()
	noGPU := pt.MakeNode("n").Capacity("cpu", "2", "memory", "4Gi", "pods", "110").Obj()
	noPods := pt.MakeNode("n").Capacity("cpu", "2", "memory", "4Gi").Obj()
	half := pt.MakePod("half").Req("cpu", "1", "memory", "2Gi", "ephemeral-storage", "5Gi", "nvidia.com/gpu", "1").Obj()
	empty := pt.MakePod("empty").Obj()
	sidecar := corev1.ContainerRestartPolicyAlways

	tests := []struct {
		name     string
		pod      *corev1.Pod
		node     *corev1.Node
		existing []*corev1.Pod
		code     framework.Code
		reasons  []string
	}{
		{name: "fits an empty node", pod: pt.MakePod("p").Req("cpu", "2", "memory", "4Gi").Obj(), node: node},
		{name: "fits beside another", pod: pt.MakePod("p").Req("cpu", "1", "memory", "2Gi").Obj(), node: node, existing: []*corev1.Pod{half}},
		{name: "no requests fits a full node", pod: empty, node: node,
			existing: []*corev1.Pod{pt.MakePod("big").Req("cpu", "2", "memory", "4Gi").Obj()}},
		{name: "insufficient cpu", pod: pt.MakePod("p").Req("cpu", "1500m").Obj(), node: node, existing: []*corev1.Pod{half},
			code: framework.Unschedulable, reasons: []string{"Insufficient cpu"}},
		{name: "insufficient memory", pod: pt.MakePod("p").Req("memory", "3Gi").Obj(), node: node, existing: []*corev1.Pod{half},
			code: framework.Unschedulable, reasons: []string{"Insufficient memory"}},
		{name: "insufficient ephemeral-storage", pod: pt.MakePod("p").Req("ephemeral-storage", "6Gi").Obj(), node: node, existing: []*corev1.Pod{half},
			code: framework.Unschedulable, reasons: []string{"Insufficient ephemeral-storage"}},
		{name: "insufficient gpu", pod: pt.MakePod("p").Req("nvidia.com/gpu", "2").Obj(), node: node, existing: []*corev1.Pod{half},
			code: framework.Unschedulable, reasons: []string{"Insufficient nvidia.com/gpu"}},
		{name: "every reason, in Kubernetes' order", node: node,
			pod:      pt.MakePod("p").Req("cpu", "2", "memory", "4Gi", "ephemeral-storage", "10Gi", "nvidia.com/gpu", "2", "example.com/fpga", "1").Obj(),
			existing: []*corev1.Pod{half, empty, empty},
			code:     framework.UnschedulableAndUnresolvable, // no node has an fpga
			reasons: []string{"Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage",
				"Insufficient example.com/fpga", "Insufficient nvidia.com/gpu"}},
		{name: "too many pods", pod: empty, node: node, existing: []*corev1.Pod{empty, empty, empty},
			code: framework.Unschedulable, reasons: []string{"Too many pods"}},
		{name: "node reporting no pods capacity", pod: empty, node: noPods,
			code: framework.Unschedulable, reasons: []string{"Too many pods"}},
		{name: "gpu on a node without gpus is unresolvable", pod: pt.MakePod("p").Req("nvidia.com/gpu", "1").Obj(), node: noGPU,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"Insufficient nvidia.com/gpu"}},
		{name: "more cpu than the node has is unresolvable", pod: pt.MakePod("p").Req("cpu", "3").Obj(), node: node,
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"Insufficient cpu"}},
		{name: "unresolvable wins over resolvable", pod: pt.MakePod("p").Req("cpu", "3", "memory", "3Gi").Obj(), node: node, existing: []*corev1.Pod{half},
			code: framework.UnschedulableAndUnresolvable, reasons: []string{"Insufficient cpu", "Insufficient memory"}},
		{name: "init container peak counts", pod: pt.MakePod("p").Req("cpu", "500m").InitContainer("cpu", "1500m").Obj(), node: node, existing: []*corev1.Pod{half},
			code: framework.Unschedulable, reasons: []string{"Insufficient cpu"}},
		{name: "sidecar counts beside the containers", node: node, existing: []*corev1.Pod{half},
			pod: func() *corev1.Pod {
				p := pt.MakePod("p").Req("cpu", "600m").InitContainer("cpu", "500m").Obj()
				p.Spec.InitContainers[0].RestartPolicy = &sidecar
				return p
			}(),
			code: framework.Unschedulable, reasons: []string{"Insufficient cpu"}},
		{name: "overhead counts", pod: pt.MakePod("p").Req("memory", "2Gi").Overhead("memory", "1Mi").Obj(), node: node, existing: []*corev1.Pod{half},
			code: framework.Unschedulable, reasons: []string{"Insufficient memory"}},
		{name: "exactly full fits", pod: pt.MakePod("p").Req("cpu", "1", "memory", "2Gi", "nvidia.com/gpu", "1").Obj(), node: node, existing: []*corev1.Pod{half}},
	}
	fit, err := New(FitArgs{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ni := framework.NewNodeInfo(tt.node, tt.existing...)
			state := framework.NewCycleState()
			if st := fit.PreFilter(context.Background(), state, tt.pod, framework.NewSnapshot([]*framework.NodeInfo{ni})); !st.IsSuccess() {
				t.Fatalf("PreFilter: %v", st)
			}
			for _, state := range []*framework.CycleState{state, framework.NewCycleState()} { // with and without PreFilter
				st := fit.Filter(context.Background(), state, tt.pod, ni)
				pt.ExpectStatus(t, st, tt.code, tt.reasons)
			}
		})
	}
}

func TestFitArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    FitArgs
		wantErr string
	}{
		{name: "zero is the default"},
		{name: "most allocated", args: FitArgs{ScoringStrategy: MostAllocated}},
		{name: "weighted gpu", args: FitArgs{Resources: []ResourceSpec{{Name: "cpu", Weight: 1}, {Name: "nvidia.com/gpu", Weight: 5}}}},
		{name: "unknown strategy", args: FitArgs{ScoringStrategy: "RequestedToCapacityRatio"},
			wantErr: `NodeResourcesFit args: scoringStrategy: unsupported value "RequestedToCapacityRatio": supported values: "LeastAllocated", "MostAllocated"`},
		{name: "every problem", args: FitArgs{Resources: []ResourceSpec{{Name: "cpu", Weight: 0}, {Name: "cpu", Weight: 1}, {Name: "pods", Weight: 101}, {Weight: 1}}},
			wantErr: "NodeResourcesFit args: resources[0].weight: invalid value 0: must be between 1 and 100\n" +
				`resources[1].name: duplicate value "cpu"` + "\n" +
				`resources[2].name: "pods" cannot be scored` + "\n" +
				"resources[2].weight: invalid value 101: must be between 1 and 100\n" +
				"resources[3].name: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.args)
			if got := errString(err); got != tt.wantErr {
				t.Errorf("New() error = %q, want %q", got, tt.wantErr)
			}
		})
	}
	if _, err := NewBalancedAllocation(BalancedAllocationArgs{Resources: []ResourceSpec{{Name: "cpu"}, {Name: "cpu"}}}); errString(err) !=
		`NodeResourcesBalancedAllocation args: resources[1].name: duplicate value "cpu"` {
		t.Errorf("NewBalancedAllocation() error = %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
