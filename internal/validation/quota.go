package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var supportedQuotaScopes = []corev1.ResourceQuotaScope{
	corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeCrossNamespacePodAffinity, corev1.ResourceQuotaScopeNotBestEffort,
	corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeTerminating,
	corev1.ResourceQuotaScopeVolumeAttributesClass,
}

// Resources each scope can meaningfully restrict: pod scopes only make sense
// for pod counts and pod compute, and a BestEffort pod has no compute
// requests at all.
var (
	podCountQuotaResources   = sets.New(corev1.ResourcePods)
	podComputeQuotaResources = sets.New(corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceLimitsCPU,
		corev1.ResourceLimitsMemory, corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory)
	pvcQuotaResources = sets.New(corev1.ResourcePersistentVolumeClaims, corev1.ResourceRequestsStorage)
)

func scopeValidForResource(scope corev1.ResourceQuotaScope, name corev1.ResourceName) bool {
	switch scope {
	case corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeNotBestEffort,
		corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		return podCountQuotaResources.Has(name) || podComputeQuotaResources.Has(name)
	case corev1.ResourceQuotaScopeBestEffort:
		return podCountQuotaResources.Has(name)
	case corev1.ResourceQuotaScopeVolumeAttributesClass:
		return pvcQuotaResources.Has(name)
	}
	return true
}

func isKnownQuotaScope(scope corev1.ResourceQuotaScope) bool {
	for _, s := range supportedQuotaScopes {
		if s == scope {
			return true
		}
	}
	return false
}

// conflictingScopes are pairs no pod can satisfy at once.
var conflictingScopes = [][2]corev1.ResourceQuotaScope{
	{corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort},
	{corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating},
}

// ValidateResourceQuota validates a ResourceQuota on create.
func ValidateResourceQuota(q *corev1.ResourceQuota) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMeta(&q.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateQuotaList(q.Spec.Hard, specPath.Child("hard"))...)
	allErrs = append(allErrs, validateQuotaScopes(&q.Spec, specPath)...)
	allErrs = append(allErrs, validateQuotaList(q.Status.Hard, field.NewPath("status", "hard"))...)
	allErrs = append(allErrs, validateQuotaList(q.Status.Used, field.NewPath("status", "used"))...)
	return allErrs
}

func validateQuotaList(list corev1.ResourceList, fldPath *field.Path) field.ErrorList {
	return validateResourceList(list, validateQuotaResourceName, fldPath)
}

