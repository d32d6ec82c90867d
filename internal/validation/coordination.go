package validation

import (
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateLease validates a coordination/v1 Lease on create.
func ValidateLease(lease *coordinationv1.Lease) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &lease.Spec
	allErrs := validateObjectMeta(&lease.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		allErrs = append(allErrs, field.Invalid(specPath.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if t := spec.LeaseTransitions; t != nil && *t < 0 {
		allErrs = append(allErrs, field.Invalid(specPath.Child("leaseTransitions"), *t, "must be greater than or equal to 0"))
	}
	if s := spec.Strategy; s != nil {
		allErrs = append(allErrs, validateLeaseStrategy(*s, specPath.Child("strategy"))...)
	}
	// A preferred holder only means something to a coordinated election.
	if ph := spec.PreferredHolder; ph != nil && *ph != "" && (spec.Strategy == nil || *spec.Strategy == "") {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return allErrs
}

// validateLeaseStrategy accepts the built-in strategy or a custom one named
// by a domain-prefixed path ("example.com/my-strategy").
func validateLeaseStrategy(s coordinationv1.CoordinatedLeaseStrategy, fldPath *field.Path) field.ErrorList {
	switch {
	case s == "":
		return field.ErrorList{field.Required(fldPath, "")}
	case strings.Contains(string(s), "/"):
		return validation.IsDomainPrefixedPath(fldPath, string(s))
	case s != coordinationv1.OldestEmulationVersion:
		return field.ErrorList{field.NotSupported(fldPath, s, []coordinationv1.CoordinatedLeaseStrategy{coordinationv1.OldestEmulationVersion})}
	}
	return nil
}

// ValidateLeaseUpdate validates an update of a Lease; holders renew and
// take over leases by updating any spec field.
func ValidateLeaseUpdate(lease, old *coordinationv1.Lease) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&lease.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateLease(lease)...)
}
