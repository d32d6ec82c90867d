package agent

import (
	"runtime"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/version"
)

// Node labels the agent sets.
const (
	// RuntimeLabelPrefix + runtime name = "true" for each runtime offered.
	RuntimeLabelPrefix = "runtime.marina.io/"
	// MaxPods is the default pods capacity, the kubelet's.
	MaxPods = 110
	// GPUResource is the extended resource for NVIDIA GPUs.
	GPUResource corev1.ResourceName = "nvidia.com/gpu"
)

// Thresholds below which a node reports pressure, and the memory the
// kubelet's default hard eviction threshold keeps back from allocatable.
var (
	memoryReserve       = resource.MustParse("100Mi")
	diskPressureRatio   = 0.10
	pidPressureFraction = 0.95
)

// NodeLabels are the labels of a node with the given name and runtimes.
func NodeLabels(name string, runtimes []string) map[string]string {
	labels := map[string]string{
		corev1.LabelHostname:   name,
		corev1.LabelOSStable:   runtime.GOOS,
		corev1.LabelArchStable: runtime.GOARCH,
	}
	for _, r := range runtimes {
		labels[RuntimeLabelPrefix+r] = "true"
	}
	return labels
}

// NodeStatus is what a node reports about itself: capacity, allocatable,
// conditions, addresses and system info. It keeps each condition's
// transition time from old when the condition's status did not change.
func NodeStatus(h Host, runtimes []string, maxPods int, daemonPort int32, old *corev1.NodeStatus, now metav1.Time) corev1.NodeStatus {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(h.CPUs), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(h.MemoryBytes, resource.BinarySI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(h.DiskBytes, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(int64(maxPods), resource.DecimalSI),
	}
	if h.GPUs > 0 {
		capacity[GPUResource] = *resource.NewQuantity(int64(h.GPUs), resource.DecimalSI)
	}
	allocatable := capacity.DeepCopy()
	mem := allocatable[corev1.ResourceMemory]
	mem.Sub(memoryReserve)
	if mem.Sign() < 0 {
		mem = resource.MustParse("0")
	}
	allocatable[corev1.ResourceMemory] = mem

	st := corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: allocatable,
		Phase:       corev1.NodeRunning,
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: h.InternalIP},
			{Type: corev1.NodeHostName, Address: h.Hostname},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: daemonPort}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               h.MachineID,
			SystemUUID:              h.MachineID,
			BootID:                  h.BootID,
			KernelVersion:           h.KernelVersion,
			OSImage:                 h.OSImage,
			ContainerRuntimeVersion: runtimeVersion(runtimes),
			KubeletVersion:          "v" + version.KubernetesVersion,
			KubeProxyVersion:        "",
			OperatingSystem:         runtime.GOOS,
			Architecture:            runtime.GOARCH,
		},
	}
	memoryPressure := h.MemoryBytes > 0 && h.MemAvailable < memoryReserve.Value()
	diskPressure := h.DiskBytes > 0 && float64(h.DiskFree) < diskPressureRatio*float64(h.DiskBytes)
	pidPressure := h.PIDsMax > 0 && float64(h.PIDsInUse) > pidPressureFraction*float64(h.PIDsMax)
	st.Conditions = []corev1.NodeCondition{
		condition(corev1.NodeReady, true, "KubeletReady", "marina agent is posting ready status", old, now),
		pressure(corev1.NodeMemoryPressure, memoryPressure, "memory", old, now),
		pressure(corev1.NodeDiskPressure, diskPressure, "disk", old, now),
		pressure(corev1.NodePIDPressure, pidPressure, "PID", old, now),
	}
	return st
}

func runtimeVersion(runtimes []string) string {
	if len(runtimes) == 0 {
		return "marina://" + version.Version
	}
	return runtimes[0] + "://marina-" + version.Version
}

// pressureReasons are the kubelet's reasons for each pressure condition:
// when there is no pressure, and when there is.
var pressureReasons = map[corev1.NodeConditionType][2]string{
	corev1.NodeMemoryPressure: {"KubeletHasSufficientMemory", "KubeletHasInsufficientMemory"},
	corev1.NodeDiskPressure:   {"KubeletHasNoDiskPressure", "KubeletHasDiskPressure"},
	corev1.NodePIDPressure:    {"KubeletHasSufficientPID", "KubeletHasInsufficientPID"},
}

func pressure(t corev1.NodeConditionType, under bool, what string, old *corev1.NodeStatus, now metav1.Time) corev1.NodeCondition {
	if under {
		return condition(t, true, pressureReasons[t][1], "marina agent has "+what+" pressure", old, now)
	}
	return condition(t, false, pressureReasons[t][0], "marina agent has sufficient "+what+" available", old, now)
}

// condition builds a node condition, keeping the last transition time
// while the status stays the same.
func condition(t corev1.NodeConditionType, status bool, reason, message string, old *corev1.NodeStatus, now metav1.Time) corev1.NodeCondition {
	s := corev1.ConditionFalse
	if status {
		s = corev1.ConditionTrue
	}
	c := corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: message, LastHeartbeatTime: now, LastTransitionTime: now}
	if old != nil {
		for _, oc := range old.Conditions {
			if oc.Type == t && oc.Status == s {
				c.LastTransitionTime = oc.LastTransitionTime
			}
		}
	}
	return c
}