func validateQuotaScopes(spec *corev1.ResourceQuotaSpec, specPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	hard := sortedResourceNames(spec.Hard)
	scopesPath := specPath.Child("scopes")
	used := sets.New[corev1.ResourceQuotaScope]()
	for _, scope := range spec.Scopes {
		if !isKnownQuotaScope(scope) {
			allErrs = append(allErrs, field.Invalid(scopesPath, spec.Scopes, "unsupported scope"))
		}
		for _, name := range hard {
			if isStandardQuotaResource(name) && !scopeValidForResource(scope, name) {
				allErrs = append(allErrs, field.Invalid(scopesPath, spec.Scopes, "unsupported scope applied to resource"))
			}
		}
		used.Insert(scope)
	}
	allErrs = append(allErrs, validateScopeConflicts(used, scopesPath, spec.Scopes)...)

	if spec.ScopeSelector == nil {
		return allErrs
	}
	exprPath := specPath.Child("scopeSelector", "matchExpressions")
	selected := sets.New[corev1.ResourceQuotaScope]()
	for i, req := range spec.ScopeSelector.MatchExpressions {
		p := exprPath.Index(i)
		if !isKnownQuotaScope(req.ScopeName) {
			allErrs = append(allErrs, field.Invalid(p.Child("scopeName"), req.ScopeName, "unsupported scope"))
		}
		for _, name := range hard {
			if isStandardQuotaResource(name) && !scopeValidForResource(req.ScopeName, name) {
				allErrs = append(allErrs, field.Invalid(p, spec.ScopeSelector, "unsupported scope applied to resource"))
			}
		}
		switch req.ScopeName {
		case corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopeTerminating,
			corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
			// These scopes are yes/no properties of a pod; they have no
			// values to match.
			if req.Operator != corev1.ScopeSelectorOpExists {
				allErrs = append(allErrs, field.Invalid(p.Child("operator"), req.Operator,
					"must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"))
			}
		}
		switch req.Operator {
		case corev1.ScopeSelectorOpIn, corev1.ScopeSelectorOpNotIn:
			if len(req.Values) == 0 {
				allErrs = append(allErrs, field.Required(p.Child("values"), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
			}
		case corev1.ScopeSelectorOpExists, corev1.ScopeSelectorOpDoesNotExist:
			if len(req.Values) != 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("values"), req.Values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
			}
		default:
			allErrs = append(allErrs, field.Invalid(p.Child("operator"), req.Operator, "not a valid selector operator"))
		}
		selected.Insert(req.ScopeName)
	}
	allErrs = append(allErrs, validateScopeConflicts(selected, exprPath, spec.ScopeSelector.MatchExpressions)...)
	return allErrs
}

func validateScopeConflicts(scopes sets.Set[corev1.ResourceQuotaScope], fldPath *field.Path, value any) field.ErrorList {
	var allErrs field.ErrorList
	for _, pair := range conflictingScopes {
		if scopes.Has(pair[0]) && scopes.Has(pair[1]) {
			allErrs = append(allErrs, field.Invalid(fldPath, value, "conflicting scopes"))
		}
	}
	return allErrs
}

func isStandardQuotaResource(name corev1.ResourceName) bool {
	return standardQuotaResources.Has(name) || isHugePageResource(name) || strings.HasPrefix(string(name), requestsHugePagesPrefix)
}

// ValidateResourceQuotaUpdate validates an update of a ResourceQuota. Scopes
// cannot change: usage already counted under the old scopes would be wrong.
func ValidateResourceQuotaUpdate(q, old *corev1.ResourceQuota) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&q.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateResourceQuota(q)...)
	oldScopes, newScopes := sets.New(old.Spec.Scopes...), sets.New(q.Spec.Scopes...)
	if !oldScopes.Equal(newScopes) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "scopes"), q.Spec.Scopes, fieldImmutableMsg))
	}
	return allErrs
}

