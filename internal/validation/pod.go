package validation

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidatePod validates a pod on create.
func ValidatePod(pod *corev1.Pod) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validatePodMetadataAndSpec(pod)
	// Ephemeral containers are added to running pods through their own
	// subresource; a new pod cannot carry them.
	if len(pod.Spec.EphemeralContainers) > 0 {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("ephemeralContainers"), "cannot be set on create"))
	}
	// Binding a pod to a node bypasses the scheduler, and the gates exist to
	// hold the pod back from scheduling.
	if pod.Spec.NodeName != "" && len(pod.Spec.SchedulingGates) > 0 {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("nodeName"), "cannot be set until all schedulingGates have been cleared"))
	}
	return allErrs
}

// validatePodMetadataAndSpec holds the checks shared by create and update.
func validatePodMetadataAndSpec(pod *corev1.Pod) field.ErrorList {
	metaPath := field.NewPath("metadata")
	specPath := field.NewPath("spec")
	allErrs := validateObjectMeta(&pod.ObjectMeta, true, nameIsDNSSubdomain, metaPath)
	allErrs = append(allErrs, validatePodAnnotations(pod.Annotations, &pod.Spec, metaPath.Child("annotations"))...)
	allErrs = append(allErrs, validatePodSpec(&pod.Spec, &pod.ObjectMeta, true, specPath)...)
	// A pod without a service account gets no token to project.
	if pod.Spec.ServiceAccountName == "" {
		for vi, vol := range pod.Spec.Volumes {
			if vol.Projected == nil {
				continue
			}
			for si, src := range vol.Projected.Sources {
				if src.ServiceAccountToken != nil {
					allErrs = append(allErrs, field.Forbidden(specPath.Child("volumes").Index(vi).Child("projected", "sources").Index(si).Child("serviceAccountToken"),
						"must not be specified when serviceAccountName is not set"))
				}
			}
		}
	}
	return allErrs
}

// validatePodAnnotations checks the annotations Kubernetes gives meaning to.
func validatePodAnnotations(annotations map[string]string, spec *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	// Mirror pods reflect static pods of one kubelet, so they must name it.
	if v, ok := annotations[corev1.MirrorPodAnnotationKey]; ok && spec.NodeName == "" {
		allErrs = append(allErrs, field.Invalid(fldPath.Key(corev1.MirrorPodAnnotationKey), v, "must set spec.nodeName if mirror pod annotation is set"))
	}
	if v, ok := annotations[corev1.PodDeletionCost]; ok {
		if _, err := strconv.ParseInt(v, 10, 32); err != nil {
			allErrs = append(allErrs, field.Invalid(fldPath.Key(corev1.PodDeletionCost), v, "must be a 32bit integer"))
		}
	}
	return allErrs
}

// ValidatePodSpec validates a pod spec, whether in a pod or a template.
// meta is the pod's metadata, used to check the names of the PVCs generic
// ephemeral volumes will create; pass nil for a template, whose pods do not
// have names yet.
func ValidatePodSpec(spec *corev1.PodSpec, meta *metav1.ObjectMeta, fldPath *field.Path) field.ErrorList {
	return validatePodSpec(spec, meta, false, fldPath)
}

