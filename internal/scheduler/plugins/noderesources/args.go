package noderesources

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ScoringStrategy is how NodeResourcesFit ranks the nodes a pod fits.
type ScoringStrategy string

const (
	// LeastAllocated prefers the node with the most room left: pods
	// spread out. Kubernetes' default.
	LeastAllocated ScoringStrategy = "LeastAllocated"
	// MostAllocated prefers the fullest node: pods pack onto few nodes
	// (bin-packing), leaving others empty.
	MostAllocated ScoringStrategy = "MostAllocated"
)

// ResourceSpec is a resource a score looks at and its weight.
type ResourceSpec struct {
	Name corev1.ResourceName
	// Weight, 1 to 100; each resource's score counts Weight times in
	// the node's weighted average. BalancedAllocation ignores it.
	Weight int64
}

// DefaultResources are what the scores look at unless configured: cpu and
// memory, weight 1 each, as in Kubernetes.
func DefaultResources() []ResourceSpec {
	return []ResourceSpec{{Name: corev1.ResourceCPU, Weight: 1}, {Name: corev1.ResourceMemory, Weight: 1}}
}

// FitArgs configure NodeResourcesFit. The zero value is Kubernetes'
// default: LeastAllocated over cpu and memory.
type FitArgs struct {
	// ScoringStrategy: LeastAllocated (default) or MostAllocated.
	ScoringStrategy ScoringStrategy
	// Resources scored and their weights; DefaultResources when empty.
	// Extended resources (nvidia.com/gpu) may be listed: a node is scored
	// on one only when the pod asks for it.
	Resources []ResourceSpec
}

// withDefaults fills in what is unset.
func (a FitArgs) withDefaults() FitArgs {
	if a.ScoringStrategy == "" {
		a.ScoringStrategy = LeastAllocated
	}
	if len(a.Resources) == 0 {
		a.Resources = DefaultResources()
	}
	return a
}

// Validate returns every problem with the args (after defaults), each
// with its field path.
func (a FitArgs) Validate() error {
	a = a.withDefaults()
	var errs []error
	switch a.ScoringStrategy {
	case LeastAllocated, MostAllocated:
	default:
		errs = append(errs, fmt.Errorf("scoringStrategy: unsupported value %q: supported values: %q, %q",
			a.ScoringStrategy, LeastAllocated, MostAllocated))
	}
	return errors.Join(append(errs, validateResources(a.Resources, "resources", true)...)...)
}

// BalancedAllocationArgs configure NodeResourcesBalancedAllocation.
type BalancedAllocationArgs struct {
	// Resources whose shares are balanced; DefaultResources when empty.
	// Their weights are not used.
	Resources []ResourceSpec
}

func (a BalancedAllocationArgs) withDefaults() BalancedAllocationArgs {
	if len(a.Resources) == 0 {
		a.Resources = DefaultResources()
	}
	return a
}

// Validate returns every problem with the args (after defaults).
func (a BalancedAllocationArgs) Validate() error {
	return errors.Join(validateResources(a.withDefaults().Resources, "resources", false)...)
}

// validateResources checks names, and weights when they matter.
func validateResources(rs []ResourceSpec, path string, weighted bool) []error {
	var errs []error
	seen := map[corev1.ResourceName]bool{}
	for i, r := range rs {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case r.Name == "":
			errs = append(errs, fmt.Errorf("%s.name: required", p))
		case r.Name == corev1.ResourcePods:
			errs = append(errs, fmt.Errorf("%s.name: %q cannot be scored", p, r.Name))
		case seen[r.Name]:
			errs = append(errs, fmt.Errorf("%s.name: duplicate value %q", p, r.Name))
		}
		seen[r.Name] = true
		if weighted && (r.Weight < 1 || r.Weight > 100) {
			errs = append(errs, fmt.Errorf("%s.weight: invalid value %d: must be between 1 and 100", p, r.Weight))
		}
	}
	return errs
}
