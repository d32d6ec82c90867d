package validation

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	maxStabilizationWindowSeconds = 3600 // one hour
	maxScalingPolicyPeriodSeconds = 1800 // half an hour
)

// ValidateHorizontalPodAutoscaler validates an autoscaling/v2
// HorizontalPodAutoscaler on create.
func ValidateHorizontalPodAutoscaler(hpa *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &hpa.Spec
	allErrs := validateObjectMeta(&hpa.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateCrossVersionObjectReference(spec.ScaleTargetRef, specPath.Child("scaleTargetRef"))...)

	// An unset minReplicas defaults to 1. Scaling to zero is an alpha
	// feature in Kubernetes and is not offered.
	minReplicas := int32(1)
	if spec.MinReplicas != nil {
		minReplicas = *spec.MinReplicas
		if minReplicas < 1 {
			allErrs = append(allErrs, field.Invalid(specPath.Child("minReplicas"), minReplicas, "must be greater than or equal to 1"))
		}
	}
	if spec.MaxReplicas < 1 {
		allErrs = append(allErrs, field.Invalid(specPath.Child("maxReplicas"), spec.MaxReplicas, "must be greater than 0"))
	} else if spec.MaxReplicas < minReplicas {
		allErrs = append(allErrs, field.Invalid(specPath.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	for i := range spec.Metrics {
		allErrs = append(allErrs, validateMetricSpec(&spec.Metrics[i], specPath.Child("metrics").Index(i))...)
	}
	if b := spec.Behavior; b != nil {
		allErrs = append(allErrs, validateScalingRules(b.ScaleUp, specPath.Child("behavior", "scaleUp"))...)
		allErrs = append(allErrs, validateScalingRules(b.ScaleDown, specPath.Child("behavior", "scaleDown"))...)
	}
	return allErrs
}

// validateCrossVersionObjectReference checks a reference to another object
// (the scale target, a described object). Kind and name end up in a REST
// path, so they must be path-segment safe.
func validateCrossVersionObjectReference(ref autoscalingv2.CrossVersionObjectReference, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if ref.Kind == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("kind"), ""))
	} else {
		allErrs = append(allErrs, validateNameWith(nameIsPathSegment, ref.Kind, fldPath.Child("kind"))...)
	}
	if ref.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else {
		allErrs = append(allErrs, validateNameWith(nameIsPathSegment, ref.Name, fldPath.Child("name"))...)
	}
	return allErrs
}

var supportedMetricSourceTypes = []autoscalingv2.MetricSourceType{
	autoscalingv2.ContainerResourceMetricSourceType, autoscalingv2.ExternalMetricSourceType, autoscalingv2.ObjectMetricSourceType,
	autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType,
}

// validateMetricSpec checks one metric: the type names which source field is
// populated, and only that one may be.
func validateMetricSpec(m *autoscalingv2.MetricSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	sources := []struct {
		typ  autoscalingv2.MetricSourceType
		name string
		set  bool
	}{
		{autoscalingv2.ObjectMetricSourceType, "object", m.Object != nil},
		{autoscalingv2.PodsMetricSourceType, "pods", m.Pods != nil},
		{autoscalingv2.ResourceMetricSourceType, "resource", m.Resource != nil},
		{autoscalingv2.ContainerResourceMetricSourceType, "containerResource", m.ContainerResource != nil},
		{autoscalingv2.ExternalMetricSourceType, "external", m.External != nil},
	}
	known := false
	for _, s := range sources {
		known = known || s.typ == m.Type
	}
	switch {
	case m.Type == "":
		return field.ErrorList{field.Required(fldPath.Child("type"), "must specify a metric source type")}
	case !known:
		return field.ErrorList{field.NotSupported(fldPath.Child("type"), m.Type, supportedMetricSourceTypes)}
	}
	for _, s := range sources {
		switch {
		case s.typ == m.Type && !s.set:
			allErrs = append(allErrs, field.Required(fldPath.Child(s.name), "must populate information for the given metric source"))
		case s.typ != m.Type && s.set:
			allErrs = append(allErrs, field.Forbidden(fldPath.Child(s.name), "must populate the given metric source only"))
		}
	}

	avgOrValue := []autoscalingv2.MetricTargetType{autoscalingv2.AverageValueMetricType, autoscalingv2.ValueMetricType}
	utilOrAvg := []autoscalingv2.MetricTargetType{autoscalingv2.AverageValueMetricType, autoscalingv2.UtilizationMetricType}
	switch {
	case m.Object != nil && m.Type == autoscalingv2.ObjectMetricSourceType:
		p := fldPath.Child("object")
		allErrs = append(allErrs, validateCrossVersionObjectReference(m.Object.DescribedObject, p.Child("describedObject"))...)
		allErrs = append(allErrs, validateMetricIdentifier(m.Object.Metric, p.Child("metric"))...)
		allErrs = append(allErrs, validateMetricTarget(m.Object.Target, avgOrValue, p.Child("target"))...)
	case m.Pods != nil && m.Type == autoscalingv2.PodsMetricSourceType:
		p := fldPath.Child("pods")
		allErrs = append(allErrs, validateMetricIdentifier(m.Pods.Metric, p.Child("metric"))...)
		allErrs = append(allErrs, validateMetricTarget(m.Pods.Target, []autoscalingv2.MetricTargetType{autoscalingv2.AverageValueMetricType}, p.Child("target"))...)
	case m.Resource != nil && m.Type == autoscalingv2.ResourceMetricSourceType:
		p := fldPath.Child("resource")
		allErrs = append(allErrs, required(string(m.Resource.Name), p.Child("name"))...)
		allErrs = append(allErrs, validateMetricTarget(m.Resource.Target, utilOrAvg, p.Child("target"))...)
	case m.ContainerResource != nil && m.Type == autoscalingv2.ContainerResourceMetricSourceType:
		p := fldPath.Child("containerResource")
		allErrs = append(allErrs, required(string(m.ContainerResource.Name), p.Child("name"))...)
		if m.ContainerResource.Container == "" {
			allErrs = append(allErrs, field.Required(p.Child("container"), "must populate container name"))
		} else {
			allErrs = append(allErrs, validateDNS1123Label(m.ContainerResource.Container, p.Child("container"))...)
		}
		allErrs = append(allErrs, validateMetricTarget(m.ContainerResource.Target, utilOrAvg, p.Child("target"))...)
	case m.External != nil && m.Type == autoscalingv2.ExternalMetricSourceType:
		p := fldPath.Child("external")
		allErrs = append(allErrs, validateMetricIdentifier(m.External.Metric, p.Child("metric"))...)
		allErrs = append(allErrs, validateMetricTarget(m.External.Target, avgOrValue, p.Child("target"))...)
	}
	return allErrs
}

