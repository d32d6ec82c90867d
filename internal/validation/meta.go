package validation

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Messages shared by several kinds. They are the strings the Kubernetes API
// server uses, so clients that match on them keep working.
const (
	fieldImmutableMsg  = apivalidation.FieldImmutableErrorMsg
	isNegativeMsg      = apivalidation.IsNegativeErrorMsg
	isNotPositiveMsg   = "must be greater than zero"
	isNotIntegerMsg    = "must be an integer"
	selectorMismatch   = "`selector` does not match template `labels`"
	fileModeMsg        = "must be a number between 0 and 0777 (octal), both inclusive"
	maxConfigDataBytes = 1024 * 1024 // ConfigMap and Secret payloads share the 1 MiB etcd-friendly cap.
)

// nameFunc reports what is wrong with an object name. prefix is true when the
// value is a generateName prefix that will get a random suffix.
type nameFunc = apivalidation.ValidateNameFunc

// Name rules. Most kinds use DNS-1123 subdomains; the ones whose names become
// DNS labels (namespaces, services) or path segments (events) differ.
var (
	nameIsDNSSubdomain nameFunc = apivalidation.NameIsDNSSubdomain
	nameIsDNSLabel     nameFunc = apivalidation.NameIsDNSLabel
)

// nameIsPathSegment only requires that the name can be used as one segment of
// a REST path: core/v1 events have always been allowed such free-form names
// (they are often "<object>.<hex timestamp>").
func nameIsPathSegment(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}

// standardFinalizers are the unqualified finalizer names Kubernetes itself
// uses; any other finalizer must be domain-qualified ("example.com/cleanup").
var standardFinalizers = map[string]bool{
	string(corev1.FinalizerKubernetes): true,
	metav1.FinalizerOrphanDependents:   true,
	metav1.FinalizerDeleteDependents:   true,
}

// validateObjectMeta checks metadata on create: the name with the kind's rule,
// the namespace according to scoping, labels, annotations, owner references
// and finalizers.
func validateObjectMeta(meta *metav1.ObjectMeta, namespaced bool, nameFn nameFunc, fldPath *field.Path) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(meta, namespaced, nameFn, fldPath)
	allErrs = append(allErrs, validateFinalizerQualification(meta.Finalizers, fldPath.Child("finalizers"))...)
	return allErrs
}

// validateObjectMetaUpdate checks the metadata rules that only apply to an
// update: name, namespace, uid and creationTimestamp are immutable, a
// resourceVersion is required and no finalizer may be added once deletion
// has started.
func validateObjectMetaUpdate(newMeta, oldMeta *metav1.ObjectMeta, fldPath *field.Path) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(newMeta, oldMeta, fldPath)
	allErrs = append(allErrs, validateFinalizerQualification(newMeta.Finalizers, fldPath.Child("finalizers"))...)
	return allErrs
}

func validateFinalizerQualification(finalizers []string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, f := range finalizers {
		allErrs = append(allErrs, validateFinalizerIsQualified(f, fldPath.Index(i))...)
	}
	return allErrs
}

func validateFinalizerIsQualified(f string, fldPath *field.Path) field.ErrorList {
	if !strings.Contains(f, "/") && !standardFinalizers[f] {
		return field.ErrorList{field.Invalid(fldPath, f, "name is neither a standard finalizer name nor is it fully qualified")}
	}
	return nil
}

// validateNameWith applies a name rule to a field that refers to another
// object by name (a secret, a node, a class ...).
func validateNameWith(nameFn nameFunc, name string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range nameFn(name, false) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}

func validateDNS1123Label(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

func validateDNS1123Subdomain(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

func validateQualifiedName(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsQualifiedName(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

func validateLabelValue(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsValidLabelValue(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

func validateNonnegative(value int64, fldPath *field.Path) field.ErrorList {
	if value < 0 {
		return field.ErrorList{field.Invalid(fldPath, value, isNegativeMsg)}
	}
	return nil
}

func validateNonnegativePtr[T ~int32 | ~int64](value *T, fldPath *field.Path) field.ErrorList {
	if value == nil {
		return nil
	}
	return validateNonnegative(int64(*value), fldPath)
}

func validatePositive(value int64, fldPath *field.Path) field.ErrorList {
	if value <= 0 {
		return field.ErrorList{field.Invalid(fldPath, value, isNotPositiveMsg)}
	}
	return nil
}

func validateNonnegativeQuantity(q resource.Quantity, fldPath *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), isNegativeMsg)}
	}
	return nil
}

func validatePositiveQuantity(q resource.Quantity, fldPath *field.Path) field.ErrorList {
	if q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), isNotPositiveMsg)}
	}
	return nil
}

func validatePortNumber(port int32, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port)) {
		allErrs = append(allErrs, field.Invalid(fldPath, port, msg))
	}
	return allErrs
}

