// Package config is the scheduler's configuration file and the one place
// where its plugins are assembled into a profile.
//
// The file is YAML (or JSON), read strictly: an unknown field is an error
// that names it. Every field is optional; Default() shows the defaults:
//
//	apiVersion: marina.io/v1alpha1
//	kind: SchedulerConfiguration
//	schedulerName: default-scheduler   # pods naming another scheduler are left alone
//	percentageOfNodesToScore: 0        # 0: adaptive (50% less 1% per 125 nodes, at least 5%); 1-100: fixed
//	podInitialBackoffSeconds: 1        # first wait after a failed attempt, doubling ...
//	podMaxBackoffSeconds: 10           # ... up to this
//	fairSharing: {enabled: true}       # Mesos' weighted DRF between namespaces orders the queue
//	preemption: {enabled: true}        # higher-priority pods may evict lower-priority ones
//	scoring:
//	  strategy: LeastAllocated         # or MostAllocated (bin-packing)
//	  resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]
//	plugins:
//	  disabled: []                     # plugin names to leave out entirely
//	  weights:                         # score plugins' weights (0 turns a score off)
//	    TaintToleration: 3
//	    NodeAffinity: 2
//	    PodTopologySpread: 2
//	    InterPodAffinity: 2
//	    NodeResourcesFit: 1
//	    NodeResourcesBalancedAllocation: 1
//	interPodAffinity: {hardPodAffinityWeight: 1}
//	podTopologySpread: {defaultingType: System}   # or List, with defaultConstraints
package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/marina-orchestrator/marina/internal/scheduler"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/interpodaffinity"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeaffinity"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeports"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/nodeready"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderesources"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderuntime"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/podtopologyspread"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/tainttoleration"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/volumebinding"
)

// APIVersion and Kind head a configuration file.
const (
	APIVersion = "marina.io/v1alpha1"
	Kind       = "SchedulerConfiguration"
)

// DefaultSchedulerName is the schedulerName of pods Marina's scheduler
// takes (and of pods that set none).
const DefaultSchedulerName = corev1.DefaultSchedulerName

// Configuration is the scheduler's configuration.
type Configuration struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	// SchedulerName: the pods this scheduler takes.
	SchedulerName string `json:"schedulerName,omitempty"`
	// PercentageOfNodesToScore: how many feasible nodes to look for on
	// large clusters; 0 is adaptive. At least 100 are always looked for.
	PercentageOfNodesToScore int32 `json:"percentageOfNodesToScore,omitempty"`
	// PodInitialBackoffSeconds and PodMaxBackoffSeconds bound the wait
	// between attempts at a pod that fits nowhere.
	PodInitialBackoffSeconds int64             `json:"podInitialBackoffSeconds,omitempty"`
	PodMaxBackoffSeconds     int64             `json:"podMaxBackoffSeconds,omitempty"`
	FairSharing              Toggle            `json:"fairSharing,omitempty"`
	Preemption               Toggle            `json:"preemption,omitempty"`
	Scoring                  Scoring           `json:"scoring,omitempty"`
	Plugins                  Plugins           `json:"plugins,omitempty"`
	InterPodAffinity         InterPodAffinity  `json:"interPodAffinity,omitempty"`
	PodTopologySpread        PodTopologySpread `json:"podTopologySpread,omitempty"`
}

// Toggle switches a feature; unset means on.
type Toggle struct {
	Enabled *bool `json:"enabled,omitempty"`
}

// On reports whether the feature is on.
func (t Toggle) On() bool { return t.Enabled == nil || *t.Enabled }

// Scoring configures NodeResourcesFit's score.
type Scoring struct {
	// Strategy: LeastAllocated (spread) or MostAllocated (bin-pack).
	Strategy noderesources.ScoringStrategy `json:"strategy,omitempty"`
	// Resources scored, with weights from 1 to 100.
	Resources []Resource `json:"resources,omitempty"`
}

// Resource is a scored resource and its weight.
type Resource struct {
	Name   corev1.ResourceName `json:"name"`
	Weight int64               `json:"weight"`
}

// Plugins turns plugins off and weighs the scores.
type Plugins struct {
	Disabled []string         `json:"disabled,omitempty"`
	Weights  map[string]int64 `json:"weights,omitempty"`
}

// InterPodAffinity configures the InterPodAffinity plugin.
type InterPodAffinity struct {
	// HardPodAffinityWeight, 0 to 100: how much an existing pod's required
	// affinity to the incoming pod counts in scoring. Default 1.
	HardPodAffinityWeight *int32 `json:"hardPodAffinityWeight,omitempty"`
}

