// Package plugintest builds the pods and nodes that scheduler plugin tests
// need, in the style of kube-scheduler's test wrappers:
//
//	pod := plugintest.MakePod("web").Req("cpu", "500m").Toleration("dedicated", "gpu", "NoSchedule").Obj()
//	node := plugintest.MakeNode("n1").Capacity("cpu", "2", "pods", "110").Label("zone", "a").Obj()
//	replica := plugintest.MakePod("web-1").Label("app", "web").PodAntiAffinity(plugintest.PodTerm(corev1.LabelHostname, "app", "web")).Obj()
//	info := plugintest.MakeNode("n2").NodeInfo(replica)
//
// It is for tests only.
package plugintest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Res parses name, quantity pairs into a ResourceList:
// Res("cpu", "1", "memory", "1Gi"). It panics on an odd count or a bad
// quantity, which is a mistake in the test.
func Res(pairs ...string) corev1.ResourceList {
	if len(pairs)%2 != 0 {
		panic(fmt.Sprintf("plugintest.Res: odd number of arguments %q", pairs))
	}
	l := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		l[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return l
}

// labelMap parses key, value pairs into a map, nil when there are none.
// It panics on an odd count, which is a mistake in the test.
func labelMap(pairs ...string) map[string]string {
	if len(pairs)%2 != 0 {
		panic(fmt.Sprintf("plugintest: odd number of label arguments %q", pairs))
	}
	if len(pairs) == 0 {
		return nil
	}
	m := make(map[string]string, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

// PodWrapper builds a pod.
type PodWrapper struct{ pod corev1.Pod }

// MakePod starts a pod in namespace default with one container that
// requests nothing.
func MakePod(name string) *PodWrapper {
	return &PodWrapper{pod: corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c0", Image: "busybox"}}},
	}}
}

// Obj returns the pod.
func (p *PodWrapper) Obj() *corev1.Pod { return p.pod.DeepCopy() }

// Req sets the first container's requests to the name, quantity pairs.
func (p *PodWrapper) Req(pairs ...string) *PodWrapper {
	p.pod.Spec.Containers[0].Resources.Requests = Res(pairs...)
	return p
}

// Container adds a container with the given requests (none when no
// pairs are given).
func (p *PodWrapper) Container(pairs ...string) *PodWrapper {
	c := corev1.Container{Name: fmt.Sprintf("c%d", len(p.pod.Spec.Containers)), Image: "busybox"}
	if len(pairs) > 0 {
		c.Resources.Requests = Res(pairs...)
	}
	p.pod.Spec.Containers = append(p.pod.Spec.Containers, c)
	return p
}

// InitContainer adds an init container with the given requests.
func (p *PodWrapper) InitContainer(pairs ...string) *PodWrapper {
	c := corev1.Container{Name: fmt.Sprintf("init%d", len(p.pod.Spec.InitContainers)), Image: "busybox"}
	if len(pairs) > 0 {
		c.Resources.Requests = Res(pairs...)
	}
	p.pod.Spec.InitContainers = append(p.pod.Spec.InitContainers, c)
	return p
}

// Overhead sets the pod's overhead.
func (p *PodWrapper) Overhead(pairs ...string) *PodWrapper {
	p.pod.Spec.Overhead = Res(pairs...)
	return p
}

// RuntimeClass sets spec.runtimeClassName.
func (p *PodWrapper) RuntimeClass(name string) *PodWrapper {
	p.pod.Spec.RuntimeClassName = &name
	return p
}

// NodeSelector sets spec.nodeSelector from key, value pairs.
func (p *PodWrapper) NodeSelector(pairs ...string) *PodWrapper {
	p.pod.Spec.NodeSelector = map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		p.pod.Spec.NodeSelector[pairs[i]] = pairs[i+1]
	}
	return p
}

func (p *PodWrapper) affinity() *corev1.Affinity {
	if p.pod.Spec.Affinity == nil {
		p.pod.Spec.Affinity = &corev1.Affinity{}
	}
	return p.pod.Spec.Affinity
}

func (p *PodWrapper) nodeAffinity() *corev1.NodeAffinity {
	a := p.affinity()
	if a.NodeAffinity == nil {
		a.NodeAffinity = &corev1.NodeAffinity{}
	}
	return a.NodeAffinity
}

// Required sets requiredDuringSchedulingIgnoredDuringExecution to the
// given terms (ORed).
func (p *PodWrapper) Required(terms ...corev1.NodeSelectorTerm) *PodWrapper {
	p.nodeAffinity().RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{NodeSelectorTerms: terms}
	return p
}

// Preferred adds a preferredDuringSchedulingIgnoredDuringExecution term.
func (p *PodWrapper) Preferred(weight int32, term corev1.NodeSelectorTerm) *PodWrapper {
	na := p.nodeAffinity()
	na.PreferredDuringSchedulingIgnoredDuringExecution = append(na.PreferredDuringSchedulingIgnoredDuringExecution,
		corev1.PreferredSchedulingTerm{Weight: weight, Preference: term})
	return p
}

// Toleration adds a toleration: operator Equal when value is set,
// Exists when it is empty.
func (p *PodWrapper) Toleration(key, value string, effect corev1.TaintEffect) *PodWrapper {
	op := corev1.TolerationOpEqual
	if value == "" {
		op = corev1.TolerationOpExists
	}
	p.pod.Spec.Tolerations = append(p.pod.Spec.Tolerations, corev1.Toleration{Key: key, Operator: op, Value: value, Effect: effect})
	return p
}

// Tolerations appends tolerations as given.
func (p *PodWrapper) Tolerations(ts ...corev1.Toleration) *PodWrapper {
	p.pod.Spec.Tolerations = append(p.pod.Spec.Tolerations, ts...)
	return p
}

// HostPort adds a container port with a host port to the first
// container; ip and protocol may be empty.
func (p *PodWrapper) HostPort(ip string, protocol corev1.Protocol, port int32) *PodWrapper {
	c := &p.pod.Spec.Containers[0]
	c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: port, HostPort: port, HostIP: ip, Protocol: protocol})
	return p
}

