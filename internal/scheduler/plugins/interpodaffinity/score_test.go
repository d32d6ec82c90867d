package interpodaffinity

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// Scores are for the cluster's n1, n2 (zone a), n3 (zone b) and n4 (no
// zone), in that order.
func TestScore(t *testing.T) {
	web := func(name string) *corev1.Pod { return pt.MakePod(name).Label("app", "web").Obj() }
	tests := []struct {
		name      string
		args      Args
		placed    map[string][]*corev1.Pod
		pod       *corev1.Pod
		raw, want []int64 // nil: PreScore skips
	}{
		{name: "no terms anywhere: skip", args: DefaultArgs(), pod: web("p"),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}}},
		{name: "preferred zone affinity: zone a holds a web pod", args: DefaultArgs(),
			pod:    pt.MakePod("p").PreferredPodAffinity(10, pt.PodTerm(zone, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			raw:    []int64{10, 10, 0, 0}, want: []int64{100, 100, 0, 0}},
		{name: "preferred hostname anti-affinity: n1 holds a web pod", args: DefaultArgs(),
			pod:    pt.MakePod("p").PreferredPodAntiAffinity(5, pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			raw:    []int64{-5, 0, 0, 0}, want: []int64{0, 100, 100, 100}},
		{name: "zone affinity and hostname anti-affinity add up", args: DefaultArgs(),
			pod:    pt.MakePod("p").PreferredPodAffinity(10, pt.PodTerm(zone, "app", "web")).PreferredPodAntiAffinity(5, pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			raw:    []int64{5, 10, 0, 0}, want: []int64{50, 100, 0, 0}},
		{name: "each matching pod counts", args: DefaultArgs(),
			pod:    pt.MakePod("p").PreferredPodAffinity(3, pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}, "n3": {web("w2"), web("w3")}},
			raw:    []int64{3, 0, 6, 0}, want: []int64{50, 0, 100, 0}},
		{name: "every node scores the same: all zero", args: DefaultArgs(),
			pod:    pt.MakePod("p").PreferredPodAffinity(10, pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}, "n2": {web("w2")}, "n3": {web("w3")}, "n4": {web("w4")}},
			raw:    []int64{10, 10, 10, 10}, want: []int64{0, 0, 0, 0}},
		{name: "a pod on a node without a zone adds to no zone: skip", args: DefaultArgs(),
			pod:    pt.MakePod("p").PreferredPodAffinity(10, pt.PodTerm(zone, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n4": {web("w1")}}},
		{name: "pods in another namespace do not match", args: DefaultArgs(),
			pod:    pt.MakePod("p").PreferredPodAffinity(10, pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("w1").Label("app", "web").Namespace("prod").Obj()}, "n2": {web("w2")}},
			raw:    []int64{0, 10, 0, 0}, want: []int64{0, 100, 0, 0}},
		{name: "an existing pod's required affinity for the pod, times HardPodAffinityWeight 1", args: DefaultArgs(),
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n3": {pt.MakePod("db").Label("app", "db").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj()}},
			raw:    []int64{0, 0, 1, 0}, want: []int64{0, 0, 100, 0}},
		{name: "HardPodAffinityWeight 5", args: Args{HardPodAffinityWeight: 5},
			pod: pt.MakePod("p").Label("app", "web").PreferredPodAffinity(2, pt.PodTerm(hostname, "app", "cache")).Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("c").Label("app", "cache").Obj()},
				"n3": {pt.MakePod("db").Label("app", "db").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj()},
			},
			raw: []int64{2, 0, 5, 0}, want: []int64{40, 0, 100, 0}},
		{name: "HardPodAffinityWeight 0: existing required affinity does not score", args: Args{},
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n3": {pt.MakePod("db").Label("app", "db").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj()}}},
		{name: "an existing pod's preferred affinity for the pod", args: DefaultArgs(),
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n2": {pt.MakePod("c").Label("app", "cache").PreferredPodAffinity(20, pt.PodTerm(hostname, "app", "web")).Obj()}},
			raw:    []int64{0, 20, 0, 0}, want: []int64{0, 100, 0, 0}},
		{name: "an existing pod's preferred anti-affinity against the pod", args: DefaultArgs(),
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("x").Label("app", "noisy").PreferredPodAntiAffinity(7, pt.PodTerm(zone, "app", "web")).Obj()}},
			raw:    []int64{-7, -7, 0, 0}, want: []int64{0, 0, 100, 100}},
		{name: "an existing pod's term, in its own namespace, does not match the pod: skip", args: DefaultArgs(),
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n2": {pt.MakePod("c").Label("app", "cache").Namespace("prod").PreferredPodAffinity(20, pt.PodTerm(hostname, "app", "web")).Obj()}}},
		{name: "IgnorePreferredTermsOfExistingPods, the pod has no preferred terms: skip",
			args: Args{HardPodAffinityWeight: 1, IgnorePreferredTermsOfExistingPods: true},
			pod:  web("p"),
			placed: map[string][]*corev1.Pod{
				"n2": {pt.MakePod("c").Label("app", "cache").PreferredPodAffinity(20, pt.PodTerm(hostname, "app", "web")).Obj()},
				"n3": {pt.MakePod("db").Label("app", "db").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj()},
			}},
		{name: "IgnorePreferredTermsOfExistingPods, the pod has preferred terms: all count, as in Kubernetes",
			args: Args{HardPodAffinityWeight: 1, IgnorePreferredTermsOfExistingPods: true},
			pod:  pt.MakePod("p").Label("app", "web").PreferredPodAffinity(10, pt.PodTerm(zone, "app", "cache")).Obj(),
			placed: map[string][]*corev1.Pod{
				"n2": {pt.MakePod("c").Label("app", "cache").PreferredPodAffinity(20, pt.PodTerm(hostname, "app", "web")).Obj()},
			},
			raw: []int64{10, 30, 0, 0}, want: []int64{33, 100, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt.ExpectScores(t, pt.MustNew(t, New, tt.args), tt.pod, pt.NodeInfos(clusterNodes, tt.placed), tt.raw, tt.want)
		})
	}
}

