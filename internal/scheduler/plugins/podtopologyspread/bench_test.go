package podtopologyspread

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// benchCluster is 5000 nodes in 10 zones with 30000 pods of 100 apps,
// each app one ReplicaSet, placed at random.
func benchCluster() *framework.Snapshot {
	const numNodes, numPods, numApps = 5000, 30000, 100
	r := rand.New(rand.NewPCG(1, 2))
	nodes := make([]*framework.NodeInfo, numNodes)
	for i := range nodes {
		nodes[i] = framework.NewNodeInfo(pt.MakeNode(fmt.Sprintf("node-%d", i)).Label(zone, fmt.Sprintf("zone-%d", i%10)).Obj())
	}
	for i := range numPods {
		app := fmt.Sprintf("app-%d", r.IntN(numApps))
		p := pt.MakePod(fmt.Sprintf("pod-%d", i)).Label("app", app).Owner("rs-" + app).Obj()
		nodes[r.IntN(numNodes)].AddPod(p)
	}
	return framework.NewSnapshot(nodes)
}

// BenchmarkPreFilterFilter is one cycle's filtering for a pod with
// hostname and zone DoNotSchedule constraints: PreFilter, then Filter on
// every node.
func BenchmarkPreFilterFilter(b *testing.B) {
	snap := benchCluster()
	pod := pt.MakePod("incoming").Label("app", "app-0").
		SpreadConstraints(hard(1, hostname, "app", "app-0"), hard(1, zone, "app", "app-0")).Obj()
	pl, ctx := pt.MustNew(b, New, Args{}), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		state := framework.NewCycleState()
		if st := pl.PreFilter(ctx, state, pod, snap); !st.IsSuccess() {
			b.Fatal(st)
		}
		for _, n := range snap.Nodes {
			if st := pl.Filter(ctx, state, pod, n); framework.CodeOf(st) == framework.Error {
				b.Fatal(st)
			}
		}
	}
}

// BenchmarkPreScoreScore is one cycle's scoring under the system defaults
// for a pod of app-0's ReplicaSet: PreFilter (which skips), then PreScore,
// Score and NormalizeScore on 500 feasible nodes, the number a 5000-node
// cluster looks for.
func BenchmarkPreScoreScore(b *testing.B) {
	snap := benchCluster()
	feasible := snap.Nodes[:500]
	pod := pt.MakePod("incoming").Label("app", "app-0").Owner("rs-app-0").Obj()
	pl, ctx := pt.MustNew(b, New, Args{}), context.Background()
	scores := make([]int64, len(feasible))
	b.ReportAllocs()
	for b.Loop() {
		state := framework.NewCycleState()
		if st := pl.PreFilter(ctx, state, pod, snap); framework.CodeOf(st) != framework.Skip {
			b.Fatal(st)
		}
		if st := pl.PreScore(ctx, state, pod, feasible); !st.IsSuccess() {
			b.Fatal(st)
		}
		for i, n := range feasible {
			var st *framework.Status
			if scores[i], st = pl.Score(ctx, state, pod, n); !st.IsSuccess() {
				b.Fatal(st)
			}
		}
		if st := pl.NormalizeScore(ctx, state, pod, scores); !st.IsSuccess() {
			b.Fatal(st)
		}
	}
}
