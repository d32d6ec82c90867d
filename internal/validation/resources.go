package validation

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Resource names come in three flavours: the standard unqualified names
// (cpu, memory, pods, requests.cpu ...), names under kubernetes.io (native),
// and extended resources published by device plugins ("example.com/gpu").

const (
	hugePagesPrefix         = corev1.ResourceHugePagesPrefix
	requestsHugePagesPrefix = corev1.ResourceRequestsHugePagesPrefix
	limitsHugePagesPrefix   = "limits." + hugePagesPrefix
	requestsPrefix          = corev1.DefaultResourceRequestsPrefix
)

// standardResources are the unqualified names any resource list may use.
var standardResources = sets.New(
	corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourceStorage,
	corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsEphemeralStorage, corev1.ResourceRequestsStorage,
	corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceLimitsEphemeralStorage,
	corev1.ResourcePods, corev1.ResourceQuotas, corev1.ResourceServices, corev1.ResourceReplicationControllers,
	corev1.ResourceSecrets, corev1.ResourceConfigMaps, corev1.ResourcePersistentVolumeClaims,
	corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers,
)

// standardContainerResources are the unqualified names a container (or a
// limit range of type Container/Pod) may request.
var standardContainerResources = sets.New(corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage)

// standardQuotaResources are the unqualified names a ResourceQuota may cap.
var standardQuotaResources = sets.New(
	corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
	corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsStorage, corev1.ResourceRequestsEphemeralStorage,
	corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceLimitsEphemeralStorage,
	corev1.ResourcePods, corev1.ResourceQuotas, corev1.ResourceServices, corev1.ResourceReplicationControllers,
	corev1.ResourceSecrets, corev1.ResourcePersistentVolumeClaims, corev1.ResourceConfigMaps,
	corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers,
)

// integerResources count objects, so fractional values make no sense.
var integerResources = sets.New(
	corev1.ResourcePods, corev1.ResourceQuotas, corev1.ResourceServices, corev1.ResourceReplicationControllers,
	corev1.ResourceSecrets, corev1.ResourceConfigMaps, corev1.ResourcePersistentVolumeClaims,
	corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers,
)

func isHugePageResource(name corev1.ResourceName) bool {
	return strings.HasPrefix(string(name), hugePagesPrefix)
}

// isNativeResource reports names owned by Kubernetes: unqualified, or under
// the kubernetes.io domain.
func isNativeResource(name corev1.ResourceName) bool {
	return !strings.Contains(string(name), "/") || strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

// isExtendedResource reports a device-plugin style resource: qualified, not
// native, and usable in a quota as "requests.<name>".
func isExtendedResource(name corev1.ResourceName) bool {
	if isNativeResource(name) || strings.HasPrefix(string(name), requestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(requestsPrefix+string(name))) == 0
}

// isOvercommitAllowed is false for hugepages and extended resources: the node
// hands out whole units, so requests must equal limits.
func isOvercommitAllowed(name corev1.ResourceName) bool {
	return isNativeResource(name) && !isHugePageResource(name)
}

func isIntegerResource(name corev1.ResourceName) bool {
	return integerResources.Has(name) || isExtendedResource(name)
}

func isStandardResource(name corev1.ResourceName) bool {
	s := string(name)
	return standardResources.Has(name) ||
		strings.HasPrefix(s, hugePagesPrefix) || strings.HasPrefix(s, requestsHugePagesPrefix) || strings.HasPrefix(s, limitsHugePagesPrefix)
}

// validateResourceName checks any resource list key: a qualified name, and if
// unqualified, one Kubernetes knows.
func validateResourceName(name corev1.ResourceName, fldPath *field.Path) field.ErrorList {
	allErrs := validateQualifiedName(string(name), fldPath)
	if len(allErrs) != 0 {
		return allErrs
	}
	if !strings.Contains(string(name), "/") && !isStandardResource(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, "must be a standard resource type or fully qualified"))
	}
	return allErrs
}

// validateContainerResourceName narrows validateResourceName to what a
// container can consume.
func validateContainerResourceName(name corev1.ResourceName, fldPath *field.Path) field.ErrorList {
	allErrs := validateResourceName(name, fldPath)
	if len(allErrs) != 0 {
		return allErrs
	}
	if !strings.Contains(string(name), "/") {
		if !standardContainerResources.Has(name) && !isHugePageResource(name) {
			allErrs = append(allErrs, field.Invalid(fldPath, name, "must be a standard resource for containers"))
		}
	} else if !isNativeResource(name) && !isExtendedResource(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, "doesn't follow extended resource name standard"))
	}
	return allErrs
}

func validateQuotaResourceName(name corev1.ResourceName, fldPath *field.Path) field.ErrorList {
	allErrs := validateResourceName(name, fldPath)
	if len(allErrs) != 0 {
		return allErrs
	}
	s := string(name)
	if !strings.Contains(s, "/") && !standardQuotaResources.Has(name) &&
		!strings.HasPrefix(s, hugePagesPrefix) && !strings.HasPrefix(s, requestsHugePagesPrefix) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, "must be a standard resource for quota"))
	}
	return allErrs
}

