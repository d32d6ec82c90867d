package validation

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateNode validates a Node on create. Node names are DNS-1123
// subdomains, as in Kubernetes: kubelets register under their (lower-cased)
// host name.
func ValidateNode(node *corev1.Node) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMeta(&node.ObjectMeta, false, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateTaints(node.Spec.Taints, specPath.Child("taints"))...)

	if node.Spec.PodCIDR != "" {
		allErrs = append(allErrs, validation.IsValidCIDR(specPath.Child("podCIDR"), node.Spec.PodCIDR)...)
	}
	cidrPath := specPath.Child("podCIDRs")
	valid := true
	for i, c := range node.Spec.PodCIDRs {
		if errs := validation.IsValidCIDR(cidrPath.Index(i), c); len(errs) > 0 {
			allErrs = append(allErrs, errs...)
			valid = false
		}
	}
	if valid && len(node.Spec.PodCIDRs) > 1 {
		// At most one range per IP family, as for pod IPs.
		seen := sets.New[string]()
		families := 0
		for i, c := range node.Spec.PodCIDRs {
			if seen.Has(c) {
				allErrs = append(allErrs, field.Duplicate(cidrPath.Index(i), c))
			}
			seen.Insert(c)
			if isIPv6(cidrIP(c)) {
				families |= 2
			} else {
				families |= 1
			}
		}
		if len(node.Spec.PodCIDRs) > 2 || families != 3 {
			allErrs = append(allErrs, field.Invalid(cidrPath, node.Spec.PodCIDRs, "may specify no more than one CIDR for each IP family"))
		}
	}
	if node.Spec.PodCIDR != "" && len(node.Spec.PodCIDRs) > 0 && node.Spec.PodCIDRs[0] != node.Spec.PodCIDR {
		allErrs = append(allErrs, field.Invalid(cidrPath.Index(0), node.Spec.PodCIDRs[0], "must match `podCIDR`"))
	}

	// Status is optional on create, but what is there must make sense.
	statusPath := field.NewPath("status")
	allErrs = append(allErrs, validateResourceList(node.Status.Capacity, nil, statusPath.Child("capacity"))...)
	allErrs = append(allErrs, validateResourceList(node.Status.Allocatable, nil, statusPath.Child("allocatable"))...)
	return allErrs
}

func cidrIP(c string) string {
	for i := 0; i < len(c); i++ {
		if c[i] == '/' {
			return c[:i]
		}
	}
	return c
}

// ValidateNodeUpdate validates an update of a Node. Fields set once by the
// cloud or IPAM controllers (pod CIDRs, provider ID, external ID) cannot be
// changed afterwards: pods and routes already depend on them.
func ValidateNodeUpdate(node, old *corev1.Node) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMetaUpdate(&node.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateNode(node)...)

	const cidrMsg = "node updates may not change podCIDR except from \"\" to valid"
	if old.Spec.PodCIDR != "" && node.Spec.PodCIDR != old.Spec.PodCIDR {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("podCIDR"), cidrMsg))
	}
	if len(old.Spec.PodCIDRs) > 0 && !sets.New(old.Spec.PodCIDRs...).Equal(sets.New(node.Spec.PodCIDRs...)) ||
		len(old.Spec.PodCIDRs) > 0 && len(old.Spec.PodCIDRs) != len(node.Spec.PodCIDRs) {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("podCIDRs"), cidrMsg))
	}
	if old.Spec.ProviderID != "" && node.Spec.ProviderID != old.Spec.ProviderID {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("providerID"), "node updates may not change providerID except from \"\" to valid"))
	}
	if node.Spec.DoNotUseExternalID != old.Spec.DoNotUseExternalID {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("externalID"), "may not be updated"))
	}
	seen := sets.New[corev1.NodeAddress]()
	for i, a := range node.Status.Addresses {
		if seen.Has(a) {
			allErrs = append(allErrs, field.Duplicate(field.NewPath("status", "addresses").Index(i), a))
		}
		seen.Insert(a)
	}
	return allErrs
}
