package podtopologyspread

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// Local builders for what plugintest does not offer: pod labels, owner
// references and spread constraints.

const (
	hostname = corev1.LabelHostname
	zone     = corev1.LabelTopologyZone
)

var podSeq int

// pods returns n pods in namespace default with the label pairs, each
// named uniquely.
func pods(n int, pairs ...string) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		podSeq++
		out[i] = labeled(pt.MakePod(fmt.Sprintf("existing-%d", podSeq)).Obj(), pairs...)
	}
	return out
}

// labeled sets the pod's labels from key, value pairs.
func labeled(p *corev1.Pod, pairs ...string) *corev1.Pod {
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		p.Labels[pairs[i]] = pairs[i+1]
	}
	return p
}

// spread sets the pod's topology spread constraints.
func spread(p *corev1.Pod, cs ...corev1.TopologySpreadConstraint) *corev1.Pod {
	p.Spec.TopologySpreadConstraints = cs
	return p
}

// ownedBy gives every pod a controller owner reference to a ReplicaSet
// with uid.
func ownedBy(uid string, ps ...*corev1.Pod) []*corev1.Pod {
	for _, p := range ps {
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: uid,
			UID: types.UID(uid), Controller: ptr.To(true)}}
	}
	return ps
}

// in moves pods to namespace ns.
func in(ns string, ps ...*corev1.Pod) []*corev1.Pod {
	for _, p := range ps {
		p.Namespace = ns
	}
	return ps
}

// terminating marks pods as being deleted.
func terminating(ps ...*corev1.Pod) []*corev1.Pod {
	for _, p := range ps {
		p.DeletionTimestamp = &metav1.Time{}
	}
	return ps
}

// tsc is a spread constraint selecting the matchLabels pairs (no
// selector when there are none).
func tsc(maxSkew int32, key string, when corev1.UnsatisfiableConstraintAction, matchLabels ...string) corev1.TopologySpreadConstraint {
	c := corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when}
	if len(matchLabels) > 0 {
		c.LabelSelector = &metav1.LabelSelector{MatchLabels: map[string]string{}}
		for i := 0; i+1 < len(matchLabels); i += 2 {
			c.LabelSelector.MatchLabels[matchLabels[i]] = matchLabels[i+1]
		}
	}
	return c
}

func hard(maxSkew int32, key string, matchLabels ...string) corev1.TopologySpreadConstraint {
	return tsc(maxSkew, key, corev1.DoNotSchedule, matchLabels...)
}

func soft(maxSkew int32, key string, matchLabels ...string) corev1.TopologySpreadConstraint {
	return tsc(maxSkew, key, corev1.ScheduleAnyway, matchLabels...)
}

// with modifies a constraint in place and returns it.
func with(c corev1.TopologySpreadConstraint, f func(*corev1.TopologySpreadConstraint)) corev1.TopologySpreadConstraint {
	f(&c)
	return c
}

// node is a node in a zone ("" for none) with pods.
func node(name, z string, ps ...[]*corev1.Pod) *framework.NodeInfo {
	w := pt.MakeNode(name)
	if z != "" {
		w.Label(zone, z)
	}
	return framework.NewNodeInfo(w.Obj(), slices.Concat(ps...)...)
}

// labeledNode adds label pairs to a node info's node.
func labeledNode(n *framework.NodeInfo, pairs ...string) *framework.NodeInfo {
	for i := 0; i+1 < len(pairs); i += 2 {
		n.Node.Labels[pairs[i]] = pairs[i+1]
	}
	return n
}

// tainted adds a taint to a node info's node.
func tainted(n *framework.NodeInfo, key, value string, effect corev1.TaintEffect) *framework.NodeInfo {
	n.Node.Spec.Taints = append(n.Node.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	return n
}

func mustNew(t testing.TB, args Args) *PodTopologySpread {
	t.Helper()
	pl, err := New(args)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}
