package interpodaffinity

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// result is what Filter says of one node.
type result struct {
	code   framework.Code
	reason string
}

// The reasons and codes, spelled out rather than taken from the
// constants, so the test pins Kubernetes' words.
var (
	fits          = result{}
	noAffinity    = result{framework.UnschedulableAndUnresolvable, "node(s) didn't match pod affinity rules"}
	antiAffinity  = result{framework.Unschedulable, "node(s) didn't match pod anti-affinity rules"}
	existingAnti  = result{framework.Unschedulable, "node(s) didn't satisfy existing pods anti-affinity rules"}
	allNoAffinity = map[string]result{"n1": noAffinity, "n2": noAffinity, "n3": noAffinity, "n4": noAffinity}
)

func TestFilter(t *testing.T) {
	web := func(name string) *corev1.Pod { return pt.MakePod(name).Label("app", "web").Obj() }
	tests := []struct {
		name   string
		placed map[string][]*corev1.Pod
		pod    *corev1.Pod
		skip   bool // PreFilter skips: Filter would reject no node
		// want is each rejected node's result; nodes not named fit.
		want map[string]result
	}{
		{name: "no terms, no pods with anti-affinity: skip", pod: pt.MakePod("p").Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}}, skip: true},
		{name: "preferred terms only: skip", pod: pt.MakePod("p").PreferredPodAntiAffinity(10, pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}}, skip: true},
		{name: "anti-affinity that no pod matches: skip", pod: pt.MakePod("p").PodAntiAffinity(pt.PodTerm(hostname, "app", "db")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}}, skip: true},
		{name: "existing anti-affinity that does not match the pod: skip", pod: pt.MakePod("p").Label("app", "api").Obj(),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("db").Label("app", "db").PodAntiAffinity(pt.PodTerm(hostname, "app", "web")).Obj()}}, skip: true},

		// Required affinity.
		{name: "hostname affinity: only n1 holds a web pod",
			pod:    pt.MakePod("p").PodAffinity(pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			want:   map[string]result{"n2": noAffinity, "n3": noAffinity, "n4": noAffinity}},
		{name: "zone affinity: zone a holds a web pod, n3 is in zone b, n4 has no zone",
			pod:    pt.MakePod("p").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			want:   map[string]result{"n3": noAffinity, "n4": noAffinity}},
		{name: "zone affinity: no web pod anywhere and the pod is not one",
			pod:    pt.MakePod("p").Label("app", "api").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("a").Label("app", "api").Obj()}},
			want:   allNoAffinity},
		{name: "first pod of a group: it matches its own term, but n4 lacks the zone key",
			pod:    pt.MakePod("p").Label("app", "web").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("a").Label("app", "api").Obj()}},
			want:   map[string]result{"n4": noAffinity}},
		{name: "first pod of a group, hostname: every node has the key",
			pod:  pt.MakePod("p").Label("app", "web").PodAffinity(pt.PodTerm(hostname, "app", "web")).Obj(),
			want: nil},
		{name: "not the first of its group: web pods exist, so only their zone",
			pod:    pt.MakePod("p").Label("app", "web").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n3": {web("w1")}},
			want:   map[string]result{"n1": noAffinity, "n2": noAffinity, "n4": noAffinity}},
		{name: "a web pod on a node without the zone key is in no zone: the first-pod rule applies",
			pod:    pt.MakePod("p").Label("app", "web").PodAffinity(pt.PodTerm(zone, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n4": {web("w1")}},
			want:   map[string]result{"n4": noAffinity}},
		{name: "two terms: a pod counts only if it matches both; n1's does, so zone a and host n1",
			pod: pt.MakePod("p").PodAffinity(pt.PodTerm(zone, "app", "web"), pt.PodTerm(hostname, "tier", "fe")).Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("w1").Label("app", "web").Label("tier", "fe").Obj()},
				"n2": {web("w2")},
				"n3": {pt.MakePod("f").Label("tier", "fe").Obj()},
			},
			want: map[string]result{"n2": noAffinity, "n3": noAffinity, "n4": noAffinity}},
		{name: "two terms, no pod matches both and the pod does not either",
			pod:    pt.MakePod("p").PodAffinity(pt.PodTerm(zone, "app", "web"), pt.PodTerm(hostname, "tier", "fe")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}, "n3": {pt.MakePod("f").Label("tier", "fe").Obj()}},
			want:   allNoAffinity},
		{name: "affinity to pods in another namespace is not met by pods in the pod's",
			pod:    pt.MakePod("p").PodAffinity(withNamespaces(pt.PodTerm(hostname, "app", "web"), "prod")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}, "n2": {pt.MakePod("w2").Label("app", "web").Namespace("prod").Obj()}},
			want:   map[string]result{"n1": noAffinity, "n3": noAffinity, "n4": noAffinity}},
		{name: "a nil labelSelector selects no pod",
			pod:    pt.MakePod("p").Label("app", "web").PodAffinity(corev1.PodAffinityTerm{TopologyKey: hostname}).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			want:   allNoAffinity},

		// Required anti-affinity.
		{name: "hostname anti-affinity: n1 holds a replica",
			pod:    pt.MakePod("p").Label("app", "web").PodAntiAffinity(pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			want:   map[string]result{"n1": antiAffinity}},
		{name: "zone anti-affinity: zone a holds a replica; n4, with no zone, cannot clash",
			pod:    pt.MakePod("p").Label("app", "web").PodAntiAffinity(pt.PodTerm(zone, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n2": {web("w1")}},
			want:   map[string]result{"n1": antiAffinity, "n2": antiAffinity}},
		{name: "anti-affinity terms each count: a db pod on n3 and a web pod in zone a",
			pod:    pt.MakePod("p").PodAntiAffinity(pt.PodTerm(zone, "app", "web"), pt.PodTerm(hostname, "app", "db")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}, "n3": {pt.MakePod("d").Label("app", "db").Obj()}},
			want:   map[string]result{"n1": antiAffinity, "n2": antiAffinity, "n3": antiAffinity}},
		{name: "anti-affinity: pods in other namespaces do not count by default",
			pod:    pt.MakePod("p").PodAntiAffinity(pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("w1").Label("app", "web").Namespace("prod").Obj()}},
			skip:   true},
		{name: "anti-affinity: namespaces lists prod, n1's web pod is in prod",
			pod: pt.MakePod("p").PodAntiAffinity(withNamespaces(pt.PodTerm(hostname, "app", "web"), "prod")).Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("w1").Label("app", "web").Namespace("prod").Obj()},
				"n2": {web("w2")},
			},
			want: map[string]result{"n1": antiAffinity}},
		{name: "anti-affinity: namespaceSelector {} is every namespace",
			pod: pt.MakePod("p").PodAntiAffinity(withNamespaceSelector(pt.PodTerm(hostname, "app", "web"), &metav1.LabelSelector{})).Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("w1").Label("app", "web").Namespace("prod").Obj()},
				"n2": {web("w2")},
			},
			want: map[string]result{"n1": antiAffinity, "n2": antiAffinity}},
		{name: "anti-affinity: namespaceSelector on the namespace's name label",
			pod: pt.MakePod("p").PodAntiAffinity(withNamespaceSelector(pt.PodTerm(hostname, "app", "web"),
				&metav1.LabelSelector{MatchLabels: map[string]string{nsName: "prod"}})).Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("w1").Label("app", "web").Namespace("prod").Obj()},
				"n2": {web("w2")},
			},
			want: map[string]result{"n1": antiAffinity}},
		{name: "anti-affinity: namespaceSelector on another namespace label selects nothing (not supported)",
			pod: pt.MakePod("p").PodAntiAffinity(withNamespaceSelector(pt.PodTerm(hostname, "app", "web"),
				&metav1.LabelSelector{MatchLabels: map[string]string{"team": "shop"}})).Obj(),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("w1").Label("app", "web").Namespace("prod").Obj()}},
			skip:   true},
		{name: "anti-affinity with matchLabelKeys: only n2's web pod has the pod's version",
			pod: pt.MakePod("p").Label("app", "web").Label("version", "v2").PodAntiAffinity(
				withLabelKeys(pt.PodTerm(hostname, "app", "web"), []string{"version"}, nil)).Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("w1").Label("app", "web").Label("version", "v1").Obj()},
				"n2": {pt.MakePod("w2").Label("app", "web").Label("version", "v2").Obj()},
			},
			want: map[string]result{"n2": antiAffinity}},
		{name: "anti-affinity with mismatchLabelKeys: n1 holds another tenant's pod",
			pod: pt.MakePod("p").Label("app", "web").Label("tenant", "a").PodAntiAffinity(
				withLabelKeys(pt.PodTerm(hostname, "app", "web"), nil, []string{"tenant"})).Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("w1").Label("app", "web").Label("tenant", "b").Obj()},
				"n2": {pt.MakePod("w2").Label("app", "web").Label("tenant", "a").Obj()},
				"n3": {pt.MakePod("w3").Label("app", "web").Obj()},
			},
			want: map[string]result{"n1": antiAffinity, "n3": antiAffinity}},

		// Existing pods' required anti-affinity.
		{name: "existing hostname anti-affinity: n3's db pod rejects web pods",
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n3": {pt.MakePod("db").Label("app", "db").PodAntiAffinity(pt.PodTerm(hostname, "app", "web")).Obj()}},
			want:   map[string]result{"n3": existingAnti}},
		{name: "existing zone anti-affinity: n1's db pod closes zone a",
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("db").Label("app", "db").PodAntiAffinity(pt.PodTerm(zone, "app", "web")).Obj()}},
			want:   map[string]result{"n1": existingAnti, "n2": existingAnti}},
		{name: "existing zone anti-affinity on a node without a zone closes nothing",
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n4": {pt.MakePod("db").Label("app", "db").PodAntiAffinity(pt.PodTerm(zone, "app", "web")).Obj()}},
			skip:   true},
		{name: "existing anti-affinity defaults to the existing pod's namespace",
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("db").Label("app", "db").Namespace("prod").PodAntiAffinity(pt.PodTerm(hostname, "app", "web")).Obj()}},
			skip:   true},
		{name: "existing anti-affinity naming the pod's namespace",
			pod: web("p"),
			placed: map[string][]*corev1.Pod{"n1": {pt.MakePod("db").Label("app", "db").Namespace("prod").PodAntiAffinity(
				withNamespaces(pt.PodTerm(hostname, "app", "web"), "default")).Obj()}},
			want: map[string]result{"n1": existingAnti}},
		{name: "existing anti-affinity with matchLabelKeys uses the existing pod's value",
			pod: pt.MakePod("p").Label("app", "web").Label("version", "v1").Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("w1").Label("app", "web").Label("version", "v1").PodAntiAffinity(withLabelKeys(pt.PodTerm(hostname, "app", "web"), []string{"version"}, nil)).Obj()},
				"n2": {pt.MakePod("w2").Label("app", "web").Label("version", "v2").PodAntiAffinity(withLabelKeys(pt.PodTerm(hostname, "app", "web"), []string{"version"}, nil)).Obj()},
			},
			want: map[string]result{"n1": existingAnti}},

		// Several rules at once: the first failed is reported.
		{name: "affinity is checked before anti-affinity, anti-affinity before existing pods'",
			pod: pt.MakePod("p").Label("app", "web").PodAffinity(pt.PodTerm(zone, "app", "cache")).PodAntiAffinity(pt.PodTerm(hostname, "app", "web")).Obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {pt.MakePod("c").Label("app", "cache").Obj(), web("w1")},
				"n2": {pt.MakePod("db").Label("app", "db").PodAntiAffinity(pt.PodTerm(hostname, "app", "web")).Obj()},
				"n3": {web("w3")},
			},
			want: map[string]result{"n1": antiAffinity, "n2": existingAnti, "n3": noAffinity, "n4": noAffinity}},
	}
	pl := pt.MustNew(t, New, DefaultArgs())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := pt.NodeInfos(clusterNodes, tt.placed)
			state := framework.NewCycleState()
			st := pl.PreFilter(context.Background(), state, tt.pod, framework.NewSnapshot(nodes))
			if tt.skip {
				pt.ExpectStatus(t, st, framework.Skip, nil)
				return
			}
			pt.ExpectStatus(t, st, framework.Success, nil)
			for _, n := range nodes {
				t.Run(n.Name(), func(t *testing.T) {
					want := tt.want[n.Name()]
					var reasons []string
					if want != fits {
						reasons = []string{want.reason}
					}
					pt.ExpectStatus(t, pl.Filter(context.Background(), state, tt.pod, n), want.code, reasons)
				})
			}
		})
	}
}

