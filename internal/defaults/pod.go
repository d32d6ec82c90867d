package defaults

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// SetPodDefaults applies the defaults of a Pod object.
//
// A few defaults apply to pods only and not to pod templates: requests
// copied from limits, enableServiceLinks, host ports under host networking
// and pod-level resources. Kubernetes keeps them out of templates so that
// adding such a default never changes the template hash of existing
// Deployments and so never triggers a rollout on upgrade.
func SetPodDefaults(pod *corev1.Pod) {
	spec := &pod.Spec
	defaultRequestsFromLimits(spec.Containers)
	defaultRequestsFromLimits(spec.InitContainers)
	// Pod-level requests are derived from container requests, so this has
	// to run after the container requests have been defaulted above.
	defaultPodLevelResources(pod)
	if spec.EnableServiceLinks == nil {
		spec.EnableServiceLinks = ptr.To(corev1.DefaultEnableServiceLinks)
	}
	if spec.HostNetwork {
		defaultHostNetworkPorts(spec.Containers)
		defaultHostNetworkPorts(spec.InitContainers)
	}

	SetPodSpecDefaults(spec)
	setPodStatusDefaults(&pod.Status)
}

// SetPodSpecDefaults applies the defaults shared by pods and every pod
// template (PodTemplate, ReplicationController, Deployment, ReplicaSet,
// StatefulSet, DaemonSet, Job and CronJob): the pod-wide fields and,
// recursively, every volume and container.
func SetPodSpecDefaults(spec *corev1.PodSpec) {
	if spec.DNSPolicy == "" {
		spec.DNSPolicy = corev1.DNSClusterFirst
	}
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = corev1.RestartPolicyAlways
	}
	if spec.SecurityContext == nil {
		spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	if spec.TerminationGracePeriodSeconds == nil {
		spec.TerminationGracePeriodSeconds = ptr.To[int64](corev1.DefaultTerminationGracePeriodSeconds)
	}
	if spec.SchedulerName == "" {
		spec.SchedulerName = corev1.DefaultSchedulerName
	}

	for i := range spec.Volumes {
		setVolumeDefaults(&spec.Volumes[i])
	}
	for i := range spec.InitContainers {
		setContainerDefaults(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		setContainerDefaults(&spec.Containers[i])
	}
	for i := range spec.EphemeralContainers {
		// EphemeralContainerCommon has the same fields as Container and
		// Kubernetes defaults it as one.
		setContainerDefaults((*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon))
	}

	roundResourceList(spec.Overhead)
	setResourceRequirementsDefaults(spec.Resources)
}

// SetPodTemplateDefaults applies the defaults of a PodTemplate object.
func SetPodTemplateDefaults(t *corev1.PodTemplate) {
	SetPodSpecDefaults(&t.Template.Spec)
}

// defaultRequestsFromLimits sets, for each container, the request of every
// resource that has a limit but no request to that limit, which is what the
// scheduler would otherwise have to assume.
func defaultRequestsFromLimits(containers []corev1.Container) {
	for i := range containers {
		res := &containers[i].Resources
		if res.Limits == nil {
			continue
		}
		if res.Requests == nil {
			res.Requests = make(corev1.ResourceList, len(res.Limits))
		}
		for name, limit := range res.Limits {
			if _, ok := res.Requests[name]; !ok {
				res.Requests[name] = limit.DeepCopy()
			}
		}
	}
}

// defaultHostNetworkPorts sets hostPort to containerPort: with host
// networking the two are the same port, and saying so lets the scheduler
// detect port conflicts.
func defaultHostNetworkPorts(containers []corev1.Container) {
	for i := range containers {
		for j := range containers[i].Ports {
			p := &containers[i].Ports[j]
			if p.HostPort == 0 {
				p.HostPort = p.ContainerPort
			}
		}
	}
}

// setPodStatusDefaults rounds the resource quantities reported in the pod
// status, as Kubernetes does for every ResourceList it decodes.
func setPodStatusDefaults(status *corev1.PodStatus) {
	roundResourceList(status.AllocatedResources)
	setResourceRequirementsDefaults(status.Resources)
	for _, statuses := range [][]corev1.ContainerStatus{
		status.InitContainerStatuses, status.ContainerStatuses, status.EphemeralContainerStatuses,
	} {
		for i := range statuses {
			roundResourceList(statuses[i].AllocatedResources)
			setResourceRequirementsDefaults(statuses[i].Resources)
		}
	}
}
