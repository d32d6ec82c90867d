package cache

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

func bound(p *corev1.Pod, node string) *corev1.Pod {
	p.Spec.NodeName = node
	return p
}

func requestedCPU(t *testing.T, snap *Snapshot, node string) int64 {
	t.Helper()
	n := snap.Get(node)
	if n == nil {
		t.Fatalf("node %s not in the snapshot", node)
	}
	return n.Requested.MilliCPU
}

func TestAssumeConfirmForget(t *testing.T) {
	c := New()
	c.AddNode(pt.MakeNode("n1").Capacity("cpu", "4", "memory", "8Gi", "pods", "110").Obj())
	c.AddNode(pt.MakeNode("n2").Capacity("cpu", "4", "memory", "8Gi", "pods", "110").Obj())
	snap := NewSnapshot()
	c.UpdateSnapshot(snap)
	if len(snap.Nodes) != 2 || snap.Nodes[0].Name() != "n1" {
		t.Fatalf("snapshot nodes %v", snap.Nodes)
	}
	first := snap.Get("n2")

	web := pt.MakePod("web").Req("cpu", "1").Obj()
	if err := c.Assume(web, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Assume(web, "n2"); err == nil {
		t.Error("assuming a pod twice succeeded")
	}
	c.UpdateSnapshot(snap)
	if got := requestedCPU(t, snap, "n1"); got != 1000 {
		t.Errorf("n1 requested %dm after assuming web, want 1000m", got)
	}
	if snap.Get("n2") != first {
		t.Error("an unchanged node was copied again")
	}
	if web.Spec.NodeName != "" {
		t.Error("Assume changed the caller's pod")
	}

	// The informer confirms the binding: still counted once.
	c.AddPod(bound(web.DeepCopy(), "n1"))
	c.Forget(web) // a late Forget must not drop a confirmed pod
	c.UpdateSnapshot(snap)
	if got := requestedCPU(t, snap, "n1"); got != 1000 {
		t.Errorf("n1 requested %dm after confirming web, want 1000m", got)
	}

	// A failed binding: the assumed pod goes.
	db := pt.MakePod("db").Req("cpu", "2").Obj()
	if err := c.Assume(db, "n2"); err != nil {
		t.Fatal(err)
	}
	c.Forget(db)
	c.UpdateSnapshot(snap)
	if got := requestedCPU(t, snap, "n2"); got != 0 || c.Has(db.UID) {
		t.Errorf("n2 requested %dm after forgetting db, want 0", got)
	}

	// A pod that finishes frees its node.
	done := bound(web.DeepCopy(), "n1")
	done.Status.Phase = corev1.PodSucceeded
	c.AddPod(done)
	c.UpdateSnapshot(snap)
	if got := requestedCPU(t, snap, "n1"); got != 0 {
		t.Errorf("n1 requested %dm after web succeeded, want 0", got)
	}
}

func TestNodesComeAndGo(t *testing.T) {
	c := New()
	snap := NewSnapshot()
	// A pod may arrive before its node; the node shows once it exists.
	c.AddPod(bound(pt.MakePod("early").Req("cpu", "1").Obj(), "late"))
	c.UpdateSnapshot(snap)
	if len(snap.Nodes) != 0 {
		t.Fatalf("a node without a Node object is in the snapshot")
	}
	c.AddNode(pt.MakeNode("late").Capacity("cpu", "2").Obj())
	c.AddNode(pt.MakeNode("other").Capacity("cpu", "2").Obj())
	c.UpdateSnapshot(snap)
	if got := requestedCPU(t, snap, "late"); got != 1000 || len(snap.Nodes) != 2 {
		t.Errorf("late requested %dm with %d nodes; want 1000m of 2 nodes", got, len(snap.Nodes))
	}
	c.RemoveNode("other")
	c.UpdateSnapshot(snap)
	if len(snap.Nodes) != 1 || snap.Get("other") != nil {
		t.Errorf("removed node still in the snapshot: %d nodes", len(snap.Nodes))
	}
	if !c.Has("early") {
		t.Error("the pod on the remaining node is gone from the cache")
	}
}

// The worked example of Dominant Resource Fairness: 9 CPU and 18 GiB; A's
// pods ask 1 CPU and 4 GiB, B's 3 CPU and 1 GiB.
func TestShares(t *testing.T) {
	c := New()
	c.AddNode(pt.MakeNode("n1").Capacity("cpu", "9", "memory", "18Gi").Obj())
	for i, name := range []string{"a1", "a2", "a3"} {
		p := pt.MakePod(name).Req("cpu", "1", "memory", "4Gi").Obj()
		p.Namespace = "a"
		if i == 0 {
			if err := c.Assume(p, "n1"); err != nil {
				t.Fatal(err)
			}
			continue
		}
		c.AddPod(bound(p, "n1"))
	}
	for _, name := range []string{"b1", "b2"} {
		p := pt.MakePod(name).Req("cpu", "3", "memory", "1Gi").Obj()
		p.Namespace = "b"
		c.AddPod(bound(p, "n1"))
	}
	if a, b := c.Share("a"), c.Share("b"); a != 12.0/18 || b != 6.0/9 {
		t.Errorf("shares a %v b %v, want 2/3 each", a, b)
	}
	c.SetNamespaceWeight("a", 2)
	if a := c.Share("a"); a != 12.0/18/2 {
		t.Errorf("a's share with weight 2 = %v, want 1/3", a)
	}
}