// PodTopologySpread configures the PodTopologySpread plugin.
type PodTopologySpread struct {
	// DefaultingType: System (spread pods of one owner over hostnames and
	// zones) or List (DefaultConstraints).
	DefaultingType     string                            `json:"defaultingType,omitempty"`
	DefaultConstraints []corev1.TopologySpreadConstraint `json:"defaultConstraints,omitempty"`
}

// DefaultWeights are the score plugins' weights, Kubernetes' defaults.
func DefaultWeights() map[string]int64 {
	return map[string]int64{
		tainttoleration.Name:                 3,
		nodeaffinity.Name:                    2,
		podtopologyspread.Name:               2,
		interpodaffinity.Name:                2,
		noderesources.Name:                   1,
		noderesources.BalancedAllocationName: 1,
	}
}

// Default is the configuration with every default filled in.
func Default() *Configuration {
	c := &Configuration{}
	c.SetDefaults()
	return c
}

// SetDefaults fills in what is unset.
func (c *Configuration) SetDefaults() {
	if c.APIVersion == "" {
		c.APIVersion = APIVersion
	}
	if c.Kind == "" {
		c.Kind = Kind
	}
	if c.SchedulerName == "" {
		c.SchedulerName = DefaultSchedulerName
	}
	if c.PodInitialBackoffSeconds == 0 {
		c.PodInitialBackoffSeconds = 1
	}
	if c.PodMaxBackoffSeconds == 0 {
		c.PodMaxBackoffSeconds = 10
	}
	if c.Scoring.Strategy == "" {
		c.Scoring.Strategy = noderesources.LeastAllocated
	}
	if len(c.Scoring.Resources) == 0 {
		for _, r := range noderesources.DefaultResources() {
			c.Scoring.Resources = append(c.Scoring.Resources, Resource{Name: r.Name, Weight: r.Weight})
		}
	}
	weights := DefaultWeights()
	for name, w := range c.Plugins.Weights {
		weights[name] = w
	}
	c.Plugins.Weights = weights
	if c.InterPodAffinity.HardPodAffinityWeight == nil {
		w := int32(1)
		c.InterPodAffinity.HardPodAffinityWeight = &w
	}
	if c.PodTopologySpread.DefaultingType == "" {
		c.PodTopologySpread.DefaultingType = podtopologyspread.SystemDefaulting
	}
}

// Load reads a configuration file, fills in defaults and validates it.
func Load(path string) (*Configuration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scheduler configuration: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("scheduler configuration %s: %w", path, err)
	}
	return c, nil
}

