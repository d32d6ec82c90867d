package interpodaffinity

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// The compiled terms (the incoming pod's) and the raw ones (existing
// pods') must select the same pods.
func TestTermMatches(t *testing.T) {
	owner := pt.MakePod("owner").Label("app", "web").Label("version", "v2").Label("tenant", "a").Obj()
	expr := func(key string, op metav1.LabelSelectorOperator, values ...string) corev1.PodAffinityTerm {
		return corev1.PodAffinityTerm{TopologyKey: hostname, LabelSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}}
	}
	web := pt.MakePod("w").Label("app", "web").Obj()
	tests := []struct {
		name   string
		term   corev1.PodAffinityTerm
		target *corev1.Pod
		want   bool
	}{
		{name: "matchLabels", term: pt.PodTerm(hostname, "app", "web"), target: web, want: true},
		{name: "matchLabels, other value", term: pt.PodTerm(hostname, "app", "db"), target: web},
		{name: "matchLabels, every pair", term: pt.PodTerm(hostname, "app", "web", "tier", "fe"), target: web},
		{name: "matchLabels, missing label", term: pt.PodTerm(hostname, "tier", "fe"), target: web},
		{name: "nil labelSelector selects nothing", term: corev1.PodAffinityTerm{TopologyKey: hostname}, target: web},
		{name: "empty labelSelector selects every pod", term: corev1.PodAffinityTerm{TopologyKey: hostname, LabelSelector: &metav1.LabelSelector{}},
			target: pt.MakePod("x").Obj(), want: true},
		{name: "In", term: expr("app", in, "db", "web"), target: web, want: true},
		{name: "In, missing label", term: expr("tier", in, "fe"), target: web},
		{name: "NotIn", term: expr("app", notIn, "db"), target: web, want: true},
		{name: "NotIn the value", term: expr("app", notIn, "web"), target: web},
		{name: "NotIn, missing label", term: expr("tier", notIn, "fe"), target: web, want: true},
		{name: "Exists", term: expr("app", metav1.LabelSelectorOpExists), target: web, want: true},
		{name: "Exists, missing", term: expr("tier", metav1.LabelSelectorOpExists), target: web},
		{name: "DoesNotExist", term: expr("tier", metav1.LabelSelectorOpDoesNotExist), target: web, want: true},
		{name: "DoesNotExist, present", term: expr("app", metav1.LabelSelectorOpDoesNotExist), target: web},
		{name: "owner's namespace by default", term: pt.PodTerm(hostname, "app", "web"), target: pt.MakePod("w").Label("app", "web").Namespace("prod").Obj()},
		{name: "namespaces list", term: withNamespaces(pt.PodTerm(hostname, "app", "web"), "dev", "prod"),
			target: pt.MakePod("w").Label("app", "web").Namespace("prod").Obj(), want: true},
		{name: "namespaces list replaces the owner's", term: withNamespaces(pt.PodTerm(hostname, "app", "web"), "prod"), target: web},
		{name: "namespaceSelector {}", term: withNamespaceSelector(pt.PodTerm(hostname, "app", "web"), &metav1.LabelSelector{}),
			target: pt.MakePod("w").Label("app", "web").Namespace("prod").Obj(), want: true},
		{name: "namespaceSelector on the name label", target: pt.MakePod("w").Label("app", "web").Namespace("prod").Obj(), want: true,
			term: withNamespaceSelector(pt.PodTerm(hostname, "app", "web"), &metav1.LabelSelector{MatchLabels: map[string]string{nsName: "prod"}})},
		{name: "namespaceSelector on the name label, other namespace", target: web,
			term: withNamespaceSelector(pt.PodTerm(hostname, "app", "web"), &metav1.LabelSelector{MatchLabels: map[string]string{nsName: "prod"}})},
		{name: "namespaceSelector on another label sees none", target: web,
			term: withNamespaceSelector(pt.PodTerm(hostname, "app", "web"), &metav1.LabelSelector{MatchLabels: map[string]string{"team": "shop"}})},
		{name: "namespaces list or namespaceSelector", target: web, want: true,
			term: withNamespaceSelector(withNamespaces(pt.PodTerm(hostname, "app", "web"), "default"), &metav1.LabelSelector{MatchLabels: map[string]string{nsName: "prod"}})},
		{name: "matchLabelKeys: same version", term: withLabelKeys(pt.PodTerm(hostname, "app", "web"), []string{"version"}, nil),
			target: pt.MakePod("w").Label("app", "web").Label("version", "v2").Obj(), want: true},
		{name: "matchLabelKeys: other version", term: withLabelKeys(pt.PodTerm(hostname, "app", "web"), []string{"version"}, nil),
			target: pt.MakePod("w").Label("app", "web").Label("version", "v1").Obj()},
		{name: "matchLabelKeys: target without the key", term: withLabelKeys(pt.PodTerm(hostname, "app", "web"), []string{"version"}, nil),
			target: web},
		{name: "matchLabelKeys: a key the owner lacks is ignored", term: withLabelKeys(pt.PodTerm(hostname, "app", "web"), []string{"zone"}, nil),
			target: web, want: true},
		{name: "mismatchLabelKeys: same tenant", term: withLabelKeys(pt.PodTerm(hostname, "app", "web"), nil, []string{"tenant"}),
			target: pt.MakePod("w").Label("app", "web").Label("tenant", "a").Obj()},
		{name: "mismatchLabelKeys: other tenant", term: withLabelKeys(pt.PodTerm(hostname, "app", "web"), nil, []string{"tenant"}),
			target: pt.MakePod("w").Label("app", "web").Label("tenant", "b").Obj(), want: true},
		{name: "mismatchLabelKeys: target without the key", term: withLabelKeys(pt.PodTerm(hostname, "app", "web"), nil, []string{"tenant"}),
			target: web, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compiled, err := newTerm(owner, &tt.term, 0)
			if err != nil {
				t.Fatalf("newTerm: %v", err)
			}
			if got := compiled.matches(tt.target); got != tt.want {
				t.Errorf("compiled term matches = %v, want %v", got, tt.want)
			}
			if got := termMatches(owner, &tt.term, tt.target); got != tt.want {
				t.Errorf("termMatches = %v, want %v", got, tt.want)
			}
		})
	}
}