func validatePodSpec(spec *corev1.PodSpec, meta *metav1.ObjectMeta, isPod bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	grace := defaultTerminationGracePeriod
	if spec.TerminationGracePeriodSeconds != nil {
		grace = *spec.TerminationGracePeriodSeconds
		allErrs = append(allErrs, validateNonnegative(grace, fldPath.Child("terminationGracePeriodSeconds"))...)
	}

	vols, volErrs := validateVolumes(spec.Volumes, meta, fldPath.Child("volumes"))
	allErrs = append(allErrs, volErrs...)

	claimNames, claimErrs := validatePodResourceClaims(spec.ResourceClaims, fldPath.Child("resourceClaims"))
	allErrs = append(allErrs, claimErrs...)

	cc := &containerContext{volumes: vols, podClaims: claimNames, gracePeriod: grace, isPod: isPod}
	allErrs = append(allErrs, validateContainers(spec.Containers, cc, fldPath.Child("containers"))...)
	allErrs = append(allErrs, validateInitContainers(spec.InitContainers, spec.Containers, cc, fldPath.Child("initContainers"))...)
	allErrs = append(allErrs, validateEphemeralContainers(spec.EphemeralContainers, spec.Containers, spec.InitContainers, cc, fldPath.Child("ephemeralContainers"))...)
	allErrs = append(allErrs, validateHostNetworkPorts(spec, isPod, fldPath.Child("containers"))...)

	switch spec.RestartPolicy {
	case "", corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("restartPolicy"), spec.RestartPolicy,
			[]corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	}
	allErrs = append(allErrs, validateDNSPolicyAndConfig(spec.DNSPolicy, spec.DNSConfig, fldPath)...)
	allErrs = append(allErrs, validateLabels(spec.NodeSelector, fldPath.Child("nodeSelector"))...)
	allErrs = append(allErrs, validatePodSecurityContext(spec, fldPath)...)
	allErrs = append(allErrs, validateAffinity(spec.Affinity, fldPath.Child("affinity"))...)
	allErrs = append(allErrs, validateTolerations(spec.Tolerations, fldPath.Child("tolerations"))...)
	allErrs = append(allErrs, validateHostAliases(spec.HostAliases, fldPath.Child("hostAliases"))...)
	allErrs = append(allErrs, validateTopologySpreadConstraints(spec.TopologySpreadConstraints, fldPath.Child("topologySpreadConstraints"))...)

	for i, g := range spec.ReadinessGates {
		allErrs = append(allErrs, validateQualifiedName(string(g.ConditionType), fldPath.Child("readinessGates").Index(i).Child("conditionType"))...)
	}
	gates := sets.New[string]()
	for i, g := range spec.SchedulingGates {
		p := fldPath.Child("schedulingGates").Index(i)
		allErrs = append(allErrs, validateQualifiedName(g.Name, p.Child("name"))...)
		if gates.Has(g.Name) {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), g.Name))
		}
		gates.Insert(g.Name)
	}
	for i, s := range spec.ImagePullSecrets {
		if s.Name == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("imagePullSecrets").Index(i).Child("name"), ""))
		}
	}

	if spec.ServiceAccountName != "" {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, spec.ServiceAccountName, fldPath.Child("serviceAccountName"))...)
	}
	if spec.NodeName != "" {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, spec.NodeName, fldPath.Child("nodeName"))...)
	}
	if spec.ActiveDeadlineSeconds != nil {
		if v := *spec.ActiveDeadlineSeconds; v < 1 || v > math.MaxInt32 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("activeDeadlineSeconds"), v, validation.InclusiveRangeError(1, math.MaxInt32)))
		}
	}
	if spec.Hostname != "" {
		allErrs = append(allErrs, validateDNS1123Label(spec.Hostname, fldPath.Child("hostname"))...)
	}
	if spec.Subdomain != "" {
		allErrs = append(allErrs, validateDNS1123Label(spec.Subdomain, fldPath.Child("subdomain"))...)
	}
	if spec.HostnameOverride != nil {
		allErrs = append(allErrs, validateDNS1123Subdomain(*spec.HostnameOverride, fldPath.Child("hostnameOverride"))...)
		if len(*spec.HostnameOverride) > 64 {
			allErrs = append(allErrs, field.TooLong(fldPath.Child("hostnameOverride"), *spec.HostnameOverride, 64))
		}
	}
	if spec.PriorityClassName != "" {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, spec.PriorityClassName, fldPath.Child("priorityClassName"))...)
	}
	if spec.RuntimeClassName != nil {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *spec.RuntimeClassName, fldPath.Child("runtimeClassName"))...)
	}
	if spec.PreemptionPolicy != nil {
		allErrs = append(allErrs, validatePreemptionPolicy(*spec.PreemptionPolicy, fldPath.Child("preemptionPolicy"))...)
	}
	if spec.Overhead != nil {
		allErrs = append(allErrs, validateResourceList(spec.Overhead, validateContainerResourceName, fldPath.Child("overhead"))...)
	}
	if spec.Resources != nil {
		allErrs = append(allErrs, validatePodLevelResources(spec.Resources, fldPath.Child("resources"))...)
	}
	if spec.OS != nil {
		switch spec.OS.Name {
		case corev1.Linux, corev1.Windows:
		case "":
			allErrs = append(allErrs, field.Required(fldPath.Child("os", "name"), "cannot be empty"))
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("os", "name"), spec.OS.Name, []corev1.OSName{corev1.Linux, corev1.Windows}))
		}
	}
	// A user namespace cannot be combined with the host's namespaces: the
	// container's root would map to an unprivileged host user while sharing
	// host resources.
	if spec.HostUsers != nil && !*spec.HostUsers {
		for _, h := range []struct {
			name string
			on   bool
		}{{"hostNetwork", spec.HostNetwork}, {"hostPID", spec.HostPID}, {"hostIPC", spec.HostIPC}} {
			if h.on {
				allErrs = append(allErrs, field.Forbidden(fldPath.Child(h.name), "when `hostUsers` is false"))
			}
		}
	}
	return allErrs
}