// PreScore is given the feasible nodes only; pods on the others still
// count, through the snapshot PreFilter keeps.
func TestPreScoreReadsTheSnapshot(t *testing.T) {
	pl := pt.MustNew(t, New, DefaultArgs())
	nodes := pt.NodeInfos(clusterNodes, map[string][]*corev1.Pod{
		"n1": {pt.MakePod("w1").Label("app", "web").Obj()},
		"n4": {pt.MakePod("db").Label("app", "db").PodAffinity(pt.PodTerm(hostname, "app", "api")).Obj()},
	})
	pod := pt.MakePod("p").Label("app", "api").PreferredPodAffinity(10, pt.PodTerm(zone, "app", "web")).Obj()
	feasible := []*framework.NodeInfo{nodes[1], nodes[2], nodes[3]} // n1 failed the filters
	ctx := context.Background()
	state := framework.NewCycleState()
	if st := pl.PreFilter(ctx, state, pod, framework.NewSnapshot(nodes)); framework.CodeOf(st) != framework.Skip {
		t.Fatalf("PreFilter = %v, want Skip", st)
	}
	if st := pl.PreScore(ctx, state, pod, feasible); !st.IsSuccess() {
		t.Fatalf("PreScore = %v", st)
	}
	var got []int64
	for _, n := range feasible {
		s, st := pl.Score(ctx, state, pod, n)
		if !st.IsSuccess() {
			t.Fatalf("Score(%s) = %v", n.Name(), st)
		}
		got = append(got, s)
	}
	// n2 shares zone a with n1's web pod; n4 holds a pod that must be
	// near api pods (HardPodAffinityWeight 1).
	if want := []int64{10, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("scores of n2, n3, n4 = %v, want %v", got, want)
	}
}

func TestNormalizeScore(t *testing.T) {
	tests := []struct {
		name         string
		scores, want []int64
	}{
		{name: "min-max", scores: []int64{-5, 0, 5}, want: []int64{0, 50, 100}},
		{name: "all negative", scores: []int64{-7, -7, -1}, want: []int64{0, 0, 100}},
		{name: "truncated", scores: []int64{0, 1, 3}, want: []int64{0, 33, 100}},
		{name: "all equal", scores: []int64{4, 4}, want: []int64{0, 0}},
		{name: "one node", scores: []int64{9}, want: []int64{0}},
		{name: "none", scores: []int64{}, want: []int64{}},
	}
	pl := pt.MustNew(t, New, DefaultArgs())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.scores)
			if st := pl.NormalizeScore(context.Background(), framework.NewCycleState(), pt.MakePod("p").Obj(), got); !st.IsSuccess() {
				t.Fatalf("NormalizeScore = %v", st)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("NormalizeScore(%v) = %v, want %v", tt.scores, got, tt.want)
			}
		})
	}
}

func TestScoreWithoutPreScore(t *testing.T) {
	pl := pt.MustNew(t, New, DefaultArgs())
	_, st := pl.Score(context.Background(), framework.NewCycleState(), pt.MakePod("p").Obj(), framework.NewNodeInfo(clusterNodes[0]))
	pt.ExpectStatus(t, st, framework.Error, []string{"InterPodAffinity score: no prescore state: PreScore must run first"})
}