// Replicas with hostname anti-affinity, placed one by one on the first
// node that fits, land on different nodes; the fifth fits nowhere.
func TestReplicasSpread(t *testing.T) {
	pl := pt.MustNew(t, New, DefaultArgs())
	nodes := pt.NodeInfos(clusterNodes, nil)
	snap := framework.NewSnapshot(nodes)
	for i := range len(nodes) + 1 {
		pod := pt.MakePod(fmt.Sprintf("web-%d", i)).Label("app", "web").PodAntiAffinity(pt.PodTerm(hostname, "app", "web")).Obj()
		state := framework.NewCycleState()
		if st := pl.PreFilter(context.Background(), state, pod, snap); framework.CodeOf(st) == framework.Skip {
			// The first replica: nothing to avoid yet.
			nodes[0].AddPod(pod)
			snap.Reindex()
			continue
		} else if !st.IsSuccess() {
			t.Fatalf("replica %d: PreFilter = %v", i, st)
		}
		placed := false
		for _, n := range nodes {
			if pl.Filter(context.Background(), state, pod, n).IsSuccess() {
				n.AddPod(pod)
				snap.Reindex()
				placed = true
				break
			}
		}
		if placed != (i < len(nodes)) {
			t.Fatalf("replica %d placed = %v, want %v", i, placed, i < len(nodes))
		}
	}
	for _, n := range nodes {
		if len(n.Pods) != 1 {
			t.Errorf("node %s holds %d replicas, want 1", n.Name(), len(n.Pods))
		}
	}
}

