package podtopologyspread

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// Raw scores are round(Σ count × log(domains + 2) + maxSkew − 1);
// normalized 100 × (max + min − raw) / max over the nodes not ignored.
// log(3) = 1.099, log(4) = 1.386, log(5) = 1.609, log(6) = 1.792.
func TestScore(t *testing.T) {
	web := func() *pt.PodWrapper { return pt.MakePod("incoming").Label("app", "web") }
	listSoftHostname := &Args{DefaultingType: ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{
		{MaxSkew: 1, TopologyKey: hostname, WhenUnsatisfiable: corev1.ScheduleAnyway}}}

	tests := []struct {
		name      string
		args      *Args // nil: the zero Args (System defaulting)
		nodes     []*framework.NodeInfo
		feasible  []string // nil: all
		pod       *corev1.Pod
		raw, want []int64 // nil want: PreScore skips
		why       string
	}{
		{name: "hostname: fewer replicas score higher",
			nodes: []*framework.NodeInfo{node("n1", "", pods(2, "app", "web")), node("n2", "", pods(1, "app", "web")), node("n3", "")},
			pod:   web().SpreadConstraints(soft(1, hostname, "app", "web")).Obj(),
			raw:   []int64{3, 2, 0}, want: []int64{0, 33, 100},
			why: "3 domains weigh log(5): 2×1.609 and 1×1.609 round to 3 and 2"},
		{name: "zone, maxSkew 2: the worst keeps 100 × min / max",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(1, "app", "web")), node("n2", "a", pods(2, "app", "web")), node("n3", "b", pods(1, "app", "web"))},
			pod:   web().SpreadConstraints(soft(2, zone, "app", "web")).Obj(),
			raw:   []int64{5, 5, 2}, want: []int64{40, 40, 100},
			why: "zone a has 3: 3×1.386+1 = 5.16; zone b 1: 2.39"},
		{name: "only the feasible nodes count, for zones too",
			nodes:    []*framework.NodeInfo{node("n1", "a"), node("n2", "a", pods(3, "app", "web")), node("n3", "b", pods(1, "app", "web"))},
			feasible: []string{"n1", "n3"},
			pod:      web().SpreadConstraints(soft(1, zone, "app", "web")).Obj(),
			raw:      []int64{0, 1}, want: []int64{100, 0},
			why: "n2 failed a filter, so its 3 replicas are not counted in zone a (Kubernetes would count them)"},
		{name: "hostname counts the feasible nodes only",
			nodes:    []*framework.NodeInfo{node("n1", ""), node("n2", "", pods(3, "app", "web")), node("n3", "", pods(1, "app", "web"))},
			feasible: []string{"n1", "n3"},
			pod:      web().SpreadConstraints(soft(1, hostname, "app", "web")).Obj(),
			raw:      []int64{0, 1}, want: []int64{100, 0},
			why: "2 feasible nodes weigh log(4); n2's pods are in no feasible node's domain"},
		{name: "a feasible node without the key is ignored",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(1, "app", "web")), node("n2", "b"), node("n3", "", pods(4, "app", "web"))},
			pod:   web().SpreadConstraints(soft(1, zone, "app", "web")).Obj(),
			raw:   []int64{1, 0, 0}, want: []int64{0, 100, 0},
			why: "n3 has no zone: it scores 0 and does not take part in min and max"},
		{name: "two constraints add up",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(1, "app", "web")), node("n2", "a"), node("n3", "b")},
			pod:   web().SpreadConstraints(soft(1, hostname, "app", "web"), soft(1, zone, "app", "web")).Obj(),
			raw:   []int64{3, 1, 0}, want: []int64{0, 66, 100},
			why: "n1: 1×1.609 + 1×1.386; n2: zone a's 1×1.386"},
		{name: "no replicas anywhere: all best",
			nodes: []*framework.NodeInfo{node("n1", ""), node("n2", "", pods(2, "app", "db"))},
			pod:   web().SpreadConstraints(soft(1, hostname, "app", "web")).Obj(),
			raw:   []int64{0, 0}, want: []int64{100, 100}},
		{name: "system defaults spread the pods of one owner, over hostnames even without zones",
			nodes: []*framework.NodeInfo{node("n1", "a", existing().Owner("rs-a").Replicas(2)), node("n2", "a", existing().Owner("rs-b").Replicas(3)),
				node("n3", "b"), node("n4", "", existing().Owner("rs-a").Replicas(1))},
			pod: web().Owner("rs-a").Obj(),
			raw: []int64{12, 9, 6, 4}, want: []int64{33, 58, 83, 100},
			why: "hostname (maxSkew 3, log(6)) + zone (maxSkew 5, log(4)): n1 2×1.792+2 + 2×1.386+4; " +
				"n2's rs-b pods do not count; n4 has no zone, so only its hostname term"},
		{name: "list defaults count the owner's pods",
			args: listSoftHostname,
			nodes: []*framework.NodeInfo{node("n1", "", existing().Owner("rs-a").Replicas(1)), node("n2", "", existing().Owner("rs-b").Replicas(2)),
				node("n3", "", pods(2))},
			pod: web().Owner("rs-a").Obj(),
			raw: []int64{2, 0, 0}, want: []int64{0, 100, 100},
			why: "1×log(5) on n1; pods of another owner or none do not count"},
		{name: "no owner: no default constraints",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(2)), node("n2", "b")}, pod: web().Obj()},
		{name: "only DoNotSchedule constraints",
			nodes: []*framework.NodeInfo{node("n1", "a"), node("n2", "b")}, pod: web().SpreadConstraints(hard(1, zone, "app", "web")).Obj()},
		{name: "every feasible node ignored",
			nodes: []*framework.NodeInfo{node("n1", ""), node("n2", "")}, pod: web().SpreadConstraints(soft(1, zone, "app", "web")).Obj()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := Args{}
			if tt.args != nil {
				args = *tt.args
			}
			feasible := tt.nodes
			if tt.feasible != nil {
				feasible = slices.DeleteFunc(slices.Clone(tt.nodes), func(n *framework.NodeInfo) bool {
					return !slices.Contains(tt.feasible, n.Name())
				})
			}
			pt.ExpectScores(t, pt.MustNew(t, New, args), tt.pod, feasible, tt.raw, tt.want)
		})
	}
}

func TestScoreWithoutPreScore(t *testing.T) {
	pl, ctx := pt.MustNew(t, New, Args{}), context.Background()
	if _, st := pl.Score(ctx, framework.NewCycleState(), pt.MakePod("p").Obj(), node("n1", "a")); framework.CodeOf(st) != framework.Error {
		t.Errorf("Score without PreScore = %v, want an Error", st)
	}
	if st := pl.NormalizeScore(ctx, framework.NewCycleState(), pt.MakePod("p").Obj(), []int64{1}); framework.CodeOf(st) != framework.Error {
		t.Errorf("NormalizeScore without PreScore = %v, want an Error", st)
	}
}