func validatePreemptionPolicy(p corev1.PreemptionPolicy, fldPath *field.Path) field.ErrorList {
	switch p {
	case corev1.PreemptLowerPriority, corev1.PreemptNever:
		return nil
	case "":
		return field.ErrorList{field.Required(fldPath, "")}
	}
	return field.ErrorList{field.NotSupported(fldPath, p, []corev1.PreemptionPolicy{corev1.PreemptLowerPriority, corev1.PreemptNever})}
}

// validatePodLevelResources checks spec.resources: only cpu, memory and
// hugepages can be budgeted for the pod as a whole.
func validatePodLevelResources(req *corev1.ResourceRequirements, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(req.Claims) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("claims"), "claims cannot be set for Resources at pod-level"))
	}
	allErrs = append(allErrs, validateResourceRequirements(&corev1.ResourceRequirements{Limits: req.Limits, Requests: req.Requests}, nil, fldPath)...)
	supported := []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceHugePagesPrefix + "*"}
	for _, list := range []struct {
		name string
		rl   corev1.ResourceList
	}{{"limits", req.Limits}, {"requests", req.Requests}} {
		for _, n := range sortedResourceNames(list.rl) {
			if n != corev1.ResourceCPU && n != corev1.ResourceMemory && !isHugePageResource(n) {
				allErrs = append(allErrs, field.NotSupported(fldPath.Child(list.name).Key(string(n)), n, supported))
			}
		}
	}
	return allErrs
}

func validatePodResourceClaims(claims []corev1.PodResourceClaim, fldPath *field.Path) (sets.Set[string], field.ErrorList) {
	var allErrs field.ErrorList
	names := sets.New[string]()
	for i, c := range claims {
		p := fldPath.Index(i)
		switch {
		case c.Name == "":
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		case names.Has(c.Name):
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), c.Name))
		default:
			allErrs = append(allErrs, validateDNS1123Label(c.Name, p.Child("name"))...)
			names.Insert(c.Name)
		}
		switch {
		case c.ResourceClaimName != nil && c.ResourceClaimTemplateName != nil:
			allErrs = append(allErrs, field.Invalid(p, c, "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified"))
		case c.ResourceClaimName == nil && c.ResourceClaimTemplateName == nil:
			allErrs = append(allErrs, field.Invalid(p, c, "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`"))
		case c.ResourceClaimName != nil:
			allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *c.ResourceClaimName, p.Child("resourceClaimName"))...)
		default:
			allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *c.ResourceClaimTemplateName, p.Child("resourceClaimTemplateName"))...)
		}
	}
	return names, allErrs
}

// validateHostNetworkPorts: with hostNetwork the container listens directly
// on the node, so any hostPort must equal the containerPort. A pod template
// may leave hostPort at 0; it is filled in when the pod is created.
func validateHostNetworkPorts(spec *corev1.PodSpec, isPod bool, fldPath *field.Path) field.ErrorList {
	if !spec.HostNetwork {
		return nil
	}
	var allErrs field.ErrorList
	for i, c := range spec.Containers {
		for j, port := range c.Ports {
			if (isPod || port.HostPort != 0) && port.HostPort != port.ContainerPort {
				allErrs = append(allErrs, field.Invalid(fldPath.Index(i).Child("ports").Index(j).Child("hostPort"), port.HostPort,
					"must match `containerPort` when `hostNetwork` is true"))
			}
		}
	}
	return allErrs
}