// Label sets a label.
func (p *PodWrapper) Label(key, value string) *PodWrapper {
	if p.pod.Labels == nil {
		p.pod.Labels = map[string]string{}
	}
	p.pod.Labels[key] = value
	return p
}

// Namespace moves the pod to namespace ns.
func (p *PodWrapper) Namespace(ns string) *PodWrapper {
	p.pod.Namespace = ns
	return p
}

// Priority sets spec.priority, as Priority admission does from the
// pod's priority class.
func (p *PodWrapper) Priority(prio int32) *PodWrapper {
	p.pod.Spec.Priority = &prio
	return p
}

// StartTime sets status.startTime, which preemption compares.
func (p *PodWrapper) StartTime(t time.Time) *PodWrapper {
	p.pod.Status.StartTime = &metav1.Time{Time: t}
	return p
}

// Owner makes the ReplicaSet rs (its name and its UID) the pod's
// controller, replacing any owner references. Pods of one controller are
// one workload to topology spreading's default constraints.
func (p *PodWrapper) Owner(rs string) *PodWrapper {
	p.pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs,
		UID: types.UID(rs), Controller: ptr.To(true)}}
	return p
}

// Terminating marks the pod as being deleted: it has a deletion
// timestamp (the zero time; only its presence matters to plugins).
func (p *PodWrapper) Terminating() *PodWrapper {
	p.pod.DeletionTimestamp = &metav1.Time{}
	return p
}

// podTerms returns the pod's required and preferred term lists of pod
// affinity, or of pod anti-affinity when anti is set, creating the
// affinity if the pod has none.
func (p *PodWrapper) podTerms(anti bool) (*[]corev1.PodAffinityTerm, *[]corev1.WeightedPodAffinityTerm) {
	a := p.affinity()
	if anti {
		if a.PodAntiAffinity == nil {
			a.PodAntiAffinity = &corev1.PodAntiAffinity{}
		}
		return &a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, &a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	}
	if a.PodAffinity == nil {
		a.PodAffinity = &corev1.PodAffinity{}
	}
	return &a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution, &a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
}

