package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// rejectNodes is a test filter: it rejects the named nodes with a reason
// and code.
type rejectNodes struct {
	name   string
	nodes  map[string]bool
	code   framework.Code
	reason string
	calls  int
}

func (r *rejectNodes) Name() string { return r.name }
func (r *rejectNodes) Filter(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, n *framework.NodeInfo) *framework.Status {
	r.calls++
	if r.nodes[n.Name()] {
		return framework.NewStatus(r.code, r.reason)
	}
	return nil
}

// fixedScore is a test score: a fixed raw score per node.
type fixedScore struct {
	name   string
	scores map[string]int64
}

func (f *fixedScore) Name() string { return f.name }
func (f *fixedScore) Score(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	return f.scores[n.Name()], nil
}

// denyAll is a test PreFilter that turns every pod down.
type denyAll struct{}

func (denyAll) Name() string { return "DenyAll" }
func (denyAll) PreFilter(context.Context, *framework.CycleState, *corev1.Pod, *framework.Snapshot) *framework.Status {
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, `no node offers runtime "docker"`)
}

func snapshot(names ...string) *framework.Snapshot {
	var nodes []*framework.NodeInfo
	for _, n := range names {
		nodes = append(nodes, framework.NewNodeInfo(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}}))
	}
	return framework.NewSnapshot(nodes)
}

var pod = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}

func TestScheduleSummarizesWhyNoNodeFits(t *testing.T) {
	cpu := &rejectNodes{name: "Fit", nodes: map[string]bool{"a": true, "b": true}, code: framework.Unschedulable, reason: "Insufficient cpu"}
	taint := &rejectNodes{name: "TaintToleration", nodes: map[string]bool{"c": true}, code: framework.UnschedulableAndUnresolvable, reason: "node(s) had untolerated taint {dedicated: gpu}"}
	alg := &Algorithm{Profile: &Profile{Filters: []framework.FilterPlugin{cpu, taint}}}
	_, err := alg.Schedule(context.Background(), pod, snapshot("a", "b", "c"))
	var fe *FitError
	if !errors.As(err, &fe) {
		t.Fatalf("Schedule = %v, want a FitError", err)
	}
	want := "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}."
	if fe.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", fe.Error(), want)
	}
	if fe.NodeStatus["a"].Plugin != "Fit" || fe.NodeStatus["c"].Plugin != "TaintToleration" {
		t.Errorf("statuses should name their plugin: %+v", fe.NodeStatus)
	}
	if fe.NodeStatus["a"].Code != framework.Unschedulable || fe.NodeStatus["c"].Code != framework.UnschedulableAndUnresolvable {
		t.Errorf("short of cpu is resolvable by preemption, a taint is not: %+v", fe.NodeStatus)
	}
}

func TestSchedulePreFilterRejection(t *testing.T) {
	alg := &Algorithm{Profile: &Profile{PreFilters: []framework.PreFilterPlugin{denyAll{}}}}
	_, err := alg.Schedule(context.Background(), pod, snapshot("a", "b"))
	if err == nil || err.Error() != `0/2 nodes are available: no node offers runtime "docker".` {
		t.Errorf("Schedule = %v", err)
	}
	if _, err := alg.Schedule(context.Background(), pod, snapshot()); err == nil || err.Error() != "no nodes available to schedule pods" {
		t.Errorf("no nodes: %v", err)
	}
}

func TestScheduleHighestWeightedScore(t *testing.T) {
	spread := &fixedScore{name: "Spread", scores: map[string]int64{"a": 10, "b": 50, "c": 90}}
	pack := &fixedScore{name: "Pack", scores: map[string]int64{"a": 100, "b": 60, "c": 0}}
	cpu := &rejectNodes{name: "Fit", nodes: map[string]bool{"c": true}, code: framework.Unschedulable, reason: "Insufficient cpu"}
	alg := &Algorithm{Profile: &Profile{
		Filters: []framework.FilterPlugin{cpu},
		Scores:  []WeightedScore{{spread, 1}, {pack, 1}},
	}}
	// c would score highest but does not fit; a (10+100) and b (50+60)
	// tie.
	seen := map[string]bool{}
	alg.Rand = rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50; i++ {
		res, err := alg.Schedule(context.Background(), pod, snapshot("a", "b", "c"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Node == "c" {
			t.Fatal("chose a node that failed the filters")
		}
		seen[res.Node] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Errorf("ties should be broken at random, chose only %v", seen)
	}
	// Weight decides: spread counts three times.
	alg.Profile.Scores = []WeightedScore{{spread, 3}, {pack, 1}}
	if res, _ := alg.Schedule(context.Background(), pod, snapshot("a", "b", "c")); res.Node != "b" {
		t.Errorf("with spread weighted 3: chose %s, want b (210 against 130)", res.Node)
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	tests := []struct {
		pct   int32
		nodes int
		want  int
	}{
		{0, 50, 50},       // small clusters: every node
		{0, 1000, 420},    // adaptive: 50 - 1000/125 = 42%
		{0, 5000, 500},    // adaptive: 50 - 40 = 10%
		{0, 10000, 500},   // adaptive floor 5%
		{100, 5000, 5000}, // every node
		{1, 5000, 100},    // at least 100
	}
	for _, tc := range tests {
		p := &Profile{PercentageOfNodesToScore: tc.pct}
		if got := p.numFeasibleNodesToFind(tc.nodes); got != tc.want {
			t.Errorf("pct %d, %d nodes: %d, want %d", tc.pct, tc.nodes, got, tc.want)
		}
	}
}

// TestScheduleRotatesItsStart: on a large cluster each cycle filters only
// as many nodes as it needs, starting where the previous one stopped.
func TestScheduleRotatesItsStart(t *testing.T) {
	var names []string
	for i := 0; i < 1000; i++ {
		names = append(names, fmt.Sprintf("n%04d", i))
	}
	snap := snapshot(names...)
	counter := &rejectNodes{name: "Count"}
	alg := &Algorithm{Profile: &Profile{Filters: []framework.FilterPlugin{counter}}}
	res, err := alg.Schedule(context.Background(), pod, snap)
	if err != nil || res.Evaluated != 420 || res.Feasible != 420 {
		t.Fatalf("first cycle: %+v %v", res, err)
	}
	if alg.nextStart != 420 {
		t.Errorf("next cycle starts at %d, want 420", alg.nextStart)
	}
	if _, err := alg.Schedule(context.Background(), pod, snap); err != nil || alg.nextStart != 840 {
		t.Errorf("second cycle: next start %d, %v", alg.nextStart, err)
	}
}
