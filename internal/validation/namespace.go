package validation

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateNamespace validates a Namespace on create. Namespace names are
// DNS-1123 labels because they become a label of every service's DNS name.
func ValidateNamespace(ns *corev1.Namespace) field.ErrorList {
	allErrs := validateObjectMeta(&ns.ObjectMeta, false, nameIsDNSLabel, field.NewPath("metadata"))
	finPath := field.NewPath("spec", "finalizers")
	for i, f := range ns.Spec.Finalizers {
		allErrs = append(allErrs, apivalidation.ValidateFinalizerName(string(f), finPath.Index(i))...)
		allErrs = append(allErrs, validateFinalizerIsQualified(string(f), finPath.Index(i))...)
	}
	return allErrs
}

// ValidateNamespaceUpdate validates an update of a Namespace.
func ValidateNamespaceUpdate(ns, old *corev1.Namespace) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&ns.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateNamespace(ns)...)
}