// ValidateLimitRange validates a LimitRange on create: one entry per type,
// known resource names, and bounds that can all hold at once
// (min <= defaultRequest <= default <= max).
func ValidateLimitRange(lr *corev1.LimitRange) field.ErrorList {
	allErrs := validateObjectMeta(&lr.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	limitsPath := field.NewPath("spec", "limits")
	types := sets.New[corev1.LimitType]()
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		p := limitsPath.Index(i)
		allErrs = append(allErrs, validateLimitType(item.Type, p.Child("type"))...)
		if types.Has(item.Type) {
			allErrs = append(allErrs, field.Duplicate(p.Child("type"), item.Type))
		}
		types.Insert(item.Type)

		nameFn := validateResourceName
		if item.Type == corev1.LimitTypePod || item.Type == corev1.LimitTypeContainer {
			nameFn = validateContainerResourceName
		}
		lists := []struct {
			name string
			rl   corev1.ResourceList
		}{{"max", item.Max}, {"min", item.Min}, {"default", item.Default}, {"defaultRequest", item.DefaultRequest}, {"maxLimitRequestRatio", item.MaxLimitRequestRatio}}
		keys := sets.New[corev1.ResourceName]()
		for _, l := range lists {
			for _, n := range sortedResourceNames(l.rl) {
				allErrs = append(allErrs, nameFn(n, p.Child(l.name).Key(string(n)))...)
				allErrs = append(allErrs, validateNonnegativeQuantity(l.rl[n], p.Child(l.name).Key(string(n)))...)
				keys.Insert(n)
			}
		}
		// Pod limits apply to the sum of containers; there is nothing to
		// default at the pod level.
		if item.Type == corev1.LimitTypePod {
			if len(item.Default) > 0 {
				allErrs = append(allErrs, field.Forbidden(p.Child("default"), "may not be specified when `type` is 'Pod'"))
			}
			if len(item.DefaultRequest) > 0 {
				allErrs = append(allErrs, field.Forbidden(p.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
			}
		}
		if item.Type == corev1.LimitTypePersistentVolumeClaim {
			_, hasMin := item.Min[corev1.ResourceStorage]
			_, hasMax := item.Max[corev1.ResourceStorage]
			if !hasMin && !hasMax {
				allErrs = append(allErrs, field.Required(p, "either minimum or maximum storage value is required, but neither was provided"))
			}
		}
		for _, k := range sets.List(keys) {
			allErrs = append(allErrs, validateLimitBounds(item, k, p)...)
		}
	}
	return allErrs
}

func validateLimitType(t corev1.LimitType, fldPath *field.Path) field.ErrorList {
	if t == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	allErrs := validateQualifiedName(string(t), fldPath)
	if len(allErrs) == 0 && !strings.Contains(string(t), "/") {
		switch t {
		case corev1.LimitTypePod, corev1.LimitTypeContainer, corev1.LimitTypePersistentVolumeClaim:
		default:
			allErrs = append(allErrs, field.Invalid(fldPath, t, "must be a standard limit type or fully qualified"))
		}
	}
	return allErrs
}

func validateLimitBounds(item *corev1.LimitRangeItem, k corev1.ResourceName, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	minQ, hasMin := item.Min[k]
	maxQ, hasMax := item.Max[k]
	def, hasDef := item.Default[k]
	defReq, hasDefReq := item.DefaultRequest[k]
	ratio, hasRatio := item.MaxLimitRequestRatio[k]
	key := string(k)

	if hasMin && hasMax && minQ.Cmp(maxQ) > 0 {
		allErrs = append(allErrs, field.Invalid(p.Child("min").Key(key), minQ.String(), fmt.Sprintf("min value %s is greater than max value %s", minQ.String(), maxQ.String())))
	}
	if hasDefReq && hasMin && minQ.Cmp(defReq) > 0 {
		allErrs = append(allErrs, field.Invalid(p.Child("defaultRequest").Key(key), defReq.String(), fmt.Sprintf("min value %s is greater than default request value %s", minQ.String(), defReq.String())))
	}
	if hasDefReq && hasMax && defReq.Cmp(maxQ) > 0 {
		allErrs = append(allErrs, field.Invalid(p.Child("defaultRequest").Key(key), defReq.String(), fmt.Sprintf("default request value %s is greater than max value %s", defReq.String(), maxQ.String())))
	}
	if hasDefReq && hasDef && defReq.Cmp(def) > 0 {
		allErrs = append(allErrs, field.Invalid(p.Child("defaultRequest").Key(key), defReq.String(), fmt.Sprintf("default request value %s is greater than default limit value %s", defReq.String(), def.String())))
	}
	if hasDef && hasMin && minQ.Cmp(def) > 0 {
		allErrs = append(allErrs, field.Invalid(p.Child("default").Key(key), minQ.String(), fmt.Sprintf("min value %s is greater than default value %s", minQ.String(), def.String())))
	}
	if hasDef && hasMax && def.Cmp(maxQ) > 0 {
		allErrs = append(allErrs, field.Invalid(p.Child("default").Key(key), maxQ.String(), fmt.Sprintf("default value %s is greater than max value %s", def.String(), maxQ.String())))
	}
	if hasRatio {
		if ratio.Cmp(*resource.NewQuantity(1, resource.DecimalSI)) < 0 {
			allErrs = append(allErrs, field.Invalid(p.Child("maxLimitRequestRatio").Key(key), ratio.String(), fmt.Sprintf("ratio %s is less than 1", ratio.String())))
		}
		// The ratio can never be reached if max/min is smaller.
		if hasMin && hasMax && minQ.Sign() > 0 {
			limit := float64(maxQ.MilliValue()) / float64(minQ.MilliValue())
			if float64(ratio.MilliValue())/1000 > limit {
				allErrs = append(allErrs, field.Invalid(p.Child("maxLimitRequestRatio").Key(key), ratio.String(), fmt.Sprintf("ratio %s is greater than max/min = %f", ratio.String(), limit)))
			}
		}
	}
	// Resources that cannot be overcommitted are handed out whole, so the
	// default request and limit must agree.
	if !isOvercommitAllowed(k) && hasDef && hasDefReq && def.Cmp(defReq) != 0 {
		allErrs = append(allErrs, field.Invalid(p.Child("defaultRequest").Key(key), defReq.String(),
			fmt.Sprintf("default value %s must equal to defaultRequest value %s in %s", def.String(), defReq.String(), k)))
	}
	return allErrs
}

// ValidateLimitRangeUpdate validates an update of a LimitRange.
func ValidateLimitRangeUpdate(lr, old *corev1.LimitRange) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&lr.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateLimitRange(lr)...)
}
