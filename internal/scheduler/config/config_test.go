package config

import (
	"strings"
	"testing"

	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderesources"
)

func TestDefaults(t *testing.T) {
	c, err := Parse([]byte(""))
	if err != nil {
		t.Fatal(err)
	}
	if c.SchedulerName != "default-scheduler" || !c.FairSharing.On() || !c.Preemption.On() ||
		c.Scoring.Strategy != noderesources.LeastAllocated || c.PodInitialBackoffSeconds != 1 || c.PodMaxBackoffSeconds != 10 {
		t.Errorf("defaults: %+v", c)
	}
	p, err := c.Profile()
	if err != nil {
		t.Fatal(err)
	}
	var filters, scores []string
	for _, f := range p.Filters {
		filters = append(filters, f.Name())
	}
	for _, s := range p.Scores {
		scores = append(scores, s.Plugin.Name()+"="+string(rune('0'+s.Weight)))
	}
	if got, want := strings.Join(filters, ","), "NodeReady,NodeRuntime,TaintToleration,NodeAffinity,NodePorts,NodeResourcesFit,PodTopologySpread,InterPodAffinity"; got != want {
		t.Errorf("filters %s\nwant    %s", got, want)
	}
	if got, want := strings.Join(scores, ","), "TaintToleration=3,NodeAffinity=2,NodeResourcesFit=1,PodTopologySpread=2,InterPodAffinity=2,NodeResourcesBalancedAllocation=1"; got != want {
		t.Errorf("scores %s\nwant   %s", got, want)
	}
}

func TestParse(t *testing.T) {
	c, err := Parse([]byte(`
apiVersion: marina.io/v1alpha1
kind: SchedulerConfiguration
percentageOfNodesToScore: 20
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 30
fairSharing: {enabled: false}
scoring: {strategy: MostAllocated}
plugins:
  disabled: [NodePorts]
  weights: {NodeResourcesBalancedAllocation: 0, TaintToleration: 5}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.FairSharing.On() || c.PercentageOfNodesToScore != 20 {
		t.Errorf("parsed %+v", c)
	}
	if i, m := c.Backoff(); i.Seconds() != 2 || m.Seconds() != 30 {
		t.Errorf("backoff %v %v", i, m)
	}
	p, err := c.Profile()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Filters {
		if f.Name() == "NodePorts" {
			t.Error("disabled NodePorts still filters")
		}
	}
	for _, s := range p.Scores {
		if s.Plugin.Name() == "NodeResourcesBalancedAllocation" {
			t.Error("a score of weight 0 still scores")
		}
		if s.Plugin.Name() == "TaintToleration" && s.Weight != 5 {
			t.Errorf("TaintToleration weight %d, want 5", s.Weight)
		}
	}
	if p.PercentageOfNodesToScore != 20 {
		t.Errorf("profile percentage %d", p.PercentageOfNodesToScore)
	}
}

func TestValidation(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown field", "fairShare: true", `unknown field "fairShare"`},
		{"wrong kind", "kind: KubeSchedulerConfiguration", `kind: unsupported value "KubeSchedulerConfiguration"`},
		{"percentage", "percentageOfNodesToScore: 101", "percentageOfNodesToScore: invalid value 101: must be between 0 and 100"},
		{"backoff order", "podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2", "podMaxBackoffSeconds: invalid value 2: must be at least podInitialBackoffSeconds (5)"},
		{"strategy", "scoring: {strategy: Random}", `scoring.strategy: unsupported value "Random"`},
		{"resource weight", "scoring: {resources: [{name: cpu, weight: 0}]}", "scoring.resources[0].weight: invalid value 0: must be between 1 and 100"},
		{"unknown plugin", "plugins: {disabled: [Magic]}", `plugins.disabled[0]: unknown plugin "Magic"`},
		{"not a score", "plugins: {weights: {NodePorts: 2}}", "plugins.weights.NodePorts: not a score plugin"},
		{"weight range", "plugins: {weights: {NodeAffinity: 101}}", "plugins.weights.NodeAffinity: invalid value 101: must be between 0 and 100"},
		{"hard pod affinity weight", "interPodAffinity: {hardPodAffinityWeight: 101}", "interPodAffinity.hardPodAffinityWeight"},
		{"defaulting type", "podTopologySpread: {defaultingType: Sometimes}", "podTopologySpread.defaultingType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) = %v, want an error containing %q", tt.yaml, err, tt.want)
			}
		})
	}
}
