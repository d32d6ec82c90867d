package podtopologyspread

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The defaulting types: where the constraints of a pod that has none of
// its own come from.
const (
	// SystemDefaulting applies SystemDefaultConstraints. Kubernetes'
	// default.
	SystemDefaulting = "System"
	// ListDefaulting applies Args.DefaultConstraints (none when empty).
	ListDefaulting = "List"
)

// Args configure the plugin. The zero value is Kubernetes' default:
// System defaulting.
type Args struct {
	// DefaultingType is SystemDefaulting (when empty) or ListDefaulting.
	DefaultingType string
	// DefaultConstraints apply, with ListDefaulting, to a pod that has no
	// topologySpreadConstraints of its own and has a controller owner;
	// each counts the pods of that owner, so it must not set
	// labelSelector or matchLabelKeys. Must be empty with
	// SystemDefaulting.
	DefaultConstraints []corev1.TopologySpreadConstraint
}

// SystemDefaultConstraints are Kubernetes' system defaults: spread the pods
// of one owner over nodes (maxSkew 3) and zones (maxSkew 5), as a
// preference only.
func SystemDefaultConstraints() []corev1.TopologySpreadConstraint {
	return []corev1.TopologySpreadConstraint{
		{MaxSkew: 3, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway},
		{MaxSkew: 5, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway},
	}
}

func (a Args) withDefaults() Args {
	if a.DefaultingType == "" {
		a.DefaultingType = SystemDefaulting
	}
	return a
}

// Validate returns every problem with the args (after defaults), each
// with its field path.
func (a Args) Validate() error {
	a = a.withDefaults()
	var errs []error
	switch a.DefaultingType {
	case ListDefaulting:
	case SystemDefaulting:
		if len(a.DefaultConstraints) > 0 {
			errs = append(errs, fmt.Errorf("defaultConstraints: must be empty when defaultingType is %q", SystemDefaulting))
		}
	default:
		errs = append(errs, fmt.Errorf("defaultingType: unsupported value %q: supported values: %q, %q",
			a.DefaultingType, SystemDefaulting, ListDefaulting))
	}
	type keyAction struct {
		key    string
		action corev1.UnsatisfiableConstraintAction
	}
	seen := map[keyAction]bool{}
	for i := range a.DefaultConstraints {
		c := &a.DefaultConstraints[i]
		p := fmt.Sprintf("defaultConstraints[%d]", i)
		errs = append(errs, validateConstraint(c, p)...)
		ka := keyAction{c.TopologyKey, c.WhenUnsatisfiable}
		if seen[ka] {
			errs = append(errs, fmt.Errorf("%s: duplicate topologyKey and whenUnsatisfiable {%s, %s}", p, ka.key, ka.action))
		}
		seen[ka] = true
	}
	return errors.Join(errs...)
}

// validateConstraint checks one default constraint at path p.
func validateConstraint(c *corev1.TopologySpreadConstraint, p string) []error {
	var errs []error
	if c.MaxSkew <= 0 {
		errs = append(errs, fmt.Errorf("%s.maxSkew: must be greater than zero", p))
	}
	switch {
	case c.TopologyKey == "":
		errs = append(errs, fmt.Errorf("%s.topologyKey: required", p))
	default:
		if msgs := validation.IsQualifiedName(c.TopologyKey); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("%s.topologyKey: invalid label key %q: %s", p, c.TopologyKey, strings.Join(msgs, "; ")))
		}
	}
	switch c.WhenUnsatisfiable {
	case corev1.DoNotSchedule, corev1.ScheduleAnyway:
	case "":
		errs = append(errs, fmt.Errorf("%s.whenUnsatisfiable: required", p))
	default:
		errs = append(errs, fmt.Errorf("%s.whenUnsatisfiable: unsupported value %q: supported values: %q, %q",
			p, c.WhenUnsatisfiable, corev1.DoNotSchedule, corev1.ScheduleAnyway))
	}
	if c.MinDomains != nil {
		switch {
		case *c.MinDomains <= 0:
			errs = append(errs, fmt.Errorf("%s.minDomains: must be greater than zero", p))
		case c.WhenUnsatisfiable != corev1.DoNotSchedule:
			errs = append(errs, fmt.Errorf("%s.minDomains: may only be set with whenUnsatisfiable %q", p, corev1.DoNotSchedule))
		}
	}
	errs = append(errs, validatePolicy(c.NodeAffinityPolicy, p+".nodeAffinityPolicy")...)
	errs = append(errs, validatePolicy(c.NodeTaintsPolicy, p+".nodeTaintsPolicy")...)
	if c.LabelSelector != nil {
		errs = append(errs, fmt.Errorf("%s.labelSelector: must not be set: default constraints count the pods of the incoming pod's owner", p))
	}
	if len(c.MatchLabelKeys) > 0 {
		errs = append(errs, fmt.Errorf("%s.matchLabelKeys: must not be set: default constraints count the pods of the incoming pod's owner", p))
	}
	return errs
}

func validatePolicy(v *corev1.NodeInclusionPolicy, p string) []error {
	if v == nil || *v == corev1.NodeInclusionPolicyHonor || *v == corev1.NodeInclusionPolicyIgnore {
		return nil
	}
	return []error{fmt.Errorf("%s: unsupported value %q: supported values: %q, %q",
		p, *v, corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore)}
}
