package preemption

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeaffinity"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeports"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeready"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderesources"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderuntime"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/tainttoleration"
)

// profile assembles the real filter plugins in Kubernetes' order (as
// plugins_test.go does), with extra PreFilter/Filter plugins appended.
// Scores do not matter to preemption.
func profile(t testing.TB, extra ...framework.Plugin) *scheduler.Profile {
	t.Helper()
	fit := pt.MustNew(t, noderesources.New, noderesources.FitArgs{})
	aff, ports := nodeaffinity.New(), nodeports.New()
	p := &scheduler.Profile{
		PreFilters:               []framework.PreFilterPlugin{aff, ports, fit},
		Filters:                  []framework.FilterPlugin{nodeready.New(), noderuntime.New(), tainttoleration.New(), aff, ports, fit},
		PercentageOfNodesToScore: 100,
	}
	for _, pl := range extra {
		if pf, ok := pl.(framework.PreFilterPlugin); ok {
			p.PreFilters = append(p.PreFilters, pf)
		}
		if f, ok := pl.(framework.FilterPlugin); ok {
			p.Filters = append(p.Filters, f)
		}
	}
	return p
}

// node is a ready 2-cpu node offering the process runtime.
func node(name string) *pt.NodeWrapper {
	return pt.MakeNode(name).Capacity("cpu", "2", "memory", "4Gi", "pods", "110").Label(noderuntime.LabelPrefix+"process", "true")
}

// t0 is "now" for start times.
var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// pod is a pod of priority prio requesting cpu, started an hour before
// t0 unless changed.
func pod(name string, prio int32, cpu string) *corev1.Pod {
	return withPrio(prio, pt.MakePod(name).Req("cpu", cpu))
}

// withPrio builds the pod with priority prio, started an hour before t0.
func withPrio(prio int32, p *pt.PodWrapper) *corev1.Pod {
	return p.Priority(prio).StartTime(t0.Add(-time.Hour)).Obj()
}

// startedAgo sets the pod's start time d before t0.
func startedAgo(d time.Duration, p *corev1.Pod) *corev1.Pod {
	p.Status.StartTime = &metav1.Time{Time: t0.Add(-d)}
	return p
}

func terminating(p *corev1.Pod) *corev1.Pod {
	p.DeletionTimestamp = &metav1.Time{Time: t0}
	return p
}

func nominated(nodeName string, p *corev1.Pod) *corev1.Pod {
	p.Status.NominatedNodeName = nodeName
	return p
}

func never(p *corev1.Pod) *corev1.Pod {
	n := corev1.PreemptNever
	p.Spec.PreemptionPolicy = &n
	return p
}