func validateMetricIdentifier(id autoscalingv2.MetricIdentifier, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if id.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), "must specify a metric name"))
	} else {
		allErrs = append(allErrs, validateNameWith(nameIsPathSegment, id.Name, fldPath.Child("name"))...)
	}
	allErrs = append(allErrs, validateLabelSelector(id.Selector, fldPath.Child("selector"))...)
	return allErrs
}

// validateMetricTarget checks that the target type is one the source
// supports and that the matching value is set and positive.
func validateMetricTarget(t autoscalingv2.MetricTarget, allowed []autoscalingv2.MetricTargetType, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if t.Type == "" {
		return field.ErrorList{field.Required(fldPath.Child("type"), "must specify a metric target type")}
	}
	ok := false
	for _, a := range allowed {
		ok = ok || a == t.Type
	}
	if !ok {
		return field.ErrorList{field.NotSupported(fldPath.Child("type"), t.Type, allowed)}
	}
	positive := func(q *resource.Quantity, name string) {
		if q != nil && q.Sign() <= 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child(name), q.String(), "must be positive"))
		}
	}
	positive(t.Value, "value")
	positive(t.AverageValue, "averageValue")
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("averageUtilization"), *t.AverageUtilization, "must be greater than 0"))
	}
	switch t.Type {
	case autoscalingv2.UtilizationMetricType:
		if t.AverageUtilization == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("averageUtilization"), "must set averageUtilization when type is Utilization"))
		}
	case autoscalingv2.ValueMetricType:
		if t.Value == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("value"), "must set value when type is Value"))
		}
	case autoscalingv2.AverageValueMetricType:
		if t.AverageValue == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("averageValue"), "must set averageValue when type is AverageValue"))
		}
	}
	return allErrs
}

func validateScalingRules(r *autoscalingv2.HPAScalingRules, fldPath *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var allErrs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil {
		if *w < 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("stabilizationWindowSeconds"), *w, isNegativeMsg))
		} else if *w > maxStabilizationWindowSeconds {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("stabilizationWindowSeconds"), *w,
				fmt.Sprintf("must be less than or equal to %v", maxStabilizationWindowSeconds)))
		}
	}
	if sp := r.SelectPolicy; sp != nil {
		switch *sp {
		case autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect, autoscalingv2.DisabledPolicySelect:
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("selectPolicy"), *sp, []autoscalingv2.ScalingPolicySelect{
				autoscalingv2.DisabledPolicySelect, autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect}))
		}
	}
	for i, p := range r.Policies {
		pp := fldPath.Child("policies").Index(i)
		switch p.Type {
		case autoscalingv2.PodsScalingPolicy, autoscalingv2.PercentScalingPolicy:
		default:
			allErrs = append(allErrs, field.NotSupported(pp.Child("type"), p.Type,
				[]autoscalingv2.HPAScalingPolicyType{autoscalingv2.PercentScalingPolicy, autoscalingv2.PodsScalingPolicy}))
		}
		if p.Value <= 0 {
			allErrs = append(allErrs, field.Invalid(pp.Child("value"), p.Value, isNotPositiveMsg))
		}
		if p.PeriodSeconds <= 0 {
			allErrs = append(allErrs, field.Invalid(pp.Child("periodSeconds"), p.PeriodSeconds, isNotPositiveMsg))
		} else if p.PeriodSeconds > maxScalingPolicyPeriodSeconds {
			allErrs = append(allErrs, field.Invalid(pp.Child("periodSeconds"), p.PeriodSeconds,
				fmt.Sprintf("must be less than or equal to %v", maxScalingPolicyPeriodSeconds)))
		}
	}
	if t := r.Tolerance; t != nil && t.Sign() < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("tolerance"), t.String(), isNegativeMsg))
	}
	return allErrs
}

// ValidateHorizontalPodAutoscalerUpdate validates an update of a
// HorizontalPodAutoscaler; every spec field may change.
func ValidateHorizontalPodAutoscalerUpdate(hpa, old *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&hpa.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateHorizontalPodAutoscaler(hpa)...)
}
