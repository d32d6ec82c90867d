package interpodaffinity

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// Test builders for what plugintest does not have yet: pod labels and
// namespaces, pod (anti-)affinity terms, and a cluster of nodes with pods.

const (
	hostname = corev1.LabelHostname     // kubernetes.io/hostname
	zone     = corev1.LabelTopologyZone // topology.kubernetes.io/zone
	nsName   = corev1.LabelMetadataName // kubernetes.io/metadata.name
	in       = metav1.LabelSelectorOpIn // for terms' expressions
	notIn    = metav1.LabelSelectorOpNotIn
)

// podBuilder adds what pod affinity tests need to a plugintest pod.
type podBuilder struct{ pod *corev1.Pod }

// mkPod starts a pod in namespace default with the label pairs.
func mkPod(name string, labelPairs ...string) *podBuilder {
	p := pt.MakePod(name).Obj()
	p.Labels = pairs(labelPairs...)
	return &podBuilder{pod: p}
}

func (b *podBuilder) obj() *corev1.Pod { return b.pod }

func (b *podBuilder) ns(ns string) *podBuilder {
	b.pod.Namespace = ns
	return b
}

func (b *podBuilder) podAffinity() *corev1.PodAffinity {
	if b.pod.Spec.Affinity == nil {
		b.pod.Spec.Affinity = &corev1.Affinity{}
	}
	if b.pod.Spec.Affinity.PodAffinity == nil {
		b.pod.Spec.Affinity.PodAffinity = &corev1.PodAffinity{}
	}
	return b.pod.Spec.Affinity.PodAffinity
}

func (b *podBuilder) podAntiAffinity() *corev1.PodAntiAffinity {
	if b.pod.Spec.Affinity == nil {
		b.pod.Spec.Affinity = &corev1.Affinity{}
	}
	if b.pod.Spec.Affinity.PodAntiAffinity == nil {
		b.pod.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
	}
	return b.pod.Spec.Affinity.PodAntiAffinity
}

// affinity adds required pod affinity terms.
func (b *podBuilder) affinity(terms ...corev1.PodAffinityTerm) *podBuilder {
	pa := b.podAffinity()
	pa.RequiredDuringSchedulingIgnoredDuringExecution = append(pa.RequiredDuringSchedulingIgnoredDuringExecution, terms...)
	return b
}

// antiAffinity adds required pod anti-affinity terms.
func (b *podBuilder) antiAffinity(terms ...corev1.PodAffinityTerm) *podBuilder {
	pa := b.podAntiAffinity()
	pa.RequiredDuringSchedulingIgnoredDuringExecution = append(pa.RequiredDuringSchedulingIgnoredDuringExecution, terms...)
	return b
}

// preferAffinity adds a preferred pod affinity term.
func (b *podBuilder) preferAffinity(weight int32, t corev1.PodAffinityTerm) *podBuilder {
	pa := b.podAffinity()
	pa.PreferredDuringSchedulingIgnoredDuringExecution = append(pa.PreferredDuringSchedulingIgnoredDuringExecution,
		corev1.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: t})
	return b
}

// preferAntiAffinity adds a preferred pod anti-affinity term.
func (b *podBuilder) preferAntiAffinity(weight int32, t corev1.PodAffinityTerm) *podBuilder {
	pa := b.podAntiAffinity()
	pa.PreferredDuringSchedulingIgnoredDuringExecution = append(pa.PreferredDuringSchedulingIgnoredDuringExecution,
		corev1.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: t})
	return b
}

// podTerm is a pod affinity term selecting pods with the label pairs
// (matchLabels), in the owner's namespace.
func podTerm(topologyKey string, labelPairs ...string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{TopologyKey: topologyKey, LabelSelector: &metav1.LabelSelector{MatchLabels: pairs(labelPairs...)}}
}

// withNamespaces sets a term's namespaces list.
func withNamespaces(t corev1.PodAffinityTerm, ns ...string) corev1.PodAffinityTerm {
	t.Namespaces = ns
	return t
}

// withNamespaceSelector sets a term's namespaceSelector.
func withNamespaceSelector(t corev1.PodAffinityTerm, sel *metav1.LabelSelector) corev1.PodAffinityTerm {
	t.NamespaceSelector = sel
	return t
}

// withLabelKeys sets a term's matchLabelKeys and mismatchLabelKeys.
func withLabelKeys(t corev1.PodAffinityTerm, match, mismatch []string) corev1.PodAffinityTerm {
	t.MatchLabelKeys, t.MismatchLabelKeys = match, mismatch
	return t
}

func pairs(kv ...string) map[string]string {
	if len(kv)%2 != 0 {
		panic("odd number of label arguments")
	}
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// The test cluster: zone a holds n1 and n2, zone b holds n3, and n4 has
// no zone label. Every node has its hostname label.
var clusterNodes = []*corev1.Node{
	pt.MakeNode("n1").Label(zone, "a").Obj(),
	pt.MakeNode("n2").Label(zone, "a").Obj(),
	pt.MakeNode("n3").Label(zone, "b").Obj(),
	pt.MakeNode("n4").Obj(),
}

// cluster returns NodeInfos of clusterNodes with the pods placed as
// given (node name to pods).
func cluster(t testing.TB, placed map[string][]*corev1.Pod) []*framework.NodeInfo {
	t.Helper()
	out := make([]*framework.NodeInfo, len(clusterNodes))
	for i, n := range clusterNodes {
		out[i] = framework.NewNodeInfo(n, placed[n.Name]...)
	}
	for name := range placed {
		if !knownNode(name) {
			t.Fatalf("pods placed on unknown node %q", name)
		}
	}
	return out
}

func knownNode(name string) bool {
	for _, n := range clusterNodes {
		if n.Name == name {
			return true
		}
	}
	return false
}

func mustNew(t testing.TB, args Args) *InterPodAffinity {
	t.Helper()
	pl, err := New(args)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}
