package plugins_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeaffinity"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeports"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeready"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderesources"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderuntime"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/tainttoleration"
)

// The score plugins rely on DefaultNormalizeScore scaling the best raw
// score to 100 (NodeAffinity) or, reversed, the fewest untolerated taints
// to 100 and the most to 0 (TaintToleration), with integer division.
func TestDefaultNormalizeScore(t *testing.T) {
	tests := []struct {
		name    string
		reverse bool
		scores  []int64
		want    []int64
	}{
		{name: "scaled to the highest", scores: []int64{2, 5, 7, 0}, want: []int64{28, 71, 100, 0}},
		{name: "already at most 100 still scaled", scores: []int64{10, 20}, want: []int64{50, 100}},
		{name: "above 100 scaled down", scores: []int64{150, 300, 600}, want: []int64{25, 50, 100}},
		{name: "all zero stay zero", scores: []int64{0, 0}, want: []int64{0, 0}},
		{name: "reversed", reverse: true, scores: []int64{0, 1, 2}, want: []int64{100, 50, 0}},
		{name: "reversed, rounding", reverse: true, scores: []int64{1, 3}, want: []int64{67, 0}},
		{name: "reversed, all zero are all best", reverse: true, scores: []int64{0, 0, 0}, want: []int64{100, 100, 100}},
		{name: "reversed, all equal are all worst", reverse: true, scores: []int64{2, 2}, want: []int64{0, 0}},
		{name: "empty", scores: []int64{}, want: []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.scores)
			framework.DefaultNormalizeScore(framework.MaxNodeScore, tt.reverse, got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("DefaultNormalizeScore(%v, reverse=%v) = %v, want %v", tt.scores, tt.reverse, got, tt.want)
			}
		})
	}
}

// profile assembles every plugin here, in Kubernetes' filter order.
func profile(t *testing.T) *scheduler.Profile {
	t.Helper()
	fit, err := noderesources.New(noderesources.FitArgs{})
	if err != nil {
		t.Fatal(err)
	}
	balanced, err := noderesources.NewBalancedAllocation(noderesources.BalancedAllocationArgs{})
	if err != nil {
		t.Fatal(err)
	}
	ready, rt, aff, taints, ports := nodeready.New(), noderuntime.New(), nodeaffinity.New(), tainttoleration.New(), nodeports.New()
	return &scheduler.Profile{
		PreFilters: []framework.PreFilterPlugin{aff, ports, fit},
		Filters:    []framework.FilterPlugin{ready, rt, taints, aff, ports, fit},
		PreScores:  []framework.PreScorePlugin{taints, aff, fit, balanced},
		Scores: []scheduler.WeightedScore{
			{Plugin: taints, Weight: 3}, {Plugin: aff, Weight: 2}, {Plugin: fit, Weight: 1}, {Plugin: balanced, Weight: 1},
		},
		PercentageOfNodesToScore: 100,
	}
}

func node(name string) *pt.NodeWrapper {
	return pt.MakeNode(name).Capacity("cpu", "2", "memory", "4Gi", "pods", "110").Label(noderuntime.LabelPrefix+"process", "true")
}

// The summary of a pod that fits nowhere reads like Kubernetes'.
func TestSummary(t *testing.T) {
	busy := pt.MakePod("busy").Req("cpu", "1500m").Obj()
	tests := []struct {
		name  string
		pod   *corev1.Pod
		nodes []*framework.NodeInfo
		want  string // the FitError, or "" for a placement
		node  string
	}{
		{name: "the issue's example", pod: pt.MakePod("p").Req("cpu", "1").Obj(), nodes: []*framework.NodeInfo{
			framework.NewNodeInfo(node("n1").Obj(), busy),
			framework.NewNodeInfo(node("n2").Obj(), busy),
			framework.NewNodeInfo(node("n3").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).Obj()),
		}, want: "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}."},
		{name: "every filter", pod: pt.MakePod("p").Req("cpu", "1").HostPort("", "", 80).NodeSelector("zone", "a").Obj(), nodes: []*framework.NodeInfo{
			framework.NewNodeInfo(node("cordoned").Label("zone", "a").Unschedulable().Obj()),
			framework.NewNodeInfo(node("down").Label("zone", "a").Condition(corev1.NodeReady, corev1.ConditionFalse).Obj()),
			framework.NewNodeInfo(pt.MakeNode("docker-only").Capacity("cpu", "2", "pods", "110").Label("zone", "a").Label(noderuntime.LabelPrefix+"docker", "false").Obj()),
			framework.NewNodeInfo(node("zone-b").Label("zone", "b").Obj()),
			framework.NewNodeInfo(node("port").Label("zone", "a").Obj(), pt.MakePod("web").HostPort("", "", 80).Obj()),
			framework.NewNodeInfo(node("full").Label("zone", "a").Obj(), busy),
		}, want: "0/6 nodes are available: 1 Insufficient cpu, 1 node(s) did not offer runtime \"docker\" or \"process\", " +
			"1 node(s) didn't have free ports for the requested pod ports, 1 node(s) didn't match Pod's node affinity/selector, " +
			"1 node(s) were not ready, 1 node(s) were unschedulable."},
		{name: "placed on the node with room", pod: pt.MakePod("p").Req("cpu", "1").Obj(), nodes: []*framework.NodeInfo{
			framework.NewNodeInfo(node("n1").Obj(), busy),
			framework.NewNodeInfo(node("n2").Obj()),
		}, node: "n2"},
		{name: "preferred affinity wins over spreading", pod: pt.MakePod("p").Preferred(10, pt.Term(pt.Expr("disk", corev1.NodeSelectorOpIn, "ssd"))).Obj(),
			nodes: []*framework.NodeInfo{
				framework.NewNodeInfo(node("empty").Obj()),
				framework.NewNodeInfo(node("ssd").Label("disk", "ssd").Obj(), pt.MakePod("e").Req("cpu", "500m", "memory", "1Gi").Obj()),
			}, node: "ssd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alg := &scheduler.Algorithm{Profile: profile(t)}
			res, err := alg.Schedule(context.Background(), tt.pod, framework.NewSnapshot(tt.nodes))
			if tt.want == "" {
				if err != nil || res.Node != tt.node {
					t.Fatalf("Schedule = %q, %v; want %q", res.Node, err, tt.node)
				}
				return
			}
			var fitErr *scheduler.FitError
			if !errors.As(err, &fitErr) {
				t.Fatalf("Schedule = %q, %v; want a FitError", res.Node, err)
			}
			if got := fitErr.Error(); got != tt.want {
				t.Errorf("summary:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