// validatePortNumOrName checks a port that may be given by number or by the
// name of a container port (probes, service targetPort).
func validatePortNumOrName(port intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch port.Type {
	case intstr.Int:
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			allErrs = append(allErrs, field.Invalid(fldPath, port.IntValue(), msg))
		}
	case intstr.String:
		for _, msg := range validation.IsValidPortName(port.StrVal) {
			allErrs = append(allErrs, field.Invalid(fldPath, port.StrVal, msg))
		}
	default:
		allErrs = append(allErrs, field.InternalError(fldPath, fmt.Errorf("unknown type: %v", port.Type)))
	}
	return allErrs
}

func immutable(newVal, oldVal any, fldPath *field.Path) field.ErrorList {
	return apivalidation.ValidateImmutableField(newVal, oldVal, fldPath)
}

func validateLabels(l map[string]string, fldPath *field.Path) field.ErrorList {
	return metavalidation.ValidateLabels(l, fldPath)
}

func validateLabelSelector(sel *metav1.LabelSelector, fldPath *field.Path) field.ErrorList {
	return metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, fldPath)
}

// validateWorkloadSelector applies the rules every controller (ReplicaSet,
// Deployment, DaemonSet, StatefulSet) shares: a selector is required, must be
// well formed and must not be empty (an empty selector would adopt every pod
// in the namespace), and the pod template's labels must match it, or the
// controller would never see the pods it creates.
func validateWorkloadSelector(sel *metav1.LabelSelector, templateLabels map[string]string, kind string, specPath *field.Path) field.ErrorList {
	selPath := specPath.Child("selector")
	if sel == nil {
		return field.ErrorList{field.Required(selPath, "")}
	}
	allErrs := validateLabelSelector(sel, selPath)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		allErrs = append(allErrs, field.Invalid(selPath, sel, "empty selector is invalid for "+kind))
	}
	allErrs = append(allErrs, validateSelectorMatchesTemplate(sel, templateLabels, specPath.Child("template"))...)
	return allErrs
}

// validateSelectorMatchesTemplate reports a template whose labels the
// selector would not select. Malformed selectors are reported elsewhere.
func validateSelectorMatchesTemplate(sel *metav1.LabelSelector, templateLabels map[string]string, templatePath *field.Path) field.ErrorList {
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || selector.Empty() {
		return nil
	}
	if !selector.Matches(labels.Set(templateLabels)) {
		return field.ErrorList{field.Invalid(templatePath.Child("metadata", "labels"), templateLabels, selectorMismatch)}
	}
	return nil
}

// validatePositiveIntOrPercent checks maxSurge/maxUnavailable style values:
// a non-negative integer or a percentage string such as "25%".
func validatePositiveIntOrPercent(v *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	switch v.Type {
	case intstr.String:
		if len(validation.IsValidPercent(v.StrVal)) != 0 {
			return field.ErrorList{field.Invalid(fldPath, v.StrVal, "must be an integer or percentage (e.g '5%')")}
		}
	case intstr.Int:
		return validateNonnegative(int64(v.IntValue()), fldPath)
	}
	return nil
}

// intOrPercentValue returns the integer or the percentage number, whichever
// the value holds; -1 for malformed percentages (already reported).
func intOrPercentValue(v *intstr.IntOrString) int {
	if v == nil {
		return -1
	}
	if v.Type == intstr.Int {
		return v.IntValue()
	}
	var n int
	if _, err := fmt.Sscanf(v.StrVal, "%d%%", &n); err != nil {
		return -1
	}
	return n
}

func isPercent(v *intstr.IntOrString) bool {
	return v != nil && v.Type == intstr.String && len(validation.IsValidPercent(v.StrVal)) == 0
}

func validateNotMoreThan100Percent(v *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if isPercent(v) && intOrPercentValue(v) > 100 {
		return field.ErrorList{field.Invalid(fldPath, v.StrVal, "must not be greater than 100%")}
	}
	return nil
}

func validateAnnotations(a map[string]string, fldPath *field.Path) field.ErrorList {
	return apivalidation.ValidateAnnotations(a, fldPath)
}

// validateTemplateMetaOnly enforces that embedded object templates (such as a
// generic ephemeral volume's claim template) only set labels and annotations:
// everything else is owned by the controller that stamps out the objects.
func validateTemplateMetaOnly(meta *metav1.ObjectMeta, fldPath *field.Path) field.ErrorList {
	rest := meta.DeepCopy()
	rest.Labels, rest.Annotations = nil, nil
	var allErrs field.ErrorList
	for _, p := range changedPaths(metav1.ObjectMeta{}, *rest, "", 1) {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child(p), "cannot be set"))
	}
	return allErrs
}

// sortedKeys returns a map's keys in order, so that errors come out in the
// same order on every run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