func validatePodSecurityContext(spec *corev1.PodSpec, specPath *field.Path) field.ErrorList {
	sc := spec.SecurityContext
	if sc == nil {
		return nil
	}
	fldPath := specPath.Child("securityContext")
	var allErrs field.ErrorList
	allErrs = append(allErrs, validateGroupID(sc.FSGroup, fldPath.Child("fsGroup"))...)
	allErrs = append(allErrs, validateUserID(sc.RunAsUser, fldPath.Child("runAsUser"))...)
	allErrs = append(allErrs, validateGroupID(sc.RunAsGroup, fldPath.Child("runAsGroup"))...)
	for i, g := range sc.SupplementalGroups {
		allErrs = append(allErrs, validateGroupID(&g, fldPath.Child("supplementalGroups").Index(i))...)
	}
	if spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace && spec.HostPID {
		allErrs = append(allErrs, field.Invalid(specPath.Child("shareProcessNamespace"), true, "ShareProcessNamespace and HostPID cannot both be enabled"))
	}
	if sc.FSGroupChangePolicy != nil {
		switch *sc.FSGroupChangePolicy {
		case corev1.FSGroupChangeOnRootMismatch, corev1.FSGroupChangeAlways:
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("fsGroupChangePolicy"), *sc.FSGroupChangePolicy,
				[]corev1.PodFSGroupChangePolicy{corev1.FSGroupChangeAlways, corev1.FSGroupChangeOnRootMismatch}))
		}
	}
	if sc.SupplementalGroupsPolicy != nil {
		switch *sc.SupplementalGroupsPolicy {
		case corev1.SupplementalGroupsPolicyMerge, corev1.SupplementalGroupsPolicyStrict:
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("supplementalGroupsPolicy"), *sc.SupplementalGroupsPolicy,
				[]corev1.SupplementalGroupsPolicy{corev1.SupplementalGroupsPolicyMerge, corev1.SupplementalGroupsPolicyStrict}))
		}
	}
	if sc.SELinuxChangePolicy != nil {
		switch *sc.SELinuxChangePolicy {
		case corev1.SELinuxChangePolicyRecursive, corev1.SELinuxChangePolicyMountOption:
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("seLinuxChangePolicy"), *sc.SELinuxChangePolicy,
				[]corev1.PodSELinuxChangePolicy{corev1.SELinuxChangePolicyMountOption, corev1.SELinuxChangePolicyRecursive}))
		}
	}
	names := sets.New[string]()
	for i, s := range sc.Sysctls {
		p := fldPath.Child("sysctls").Index(i)
		if s.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		} else if !isValidSysctlName(s.Name) {
			allErrs = append(allErrs, field.Invalid(p.Child("name"), s.Name, "must have at most 253 characters and match regex "+sysctlContainSlashFmt))
		} else if names.Has(s.Name) {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), s.Name))
		}
		names.Insert(s.Name)
	}
	allErrs = append(allErrs, validateSeccompProfile(sc.SeccompProfile, fldPath.Child("seccompProfile"))...)
	allErrs = append(allErrs, validateAppArmorProfile(sc.AppArmorProfile, fldPath.Child("appArmorProfile"))...)
	return allErrs
}

// Sysctl names are dotted (or slashed) lower-case segments such as
// net.ipv4.ip_forward or net/ipv4/conf/eth0.100/forwarding.
const (
	sysctlSegmentFmt      = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
	sysctlContainSlashFmt = "(" + sysctlSegmentFmt + "[\\./])*" + sysctlSegmentFmt
	sysctlMaxLength       = 253
)

var sysctlRegexp = regexp.MustCompile("^" + sysctlContainSlashFmt + "$")

func isValidSysctlName(name string) bool {
	if len(name) > sysctlMaxLength {
		return false
	}
	return sysctlRegexp.MatchString(name)
}

