package defaults

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// milliScale is the finest precision Kubernetes keeps for a quantity in a
// ResourceList.
const milliScale = -3

// roundResourceList rounds every quantity up to milli precision. Kubernetes
// does this for every ResourceList it decodes so that stored values never
// carry more precision than components can represent; a request of 0.0001
// CPU becomes 1m rather than 0.
func roundResourceList(list corev1.ResourceList) {
	for name, q := range list {
		q.RoundUp(milliScale)
		list[name] = q
	}
}

func setResourceRequirementsDefaults(r *corev1.ResourceRequirements) {
	if r == nil {
		return
	}
	roundResourceList(r.Limits)
	roundResourceList(r.Requests)
}

// defaultPodLevelResources fills in pod-level (spec.resources) requests and
// hugepage limits when the pod already sets some pod-level resources, as
// Kubernetes does with the PodLevelResources feature (on by default).
func defaultPodLevelResources(pod *corev1.Pod) {
	defaultHugePagePodLimits(pod)
	defaultPodRequests(pod)
}

// defaultHugePagePodLimits sets a pod-level hugepage limit that the pod
// leaves unset to the sum of its containers' limits, unless the pod sets a
// request for that hugepage size. Hugepages cannot be overcommitted, so the
// limit is what the pod will be charged.
func defaultHugePagePodLimits(pod *corev1.Pod) {
	res := pod.Spec.Resources
	if res == nil || (len(res.Limits) == 0 && len(res.Requests) == 0) {
		return
	}
	limits := res.Limits
	if limits == nil {
		limits = make(corev1.ResourceList)
	}
	for name, sum := range resourcehelper.AggregateContainerLimits(pod, resourcehelper.PodResourcesOptions{}) {
		if !resourcehelper.IsSupportedPodLevelResource(name) || !isHugePageResource(name) {
			continue
		}
		if _, ok := res.Requests[name]; ok {
			continue
		}
		if _, ok := limits[name]; !ok {
			limits[name] = sum.DeepCopy()
		}
	}
	if len(limits) > 0 {
		res.Limits = limits
	}
}

// defaultPodRequests sets pod-level requests when pod-level limits are set:
// a resource the containers request defaults to the containers' effective
// total, and any other limited resource defaults to its pod-level limit.
func defaultPodRequests(pod *corev1.Pod) {
	res := pod.Spec.Resources
	if res == nil || len(res.Limits) == 0 {
		return
	}
	requests := res.Requests
	if requests == nil {
		requests = make(corev1.ResourceList)
	}
	for name, sum := range resourcehelper.AggregateContainerRequests(pod, resourcehelper.PodResourcesOptions{}) {
		// Hugepages are not overcommittable: their request follows the
		// limit below rather than the containers' requests.
		if _, ok := requests[name]; !ok && resourcehelper.IsSupportedPodLevelResource(name) && !isHugePageResource(name) {
			requests[name] = sum.DeepCopy()
		}
	}
	for name, limit := range res.Limits {
		if _, ok := requests[name]; !ok && resourcehelper.IsSupportedPodLevelResource(name) {
			requests[name] = limit.DeepCopy()
		}
	}
	if len(requests) > 0 {
		res.Requests = requests
	}
}

func isHugePageResource(name corev1.ResourceName) bool {
	return strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

// SetLimitRangeDefaults applies the defaults of a LimitRange. For container
// limits, an unset default limit falls back to max, and an unset default
// request to the default limit, then to min, so that the LimitRanger
// admission plugin always has values to inject.
func SetLimitRangeDefaults(lr *corev1.LimitRange) {
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		if item.Type == corev1.LimitTypeContainer {
			if item.Default == nil {
				item.Default = make(corev1.ResourceList)
			}
			if item.DefaultRequest == nil {
				item.DefaultRequest = make(corev1.ResourceList)
			}
			copyMissing(item.Default, item.Max)
			copyMissing(item.DefaultRequest, item.Default)
			copyMissing(item.DefaultRequest, item.Min)
		}
		roundResourceList(item.Max)
		roundResourceList(item.Min)
		roundResourceList(item.Default)
		roundResourceList(item.DefaultRequest)
		roundResourceList(item.MaxLimitRequestRatio)
	}
}

// copyMissing copies into dst each quantity of src that dst lacks.
func copyMissing(dst, src corev1.ResourceList) {
	for name, q := range src {
		if _, ok := dst[name]; !ok {
			dst[name] = q.DeepCopy()
		}
	}
}

// SetResourceQuotaDefaults applies the defaults of a ResourceQuota: only the
// rounding of its quantities.
func SetResourceQuotaDefaults(q *corev1.ResourceQuota) {
	roundResourceList(q.Spec.Hard)
	roundResourceList(q.Status.Hard)
	roundResourceList(q.Status.Used)
}
