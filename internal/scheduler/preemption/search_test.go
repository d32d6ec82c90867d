package preemption

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderesources"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// blockers is a hand-written plugin whose Filter depends on what its
// PreFilter saw in the whole snapshot, like inter-pod anti-affinity: a
// node holding a pod labelled role=blocker is Unschedulable. It checks
// that the snapshot's index and node list agree.
type blockers struct{}

const blockersKey = "blockers"

func (blockers) Name() string { return "Blockers" }

func (blockers) PreFilter(_ context.Context, state *framework.CycleState, _ *corev1.Pod, snap *framework.Snapshot) *framework.Status {
	held := map[string]bool{}
	for _, n := range snap.Nodes {
		got := snap.Get(n.Name())
		if got != n {
			return framework.AsStatus(fmt.Errorf("snapshot index of %s is not its node", n.Name()))
		}
		for _, p := range got.Pods {
			if p.Labels["role"] == "blocker" {
				held[n.Name()] = true
			}
		}
	}
	state.Write(blockersKey, held)
	return nil
}

func (blockers) Filter(_ context.Context, state *framework.CycleState, _ *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	v, _ := state.Read(blockersKey)
	if v.(map[string]bool)[node.Name()] {
		return framework.NewStatus(framework.Unschedulable, "node(s) hold a blocker")
	}
	return nil
}

// blocker is a pod labelled role=blocker, of priority prio.
func blocker(name string, prio int32) *corev1.Pod {
	return withPrio(prio, pt.MakePod(name).Req("cpu", "100m").Label("role", "blocker"))
}

// PreFilter plugins see the node being evaluated with its victims gone
// (and the rest of the cluster as it is), both in the node list and the
// index, and again as each victim is reprieved.
func TestPreemptPreFilterSeesWhatIf(t *testing.T) {
	prof := profile(t, blockers{})
	nodes := []*framework.NodeInfo{
		node("n1").NodeInfo(blocker("b1", 1), pod("filler", 2, "100m")),
		node("n2").NodeInfo(blocker("b2", 100)),
	}
	snap := framework.NewSnapshot(nodes)
	p := pod("p", 10, "1")
	fitErr := fitErrOf(t, prof, p, snap)
	res, err := (&Evaluator{Profile: prof}).Preempt(context.Background(), p, snap, fitErr)
	if err != nil {
		t.Fatalf("Preempt: %v", err)
	}
	if res.NodeName != "n1" || !slices.Equal(names(res.Victims), []string{"b1"}) {
		t.Errorf("Preempt = %s %v, want n1 [b1]", res.NodeName, names(res.Victims))
	}
}

// failing is a Filter plugin that fails on one node.
type failing struct{ node string }

func (failing) Name() string { return "Failing" }

func (f failing) Filter(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, n *framework.NodeInfo) *framework.Status {
	if n.Name() == f.node {
		return framework.AsStatus(errors.New("disk on fire"))
	}
	return nil
}

// A plugin's internal error, or the context's end, is an error with
// context, not an UnhelpfulError.
func TestPreemptErrors(t *testing.T) {
	nodes := []*framework.NodeInfo{node("n1").NodeInfo(pod("a", 1, "2"))}
	p := pod("p", 10, "1")
	unschedulable := &scheduler.FitError{NumAllNodes: 1, NodeStatus: map[string]*framework.Status{
		"n1": framework.NewStatus(framework.Unschedulable, noderesources.ReasonInsufficientCPU),
	}}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		ev      *Evaluator
		snap    *framework.Snapshot
		fitErr  *scheduler.FitError
		wantErr string
		is      error
	}{
		{name: "filter error", ctx: context.Background(), ev: &Evaluator{Profile: profile(t, failing{node: "n1"})},
			snap: framework.NewSnapshot(nodes), fitErr: unschedulable,
			wantErr: "preemption on node n1: filter Failing: disk on fire"},
		{name: "context ended", ctx: canceled, ev: &Evaluator{Profile: profile(t)},
			snap: framework.NewSnapshot(nodes), fitErr: unschedulable,
			wantErr: "preemption: context canceled", is: context.Canceled},
		{name: "bad args", ctx: context.Background(), ev: &Evaluator{Profile: profile(t), Args: Args{MinCandidateNodesPercentage: 101}},
			snap: framework.NewSnapshot(nodes), fitErr: unschedulable,
			wantErr: "preemption args: minCandidateNodesPercentage: invalid value 101: must be between 0 and 100"},
		{name: "no fit error", ctx: context.Background(), ev: &Evaluator{Profile: profile(t)},
			snap:    framework.NewSnapshot(nodes),
			wantErr: "preemption: needs a profile, a snapshot and a fit error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.ev.Preempt(tt.ctx, p, tt.snap, tt.fitErr)
			var un *UnhelpfulError
			if err == nil || errors.As(err, &un) || res != nil {
				t.Fatalf("Preempt = %+v, %v; want a plain error", res, err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error = %q, want %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
		})
	}
}

