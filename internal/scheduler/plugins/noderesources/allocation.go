package noderesources

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// usage is what a node's pods request of cpu and memory, as one score
// counts it (with or without the non-zero defaults).
type usage struct{ milliCPU, memory int64 }

// podRequestList is the pod's request of each resource, in order; cpu and
// memory with the non-zero defaults when nonZero is set.
func podRequestList(pod *corev1.Pod, resources []ResourceSpec, nonZero bool) []int64 {
	req := framework.PodRequests(pod)
	var nzCPU, nzMem int64
	if nonZero {
		nzCPU, nzMem = framework.NonZeroRequests(pod)
	}
	out := make([]int64, len(resources))
	for i, r := range resources {
		switch r.Name {
		case corev1.ResourceCPU:
			out[i] = req.MilliCPU
			if nonZero {
				out[i] = nzCPU
			}
		case corev1.ResourceMemory:
			out[i] = req.Memory
			if nonZero {
				out[i] = nzMem
			}
		case corev1.ResourceEphemeralStorage:
			out[i] = req.EphemeralStorage
		default:
			out[i] = req.Scalar[r.Name]
		}
	}
	return out
}

// nonZeroUsage is the cpu and memory the node's pods request with the
// non-zero defaults (kept by the NodeInfo), when the scored resources
// include them.
func nonZeroUsage(node *framework.NodeInfo, resources []ResourceSpec) usage {
	for _, r := range resources {
		if r.Name == corev1.ResourceCPU || r.Name == corev1.ResourceMemory {
			return usage{milliCPU: node.NonZeroRequested.MilliCPU, memory: node.NonZeroRequested.Memory}
		}
	}
	return usage{}
}

// requestedUsage is the cpu and memory the node's pods request as they
// are.
func requestedUsage(node *framework.NodeInfo) usage {
	return usage{milliCPU: node.Requested.MilliCPU, memory: node.Requested.Memory}
}

// allocatableAndRequested is the node's allocatable of one resource and
// what would be requested of it with the pod placed there. An
// allocatable of 0 leaves the resource out of the score: the node has
// none, or it is an extended resource the pod does not ask for (a GPU
// node is not scored on its idle GPUs for a pod that wants none).
func allocatableAndRequested(node *framework.NodeInfo, used usage, name corev1.ResourceName, podRequest int64) (allocatable, requested int64) {
	switch name {
	case corev1.ResourceCPU:
		return node.Allocatable.MilliCPU, used.milliCPU + podRequest
	case corev1.ResourceMemory:
		return node.Allocatable.Memory, used.memory + podRequest
	case corev1.ResourceEphemeralStorage:
		return node.Allocatable.EphemeralStorage, node.Requested.EphemeralStorage + podRequest
	}
	if podRequest == 0 {
		return 0, 0
	}
	return node.Allocatable.Scalar[name], node.Requested.Scalar[name] + podRequest
}
