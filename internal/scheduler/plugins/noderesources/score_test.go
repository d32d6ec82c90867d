package noderesources

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// scoreNodes runs PreScore once and Score on each node, as the
// algorithm does; skipped reports a PreScore Skip.
func scoreNodes(t *testing.T, p interface {
	framework.PreScorePlugin
	framework.ScorePlugin
}, pod *corev1.Pod, nodes []*framework.NodeInfo) (scores []int64, skipped bool) {
	t.Helper()
	state := framework.NewCycleState()
	st := p.PreScore(context.Background(), state, pod, nodes)
	switch framework.CodeOf(st) {
	case framework.Skip:
		return nil, true
	case framework.Success:
	default:
		t.Fatalf("PreScore: %v", st)
	}
	for _, n := range nodes {
		s, st := p.Score(context.Background(), state, pod, n)
		if !st.IsSuccess() {
			t.Fatalf("Score %s: %v", n.Name(), st)
		}
		if s < framework.MinNodeScore || s > framework.MaxNodeScore {
			t.Errorf("Score %s = %d, outside [%d, %d]", n.Name(), s, framework.MinNodeScore, framework.MaxNodeScore)
		}
		scores = append(scores, s)
	}
	return scores, false
}

// Nodes for the score tables: n1 4 cpu, n2 6 cpu, both 10000 bytes of
// memory, as in Kubernetes' own tests.
var (
	n1     = pt.MakeNode("n1").Capacity("cpu", "4", "memory", "10000", "pods", "110").Obj()
	n2     = pt.MakeNode("n2").Capacity("cpu", "6", "memory", "10000", "pods", "110").Obj()
	gpu    = pt.MakeNode("gpu").Capacity("cpu", "4", "memory", "10000", "pods", "110", "nvidia.com/gpu", "4").Obj()
	barren = pt.MakeNode("barren").Obj()
	small  = pt.MakeNode("small").Capacity("cpu", "1", "memory", "2000Mi", "pods", "110").Obj()

	cpu3mem5k  = pt.MakePod("p").Req("cpu", "3", "memory", "5000").Obj()
	noRequests = pt.MakePod("none").Obj()
)

func infos(nodes []*corev1.Node, existing map[string][]*corev1.Pod) []*framework.NodeInfo {
	out := make([]*framework.NodeInfo, len(nodes))
	for i, n := range nodes {
		out[i] = framework.NewNodeInfo(n, existing[n.Name]...)
	}
	return out
}