func TestPreFilterErrors(t *testing.T) {
	bad := corev1.PodAffinityTerm{TopologyKey: hostname, LabelSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near", Values: []string{"web"}}}}}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{name: "bad affinity selector", pod: pt.MakePod("p").PodAffinity(pt.PodTerm(zone, "app", "web"), bad).Obj(),
			want: `InterPodAffinity prefilter: podAffinity.requiredDuringSchedulingIgnoredDuringExecution[1]: labelSelector: "Near" is not a valid label selector operator`},
		{name: "bad anti-affinity namespaceSelector", pod: pt.MakePod("p").PodAntiAffinity(withNamespaceSelector(pt.PodTerm(zone, "app", "web"), bad.LabelSelector)).Obj(),
			want: `InterPodAffinity prefilter: podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]: namespaceSelector: "Near" is not a valid label selector operator`},
	}
	pl := pt.MustNew(t, New, DefaultArgs())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := pl.PreFilter(context.Background(), framework.NewCycleState(), tt.pod, framework.NewSnapshot(pt.NodeInfos(clusterNodes, nil)))
			pt.ExpectStatus(t, st, framework.Error, []string{tt.want})
		})
	}
	// An existing pod's bad term selects nothing instead of failing
	// every cycle.
	nodes := pt.NodeInfos(clusterNodes, map[string][]*corev1.Pod{"n1": {pt.MakePod("db").PodAntiAffinity(bad).Obj()}})
	st := pl.PreFilter(context.Background(), framework.NewCycleState(), pt.MakePod("p").Label("app", "web").Obj(), framework.NewSnapshot(nodes))
	pt.ExpectStatus(t, st, framework.Skip, nil)
}

func TestFilterWithoutPreFilter(t *testing.T) {
	pl := pt.MustNew(t, New, DefaultArgs())
	st := pl.Filter(context.Background(), framework.NewCycleState(), pt.MakePod("p").Obj(), framework.NewNodeInfo(clusterNodes[0]))
	pt.ExpectStatus(t, st, framework.Error, []string{"InterPodAffinity filter: no prefilter state: PreFilter must run first"})
}
