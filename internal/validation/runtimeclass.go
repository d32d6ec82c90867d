package validation

import (
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateRuntimeClass validates a node/v1 RuntimeClass on create. The
// handler names a CRI runtime configuration on the nodes, which must be a
// DNS-1123 label.
func ValidateRuntimeClass(rc *nodev1.RuntimeClass) field.ErrorList {
	allErrs := validateObjectMeta(&rc.ObjectMeta, false, nameIsDNSSubdomain, field.NewPath("metadata"))
	if rc.Handler == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("handler"), ""))
	} else {
		allErrs = append(allErrs, validateNameWith(nameIsDNSLabel, rc.Handler, field.NewPath("handler"))...)
	}
	if rc.Overhead != nil {
		allErrs = append(allErrs, validateResourceRequirements(&corev1.ResourceRequirements{Limits: rc.Overhead.PodFixed}, nil,
			field.NewPath("overhead", "podFixed"))...)
	}
	if s := rc.Scheduling; s != nil {
		sp := field.NewPath("scheduling")
		allErrs = append(allErrs, validateLabels(s.NodeSelector, sp.Child("nodeSelector"))...)
		tp := sp.Child("tolerations")
		allErrs = append(allErrs, validateTolerations(s.Tolerations, tp)...)
		// Tolerations are merged into pods by key/operator/value/effect;
		// a repeated one is a mistake.
		seen := map[corev1.Toleration]bool{}
		for i, t := range s.Tolerations {
			key := corev1.Toleration{Key: t.Key, Operator: t.Operator, Value: t.Value, Effect: t.Effect}
			if seen[key] {
				allErrs = append(allErrs, field.Duplicate(tp.Index(i), t))
			}
			seen[key] = true
		}
	}
	return allErrs
}

// ValidateRuntimeClassUpdate validates an update of a RuntimeClass; the
// handler is immutable, since running pods were started with it.
func ValidateRuntimeClassUpdate(rc, old *nodev1.RuntimeClass) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&rc.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateRuntimeClass(rc)...)
	allErrs = append(allErrs, immutable(rc.Handler, old.Handler, field.NewPath("handler"))...)
	return allErrs
}
