// Package nodeports is Kubernetes' NodePorts plugin: a filter that keeps a
// pod off a node where a host port it asks for is taken. A port is taken
// when a pod on the node uses the same protocol and port on the same IP,
// or when either side binds every address (hostIP "" or 0.0.0.0).
package nodeports

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is the plugin's name in configuration and statuses.
const Name = "NodePorts"

// Reason is the filter's reason, Kubernetes' words.
const Reason = "node(s) didn't have free ports for the requested pod ports"

// anyIP is the address that means every address.
const anyIP = "0.0.0.0"

const preFilterStateKey = "PreFilter" + Name

// NodePorts is the plugin.
type NodePorts struct{}

var (
	_ framework.PreFilterPlugin = (*NodePorts)(nil)
	_ framework.FilterPlugin    = (*NodePorts)(nil)
)

// New returns the plugin; it has no configuration.
func New() *NodePorts { return &NodePorts{} }

// Name implements framework.Plugin.
func (*NodePorts) Name() string { return Name }

// preFilterState is the host ports the pod asks for.
type preFilterState []framework.HostPort

// PreFilter collects the pod's host ports, or returns Skip when it asks
// for none.
func (*NodePorts) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ *framework.Snapshot) *framework.Status {
	ports := framework.PodHostPorts(pod)
	if len(ports) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, preFilterState(ports))
	return nil
}

// Filter rejects a node where one of the pod's host ports is taken, as
// Unschedulable: preempting the pod that holds it frees it.
func (*NodePorts) Filter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	v, _ := state.Read(preFilterStateKey)
	want, ok := v.(preFilterState)
	if !ok { // no PreFilter ran
		want = framework.PodHostPorts(pod)
	}
	for _, p := range want {
		if Conflicts(node.UsedPorts, p) {
			return framework.NewStatus(framework.Unschedulable, Reason)
		}
	}
	return nil
}

// Conflicts reports whether want clashes with a port in used: same
// protocol and port, and the same IP or either side on every address.
// An empty protocol is TCP, as in the API.
func Conflicts(used map[framework.HostPort]bool, want framework.HostPort) bool {
	if want.Port <= 0 {
		return false
	}
	want = sanitize(want)
	for u := range used {
		u = sanitize(u)
		if u.Port == want.Port && u.Protocol == want.Protocol &&
			(u.IP == want.IP || u.IP == anyIP || want.IP == anyIP) {
			return true
		}
	}
	return false
}

// sanitize spells every address 0.0.0.0 and the default protocol TCP.
func sanitize(p framework.HostPort) framework.HostPort {
	if p.IP == "" {
		p.IP = anyIP
	}
	if p.Protocol == "" {
		p.Protocol = corev1.ProtocolTCP
	}
	return p
}
