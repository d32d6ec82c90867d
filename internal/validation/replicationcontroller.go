package validation

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateReplicationController validates a ReplicationController on create.
func ValidateReplicationController(rc *corev1.ReplicationController) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &rc.Spec
	allErrs := validateObjectMeta(&rc.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateNonnegative(int64(spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.Replicas, specPath.Child("replicas"))...)

	tmplPath := specPath.Child("template")
	if spec.Template == nil {
		return append(allErrs, field.Required(tmplPath, ""))
	}
	// The v1 API defaults an empty selector to the template's labels.
	selector := spec.Selector
	if len(selector) == 0 {
		selector = spec.Template.Labels
	}
	if len(selector) == 0 {
		allErrs = append(allErrs, field.Required(specPath.Child("selector"), ""))
	} else {
		allErrs = append(allErrs, validateLabels(selector, specPath.Child("selector"))...)
		if !labels.SelectorFromSet(selector).Matches(labels.Set(spec.Template.Labels)) {
			allErrs = append(allErrs, field.Invalid(tmplPath.Child("metadata", "labels"), spec.Template.Labels, selectorMismatch))
		}
	}
	allErrs = append(allErrs, validateControllerTemplate(spec.Template, "ReplicationController", tmplPath)...)
	return allErrs
}

// validateControllerTemplate checks the pod template of a controller that
// keeps its pods running forever (ReplicationController, ReplicaSet,
// Deployment, DaemonSet, StatefulSet): the pods must restart always and may
// not have a deadline, or the controller would fight the kubelet.
func validateControllerTemplate(tmpl *corev1.PodTemplateSpec, kind string, tmplPath *field.Path) field.ErrorList {
	allErrs := ValidatePodTemplateSpec(tmpl, tmplPath)
	if p := tmpl.Spec.RestartPolicy; p != "" && p != corev1.RestartPolicyAlways {
		allErrs = append(allErrs, field.NotSupported(tmplPath.Child("spec", "restartPolicy"), p, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if tmpl.Spec.ActiveDeadlineSeconds != nil {
		allErrs = append(allErrs, field.Forbidden(tmplPath.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return allErrs
}

// ValidateReplicationControllerUpdate validates an update of a
// ReplicationController. Unlike the apps/v1 controllers its selector may
// change (the v1 API has always allowed it).
func ValidateReplicationControllerUpdate(rc, old *corev1.ReplicationController) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&rc.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateReplicationController(rc)...)
}