// PodAffinity adds required pod affinity terms (each must be met).
func (p *PodWrapper) PodAffinity(terms ...corev1.PodAffinityTerm) *PodWrapper {
	required, _ := p.podTerms(false)
	*required = append(*required, terms...)
	return p
}

// PodAntiAffinity adds required pod anti-affinity terms.
func (p *PodWrapper) PodAntiAffinity(terms ...corev1.PodAffinityTerm) *PodWrapper {
	required, _ := p.podTerms(true)
	*required = append(*required, terms...)
	return p
}

// PreferredPodAffinity adds a preferred pod affinity term.
func (p *PodWrapper) PreferredPodAffinity(weight int32, term corev1.PodAffinityTerm) *PodWrapper {
	_, preferred := p.podTerms(false)
	*preferred = append(*preferred, corev1.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: term})
	return p
}

// PreferredPodAntiAffinity adds a preferred pod anti-affinity term.
func (p *PodWrapper) PreferredPodAntiAffinity(weight int32, term corev1.PodAffinityTerm) *PodWrapper {
	_, preferred := p.podTerms(true)
	*preferred = append(*preferred, corev1.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: term})
	return p
}

// SpreadConstraints adds topology spread constraints.
func (p *PodWrapper) SpreadConstraints(cs ...corev1.TopologySpreadConstraint) *PodWrapper {
	p.pod.Spec.TopologySpreadConstraints = append(p.pod.Spec.TopologySpreadConstraints, cs...)
	return p
}

// Replicas returns n copies of the pod named <name>-0 to <name>-(n-1),
// each with its name as UID, as MakePod gives.
func (p *PodWrapper) Replicas(n int) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = p.pod.DeepCopy()
		out[i].Name = fmt.Sprintf("%s-%d", p.pod.Name, i)
		out[i].UID = types.UID(out[i].Name)
	}
	return out
}

// PodTerm is a pod (anti-)affinity term over topologyKey selecting, in
// the namespace of the pod that has the term, the pods with the label
// pairs (matchLabels). Without pairs the term has no labelSelector and
// selects no pod.
func PodTerm(topologyKey string, labelPairs ...string) corev1.PodAffinityTerm {
	t := corev1.PodAffinityTerm{TopologyKey: topologyKey}
	if len(labelPairs) > 0 {
		t.LabelSelector = &metav1.LabelSelector{MatchLabels: labelMap(labelPairs...)}
	}
	return t
}

// SpreadConstraint is a topology spread constraint over key counting the
// pods with the matchLabels pairs. Without pairs it has no labelSelector
// and counts no pod.
func SpreadConstraint(maxSkew int32, key string, when corev1.UnsatisfiableConstraintAction, matchLabels ...string) corev1.TopologySpreadConstraint {
	c := corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when}
	if len(matchLabels) > 0 {
		c.LabelSelector = &metav1.LabelSelector{MatchLabels: labelMap(matchLabels...)}
	}
	return c
}

// Term is a node selector term of match expressions.
func Term(reqs ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
	return corev1.NodeSelectorTerm{MatchExpressions: reqs}
}

// Expr is a node selector requirement.
func Expr(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

// NodeWrapper builds a node.
type NodeWrapper struct{ node corev1.Node }

// MakeNode starts a node that is Ready, with the hostname label and no
// allocatable resources.
func MakeNode(name string) *NodeWrapper {
	return &NodeWrapper{node: corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue},
		}},
	}}
}

// Obj returns the node.
func (n *NodeWrapper) Obj() *corev1.Node { return n.node.DeepCopy() }

// Capacity sets capacity and allocatable to the name, quantity pairs.
func (n *NodeWrapper) Capacity(pairs ...string) *NodeWrapper {
	n.node.Status.Capacity = Res(pairs...)
	n.node.Status.Allocatable = Res(pairs...)
	return n
}

// Label sets a label.
func (n *NodeWrapper) Label(key, value string) *NodeWrapper {
	n.node.Labels[key] = value
	return n
}

