package nodeaffinity

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

func TestFilter(t *testing.T) {
	node := pt.MakeNode("n1").Label("zone", "a").Label("disk", "ssd").Label("cores", "8").Obj()
	mismatch := []string{"node(s) didn't match Pod's node affinity/selector"}
	in, notIn, exists, dne, gt, lt := corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn, corev1.NodeSelectorOpExists,
		corev1.NodeSelectorOpDoesNotExist, corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt
	fields := func(op corev1.NodeSelectorOperator, names ...string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: op, Values: names}}}
	}

	tests := []struct {
		name    string
		pod     *corev1.Pod
		skip    bool // PreFilter skips
		code    framework.Code
		reasons []string
	}{
		{name: "no selector or affinity", pod: pt.MakePod("p").Obj(), skip: true},
		{name: "preferred only", pod: pt.MakePod("p").Preferred(1, pt.Term(pt.Expr("zone", in, "b"))).Obj(), skip: true},
		{name: "nodeSelector matches", pod: pt.MakePod("p").NodeSelector("zone", "a", "disk", "ssd").Obj()},
		{name: "nodeSelector does not match", pod: pt.MakePod("p").NodeSelector("zone", "a", "disk", "hdd").Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "nodeSelector on a missing label", pod: pt.MakePod("p").NodeSelector("gpu", "true").Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "In", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("zone", in, "b", "a"))).Obj()},
		{name: "In, no value matches", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("zone", in, "b", "c"))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "NotIn", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("zone", notIn, "b"))).Obj()},
		{name: "NotIn the node's value", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("zone", notIn, "a"))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "NotIn a missing label", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("gpu", notIn, "true"))).Obj()},
		{name: "Exists", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("disk", exists))).Obj()},
		{name: "Exists, missing", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("gpu", exists))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "DoesNotExist", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("gpu", dne))).Obj()},
		{name: "DoesNotExist, present", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("disk", dne))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "Gt", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("cores", gt, "4"))).Obj()},
		{name: "Gt, not greater", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("cores", gt, "8"))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "Lt", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("cores", lt, "16"))).Obj()},
		{name: "Lt, not less", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("cores", lt, "8"))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "Gt on a non-number matches nothing", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("zone", gt, "1"))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "expressions of a term are ANDed", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("zone", in, "a"), pt.Expr("disk", in, "hdd"))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "terms are ORed", pod: pt.MakePod("p").Required(pt.Term(pt.Expr("zone", in, "b")), pt.Term(pt.Expr("disk", in, "ssd"))).Obj()},
		{name: "an empty term matches nothing", pod: pt.MakePod("p").Required(corev1.NodeSelectorTerm{}).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "no terms match nothing", pod: pt.MakePod("p").Required().Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "matchFields metadata.name", pod: pt.MakePod("p").Required(fields(in, "n1")).Obj()},
		{name: "matchFields In takes one name, as in Kubernetes", pod: pt.MakePod("p").Required(fields(in, "n0", "n1")).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "matchFields another node", pod: pt.MakePod("p").Required(fields(in, "n2")).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "matchFields NotIn", pod: pt.MakePod("p").Required(fields(notIn, "n1")).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "nodeSelector and affinity both hold", pod: pt.MakePod("p").NodeSelector("zone", "a").Required(pt.Term(pt.Expr("disk", in, "ssd"))).Obj()},
		{name: "affinity holds, nodeSelector does not", pod: pt.MakePod("p").NodeSelector("zone", "b").Required(pt.Term(pt.Expr("disk", in, "ssd"))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
		{name: "nodeSelector holds, affinity does not", pod: pt.MakePod("p").NodeSelector("zone", "a").Required(pt.Term(pt.Expr("disk", in, "hdd"))).Obj(),
			code: framework.UnschedulableAndUnresolvable, reasons: mismatch},
	}
	pl := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ni := framework.NewNodeInfo(node)
			state := framework.NewCycleState()
			st := pl.PreFilter(context.Background(), state, tt.pod, framework.NewSnapshot([]*framework.NodeInfo{ni}))
			if got := framework.CodeOf(st) == framework.Skip; got != tt.skip {
				t.Fatalf("PreFilter = %v, want skip %v", st, tt.skip)
			}
			for _, state := range []*framework.CycleState{state, framework.NewCycleState()} { // with and without PreFilter
				st = pl.Filter(context.Background(), state, tt.pod, ni)
				pt.ExpectStatus(t, st, tt.code, tt.reasons)
			}
		})
	}
}

func TestScore(t *testing.T) {
	nodes := []*framework.NodeInfo{
		framework.NewNodeInfo(pt.MakeNode("zone-a").Label("zone", "a").Obj()),
		framework.NewNodeInfo(pt.MakeNode("ssd").Label("disk", "ssd").Obj()),
		framework.NewNodeInfo(pt.MakeNode("both").Label("zone", "a").Label("disk", "ssd").Obj()),
		framework.NewNodeInfo(pt.MakeNode("neither").Obj()),
	}
	zoneA := pt.Term(pt.Expr("zone", corev1.NodeSelectorOpIn, "a"))
	ssd := pt.Term(pt.Expr("disk", corev1.NodeSelectorOpIn, "ssd"))
	tests := []struct {
		name      string
		pod       *corev1.Pod
		raw, want []int64 // nil: PreScore skips
	}{
		{name: "no preferences", pod: pt.MakePod("p").Obj()},
		{name: "required only", pod: pt.MakePod("p").Required(zoneA).Obj()},
		// Sums 2, 5, 7, 0; normalized *100/7.
		{name: "weights summed and normalized", pod: pt.MakePod("p").Preferred(2, zoneA).Preferred(5, ssd).Obj(),
			raw: []int64{2, 5, 7, 0}, want: []int64{28, 71, 100, 0}},
		{name: "one preference", pod: pt.MakePod("p").Preferred(100, ssd).Obj(),
			raw: []int64{0, 100, 100, 0}, want: []int64{0, 100, 100, 0}},
		{name: "a zero weight counts nothing", pod: pt.MakePod("p").Preferred(0, zoneA).Preferred(3, ssd).Obj(),
			raw: []int64{0, 3, 3, 0}, want: []int64{0, 100, 100, 0}},
		{name: "no node matches", pod: pt.MakePod("p").Preferred(10, pt.Term(pt.Expr("gpu", corev1.NodeSelectorOpExists))).Obj(),
			raw: []int64{0, 0, 0, 0}, want: []int64{0, 0, 0, 0}},
		{name: "matchFields", pod: pt.MakePod("p").Preferred(4, corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"neither"}}}}).Obj(),
			raw: []int64{0, 0, 0, 4}, want: []int64{0, 0, 0, 100}},
	}
	pl := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt.ExpectScores(t, pl, tt.pod, nodes, tt.raw, tt.want)
		})
	}
}