// ValidatePodTemplateSpec validates the pod template embedded in workload
// controllers. Templates only carry labels and annotations as metadata.
func ValidatePodTemplateSpec(spec *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	allErrs := validateLabels(spec.Labels, fldPath.Child("metadata", "labels"))
	allErrs = append(allErrs, validateAnnotations(spec.Annotations, fldPath.Child("metadata", "annotations"))...)
	allErrs = append(allErrs, validatePodAnnotations(spec.Annotations, &spec.Spec, fldPath.Child("metadata", "annotations"))...)
	allErrs = append(allErrs, ValidatePodSpec(&spec.Spec, nil, fldPath.Child("spec"))...)
	if len(spec.Spec.EphemeralContainers) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return allErrs
}

// updatablePodSpecFields is the list Kubernetes prints when a pod update
// touches anything else; clients recognise it.
var updatablePodSpecFields = []string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}

// ValidatePodUpdate validates an update of a pod. A pod's spec is fixed once
// created, except for container images, activeDeadlineSeconds (which may only
// shrink), added tolerations, removed scheduling gates and, while the pod is
// still gated, added node selectors.
func ValidatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, validatePodMetadataAndSpec(pod)...)
	allErrs = append(allErrs, validateMirrorAnnotationUpdate(pod.Annotations, old.Annotations, field.NewPath("metadata", "annotations"))...)

	if len(pod.Spec.Containers) != len(old.Spec.Containers) {
		return append(allErrs, field.Forbidden(specPath.Child("containers"), "pod updates may not add or remove containers"))
	}
	if len(pod.Spec.InitContainers) != len(old.Spec.InitContainers) {
		return append(allErrs, field.Forbidden(specPath.Child("initContainers"), "pod updates may not add or remove containers"))
	}

	// activeDeadlineSeconds may be set, or lowered, but never raised or
	// removed: it is a promise to the cluster that the pod will end.
	if ads := pod.Spec.ActiveDeadlineSeconds; ads != nil {
		if old.Spec.ActiveDeadlineSeconds != nil && *old.Spec.ActiveDeadlineSeconds < *ads {
			allErrs = append(allErrs, field.Invalid(specPath.Child("activeDeadlineSeconds"), *ads, "must be less than or equal to previous value"))
		}
	} else if old.Spec.ActiveDeadlineSeconds != nil {
		allErrs = append(allErrs, field.Invalid(specPath.Child("activeDeadlineSeconds"), pod.Spec.ActiveDeadlineSeconds, "must not update from a positive integer to nil value"))
	}
	allErrs = append(allErrs, validateOnlyAddedTolerations(pod.Spec.Tolerations, old.Spec.Tolerations, specPath.Child("tolerations"))...)
	allErrs = append(allErrs, validateOnlyRemovedSchedulingGates(pod.Spec.SchedulingGates, old.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)

	if apiequality.Semantic.DeepEqual(pod.Spec, old.Spec) {
		return allErrs
	}
	// Copy the mutable fields from the old spec into the new one; anything
	// still different afterwards is a forbidden change.
	munged := pod.Spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = old.Spec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = old.Spec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = old.Spec.ActiveDeadlineSeconds
	munged.Tolerations = old.Spec.Tolerations
	munged.SchedulingGates = old.Spec.SchedulingGates
	if ogp := old.Spec.TerminationGracePeriodSeconds; ogp != nil && *ogp < 0 &&
		munged.TerminationGracePeriodSeconds != nil && *munged.TerminationGracePeriodSeconds == 1 {
		munged.TerminationGracePeriodSeconds = ogp
	}
	// While a pod is held by scheduling gates the scheduler has not looked at
	// it, so narrowing where it may run is still safe.
	if len(old.Spec.SchedulingGates) > 0 && !apiequality.Semantic.DeepEqual(munged.NodeSelector, old.Spec.NodeSelector) {
		for k, v := range old.Spec.NodeSelector {
			if nv, ok := munged.NodeSelector[k]; !ok || nv != v {
				allErrs = append(allErrs, field.Invalid(specPath.Child("nodeSelector"), munged.NodeSelector,
					"only additions to spec.nodeSelector are allowed (no mutations or deletions)"))
				break
			}
		}
		munged.NodeSelector = old.Spec.NodeSelector
	}
	if !apiequality.Semantic.DeepEqual(*munged, old.Spec) {
		changed := changedPaths(old.Spec, *munged, "spec", 4)
		allErrs = append(allErrs, field.Forbidden(specPath, fmt.Sprintf("pod updates may not change fields other than %s\nchanged: %s",
			strings.Join(updatablePodSpecFields, ","), strings.Join(changed, ", "))))
	}
	return allErrs
}