// Parse reads a configuration from YAML or JSON, fills in defaults and
// validates it.
func Parse(data []byte) (*Configuration, error) {
	c := &Configuration{}
	if err := yaml.UnmarshalStrict(data, c); err != nil {
		return nil, err
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate returns every problem with a defaulted configuration, each
// naming its field.
func (c *Configuration) Validate() error {
	var errs []error
	if c.APIVersion != APIVersion {
		errs = append(errs, fmt.Errorf("apiVersion: unsupported value %q: want %q", c.APIVersion, APIVersion))
	}
	if c.Kind != Kind {
		errs = append(errs, fmt.Errorf("kind: unsupported value %q: want %q", c.Kind, Kind))
	}
	if c.PercentageOfNodesToScore < 0 || c.PercentageOfNodesToScore > 100 {
		errs = append(errs, fmt.Errorf("percentageOfNodesToScore: invalid value %d: must be between 0 and 100", c.PercentageOfNodesToScore))
	}
	if c.PodInitialBackoffSeconds < 1 {
		errs = append(errs, fmt.Errorf("podInitialBackoffSeconds: invalid value %d: must be at least 1", c.PodInitialBackoffSeconds))
	}
	if c.PodMaxBackoffSeconds < c.PodInitialBackoffSeconds {
		errs = append(errs, fmt.Errorf("podMaxBackoffSeconds: invalid value %d: must be at least podInitialBackoffSeconds (%d)", c.PodMaxBackoffSeconds, c.PodInitialBackoffSeconds))
	}
	known := pluginNames()
	for i, name := range c.Plugins.Disabled {
		if !slices.Contains(known, name) {
			errs = append(errs, fmt.Errorf("plugins.disabled[%d]: unknown plugin %q: known plugins: %s", i, name, strings.Join(known, ", ")))
		}
	}
	defaults := DefaultWeights()
	names := make([]string, 0, len(c.Plugins.Weights))
	for name := range c.Plugins.Weights {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w := c.Plugins.Weights[name]
		if _, ok := defaults[name]; !ok {
			errs = append(errs, fmt.Errorf("plugins.weights.%s: not a score plugin: score plugins: %s", name, strings.Join(sortedKeys(defaults), ", ")))
			continue
		}
		if w < 0 || w > 100 {
			errs = append(errs, fmt.Errorf("plugins.weights.%s: invalid value %d: must be between 0 and 100", name, w))
		}
	}
	// The plugins' own arguments are checked by building them.
	if _, err := c.build(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Backoff returns the initial and the longest wait between attempts.
func (c *Configuration) Backoff() (initial, maximum time.Duration) {
	return time.Duration(c.PodInitialBackoffSeconds) * time.Second, time.Duration(c.PodMaxBackoffSeconds) * time.Second
}

// pluginNames are every plugin's name, in filter order.
func pluginNames() []string {
	return []string{nodeready.Name, noderuntime.Name, tainttoleration.Name, nodeaffinity.Name, nodeports.Name,
		noderesources.Name, podtopologyspread.Name, interpodaffinity.Name, noderesources.BalancedAllocationName}
}

// build constructs every plugin, in filter order, with its arguments.
func (c *Configuration) build() ([]framework.Plugin, error) {
	var resources []noderesources.ResourceSpec
	for _, r := range c.Scoring.Resources {
		resources = append(resources, noderesources.ResourceSpec{Name: r.Name, Weight: r.Weight})
	}
	fit, err := noderesources.New(noderesources.FitArgs{ScoringStrategy: c.Scoring.Strategy, Resources: resources})
	if err != nil {
		return nil, fieldError("scoring", noderesources.Name, err)
	}
	balanced, err := noderesources.NewBalancedAllocation(noderesources.BalancedAllocationArgs{Resources: resources})
	if err != nil {
		return nil, fieldError("scoring", noderesources.BalancedAllocationName, err)
	}
	ipa, err := interpodaffinity.New(interpodaffinity.Args{HardPodAffinityWeight: *c.InterPodAffinity.HardPodAffinityWeight})
	if err != nil {
		return nil, fieldError("interPodAffinity", interpodaffinity.Name, err)
	}
	pts, err := podtopologyspread.New(podtopologyspread.Args{
		DefaultingType: c.PodTopologySpread.DefaultingType, DefaultConstraints: c.PodTopologySpread.DefaultConstraints})
	if err != nil {
		return nil, fieldError("podTopologySpread", podtopologyspread.Name, err)
	}
	return []framework.Plugin{nodeready.New(), noderuntime.New(), tainttoleration.New(), nodeaffinity.New(), nodeports.New(),
		fit, pts, ipa, balanced}, nil
}

// fieldError puts a plugin's argument error ("PodTopologySpread args:
// defaultingType: ...") under the configuration's field for it
// ("podTopologySpread.defaultingType: ...").
func fieldError(field, plugin string, err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		l = strings.TrimPrefix(l, plugin+" args: ")
		if field == "scoring" {
			l = strings.TrimPrefix(l, "scoringStrategy")
			if strings.HasPrefix(l, ":") {
				l = "strategy" + l
			}
		}
		lines[i] = field + "." + l
	}
	return errors.New(strings.Join(lines, "\n"))
}

// Deps are what plugins read from the cluster besides nodes and pods.
type Deps struct {
	// Claims resolves persistent volume claims for VolumeBinding; without
	// it, the plugin is left out.
	Claims volumebinding.Claims
}

// Profile assembles the configured plugins without dependencies.
func (c *Configuration) Profile() (*scheduler.Profile, error) { return c.ProfileWith(Deps{}) }

// ProfileWith assembles the configured plugins: every enabled plugin runs
// at each extension point it implements, in filter order; score plugins
// with weight 0 do not score.
func (c *Configuration) ProfileWith(deps Deps) (*scheduler.Profile, error) {
	all, err := c.build()
	if err != nil {
		return nil, err
	}
	if deps.Claims != nil {
		// Volumes pin pods to nodes much as node affinity does; it
		// filters right after it.
		i := slices.IndexFunc(all, func(p framework.Plugin) bool { return p.Name() == nodeaffinity.Name })
		all = slices.Insert(all, i+1, framework.Plugin(volumebinding.New(deps.Claims)))
	}
	p := &scheduler.Profile{PercentageOfNodesToScore: c.PercentageOfNodesToScore}
	for _, pl := range all {
		if slices.Contains(c.Plugins.Disabled, pl.Name()) {
			continue
		}
		if f, ok := pl.(framework.PreFilterPlugin); ok {
			p.PreFilters = append(p.PreFilters, f)
		}
		if f, ok := pl.(framework.FilterPlugin); ok {
			p.Filters = append(p.Filters, f)
		}
		s, ok := pl.(framework.ScorePlugin)
		if !ok || c.Plugins.Weights[pl.Name()] == 0 {
			continue
		}
		if ps, ok := pl.(framework.PreScorePlugin); ok {
			p.PreScores = append(p.PreScores, ps)
		}
		p.Scores = append(p.Scores, scheduler.WeightedScore{Plugin: s, Weight: c.Plugins.Weights[pl.Name()]})
	}
	return p, nil
}