func TestFitScore(t *testing.T) {
	tests := []struct {
		name     string
		args     FitArgs
		pod      *corev1.Pod
		nodes    []*corev1.Node
		existing map[string][]*corev1.Pod
		want     []int64
	}{
		// n1: cpu (4000-3000)*100/4000 = 25, memory (10000-5000)*100/10000 = 50, (25+50)/2 = 37.
		// n2: cpu 50, memory 50.
		{name: "least allocated", pod: cpu3mem5k, nodes: []*corev1.Node{n1, n2}, want: []int64{37, 50}},
		// n1: cpu 75, memory 50 → 62; n2: 50, 50.
		{name: "most allocated", args: FitArgs{ScoringStrategy: MostAllocated}, pod: cpu3mem5k, nodes: []*corev1.Node{n1, n2}, want: []int64{62, 50}},
		// n1: (25*3 + 50*1)/4 = 31; n2: 50.
		{name: "least allocated, cpu weighs 3", args: FitArgs{Resources: []ResourceSpec{{Name: "cpu", Weight: 3}, {Name: "memory", Weight: 1}}},
			pod: cpu3mem5k, nodes: []*corev1.Node{n1, n2}, want: []int64{31, 50}},
		// Existing pods count: n1 already has 1 cpu requested → cpu 0,
		// memory 50 → 25. (Its memory request is set to 0, else it
		// would count 200Mi, more than n1 has.)
		{name: "least allocated counts existing pods", pod: cpu3mem5k, nodes: []*corev1.Node{n1, n2},
			existing: map[string][]*corev1.Pod{"n1": {pt.MakePod("e").Req("cpu", "1", "memory", "0").Obj()}}, want: []int64{25, 50}},
		// Over capacity: least gives 0, most clamps at 100 for that resource.
		{name: "least allocated over capacity", pod: pt.MakePod("p").Req("cpu", "5", "memory", "5000").Obj(), nodes: []*corev1.Node{n1}, want: []int64{25}},
		{name: "most allocated over capacity", args: FitArgs{ScoringStrategy: MostAllocated},
			pod: pt.MakePod("p").Req("cpu", "5", "memory", "5000").Obj(), nodes: []*corev1.Node{n1}, want: []int64{75}},
		// No requests: 100m and 200Mi each, for the pod and the one
		// already there: cpu (1000-200)/1000 = 80, memory (2000-400)/2000 = 80.
		{name: "non-zero defaults for pods without requests", pod: noRequests, nodes: []*corev1.Node{small},
			existing: map[string][]*corev1.Pod{"small": {noRequests}}, want: []int64{80}},
		{name: "most allocated with non-zero defaults", args: FitArgs{ScoringStrategy: MostAllocated}, pod: noRequests, nodes: []*corev1.Node{small},
			existing: map[string][]*corev1.Pod{"small": {noRequests}}, want: []int64{20}},
		// An explicit zero stays zero: cpu 100, memory (2000-200)/2000 = 90 → 95.
		{name: "explicit zero request", pod: pt.MakePod("p").Req("cpu", "0").Obj(), nodes: []*corev1.Node{small}, want: []int64{95}},
		{name: "node with nothing allocatable", pod: cpu3mem5k, nodes: []*corev1.Node{barren}, want: []int64{0}},
		// gpu listed: a pod without gpus is scored on cpu and memory only
		// (37 on both nodes); one gpu of 4 adds (75) to the average.
		{name: "gpu not requested is left out", args: FitArgs{Resources: []ResourceSpec{{Name: "cpu", Weight: 1}, {Name: "memory", Weight: 1}, {Name: "nvidia.com/gpu", Weight: 1}}},
			pod: cpu3mem5k, nodes: []*corev1.Node{n1, gpu}, want: []int64{37, 37}},
		{name: "gpu requested is scored", args: FitArgs{Resources: []ResourceSpec{{Name: "cpu", Weight: 1}, {Name: "memory", Weight: 1}, {Name: "nvidia.com/gpu", Weight: 1}}},
			pod: pt.MakePod("p").Req("cpu", "3", "memory", "5000", "nvidia.com/gpu", "1").Obj(), nodes: []*corev1.Node{n1, gpu},
			want: []int64{37, 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fit, err := New(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := scoreNodes(t, fit, tt.pod, infos(tt.nodes, tt.existing))
			if !slices.Equal(got, tt.want) {
				t.Errorf("scores = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBalancedAllocationScore(t *testing.T) {
	three := BalancedAllocationArgs{Resources: []ResourceSpec{{Name: "cpu"}, {Name: "memory"}, {Name: "nvidia.com/gpu"}}}
	tests := []struct {
		name     string
		args     BalancedAllocationArgs
		pod      *corev1.Pod
		nodes    []*corev1.Node
		existing map[string][]*corev1.Pod
		want     []int64 // nil: PreScore skips
	}{
		// n1: fractions 0.75 and 0.5, std 0.125 → 87; n2: 0.5 and 0.5 → 100.
		{name: "two resources", pod: cpu3mem5k, nodes: []*corev1.Node{n1, n2}, want: []int64{87, 100}},
		// n1 with 1 cpu requested: 1.0 and 0.5 → std 0.25 → 75.
		{name: "existing pods count", pod: cpu3mem5k, nodes: []*corev1.Node{n1},
			existing: map[string][]*corev1.Pod{"n1": {pt.MakePod("e").Req("cpu", "1").Obj()}}, want: []int64{75}},
		// Fractions are capped at 1: cpu 5/4 → 1.0, memory 0.5 → 75.
		{name: "over capacity", pod: pt.MakePod("p").Req("cpu", "5", "memory", "5000").Obj(), nodes: []*corev1.Node{n1}, want: []int64{75}},
		// Existing pods without requests count as nothing here: memory
		// only, 0.5 against cpu 0 → std 0.25 → 75.
		{name: "actual requests, not non-zero ones", pod: pt.MakePod("p").Req("memory", "5000").Obj(), nodes: []*corev1.Node{n1},
			existing: map[string][]*corev1.Pod{"n1": {noRequests}}, want: []int64{75}},
		{name: "best-effort pod skips", pod: noRequests, nodes: []*corev1.Node{n1, n2}},
		// A node with one resource has nothing to balance: 100.
		{name: "one resource allocatable", pod: cpu3mem5k, nodes: []*corev1.Node{pt.MakeNode("cpu-only").Capacity("cpu", "4").Obj()}, want: []int64{100}},
		{name: "nothing allocatable", pod: cpu3mem5k, nodes: []*corev1.Node{barren}, want: []int64{100}},
		// Three resources: 0.5, 0.5, 1.0; mean 2/3, std sqrt(1/18) = 0.2357 → 76.
		{name: "three resources", args: three, pod: pt.MakePod("p").Req("cpu", "2", "memory", "5000", "nvidia.com/gpu", "4").Obj(),
			nodes: []*corev1.Node{gpu}, want: []int64{76}},
		// The gpu is left out for a pod that wants none: 0.75 and 0.5 → 87.
		{name: "gpu not requested", args: three, pod: cpu3mem5k, nodes: []*corev1.Node{gpu}, want: []int64{87}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ba, err := NewBalancedAllocation(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			got, skipped := scoreNodes(t, ba, tt.pod, infos(tt.nodes, tt.existing))
			if skipped != (tt.want == nil) {
				t.Fatalf("PreScore skipped = %v, want %v", skipped, tt.want == nil)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("scores = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNonZeroRequests(t *testing.T) {
	sidecar := corev1.ContainerRestartPolicyAlways
	withSidecar := func(p *corev1.Pod) *corev1.Pod {
		p.Spec.InitContainers[0].RestartPolicy = &sidecar
		return p
	}
	const mi = 1024 * 1024
	tests := []struct {
		name     string
		pod      *corev1.Pod
		cpu, mem int64
	}{
		{name: "no requests", pod: noRequests, cpu: 100, mem: 200 * mi},
		{name: "two containers without requests", pod: pt.MakePod("p").Container().Obj(), cpu: 200, mem: 400 * mi},
		{name: "requests as set", pod: pt.MakePod("p").Req("cpu", "250m", "memory", "1Gi").Obj(), cpu: 250, mem: 1024 * mi},
		{name: "cpu only: memory defaults", pod: pt.MakePod("p").Req("cpu", "1").Obj(), cpu: 1000, mem: 200 * mi},
		{name: "explicit zero stays zero", pod: pt.MakePod("p").Req("cpu", "0", "memory", "0").Obj(), cpu: 0, mem: 0},
		{name: "init container peak", pod: pt.MakePod("p").Req("cpu", "100m", "memory", "10Mi").InitContainer("cpu", "2").Obj(), cpu: 2000, mem: 200 * mi},
		{name: "sidecar runs beside the containers", pod: withSidecar(pt.MakePod("p").Req("cpu", "1", "memory", "1Mi").InitContainer().Obj()),
			cpu: 1100, mem: 201 * mi},
		{name: "pod-level requests replace the containers'", pod: func() *corev1.Pod {
			p := pt.MakePod("p").Container().Obj()
			p.Spec.Resources = &corev1.ResourceRequirements{Requests: pt.Res("cpu", "3")}
			return p
		}(), cpu: 3000, mem: 400 * mi},
		{name: "overhead added", pod: pt.MakePod("p").Overhead("cpu", "50m", "memory", "10Mi").Obj(), cpu: 150, mem: 210 * mi},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cpu, mem := framework.NonZeroRequests(tt.pod)
			if cpu != tt.cpu || mem != tt.mem {
				t.Errorf("NonZeroRequests = %d m, %d B; want %d m, %d B", cpu, mem, tt.cpu, tt.mem)
			}
		})
	}
}

// BenchmarkFitScore scores a node holding 30 pods: the cost of walking
// them for the non-zero requests (see framework.NodeInfo.NonZeroRequested).
func BenchmarkFitScore(b *testing.B) {
	pods := make([]*corev1.Pod, 30)
	for i := range pods {
		pods[i] = pt.MakePod("e").Req("cpu", "100m").Container().Obj()
	}
	ni := framework.NewNodeInfo(pt.MakeNode("n").Capacity("cpu", "32", "memory", "64Gi", "pods", "110").Obj(), pods...)
	fit, _ := New(FitArgs{})
	pod := pt.MakePod("p").Req("cpu", "1", "memory", "1Gi").Obj()
	state := framework.NewCycleState()
	fit.PreScore(context.Background(), state, pod, nil)
	b.ReportAllocs()
	for b.Loop() {
		fit.Score(context.Background(), state, pod, ni)
	}
}
