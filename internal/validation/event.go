package validation

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Length limits of the newer event fields, as in Kubernetes.
const (
	eventReportingInstanceMax = 128
	eventActionMax            = 128
	eventReasonMax            = 128
	eventMessageMax           = 1024
)

// ValidateEvent validates a core/v1 Event (on create and on update).
//
// Event names only need to be usable as a path segment: clients have always
// generated names like "<object>.<hex timestamp>" that are not DNS names.
// Events written by the newer events API set eventTime and must then carry
// the reporting fields; older events are only checked for namespace
// consistency with the object they describe.
func ValidateEvent(event *corev1.Event) field.ErrorList {
	allErrs := validateObjectMeta(&event.ObjectMeta, true, nameIsPathSegment, field.NewPath("metadata"))
	nsPath := field.NewPath("involvedObject", "namespace")
	involvedNS := event.InvolvedObject.Namespace

	if event.EventTime.IsZero() {
		// An event about a cluster-scoped object lives in "default" (or
		// nowhere); otherwise it lives with the object it describes.
		if involvedNS == "" {
			if event.Namespace != metav1.NamespaceNone && event.Namespace != metav1.NamespaceDefault {
				allErrs = append(allErrs, field.Invalid(nsPath, involvedNS, "does not match event.namespace"))
			}
		} else if event.Namespace != involvedNS {
			allErrs = append(allErrs, field.Invalid(nsPath, involvedNS, "does not match event.namespace"))
		}
		return allErrs
	}

	if involvedNS == "" && event.Namespace != metav1.NamespaceDefault && event.Namespace != metav1.NamespaceSystem {
		allErrs = append(allErrs, field.Invalid(nsPath, involvedNS, "does not match event.namespace"))
	}
	if event.ReportingController == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("reportingComponent"), ""))
	} else {
		allErrs = append(allErrs, validateQualifiedName(event.ReportingController, field.NewPath("reportingComponent"))...)
	}
	allErrs = append(allErrs, validateEventString(event.ReportingInstance, true, eventReportingInstanceMax, field.NewPath("reportingInstance"))...)
	allErrs = append(allErrs, validateEventString(event.Action, true, eventActionMax, field.NewPath("action"))...)
	allErrs = append(allErrs, validateEventString(event.Reason, true, eventReasonMax, field.NewPath("reason"))...)
	allErrs = append(allErrs, validateEventString(event.Message, false, eventMessageMax, field.NewPath("message"))...)
	return allErrs
}

func validateEventString(v string, isRequired bool, maxLen int, fldPath *field.Path) field.ErrorList {
	if v == "" {
		if isRequired {
			return field.ErrorList{field.Required(fldPath, "")}
		}
		return nil
	}
	if len(v) > maxLen {
		return field.ErrorList{field.Invalid(fldPath, "", fmt.Sprintf("can have at most %v characters", maxLen))}
	}
	return nil
}

// ValidateEventUpdate validates an update of a core/v1 Event: the metadata
// update rules plus ValidateEvent on the new object. (Kubernetes lets core/v1
// clients rewrite the rest of an event, e.g. to bump its count.)
func ValidateEventUpdate(event, old *corev1.Event) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&event.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateEvent(event)...)
}
