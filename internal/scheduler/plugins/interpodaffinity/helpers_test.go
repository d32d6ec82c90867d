package interpodaffinity

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// The test's vocabulary: label keys, term options plugintest leaves to
// the caller, and the cluster the tests place pods on (with
// plugintest.NodeInfos).

const (
	hostname = corev1.LabelHostname     // kubernetes.io/hostname
	zone     = corev1.LabelTopologyZone // topology.kubernetes.io/zone
	nsName   = corev1.LabelMetadataName // kubernetes.io/metadata.name
	in       = metav1.LabelSelectorOpIn // for terms' expressions
	notIn    = metav1.LabelSelectorOpNotIn
)

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

// The test cluster: zone a holds n1 and n2, zone b holds n3, and n4 has
// no zone label. Every node has its hostname label.
var clusterNodes = []*corev1.Node{
	pt.MakeNode("n1").Label(zone, "a").Obj(),
	pt.MakeNode("n2").Label(zone, "a").Obj(),
	pt.MakeNode("n3").Label(zone, "b").Obj(),
	pt.MakeNode("n4").Obj(),
}
