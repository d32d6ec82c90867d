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
	web := func(name string) *corev1.Pod { return mkPod(name, "app", "web").obj() }
	tests := []struct {
		name   string
		placed map[string][]*corev1.Pod
		pod    *corev1.Pod
		skip   bool // PreFilter skips: Filter would reject no node
		// want is each rejected node's result; nodes not named fit.
		want map[string]result
	}{
		{name: "no terms, no pods with anti-affinity: skip", pod: mkPod("p").obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}}, skip: true},
		{name: "preferred terms only: skip", pod: mkPod("p").preferAntiAffinity(10, podTerm(hostname, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}}, skip: true},
		{name: "anti-affinity that no pod matches: skip", pod: mkPod("p").antiAffinity(podTerm(hostname, "app", "db")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}}, skip: true},
		{name: "existing anti-affinity that does not match the pod: skip", pod: mkPod("p", "app", "api").obj(),
			placed: map[string][]*corev1.Pod{"n1": {mkPod("db", "app", "db").antiAffinity(podTerm(hostname, "app", "web")).obj()}}, skip: true},

		// Required affinity.
		{name: "hostname affinity: only n1 holds a web pod",
			pod:    mkPod("p").affinity(podTerm(hostname, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			want:   map[string]result{"n2": noAffinity, "n3": noAffinity, "n4": noAffinity}},
		{name: "zone affinity: zone a holds a web pod, n3 is in zone b, n4 has no zone",
			pod:    mkPod("p").affinity(podTerm(zone, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			want:   map[string]result{"n3": noAffinity, "n4": noAffinity}},
		{name: "zone affinity: no web pod anywhere and the pod is not one",
			pod:    mkPod("p", "app", "api").affinity(podTerm(zone, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {mkPod("a", "app", "api").obj()}},
			want:   allNoAffinity},
		{name: "first pod of a group: it matches its own term, but n4 lacks the zone key",
			pod:    mkPod("p", "app", "web").affinity(podTerm(zone, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {mkPod("a", "app", "api").obj()}},
			want:   map[string]result{"n4": noAffinity}},
		{name: "first pod of a group, hostname: every node has the key",
			pod:  mkPod("p", "app", "web").affinity(podTerm(hostname, "app", "web")).obj(),
			want: nil},
		{name: "not the first of its group: web pods exist, so only their zone",
			pod:    mkPod("p", "app", "web").affinity(podTerm(zone, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n3": {web("w1")}},
			want:   map[string]result{"n1": noAffinity, "n2": noAffinity, "n4": noAffinity}},
		{name: "a web pod on a node without the zone key is in no zone: the first-pod rule applies",
			pod:    mkPod("p", "app", "web").affinity(podTerm(zone, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n4": {web("w1")}},
			want:   map[string]result{"n4": noAffinity}},
		{name: "two terms: a pod counts only if it matches both; n1's does, so zone a and host n1",
			pod: mkPod("p").affinity(podTerm(zone, "app", "web"), podTerm(hostname, "tier", "fe")).obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {mkPod("w1", "app", "web", "tier", "fe").obj()},
				"n2": {web("w2")},
				"n3": {mkPod("f", "tier", "fe").obj()},
			},
			want: map[string]result{"n2": noAffinity, "n3": noAffinity, "n4": noAffinity}},
		{name: "two terms, no pod matches both and the pod does not either",
			pod:    mkPod("p").affinity(podTerm(zone, "app", "web"), podTerm(hostname, "tier", "fe")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}, "n3": {mkPod("f", "tier", "fe").obj()}},
			want:   allNoAffinity},
		{name: "affinity to pods in another namespace is not met by pods in the pod's",
			pod:    mkPod("p").affinity(withNamespaces(podTerm(hostname, "app", "web"), "prod")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}, "n2": {mkPod("w2", "app", "web").ns("prod").obj()}},
			want:   map[string]result{"n1": noAffinity, "n3": noAffinity, "n4": noAffinity}},
		{name: "a nil labelSelector selects no pod",
			pod:    mkPod("p", "app", "web").affinity(corev1.PodAffinityTerm{TopologyKey: hostname}).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			want:   allNoAffinity},

		// Required anti-affinity.
		{name: "hostname anti-affinity: n1 holds a replica",
			pod:    mkPod("p", "app", "web").antiAffinity(podTerm(hostname, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}},
			want:   map[string]result{"n1": antiAffinity}},
		{name: "zone anti-affinity: zone a holds a replica; n4, with no zone, cannot clash",
			pod:    mkPod("p", "app", "web").antiAffinity(podTerm(zone, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n2": {web("w1")}},
			want:   map[string]result{"n1": antiAffinity, "n2": antiAffinity}},
		{name: "anti-affinity terms each count: a db pod on n3 and a web pod in zone a",
			pod:    mkPod("p").antiAffinity(podTerm(zone, "app", "web"), podTerm(hostname, "app", "db")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {web("w1")}, "n3": {mkPod("d", "app", "db").obj()}},
			want:   map[string]result{"n1": antiAffinity, "n2": antiAffinity, "n3": antiAffinity}},
		{name: "anti-affinity: pods in other namespaces do not count by default",
			pod:    mkPod("p").antiAffinity(podTerm(hostname, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{"n1": {mkPod("w1", "app", "web").ns("prod").obj()}},
			skip:   true},
		{name: "anti-affinity: namespaces lists prod, n1's web pod is in prod",
			pod: mkPod("p").antiAffinity(withNamespaces(podTerm(hostname, "app", "web"), "prod")).obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {mkPod("w1", "app", "web").ns("prod").obj()},
				"n2": {web("w2")},
			},
			want: map[string]result{"n1": antiAffinity}},
		{name: "anti-affinity: namespaceSelector {} is every namespace",
			pod: mkPod("p").antiAffinity(withNamespaceSelector(podTerm(hostname, "app", "web"), &metav1.LabelSelector{})).obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {mkPod("w1", "app", "web").ns("prod").obj()},
				"n2": {web("w2")},
			},
			want: map[string]result{"n1": antiAffinity, "n2": antiAffinity}},
		{name: "anti-affinity: namespaceSelector on the namespace's name label",
			pod: mkPod("p").antiAffinity(withNamespaceSelector(podTerm(hostname, "app", "web"),
				&metav1.LabelSelector{MatchLabels: map[string]string{nsName: "prod"}})).obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {mkPod("w1", "app", "web").ns("prod").obj()},
				"n2": {web("w2")},
			},
			want: map[string]result{"n1": antiAffinity}},
		{name: "anti-affinity: namespaceSelector on another namespace label selects nothing (not supported)",
			pod: mkPod("p").antiAffinity(withNamespaceSelector(podTerm(hostname, "app", "web"),
				&metav1.LabelSelector{MatchLabels: map[string]string{"team": "shop"}})).obj(),
			placed: map[string][]*corev1.Pod{"n1": {mkPod("w1", "app", "web").ns("prod").obj()}},
			skip:   true},
		{name: "anti-affinity with matchLabelKeys: only n2's web pod has the pod's version",
			pod: mkPod("p", "app", "web", "version", "v2").antiAffinity(
				withLabelKeys(podTerm(hostname, "app", "web"), []string{"version"}, nil)).obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {mkPod("w1", "app", "web", "version", "v1").obj()},
				"n2": {mkPod("w2", "app", "web", "version", "v2").obj()},
			},
			want: map[string]result{"n2": antiAffinity}},
		{name: "anti-affinity with mismatchLabelKeys: n1 holds another tenant's pod",
			pod: mkPod("p", "app", "web", "tenant", "a").antiAffinity(
				withLabelKeys(podTerm(hostname, "app", "web"), nil, []string{"tenant"})).obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {mkPod("w1", "app", "web", "tenant", "b").obj()},
				"n2": {mkPod("w2", "app", "web", "tenant", "a").obj()},
				"n3": {mkPod("w3", "app", "web").obj()},
			},
			want: map[string]result{"n1": antiAffinity, "n3": antiAffinity}},

		// Existing pods' required anti-affinity.
		{name: "existing hostname anti-affinity: n3's db pod rejects web pods",
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n3": {mkPod("db", "app", "db").antiAffinity(podTerm(hostname, "app", "web")).obj()}},
			want:   map[string]result{"n3": existingAnti}},
		{name: "existing zone anti-affinity: n1's db pod closes zone a",
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n1": {mkPod("db", "app", "db").antiAffinity(podTerm(zone, "app", "web")).obj()}},
			want:   map[string]result{"n1": existingAnti, "n2": existingAnti}},
		{name: "existing zone anti-affinity on a node without a zone closes nothing",
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n4": {mkPod("db", "app", "db").antiAffinity(podTerm(zone, "app", "web")).obj()}},
			skip:   true},
		{name: "existing anti-affinity defaults to the existing pod's namespace",
			pod:    web("p"),
			placed: map[string][]*corev1.Pod{"n1": {mkPod("db", "app", "db").ns("prod").antiAffinity(podTerm(hostname, "app", "web")).obj()}},
			skip:   true},
		{name: "existing anti-affinity naming the pod's namespace",
			pod: web("p"),
			placed: map[string][]*corev1.Pod{"n1": {mkPod("db", "app", "db").ns("prod").antiAffinity(
				withNamespaces(podTerm(hostname, "app", "web"), "default")).obj()}},
			want: map[string]result{"n1": existingAnti}},
		{name: "existing anti-affinity with matchLabelKeys uses the existing pod's value",
			pod: mkPod("p", "app", "web", "version", "v1").obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {mkPod("w1", "app", "web", "version", "v1").antiAffinity(withLabelKeys(podTerm(hostname, "app", "web"), []string{"version"}, nil)).obj()},
				"n2": {mkPod("w2", "app", "web", "version", "v2").antiAffinity(withLabelKeys(podTerm(hostname, "app", "web"), []string{"version"}, nil)).obj()},
			},
			want: map[string]result{"n1": existingAnti}},

		// Several rules at once: the first failed is reported.
		{name: "affinity is checked before anti-affinity, anti-affinity before existing pods'",
			pod: mkPod("p", "app", "web").affinity(podTerm(zone, "app", "cache")).antiAffinity(podTerm(hostname, "app", "web")).obj(),
			placed: map[string][]*corev1.Pod{
				"n1": {mkPod("c", "app", "cache").obj(), web("w1")},
				"n2": {mkPod("db", "app", "db").antiAffinity(podTerm(hostname, "app", "web")).obj()},
				"n3": {web("w3")},
			},
			want: map[string]result{"n1": antiAffinity, "n2": existingAnti, "n3": noAffinity, "n4": noAffinity}},
	}
	pl := mustNew(t, DefaultArgs())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := cluster(t, tt.placed)
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
	pl := mustNew(t, DefaultArgs())
	nodes := cluster(t, nil)
	snap := framework.NewSnapshot(nodes)
	for i := range len(nodes) + 1 {
		pod := mkPod(fmt.Sprintf("web-%d", i), "app", "web").antiAffinity(podTerm(hostname, "app", "web")).obj()
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
		{name: "bad affinity selector", pod: mkPod("p").affinity(podTerm(zone, "app", "web"), bad).obj(),
			want: `InterPodAffinity prefilter: podAffinity.requiredDuringSchedulingIgnoredDuringExecution[1]: labelSelector: "Near" is not a valid label selector operator`},
		{name: "bad anti-affinity namespaceSelector", pod: mkPod("p").antiAffinity(withNamespaceSelector(podTerm(zone, "app", "web"), bad.LabelSelector)).obj(),
			want: `InterPodAffinity prefilter: podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]: namespaceSelector: "Near" is not a valid label selector operator`},
	}
	pl := mustNew(t, DefaultArgs())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := pl.PreFilter(context.Background(), framework.NewCycleState(), tt.pod, framework.NewSnapshot(cluster(t, nil)))
			pt.ExpectStatus(t, st, framework.Error, []string{tt.want})
		})
	}
	// An existing pod's bad term selects nothing instead of failing
	// every cycle.
	nodes := cluster(t, map[string][]*corev1.Pod{"n1": {mkPod("db").antiAffinity(bad).obj()}})
	st := pl.PreFilter(context.Background(), framework.NewCycleState(), mkPod("p", "app", "web").obj(), framework.NewSnapshot(nodes))
	pt.ExpectStatus(t, st, framework.Skip, nil)
}

func TestFilterWithoutPreFilter(t *testing.T) {
	pl := mustNew(t, DefaultArgs())
	st := pl.Filter(context.Background(), framework.NewCycleState(), mkPod("p").obj(), framework.NewNodeInfo(clusterNodes[0]))
	pt.ExpectStatus(t, st, framework.Error, []string{"InterPodAffinity filter: no prefilter state: PreFilter must run first"})
}