// Taint adds a taint.
func (n *NodeWrapper) Taint(key, value string, effect corev1.TaintEffect) *NodeWrapper {
	n.node.Spec.Taints = append(n.node.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	return n
}

// Unschedulable cordons the node.
func (n *NodeWrapper) Unschedulable() *NodeWrapper {
	n.node.Spec.Unschedulable = true
	return n
}

// Condition sets a condition's status, adding the condition if missing.
func (n *NodeWrapper) Condition(typ corev1.NodeConditionType, status corev1.ConditionStatus) *NodeWrapper {
	for i := range n.node.Status.Conditions {
		if n.node.Status.Conditions[i].Type == typ {
			n.node.Status.Conditions[i].Status = status
			return n
		}
	}
	n.node.Status.Conditions = append(n.node.Status.Conditions, corev1.NodeCondition{Type: typ, Status: status})
	return n
}

// NoConditions drops every condition, as for a node that never reported.
func (n *NodeWrapper) NoConditions() *NodeWrapper {
	n.node.Status.Conditions = nil
	return n
}

// NodeInfo returns the node as a NodeInfo holding pods.
func (n *NodeWrapper) NodeInfo(pods ...*corev1.Pod) *framework.NodeInfo {
	return framework.NewNodeInfo(n.Obj(), pods...)
}

// NodeInfos returns NodeInfos of nodes, in their order, holding the pods
// placed on them (node name to pods); the nodes are not copied. It
// panics if pods are placed on a node not in nodes, which is a mistake
// in the test.
func NodeInfos(nodes []*corev1.Node, placed map[string][]*corev1.Pod) []*framework.NodeInfo {
	for name := range placed {
		if !slices.ContainsFunc(nodes, func(n *corev1.Node) bool { return n.Name == name }) {
			panic(fmt.Sprintf("plugintest.NodeInfos: pods placed on unknown node %q", name))
		}
	}
	out := make([]*framework.NodeInfo, len(nodes))
	for i, n := range nodes {
		out[i] = framework.NewNodeInfo(n, placed[n.Name]...)
	}
	return out
}

// MustNew returns newPlugin(args), failing the test if it errs:
//
//	pl := plugintest.MustNew(t, interpodaffinity.New, interpodaffinity.DefaultArgs())
func MustNew[A, P any](t testing.TB, newPlugin func(A) (P, error), args A) P {
	t.Helper()
	pl, err := newPlugin(args)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// ExpectStatus fails the test unless st has code and exactly reasons (a
// nil status is Success with none).
func ExpectStatus(t *testing.T, st *framework.Status, code framework.Code, reasons []string) {
	t.Helper()
	if got := framework.CodeOf(st); got != code {
		t.Fatalf("code = %v, want %v (%v)", got, code, st)
	}
	if st != nil && !slices.Equal(st.Reasons, reasons) {
		t.Errorf("reasons = %q, want %q", st.Reasons, reasons)
	}
}

// NormalizingScorer is a Score plugin with PreScore and NormalizeScore.
type NormalizingScorer interface {
	framework.PreScorePlugin
	framework.ScorePlugin
	framework.ScoreNormalizer
}

// ExpectScores runs pl's PreScore, then Score on each node and
// NormalizeScore, and checks the raw and normalized scores. A nil want
// means PreScore must skip the pod.
func ExpectScores(t *testing.T, pl NormalizingScorer, pod *corev1.Pod, nodes []*framework.NodeInfo, raw, want []int64) {
	t.Helper()
	ctx := context.Background()
	state := framework.NewCycleState()
	st := pl.PreScore(ctx, state, pod, nodes)
	if skipped := framework.CodeOf(st) == framework.Skip; skipped != (want == nil) {
		t.Fatalf("PreScore = %v, want skip %v", st, want == nil)
	}
	if want == nil {
		return
	}
	scores := make([]int64, len(nodes))
	for i, n := range nodes {
		var st *framework.Status
		if scores[i], st = pl.Score(ctx, state, pod, n); !st.IsSuccess() {
			t.Fatalf("Score: %v", st)
		}
	}
	if !slices.Equal(scores, raw) {
		t.Errorf("raw scores = %v, want %v", scores, raw)
	}
	if st := pl.NormalizeScore(ctx, state, pod, scores); !st.IsSuccess() {
		t.Fatalf("NormalizeScore: %v", st)
	}
	if !slices.Equal(scores, want) {
		t.Errorf("normalized = %v, want %v", scores, want)
	}
}
