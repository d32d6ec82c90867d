package interpodaffinity

import (
	"context"
	"fmt"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// The benchmark cluster: 5000 nodes in 10 zones and 30000 pods, six a
// node. Every tenth pod is a replica of a service (svc-0 to svc-299, ten
// replicas each, on ten different nodes) with required hostname
// anti-affinity to its service; the others belong to apps without terms.
const (
	benchNodes = 5000
	benchPods  = 30000
	// benchFiltered is how many nodes a cycle filters at 5000 nodes with
	// the default percentageOfNodesToScore (10%).
	benchFiltered = 500
)

var (
	benchOnce sync.Once
	benchSnap *framework.Snapshot
)

func benchSnapshot() *framework.Snapshot {
	benchOnce.Do(func() {
		nodes := make([]*framework.NodeInfo, benchNodes)
		for i := range nodes {
			nodes[i] = framework.NewNodeInfo(pt.MakeNode(fmt.Sprintf("node-%d", i)).Label(zone, fmt.Sprintf("zone-%d", i%10)).Obj())
		}
		for i := range benchPods {
			var p *corev1.Pod
			if i%10 == 0 {
				p = replica(fmt.Sprintf("svc-%d", i/100), i)
			} else {
				p = pt.MakePod(fmt.Sprintf("pod-%d", i)).Label("app", fmt.Sprintf("app-%d", i/10)).Label("tier", "backend").Obj()
			}
			nodes[i%benchNodes].AddPod(p)
		}
		benchSnap = framework.NewSnapshot(nodes)
	})
	return benchSnap
}

// replica is a pod of service svc that must not share a node with
// another of its replicas.
func replica(svc string, i int) *corev1.Pod {
	return pt.MakePod(fmt.Sprintf("%s-%d", svc, i)).Label("app", svc).Label("tier", "frontend").PodAntiAffinity(pt.PodTerm(hostname, "app", svc)).Obj()
}

// BenchmarkFilter measures the filter's share of a cycle: PreFilter (one
// walk of the snapshot) and Filter on each node.
func BenchmarkFilter(b *testing.B) {
	snap := benchSnapshot()
	pl := pt.MustNew(b, New, DefaultArgs())
	ctx := context.Background()
	incoming := map[string]*corev1.Pod{
		// A new replica of svc-7: its own anti-affinity walks every pod,
		// and svc-7's replicas' anti-affinity matches it.
		"replica": replica("svc-7", -1),
		// A pod without terms: only the 3000 pods with anti-affinity are
		// looked at, none matches, and Filter is skipped.
		"plain": pt.MakePod("plain").Label("app", "app-new").Label("tier", "backend").Obj(),
		// A pod that must be in the zone of a cache pod (app-5).
		"zone-affinity": pt.MakePod("za").Label("app", "app-new").PodAffinity(pt.PodTerm(zone, "app", "app-5")).Obj(),
	}
	for _, name := range []string{"replica", "plain", "zone-affinity"} {
		pod := incoming[name]
		b.Run("PreFilter/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pl.PreFilter(ctx, framework.NewCycleState(), pod, snap)
			}
		})
	}
	pod := incoming["replica"]
	state := framework.NewCycleState()
	if st := pl.PreFilter(ctx, state, pod, snap); !st.IsSuccess() {
		b.Fatalf("PreFilter = %v", st)
	}
	b.Run("Filter/replica", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			pl.Filter(ctx, state, pod, snap.Nodes[i%benchNodes])
			i++
		}
	})
	b.Run(fmt.Sprintf("Cycle/replica/%dnodes", benchFiltered), func(b *testing.B) {
		b.ReportAllocs()
		start := 0
		for b.Loop() {
			state := framework.NewCycleState()
			pl.PreFilter(ctx, state, pod, snap)
			for i := range benchFiltered {
				pl.Filter(ctx, state, pod, snap.Nodes[(start+i)%benchNodes])
			}
			start += benchFiltered
		}
	})
}

// BenchmarkScore measures PreScore (one walk of the pods) and Score on
// the nodes a cycle filters.
func BenchmarkScore(b *testing.B) {
	snap := benchSnapshot()
	pl := pt.MustNew(b, New, DefaultArgs())
	ctx := context.Background()
	feasible := snap.Nodes[:benchFiltered]
	for name, pod := range map[string]*corev1.Pod{
		// Preferred terms of its own: every pod is looked at.
		"preferred": pt.MakePod("pref").Label("app", "app-new").PreferredPodAntiAffinity(10, pt.PodTerm(zone, "app", "app-5")).Obj(),
		// No terms: only the pods with affinity terms are.
		"plain": pt.MakePod("plain").Label("app", "app-new").Obj(),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				state := framework.NewCycleState()
				pl.PreFilter(ctx, state, pod, snap)
				if st := pl.PreScore(ctx, state, pod, feasible); framework.CodeOf(st) == framework.Skip {
					continue
				}
				for _, n := range feasible {
					pl.Score(ctx, state, pod, n)
				}
			}
		})
	}
}