// validateMirrorAnnotationUpdate: the mirror-pod annotation ties a pod to a
// static pod on a node; it may be neither added nor removed later.
func validateMirrorAnnotationUpdate(newAnn, oldAnn map[string]string, fldPath *field.Path) field.ErrorList {
	newV, newOK := newAnn[corev1.MirrorPodAnnotationKey]
	oldV, oldOK := oldAnn[corev1.MirrorPodAnnotationKey]
	switch {
	case oldOK && (!newOK || newV != oldV):
		return field.ErrorList{field.Forbidden(fldPath.Key(corev1.MirrorPodAnnotationKey), "may not remove or update mirror pod annotation")}
	case !oldOK && newOK:
		return field.ErrorList{field.Forbidden(fldPath.Key(corev1.MirrorPodAnnotationKey), "may not add mirror pod annotation")}
	}
	return nil
}

// validateOnlyAddedTolerations allows new tolerations and changes to an
// existing toleration's tolerationSeconds, nothing else: removing a
// toleration could make a running pod's placement invalid.
func validateOnlyAddedTolerations(newT, oldT []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	for _, o := range oldT {
		found := false
		for _, n := range newT {
			cmp := o
			cmp.TolerationSeconds = n.TolerationSeconds
			if apiequality.Semantic.DeepEqual(cmp, n) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(fldPath, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return nil
}

// validateOnlyRemovedSchedulingGates: gates are lifted one by one by the
// controllers that own them; adding a gate to a pod that may already be
// scheduled makes no sense.
func validateOnlyRemovedSchedulingGates(newG, oldG []corev1.PodSchedulingGate, fldPath *field.Path) field.ErrorList {
	old := sets.New[string]()
	for _, g := range oldG {
		old.Insert(g.Name)
	}
	var allErrs field.ErrorList
	for i, g := range newG {
		if !old.Has(g.Name) {
			allErrs = append(allErrs, field.Forbidden(fldPath.Index(i).Child("name"),
				fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return allErrs
}

// ValidatePodStatusUpdate validates an update through the status
// subresource, as the kubelet and controllers make.
func ValidatePodStatusUpdate(pod, old *corev1.Pod) field.ErrorList {
	statusPath := field.NewPath("status")
	allErrs := validateObjectMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, validateMirrorAnnotationUpdate(pod.Annotations, old.Annotations, field.NewPath("metadata", "annotations"))...)

	// Binding goes through the binding subresource, never through status.
	if pod.Spec.NodeName != old.Spec.NodeName {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "nodeName"), "may not be changed directly"))
	}
	if nn := pod.Status.NominatedNodeName; nn != "" && nn != old.Status.NominatedNodeName {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, nn, statusPath.Child("nominatedNodeName"))...)
	}
	// The QoS class is derived from the spec at creation and never changes.
	if old.Status.QOSClass != "" {
		allErrs = append(allErrs, immutable(pod.Status.QOSClass, old.Status.QOSClass, statusPath.Child("qosClass"))...)
	}
	systemConditions := sets.New(corev1.PodScheduled, corev1.PodReady, corev1.PodInitialized, corev1.ContainersReady)
	for i, c := range pod.Status.Conditions {
		if !systemConditions.Has(c.Type) {
			allErrs = append(allErrs, validateQualifiedName(string(c.Type), statusPath.Child("conditions").Index(i).Child("type"))...)
		}
	}
	allErrs = append(allErrs, validateContainerStateTransitions(pod.Status.ContainerStatuses, old.Status.ContainerStatuses, old.Spec.RestartPolicy, nil, statusPath.Child("containerStatuses"))...)
	// Sidecar (restartable) init containers are restarted whatever the pod's
	// policy, so they are exempt.
	sidecars := sets.New[string]()
	for _, c := range old.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars.Insert(c.Name)
		}
	}
	allErrs = append(allErrs, validateContainerStateTransitions(pod.Status.InitContainerStatuses, old.Status.InitContainerStatuses, old.Spec.RestartPolicy, sidecars, statusPath.Child("initContainerStatuses"))...)
	allErrs = append(allErrs, validateContainerStateTransitions(pod.Status.EphemeralContainerStatuses, old.Status.EphemeralContainerStatuses, corev1.RestartPolicyNever, nil, statusPath.Child("ephemeralContainerStatuses"))...)

	podIPs := make([]string, 0, len(pod.Status.PodIPs))
	for _, ip := range pod.Status.PodIPs {
		podIPs = append(podIPs, ip.IP)
	}
	allErrs = append(allErrs, validateDualStackIPs(podIPs, statusPath.Child("podIPs"))...)
	if len(pod.Status.HostIPs) > 0 {
		hostIPs := make([]string, 0, len(pod.Status.HostIPs))
		for _, ip := range pod.Status.HostIPs {
			hostIPs = append(hostIPs, ip.IP)
		}
		if pod.Status.HostIP != hostIPs[0] {
			allErrs = append(allErrs, field.Invalid(statusPath.Child("hostIPs").Index(0).Child("ip"), hostIPs[0], "must be equal to `hostIP`"))
		}
		allErrs = append(allErrs, validateDualStackIPs(hostIPs, statusPath.Child("hostIPs"))...)
	}
	return allErrs
}

