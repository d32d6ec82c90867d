package podtopologyspread

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// What Filter says of one node.
const (
	fits  = ""
	skew  = "skew"  // Unschedulable, ReasonConstraints
	noKey = "noKey" // UnschedulableAndUnresolvable, ReasonMissingLabel
)

func TestFilter(t *testing.T) {
	web := func() *pt.PodWrapper { return pt.MakePod("incoming").Label("app", "web") }
	hostSpread := func(p *pt.PodWrapper) *corev1.Pod { return p.SpreadConstraints(hard(1, hostname, "app", "web")).Obj() }
	zoneSpread := func(p *pt.PodWrapper, c ...func(*corev1.TopologySpreadConstraint)) *corev1.Pod {
		tsc := hard(1, zone, "app", "web")
		for _, f := range c {
			tsc = with(tsc, f)
		}
		return p.SpreadConstraints(tsc).Obj()
	}
	honor, ignore := corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore
	// Zones a and b hold one replica each; zone c none, on a node in
	// another pool and tainted. The incoming pod selects pool main.
	poolCluster := func() []*framework.NodeInfo {
		return []*framework.NodeInfo{
			zoned("n1", "a").Label("pool", "main").NodeInfo(pods(1, "app", "web")...),
			zoned("n2", "b").Label("pool", "main").NodeInfo(pods(1, "app", "web")...),
			zoned("n3", "c").Label("pool", "spot").Taint("dedicated", "spot", corev1.TaintEffectNoSchedule).NodeInfo(),
		}
	}
	listHardHostname := &Args{DefaultingType: ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{
		{MaxSkew: 1, TopologyKey: hostname, WhenUnsatisfiable: corev1.DoNotSchedule}}}

	tests := []struct {
		name  string
		args  *Args // nil: the zero Args (System defaulting)
		nodes []*framework.NodeInfo
		pod   *corev1.Pod
		skip  bool     // PreFilter returns Skip
		want  []string // per node: fits, skew or noKey
		why   string
	}{
		{name: "hostname maxSkew 1, replicas on n1 and n2",
			nodes: []*framework.NodeInfo{node("n1", "", pods(1, "app", "web")), node("n2", "", pods(1, "app", "web")), node("n3", "")},
			pod:   hostSpread(web()), want: []string{skew, skew, fits},
			why: "the global minimum is n3's 0: one more on n1 or n2 makes a skew of 2"},
		{name: "hostname maxSkew 1, one replica everywhere",
			nodes: []*framework.NodeInfo{node("n1", "", pods(1, "app", "web")), node("n2", "", pods(1, "app", "web")), node("n3", "", pods(1, "app", "web"))},
			pod:   hostSpread(web()), want: []string{fits, fits, fits},
			why: "the minimum is 1, so a second replica anywhere is a skew of 1"},
		{name: "hostname maxSkew 2 tolerates one more",
			nodes: []*framework.NodeInfo{node("n1", "", pods(1, "app", "web")), node("n2", "", pods(2, "app", "web")), node("n3", "")},
			pod:   web().SpreadConstraints(hard(2, hostname, "app", "web")).Obj(), want: []string{fits, skew, fits},
			why: "n2 would reach 3 against n3's 0"},
		{name: "zone spreading",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(2, "app", "web")), node("n2", "a"), node("n3", "b", pods(1, "app", "web")), node("n4", "c", pods(1, "app", "web"))},
			pod:   zoneSpread(web()), want: []string{skew, skew, fits, fits},
			why: "zone a has 2 replicas, b and c 1 each: n2 is empty but in zone a, which would reach 3"},
		{name: "pods of another namespace, another app or terminating do not count",
			nodes: []*framework.NodeInfo{
				node("n1", "", existing("app", "web").Namespace("other").Replicas(2), pods(1, "app", "db"), existing("app", "web").Terminating().Replicas(2)),
				node("n2", "", pods(1, "app", "web")), node("n3", "", pods(1, "app", "web"))},
			pod: hostSpread(web()), want: []string{fits, skew, skew},
			why: "n1 counts 0, so n2 and n3 with 1 replica each cannot take a second"},
		{name: "minDomains above the number of zones makes the minimum 0",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(1, "app", "web")), node("n2", "b", pods(1, "app", "web"))},
			pod:   zoneSpread(web(), func(c *corev1.TopologySpreadConstraint) { c.MinDomains = ptr.To[int32](3) }),
			want:  []string{skew, skew},
			why:   "2 zones of the 3 required: until a third appears no zone may hold 2"},
		{name: "minDomains met",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(1, "app", "web")), node("n2", "b", pods(1, "app", "web"))},
			pod:   zoneSpread(web(), func(c *corev1.TopologySpreadConstraint) { c.MinDomains = ptr.To[int32](2) }),
			want:  []string{fits, fits}},
		{name: "a node without the key is no domain and is rejected",
			nodes: []*framework.NodeInfo{node("n1", "a"), node("n2", "b", pods(1, "app", "web")), node("n3", "", pods(5, "app", "web"))},
			pod:   zoneSpread(web()), want: []string{fits, skew, noKey},
			why: "n3 has no zone label: its 5 replicas count nowhere and it can never satisfy the constraint"},
		{name: "a node must have every constraint's key to count",
			nodes: []*framework.NodeInfo{zoned("n1", "a").Label("rack", "r1").NodeInfo(pods(1, "app", "web")...), node("n2", "c"),
				zoned("n3", "b").Label("rack", "r2").NodeInfo(pods(1, "app", "web")...)},
			pod:  web().SpreadConstraints(hard(1, zone, "app", "web"), hard(1, "rack", "app", "web")).Obj(),
			want: []string{fits, noKey, fits},
			why:  "n2 has no rack label, so its zone c is no domain either: the zone minimum is 1, not 0"},
		{name: "nodeAffinityPolicy Honor (default) leaves out zones the pod cannot go to",
			nodes: poolCluster(), pod: zoneSpread(web().NodeSelector("pool", "main")), want: []string{fits, fits, fits},
			why: "zone c is only on a spot node, which the nodeSelector excludes: the minimum is 1 (n3 itself is NodeAffinity's to reject)"},
		{name: "nodeAffinityPolicy Ignore counts them",
			nodes: poolCluster(),
			pod:   zoneSpread(web().NodeSelector("pool", "main"), func(c *corev1.TopologySpreadConstraint) { c.NodeAffinityPolicy = &ignore }),
			want:  []string{skew, skew, fits},
			why:   "zone c counts with 0, so zones a and b cannot take a second replica"},
		{name: "nodeTaintsPolicy Ignore (default) counts tainted nodes",
			nodes: poolCluster(), pod: zoneSpread(web()), want: []string{skew, skew, fits},
			why: "zone c's node is tainted but counts: the minimum is 0"},
		{name: "nodeTaintsPolicy Honor leaves out untolerated taints",
			nodes: poolCluster(),
			pod:   zoneSpread(web(), func(c *corev1.TopologySpreadConstraint) { c.NodeTaintsPolicy = &honor }),
			want:  []string{fits, fits, fits},
			why:   "zone c's only node has a taint the pod does not tolerate: the minimum is 1"},
		{name: "nodeTaintsPolicy Honor counts tolerated taints",
			nodes: poolCluster(),
			pod: zoneSpread(web().Tolerations(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists}),
				func(c *corev1.TopologySpreadConstraint) { c.NodeTaintsPolicy = &honor }),
			want: []string{skew, skew, fits},
			why:  "the pod tolerates the spot taint, so zone c counts with 0"},
		{name: "matchLabelKeys spread one revision among itself",
			nodes: []*framework.NodeInfo{node("n1", "", pods(2, "app", "web", "rev", "1")), node("n2", ""), node("n3", "", pods(1, "app", "web", "rev", "2"))},
			pod: web().Label("rev", "2").SpreadConstraints(with(hard(1, hostname, "app", "web"),
				func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"rev"} })).Obj(),
			want: []string{fits, fits, skew},
			why:  "only rev 2 counts: n3 has its one replica, n1's rev 1 pods are not counted"},
		{name: "without matchLabelKeys every revision counts",
			nodes: []*framework.NodeInfo{node("n1", "", pods(2, "app", "web", "rev", "1")), node("n2", ""), node("n3", "", pods(1, "app", "web", "rev", "2"))},
			pod:   web().Label("rev", "2").SpreadConstraints(hard(1, hostname, "app", "web")).Obj(),
			want:  []string{skew, fits, skew},
			why:   "n1 has 2 and n3 1 against n2's 0"},
		{name: "matchLabelKeys the pod lacks are left out",
			nodes: []*framework.NodeInfo{node("n1", "", pods(2, "app", "web", "rev", "1")), node("n2", ""), node("n3", "", pods(1, "app", "web", "rev", "2"))},
			pod: web().SpreadConstraints(with(hard(1, hostname, "app", "web"),
				func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"rev"} })).Obj(),
			want: []string{skew, fits, skew},
			why:  "the pod has no rev label, so the selector is app=web alone"},
		{name: "a pod that does not match its own selector adds nothing",
			nodes: []*framework.NodeInfo{node("n1", "", pods(1, "app", "db")), node("n2", ""), node("n3", "")},
			pod:   web().SpreadConstraints(hard(1, hostname, "app", "db")).Obj(), want: []string{fits, fits, fits},
			why: "a web pod leaves the db count at 1 on n1: skew 1"},
		{name: "a constraint without a labelSelector counts no pod",
			nodes: []*framework.NodeInfo{node("n1", "", pods(3, "app", "web")), node("n2", "")},
			pod:   web().SpreadConstraints(hard(1, hostname)).Obj(), want: []string{fits, fits}},
		{name: "an empty labelSelector counts every pod of the namespace",
			nodes: []*framework.NodeInfo{node("n1", "", pods(1, "app", "db")), node("n2", "")},
			pod: web().SpreadConstraints(with(hard(1, hostname), func(c *corev1.TopologySpreadConstraint) {
				c.LabelSelector = &metav1.LabelSelector{}
			})).Obj(),
			want: []string{skew, fits},
			why:  "n1's db pod counts, and so would the pod itself"},
		{name: "constraints with different selectors count apart",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(1, "app", "web")), node("n2", "b", pods(2, "app", "db")), node("n3", "a")},
			pod:   web().SpreadConstraints(hard(1, hostname, "app", "web"), hard(1, zone, "app", "db")).Obj(),
			want:  []string{skew, skew, fits},
			why:   "n1 has a web replica; zone b has 2 db pods against zone a's 0 (the web pod adds no db pod)"},
		{name: "hostname and zone together",
			nodes: []*framework.NodeInfo{node("n1", "a", pods(1, "app", "web")), node("n2", "a"), node("n3", "b")},
			pod:   web().SpreadConstraints(hard(1, hostname, "app", "web"), hard(1, zone, "app", "web")).Obj(),
			want:  []string{skew, skew, fits},
			why:   "n1 breaks both constraints, n2 only the zone one (zone a would have 2 against b's 0)"},
		{name: "no constraints and no owner", nodes: []*framework.NodeInfo{node("n1", "")}, pod: web().Obj(), skip: true},
		{name: "only ScheduleAnyway constraints", nodes: []*framework.NodeInfo{node("n1", "")},
			pod: web().SpreadConstraints(soft(1, hostname, "app", "web")).Obj(), skip: true},
		{name: "the system defaults never filter",
			nodes: []*framework.NodeInfo{node("n1", "a", existing().Owner("rs-a").Replicas(3))},
			pod:   web().Owner("rs-a").Obj(), skip: true},
		{name: "list defaults: pods of the same owner spread, other owners ignored",
			args: listHardHostname,
			nodes: []*framework.NodeInfo{node("n1", "", existing("app", "web").Owner("rs-a").Replicas(1)),
				node("n2", "", existing("app", "web").Owner("rs-b").Replicas(2)), node("n3", "")},
			pod: web().Owner("rs-a").Obj(), want: []string{skew, fits, fits},
			why: "n1 has rs-a's replica; n2's two belong to rs-b, so n2 counts 0 like n3"},
		{name: "list defaults: a pod without a controller owner gets none",
			args:  listHardHostname,
			nodes: []*framework.NodeInfo{node("n1", "", existing().Owner("rs-a").Replicas(1))},
			pod:   func() *corev1.Pod { p := web().Owner("rs-a").Obj(); p.OwnerReferences[0].Controller = nil; return p }(),
			skip:  true},
		{name: "list defaults: the pod's own constraints replace them",
			args:  listHardHostname,
			nodes: []*framework.NodeInfo{node("n1", "", existing().Owner("rs-a").Replicas(1)), node("n2", "")},
			pod:   web().Owner("rs-a").SpreadConstraints(soft(1, hostname, "app", "web")).Obj(), skip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := Args{}
			if tt.args != nil {
				args = *tt.args
			}
			pl := pt.MustNew(t, New, args)
			state := framework.NewCycleState()
			st := pl.PreFilter(context.Background(), state, tt.pod, framework.NewSnapshot(tt.nodes))
			if got := framework.CodeOf(st) == framework.Skip; got != tt.skip {
				t.Fatalf("PreFilter = %v, want skip %v", st, tt.skip)
			}
			if tt.skip {
				return
			}
			if !st.IsSuccess() {
				t.Fatalf("PreFilter = %v", st)
			}
			for i, n := range tt.nodes {
				code, reasons := framework.Success, []string(nil)
				switch tt.want[i] {
				case skew:
					code, reasons = framework.Unschedulable, []string{ReasonConstraints}
				case noKey:
					code, reasons = framework.UnschedulableAndUnresolvable, []string{ReasonMissingLabel}
				}
				t.Run(n.Name(), func(t *testing.T) {
					pt.ExpectStatus(t, pl.Filter(context.Background(), state, tt.pod, n), code, reasons)
				})
			}
		})
	}
}

func TestFilterWithoutPreFilter(t *testing.T) {
	st := pt.MustNew(t, New, Args{}).Filter(context.Background(), framework.NewCycleState(), pt.MakePod("p").Obj(), node("n1", "a"))
	if framework.CodeOf(st) != framework.Error {
		t.Fatalf("Filter without PreFilter = %v, want an Error", st)
	}
}

func TestPreFilterBadSelector(t *testing.T) {
	pod := pt.MakePod("p").SpreadConstraints(with(hard(1, hostname, "app", "web"), func(c *corev1.TopologySpreadConstraint) {
		c.LabelSelector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}
	})).Obj()
	st := pt.MustNew(t, New, Args{}).PreFilter(context.Background(), framework.NewCycleState(), pod, framework.NewSnapshot(nil))
	if framework.CodeOf(st) != framework.Error {
		t.Fatalf("PreFilter = %v, want an Error", st)
	}
	const want = `hard topology spread constraints: topologySpreadConstraints[0]: labelSelector: "Near" is not a valid label selector operator`
	if st.Message() != want {
		t.Errorf("message = %q, want %q", st.Message(), want)
	}
}