func names(pods []*corev1.Pod) []string {
	out := []string{}
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

// fingerprint is what Preempt must leave alone in a snapshot.
func fingerprint(snap *framework.Snapshot) string {
	s := ""
	for _, n := range snap.Nodes {
		s += fmt.Sprintf("%s:%v:%d:%d:%d;", n.Name(), names(n.Pods), n.Requested.MilliCPU, len(n.UsedPorts), len(n.PodsWithAffinity))
	}
	return s
}

// fitErrOf schedules pod with prof and returns the FitError.
func fitErrOf(t testing.TB, prof *scheduler.Profile, p *corev1.Pod, snap *framework.Snapshot) *scheduler.FitError {
	t.Helper()
	alg := &scheduler.Algorithm{Profile: prof}
	res, err := alg.Schedule(context.Background(), p, snap)
	var fitErr *scheduler.FitError
	if !errors.As(err, &fitErr) {
		t.Fatalf("Schedule = %q, %v; want a FitError", res.Node, err)
	}
	return fitErr
}

func TestPreempt(t *testing.T) {
	hi := func(name string) *corev1.Pod { return pod(name, 1000, "2") }
	tests := []struct {
		name  string
		pod   *corev1.Pod
		nodes []*framework.NodeInfo
		// fitErr replaces the scheduler's own, for states it cannot
		// produce.
		fitErr      func(nodes []*framework.NodeInfo) *scheduler.FitError
		wantNode    string
		wantVictims []string
		wantErr     string // an *UnhelpfulError's message
	}{
		{
			name: "evicts only the lowest-priority pods needed, on the one node where that helps",
			pod:  pod("p", 50, "1"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("a", 1, "500m"), pod("b", 2, "500m"), pod("c", 3, "500m"), pod("d", 100, "500m")),
				node("tainted").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).NodeInfo(pod("e", 1, "2")),
				node("important").NodeInfo(hi("f")),
			},
			wantNode: "n1", wantVictims: []string{"b", "a"},
		},
		{
			name: "reprieve keeps a lower-priority pod when evicting a bigger one suffices",
			pod:  pod("p", 50, "1"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("small", 1, "200m"), pod("big", 5, "1"), pod("keep", 100, "800m")),
			},
			wantNode: "n1", wantVictims: []string{"big"},
		},
		{
			name: "reprieve keeps every higher-priority pod that need not go",
			pod:  pod("p", 50, "500m"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("a", 10, "500m"), pod("b", 20, "500m"), pod("c", 30, "500m"), pod("d", 40, "500m")),
			},
			wantNode: "n1", wantVictims: []string{"a"},
		},
		{
			name: "no preemption when the node is too small even with the lower-priority pods gone",
			pod:  pod("p", 10, "1"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("same", 10, "1500m"), pod("low", 1, "500m")),
			},
			wantErr: "preemption: 0/1 nodes are available: 1 Insufficient cpu.",
		},
		{
			name: "no preemption when the blocking pod has equal or higher priority",
			pod:  pod("p", 10, "1"),
			nodes: []*framework.NodeInfo{
				node("equal").NodeInfo(pod("same", 10, "2")),
				node("higher").NodeInfo(pod("more", 11, "2")),
			},
			wantErr: "preemption: 0/2 nodes are available: 2 " + ReasonNoVictims + ".",
		},
		{
			name: "nodes rejected as unresolvable are skipped, even where evicting would make room",
			pod:  pod("p", 10, "1"),
			nodes: []*framework.NodeInfo{
				node("tainted").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).NodeInfo(pod("a", 1, "2")),
				node("cordoned").Unschedulable().NodeInfo(pod("b", 1, "2")),
				node("too-small").Capacity("cpu", "500m", "pods", "110").Label(noderuntime.LabelPrefix+"process", "true").NodeInfo(pod("c", 1, "500m")),
			},
			wantErr: "preemption: 0/3 nodes are available: 3 " + ReasonNotHelpful + ".",
		},
		{
			name: "a node the selector rules out is skipped; the matching one is used",
			pod:  withPrio(10, pt.MakePod("p").Req("cpu", "1").NodeSelector("zone", "a")),
			nodes: []*framework.NodeInfo{
				node("zone-b").Label("zone", "b").NodeInfo(pod("cheap", 0, "2")),
				node("zone-a").Label("zone", "a").NodeInfo(pod("dear", 5, "2")),
			},
			wantNode: "zone-a", wantVictims: []string{"dear"},
		},
		{
			name: "a pod without a priority counts as 0",
			pod:  pt.MakePod("p").Req("cpu", "1").Obj(),
			nodes: []*framework.NodeInfo{
				node("zero").NodeInfo(pt.MakePod("unset").Req("cpu", "2").StartTime(t0.Add(-time.Hour)).Obj()),
				node("negative").NodeInfo(pod("neg", -1, "2")),
			},
			wantNode: "negative", wantVictims: []string{"neg"},
		},
		{
			name:    "preemptionPolicy Never",
			pod:     never(pod("p", 10, "1")),
			nodes:   []*framework.NodeInfo{node("n1").NodeInfo(pod("a", 1, "2"))},
			wantErr: "preemption: not eligible: preemptionPolicy is Never.",
		},
		{
			name: "waits while a lower-priority pod on the nominated node terminates",
			pod:  nominated("n1", pod("p", 10, "1")),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(terminating(pod("going", 1, "2"))),
				node("n2").NodeInfo(pod("a", 1, "2")),
			},
			wantErr: "preemption: not eligible: pod default/going on nominated node n1 is still terminating.",
		},
		{
			name: "a terminating pod of higher priority is not the pod's victim: preempt again",
			pod:  nominated("n1", pod("p", 10, "1")),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(terminating(pod("other", 20, "2"))),
				node("n2").NodeInfo(pod("a", 1, "2")),
			},
			wantNode: "n2", wantVictims: []string{"a"},
		},
		{
			name: "a nominated node that can no longer take the pod does not hold it back",
			pod:  nominated("n1", pod("p", 10, "1")),
			nodes: []*framework.NodeInfo{
				node("n1").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).NodeInfo(terminating(pod("going", 1, "2"))),
				node("n2").NodeInfo(pod("a", 1, "2")),
			},
			wantNode: "n2", wantVictims: []string{"a"},
		},
		{
			name: "host port: evicts the lower-priority pod holding it, not the others",
			pod:  withPrio(10, pt.MakePod("p").HostPort("", "", 80)),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(withPrio(1, pt.MakePod("web").HostPort("", "", 80)), pod("bystander", 0, "500m")),
				node("n2").NodeInfo(withPrio(100, pt.MakePod("important-web").HostPort("", "", 80))),
			},
			wantNode: "n1", wantVictims: []string{"web"},
		},
		{
			name: "choice 1: the lowest highest victim priority, even with more victims",
			pod:  pod("p", 50, "1"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("five", 5, "2")),
				node("n2").NodeInfo(pod("a", 1, "500m"), pod("b", 1, "500m"), pod("c", 1, "500m"), pod("d", 1, "500m")),
			},
			// Equals are reprieved in order, so the last two go.
			wantNode: "n2", wantVictims: []string{"c", "d"},
		},
		{
			name: "choice 2: the smallest sum of victim priorities",
			pod:  pod("p", 50, "2"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("a", 5, "1"), pod("b", 4, "1")),
				node("n2").NodeInfo(pod("c", 5, "1"), pod("d", 1, "1")),
			},
			wantNode: "n2", wantVictims: []string{"c", "d"},
		},
		{
			name: "choice 2: negative priorities are shifted, so fewer victims sum less",
			pod:  pod("p", 0, "2"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("a", -10, "1"), pod("b", -20, "1")),
				node("n2").NodeInfo(pod("c", -10, "2")),
			},
			wantNode: "n2", wantVictims: []string{"c"},
		},
		{
			name: "choice 3: the fewest victims when highest and sum tie",
			pod:  pod("p", 10, "2"),
			nodes: []*framework.NodeInfo{
				// 0 and MinInt32, shifted, sum to the same as 0 alone.
				node("n1").NodeInfo(pod("a", 0, "1"), pod("b", math.MinInt32, "1")),
				node("n2").NodeInfo(pod("c", 0, "2")),
			},
			wantNode: "n2", wantVictims: []string{"c"},
		},
		{
			name: "choice 4: the node whose highest-priority victims started last",
			pod:  pod("p", 10, "1"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(startedAgo(time.Hour, pod("old", 1, "2"))),
				node("n2").NodeInfo(startedAgo(time.Minute, pod("new", 1, "2"))),
				node("n3").NodeInfo(startedAgo(2*time.Hour, pod("older", 1, "2"))),
			},
			wantNode: "n2", wantVictims: []string{"new"},
		},
		{
			name: "choice 4: a victim that has not started yet counts as the latest",
			pod:  pod("p", 10, "1"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(startedAgo(time.Minute, pod("running", 1, "2"))),
				node("n2").NodeInfo(func() *corev1.Pod { p := pod("pending", 1, "2"); p.Status.StartTime = nil; return p }()),
			},
			wantNode: "n2", wantVictims: []string{"pending"},
		},
		{
			name: "choice 5: otherwise the first node by name, whatever the snapshot's order",
			pod:  pod("p", 10, "1"),
			nodes: []*framework.NodeInfo{
				node("n3").NodeInfo(pod("c", 1, "2")),
				node("n1").NodeInfo(pod("a", 1, "2")),
				node("n2").NodeInfo(pod("b", 1, "2")),
			},
			wantNode: "n1", wantVictims: []string{"a"},
		},
		{
			name: "a stale fit error: the pod fits without evicting, and that node wins",
			pod:  pod("p", 10, "1"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("a", 1, "2")),
				node("n2").NodeInfo(pod("b", 1, "1")),
			},
			fitErr: func(nodes []*framework.NodeInfo) *scheduler.FitError {
				st := func() *framework.Status {
					return framework.NewStatus(framework.Unschedulable, noderesources.ReasonInsufficientCPU)
				}
				return &scheduler.FitError{NumAllNodes: 2, NodeStatus: map[string]*framework.Status{"n1": st(), "n2": st()}}
			},
			wantNode: "n2", wantVictims: []string{},
		},
		{
			name: "a PreFilter rejection leaves nothing to preempt for",
			pod:  pod("p", 10, "1"),
			nodes: []*framework.NodeInfo{
				node("n1").NodeInfo(pod("a", 1, "2")),
			},
			fitErr: func(nodes []*framework.NodeInfo) *scheduler.FitError {
				return &scheduler.FitError{NumAllNodes: 1, PreFilterMsg: "pod has unbound PVCs"}
			},
			wantErr: "preemption: 0/1 nodes are available: 1 " + ReasonNotHelpful + ".",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prof := profile(t)
			snap := framework.NewSnapshot(tt.nodes)
			var fitErr *scheduler.FitError
			if tt.fitErr != nil {
				fitErr = tt.fitErr(tt.nodes)
			} else {
				fitErr = fitErrOf(t, prof, tt.pod, snap)
			}
			before := fingerprint(snap)
			ev := &Evaluator{Profile: prof}
			res, err := ev.Preempt(context.Background(), tt.pod, snap, fitErr)
			if after := fingerprint(snap); after != before {
				t.Errorf("snapshot changed:\n before %s\n after  %s", before, after)
			}
			if tt.wantErr != "" {
				var un *UnhelpfulError
				if !errors.As(err, &un) || res != nil {
					t.Fatalf("Preempt = %+v, %v; want an UnhelpfulError", res, err)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("error:\n got %s\nwant %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Preempt: %v (fit error: %v)", err, fitErr)
			}
			if res.NodeName != tt.wantNode || !slices.Equal(names(res.Victims), tt.wantVictims) {
				t.Errorf("Preempt = %s %v, want %s %v", res.NodeName, names(res.Victims), tt.wantNode, tt.wantVictims)
			}
		})
	}
}
