package framework

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The requests scoring assumes for a container that sets none, as
// Kubernetes does (DefaultMilliCPURequest, DefaultMemoryRequest), so a node
// full of pods without requests does not look empty to the scores. The
// fit filter never uses them. NodeInfo keeps their sum over its pods
// (NonZeroRequested), so a score reads it instead of walking the pods.
const (
	DefaultMilliCPURequest int64 = 100               // 0.1 core
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024 // 200 MiB
)

// NonZeroRequests is the cpu (millicores) and memory (bytes) a pod counts
// for in scoring: its requests computed as framework.PodRequests does,
// except that a container (or init container) that does not set a cpu or
// memory request counts as asking for the default. A request set to zero
// stays zero, and pod-level requests (spec.resources.requests) replace the
// containers' sum, as in Kubernetes.
func NonZeroRequests(pod *corev1.Pod) (milliCPU, memory int64) {
	// What runs together at the end (containers and sidecars), and the
	// peak while init containers run one by one beside the sidecars
	// started before them.
	var cpu, mem, sidecarCPU, sidecarMem, peakCPU, peakMem int64
	for i := range pod.Spec.Containers {
		cpu, mem = addContainer(&pod.Spec.Containers[i], cpu, mem)
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecarCPU, sidecarMem = addContainer(c, sidecarCPU, sidecarMem)
			peakCPU, peakMem = max(peakCPU, sidecarCPU), max(peakMem, sidecarMem)
			continue
		}
		c1, m1 := addContainer(c, sidecarCPU, sidecarMem)
		peakCPU, peakMem = max(peakCPU, c1), max(peakMem, m1)
	}
	milliCPU = max(cpu+sidecarCPU, peakCPU)
	memory = max(mem+sidecarMem, peakMem)
	if r := pod.Spec.Resources; r != nil {
		if q, ok := r.Requests[corev1.ResourceCPU]; ok {
			milliCPU = q.MilliValue()
		}
		if q, ok := r.Requests[corev1.ResourceMemory]; ok {
			memory = q.Value()
		}
	}
	if q, ok := pod.Spec.Overhead[corev1.ResourceCPU]; ok {
		milliCPU += q.MilliValue()
	}
	if q, ok := pod.Spec.Overhead[corev1.ResourceMemory]; ok {
		memory += q.Value()
	}
	return milliCPU, memory
}

// addContainer adds c's cpu and memory requests, or the defaults, to cpu
// and mem.
func addContainer(c *corev1.Container, cpu, mem int64) (int64, int64) {
	return cpu + request(c, corev1.ResourceCPU, DefaultMilliCPURequest, (*resource.Quantity).MilliValue),
		mem + request(c, corev1.ResourceMemory, DefaultMemoryRequest, (*resource.Quantity).Value)
}

func request(c *corev1.Container, name corev1.ResourceName, def int64, value func(*resource.Quantity) int64) int64 {
	q, ok := c.Resources.Requests[name]
	if !ok {
		return def
	}
	return value(&q)
}
