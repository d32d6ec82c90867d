package interpodaffinity

import (
	"errors"
	"fmt"
)

// DefaultHardPodAffinityWeight is Kubernetes' default for
// Args.HardPodAffinityWeight.
const DefaultHardPodAffinityWeight int32 = 1

// maxHardPodAffinityWeight bounds Args.HardPodAffinityWeight, as in
// Kubernetes.
const maxHardPodAffinityWeight int32 = 100

// Args configure InterPodAffinity. Start from DefaultArgs: the zero Args
// is valid but gives existing pods' required affinity no weight.
type Args struct {
	// HardPodAffinityWeight is what an existing pod's required affinity
	// term that matches the incoming pod adds to the score of the
	// existing pod's topology domain: pods that must be near the
	// incoming pod draw it, even though their own term only bound where
	// they themselves could go. 0 to 100; 0 turns this off. Default 1.
	HardPodAffinityWeight int32
	// IgnorePreferredTermsOfExistingPods skips scoring when the incoming
	// pod has no preferred pod affinity or anti-affinity of its own: the
	// terms of existing pods (preferred, and required × weight) are then
	// not looked at, which saves a walk over the pods with affinity on
	// every cycle. When the incoming pod has preferred terms, everything
	// is scored as usual. This is Kubernetes' meaning of the flag.
	IgnorePreferredTermsOfExistingPods bool
}

// DefaultArgs are Kubernetes' defaults.
func DefaultArgs() Args {
	return Args{HardPodAffinityWeight: DefaultHardPodAffinityWeight}
}

// Validate returns every problem with the args, each with its field path.
func (a Args) Validate() error {
	var errs []error
	if a.HardPodAffinityWeight < 0 || a.HardPodAffinityWeight > maxHardPodAffinityWeight {
		errs = append(errs, fmt.Errorf("hardPodAffinityWeight: must be between 0 and %d, got %d",
			maxHardPodAffinityWeight, a.HardPodAffinityWeight))
	}
	return errors.Join(errs...)
}