// counting wraps the Fit filter and records which nodes it saw.
type counting struct {
	framework.FilterPlugin
	seen map[string]bool
}

func (c *counting) Filter(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, n *framework.NodeInfo) *framework.Status {
	c.seen[n.Name()] = true
	return c.FilterPlugin.Filter(ctx, state, pod, n)
}

// cluster is n full nodes; on each, a pod of priority 0 holds the cpu
// alone (so every node is a candidate for a 1-cpu pod of priority 10) or,
// with blocked, shares it with one of priority 10 that leaves too little
// (so none is).
func cluster(n int, blocked bool) []*framework.NodeInfo {
	nodes := make([]*framework.NodeInfo, n)
	for i := range nodes {
		name := fmt.Sprintf("n%04d", i)
		if blocked {
			nodes[i] = node(name).NodeInfo(pod(name+"-low", 0, "500m"), pod(name+"-same", 10, "1500m"))
		} else {
			nodes[i] = node(name).NodeInfo(pod(name+"-low", 0, "2"))
		}
	}
	return nodes
}

// countingProfile is the profile with its Fit filter counting nodes.
func countingProfile(t testing.TB) (*scheduler.Profile, *counting) {
	prof := profile(t)
	c := &counting{seen: map[string]bool{}}
	for i, f := range prof.Filters {
		if f.Name() == noderesources.Name {
			c.FilterPlugin = f
			prof.Filters[i] = c
		}
	}
	return prof, c
}

// The search stops once it has found max(10%, 100) candidates, or as
// many as args say; without candidates it looks at every potential node.
func TestPreemptSearchBound(t *testing.T) {
	tests := []struct {
		name     string
		nodes    int
		blocked  bool
		args     Args
		rand     *rand.Rand
		examined int
		wantErr  string
	}{
		{name: "small cluster: every node", nodes: 30, examined: 30},
		{name: "100 at least", nodes: 500, examined: 100},
		{name: "10% of 5000", nodes: 5000, examined: 500},
		{name: "from a random start, still 10% of 5000", nodes: 5000, rand: rand.New(rand.NewPCG(1, 2)), examined: 500},
		{name: "configured", nodes: 50, args: Args{MinCandidateNodesAbsolute: 3}, examined: 3},
		{name: "configured percentage", nodes: 50, args: Args{MinCandidateNodesPercentage: 20}, examined: 10},
		{name: "no candidate among 5000: all examined", nodes: 5000, blocked: true, examined: 5000,
			wantErr: "preemption: 0/5000 nodes are available: 5000 Insufficient cpu."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prof, c := countingProfile(t)
			snap := framework.NewSnapshot(cluster(tt.nodes, tt.blocked))
			p := pod("p", 10, "1")
			fitErr := fitErrOf(t, prof, p, snap)
			clear(c.seen)
			ev := &Evaluator{Profile: prof, Args: tt.args, Rand: tt.rand}
			res, err := ev.Preempt(context.Background(), p, snap, fitErr)
			if len(c.seen) != tt.examined {
				t.Errorf("examined %d nodes, want %d", len(c.seen), tt.examined)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("Preempt = %v, %v; want %s", res != nil, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Preempt: %v", err)
			}
			// Every candidate is equal but for its name: the first by name
			// among those examined wins.
			first := ""
			for name := range c.seen {
				if first == "" || name < first {
					first = name
				}
			}
			if res.NodeName != first || len(res.Victims) != 1 || !strings.HasPrefix(res.Victims[0].Name, first) {
				t.Errorf("Preempt = %s %v, want %s and its low pod", res.NodeName, names(res.Victims), first)
			}
		})
	}
}

func BenchmarkPreempt5000Nodes(b *testing.B) {
	for _, blocked := range []bool{false, true} {
		b.Run(fmt.Sprintf("blocked=%v", blocked), func(b *testing.B) {
			prof := profile(b)
			snap := framework.NewSnapshot(cluster(5000, blocked))
			p := pod("p", 10, "1")
			fitErr := fitErrOf(b, prof, p, snap)
			ev := &Evaluator{Profile: prof}
			for b.Loop() {
				_, _ = ev.Preempt(context.Background(), p, snap, fitErr)
			}
		})
	}
}