// validateContainerStateTransitions forbids resurrecting a terminated
// container that the restart policy says must stay terminated.
func validateContainerStateTransitions(newS, oldS []corev1.ContainerStatus, policy corev1.RestartPolicy, exempt sets.Set[string], fldPath *field.Path) field.ErrorList {
	if policy == corev1.RestartPolicyAlways || policy == "" {
		return nil
	}
	var allErrs field.ErrorList
	for i, o := range oldS {
		if o.State.Terminated == nil || exempt.Has(o.Name) {
			continue
		}
		if o.State.Terminated.ExitCode != 0 && policy == corev1.RestartPolicyOnFailure {
			continue
		}
		for _, n := range newS {
			if n.Name == o.Name && n.State.Terminated == nil {
				allErrs = append(allErrs, field.Forbidden(fldPath.Index(i).Child("state"), "may not be transitioned to non-terminated state"))
			}
		}
	}
	return allErrs
}

// validateDualStackIPs checks a list of at most one IP per family with no
// duplicates (pod IPs, host IPs, cluster IPs).
func validateDualStackIPs(ips []string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	valid := true
	for i, ip := range ips {
		if errs := validation.IsValidIP(fldPath.Index(i), ip); len(errs) > 0 {
			allErrs = append(allErrs, errs...)
			valid = false
		}
	}
	if !valid || len(ips) < 2 {
		return allErrs
	}
	seen := sets.New[string]()
	for i, ip := range ips {
		if seen.Has(ip) {
			allErrs = append(allErrs, field.Duplicate(fldPath.Index(i), ip))
		}
		seen.Insert(ip)
	}
	if len(ips) > 2 || isIPv6(ips[0]) == isIPv6(ips[1]) {
		allErrs = append(allErrs, field.Invalid(fldPath, ips, "may specify no more than one IP for each IP family"))
	}
	return allErrs
}

func isIPv6(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() == nil
}

// ValidatePodBinding validates a Binding posted to a pod's binding
// subresource by a scheduler.
func ValidatePodBinding(binding *corev1.Binding) field.ErrorList {
	var allErrs field.ErrorList
	if binding.Target.Kind != "" && binding.Target.Kind != "Node" {
		allErrs = append(allErrs, field.NotSupported(field.NewPath("target", "kind"), binding.Target.Kind, []string{"Node", "<empty>"}))
	}
	if binding.Target.Name == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("target", "name"), ""))
	}
	return allErrs
}
