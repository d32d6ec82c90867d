package validation

import (
	policyv1 "k8s.io/api/policy/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateEviction validates a policy/v1 Eviction posted to a pod's eviction
// subresource. Its name and namespace identify the pod to evict; the handler
// must still check that they match the pod named in the URL.
func ValidateEviction(ev *policyv1.Eviction) field.ErrorList {
	allErrs := validateObjectMeta(&ev.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	if ev.DeleteOptions == nil {
		return allErrs
	}
	optsPath := field.NewPath("deleteOptions")
	for _, e := range metavalidation.ValidateDeleteOptions(ev.DeleteOptions) {
		// The helper reports paths relative to the options; anchor them.
		e.Field = optsPath.String() + "." + e.Field
		allErrs = append(allErrs, e)
	}
	if gp := ev.DeleteOptions.GracePeriodSeconds; gp != nil && *gp < 0 {
		allErrs = append(allErrs, field.Invalid(optsPath.Child("gracePeriodSeconds"), *gp, isNegativeMsg))
	}
	return allErrs
}