// validateResourceQuantity checks a quantity for the named resource: never
// negative, and whole for resources that count things.
func validateResourceQuantity(name corev1.ResourceName, q resource.Quantity, fldPath *field.Path) field.ErrorList {
	allErrs := validateNonnegativeQuantity(q, fldPath)
	if isIntegerResource(name) && q.MilliValue()%1000 != 0 {
		allErrs = append(allErrs, field.Invalid(fldPath, q.String(), isNotIntegerMsg))
	}
	return allErrs
}

// validateHugePageValue requires a hugepages quantity to be a whole number of
// pages of the size named in the resource ("hugepages-2Mi").
func validateHugePageValue(name corev1.ResourceName, q resource.Quantity, fldPath *field.Path) field.ErrorList {
	sizeStr := strings.TrimPrefix(string(name), hugePagesPrefix)
	size, err := resource.ParseQuantity(sizeStr)
	if err != nil || size.Value() <= 0 {
		return field.ErrorList{field.Invalid(fldPath, name, "must specify a valid page size (e.g. 'hugepages-2Mi')")}
	}
	if q.Value()%size.Value() != 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), fmt.Sprintf("%s is not positive integer multiple of %s", q.String(), name))}
	}
	return nil
}

// sortedResourceNames makes error order deterministic: Go map iteration is
// random, and callers (and tests) compare error lists.
func sortedResourceNames(list corev1.ResourceList) []corev1.ResourceName {
	names := make([]corev1.ResourceName, 0, len(list))
	for n := range list {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	return names
}

// validateResourceRequirements checks a container's requests and limits:
// known names, non-negative quantities, requests not above limits, and
// requests equal to limits for resources that cannot be overcommitted.
// podClaims holds the names in spec.resourceClaims that claims may use.
func validateResourceRequirements(req *corev1.ResourceRequirements, podClaims sets.Set[string], fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	limPath := fldPath.Child("limits")
	reqPath := fldPath.Child("requests")
	hasCPUOrMemory, hasHugePages := false, false

	for _, name := range sortedResourceNames(req.Limits) {
		q := req.Limits[name]
		p := limPath.Key(string(name))
		allErrs = append(allErrs, validateContainerResourceName(name, p)...)
		allErrs = append(allErrs, validateResourceQuantity(name, q, p)...)
		if isHugePageResource(name) {
			hasHugePages = true
			allErrs = append(allErrs, validateHugePageValue(name, q, p)...)
		}
		if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
			hasCPUOrMemory = true
		}
	}
	for _, name := range sortedResourceNames(req.Requests) {
		q := req.Requests[name]
		p := reqPath.Key(string(name))
		allErrs = append(allErrs, validateContainerResourceName(name, p)...)
		allErrs = append(allErrs, validateResourceQuantity(name, q, p)...)
		if limit, ok := req.Limits[name]; ok {
			switch {
			case !isOvercommitAllowed(name) && q.Cmp(limit) != 0:
				allErrs = append(allErrs, field.Invalid(p, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
			case q.Cmp(limit) > 0:
				allErrs = append(allErrs, field.Invalid(p, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
			}
		} else if !isOvercommitAllowed(name) {
			allErrs = append(allErrs, field.Required(limPath.Key(string(name)), "Limit must be set for non overcommitable resources"))
		}
		if isHugePageResource(name) {
			hasHugePages = true
			allErrs = append(allErrs, validateHugePageValue(name, q, p)...)
		}
		if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
			hasCPUOrMemory = true
		}
	}
	if hasHugePages && !hasCPUOrMemory {
		allErrs = append(allErrs, field.Forbidden(fldPath, "HugePages require cpu or memory"))
	}

	seen := sets.New[string]()
	for i, claim := range req.Claims {
		p := fldPath.Child("claims").Index(i)
		key := claim.Name
		if claim.Request != "" {
			key += "/" + claim.Request
			allErrs = append(allErrs, validateDNS1123Label(claim.Request, p.Child("request"))...)
		}
		switch {
		case claim.Name == "":
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
			continue
		case seen.Has(key):
			allErrs = append(allErrs, field.Duplicate(p, key))
		}
		seen.Insert(key)
		if !podClaims.Has(claim.Name) {
			e := field.NotFound(p.Child("name"), claim.Name)
			e.Detail = "must be one of the names in pod.spec.resourceClaims"
			allErrs = append(allErrs, e)
		}
	}
	return allErrs
}

// validateResourceList checks the keys and quantities of a plain resource
// list such as a node's capacity or a pod's overhead.
func validateResourceList(list corev1.ResourceList, nameFn func(corev1.ResourceName, *field.Path) field.ErrorList, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, name := range sortedResourceNames(list) {
		p := fldPath.Key(string(name))
		if nameFn != nil {
			allErrs = append(allErrs, nameFn(name, p)...)
		}
		allErrs = append(allErrs, validateResourceQuantity(name, list[name], p)...)
	}
	return allErrs
}
