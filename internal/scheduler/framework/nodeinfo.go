package framework

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Resource is an amount of every resource a pod can request.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	// Pods counts pods, against the node's pods capacity.
	Pods int64
	// Scalar holds extended resources (nvidia.com/gpu, hugepages-*), in
	// their integer units.
	Scalar map[corev1.ResourceName]int64
}

// Add adds r2 to r.
func (r *Resource) Add(r2 Resource) {
	r.MilliCPU += r2.MilliCPU
	r.Memory += r2.Memory
	r.EphemeralStorage += r2.EphemeralStorage
	r.Pods += r2.Pods
	for name, v := range r2.Scalar {
		if r.Scalar == nil {
			r.Scalar = map[corev1.ResourceName]int64{}
		}
		r.Scalar[name] += v
	}
}

// Sub takes r2 away from r.
func (r *Resource) Sub(r2 Resource) {
	r.MilliCPU -= r2.MilliCPU
	r.Memory -= r2.Memory
	r.EphemeralStorage -= r2.EphemeralStorage
	r.Pods -= r2.Pods
	for name, v := range r2.Scalar {
		if r.Scalar != nil {
			r.Scalar[name] -= v
		}
	}
}

// ResourceFromList reads a ResourceList (a node's allocatable, or a
// container's requests).
func ResourceFromList(l corev1.ResourceList) Resource {
	var r Resource
	for name, q := range l {
		switch name {
		case corev1.ResourceCPU:
			r.MilliCPU = q.MilliValue()
		case corev1.ResourceMemory:
			r.Memory = q.Value()
		case corev1.ResourceEphemeralStorage:
			r.EphemeralStorage = q.Value()
		case corev1.ResourcePods:
			r.Pods = q.Value()
		default:
			if isScalar(name) {
				if r.Scalar == nil {
					r.Scalar = map[corev1.ResourceName]int64{}
				}
				r.Scalar[name] = q.Value()
			}
		}
	}
	return r
}

// isScalar reports whether name is an extended resource or hugepages:
// anything with a domain prefix (nvidia.com/gpu) or hugepages-.
func isScalar(name corev1.ResourceName) bool {
	s := string(name)
	if len(s) > 10 && s[:10] == "hugepages-" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}

// PodRequests is what a pod asks of a node, as Kubernetes computes it:
// the larger of what runs together at the end (the containers and the
// sidecars, init containers with restartPolicy Always) and the peak
// while the init containers run one by one (each with the sidecars
// started before it), or the pod-level requests where the pod gives them
// (spec.resources), plus the pod's overhead, and one pod.
func PodRequests(pod *corev1.Pod) Resource {
	var containers, sidecars, initPeak Resource
	for i := range pod.Spec.Containers {
		containers.Add(ResourceFromList(pod.Spec.Containers[i].Resources.Requests))
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		r := ResourceFromList(c.Resources.Requests)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars.Add(r)
			initPeak = maxResource(initPeak, sidecars)
			continue
		}
		r.Add(sidecars)
		initPeak = maxResource(initPeak, r)
	}
	containers.Add(sidecars)
	total := maxResource(containers, initPeak)
	if pod.Spec.Resources != nil {
		// Pod-level requests, where given, replace the containers' sum.
		level := ResourceFromList(pod.Spec.Resources.Requests)
		if _, ok := pod.Spec.Resources.Requests[corev1.ResourceCPU]; ok {
			total.MilliCPU = level.MilliCPU
		}
		if _, ok := pod.Spec.Resources.Requests[corev1.ResourceMemory]; ok {
			total.Memory = level.Memory
		}
	}
	total.Add(ResourceFromList(pod.Spec.Overhead))
	total.Pods = 1
	return total
}

// maxResource is the larger of a and b in each resource.
func maxResource(a, b Resource) Resource {
	out := Resource{
		MilliCPU:         max(a.MilliCPU, b.MilliCPU),
		Memory:           max(a.Memory, b.Memory),
		EphemeralStorage: max(a.EphemeralStorage, b.EphemeralStorage),
		Pods:             max(a.Pods, b.Pods),
	}
	for _, r := range []Resource{a, b} {
		for name, v := range r.Scalar {
			if out.Scalar == nil {
				out.Scalar = map[corev1.ResourceName]int64{}
			}
			out.Scalar[name] = max(out.Scalar[name], v)
		}
	}
	return out
}

// HostPort is a port a pod takes on its node's addresses.
type HostPort struct {
	IP       string // "" or 0.0.0.0: every address
	Protocol corev1.Protocol
	Port     int32
}

// NodeInfo is a node and the pods bound to it (or assumed bound while
// their binding is in flight), as one scheduling cycle sees them.
type NodeInfo struct {
	Node *corev1.Node
	Pods []*corev1.Pod
	// Allocatable is the node's allocatable; Requested the sum of its
	// pods' requests.
	Allocatable Resource
	Requested   Resource
	// NonZeroRequested is the cpu and memory its pods request, counting
	// a container without a request as asking for the defaults
	// (NonZeroRequests): what the resource scores look at.
	NonZeroRequested Resource
	// UsedPorts are the host ports its pods take.
	UsedPorts map[HostPort]bool
	// PodsWithAffinity are its pods that have any pod affinity or
	// anti-affinity term; PodsWithRequiredAntiAffinity those with a
	// required anti-affinity term (which every incoming pod must respect).
	PodsWithAffinity             []*corev1.Pod
	PodsWithRequiredAntiAffinity []*corev1.Pod
	// LabelCounts and OwnerCounts index the pods that are not being
	// deleted, for plugins that count matching pods per node (topology
	// spread): by namespace, label key and value (LabelCountKey), and by
	// controller owner UID. A plugin counting pods of one label or one
	// owner then looks up a number instead of walking the pods.
	LabelCounts map[string]int
	OwnerCounts map[types.UID]int
	// Generation changes whenever the node or its pods change; the
	// scheduler's cache uses it to copy only what changed into a snapshot.
	Generation int64
}

// NewNodeInfo returns the NodeInfo of node with pods.
func NewNodeInfo(node *corev1.Node, pods ...*corev1.Pod) *NodeInfo {
	n := &NodeInfo{Node: node, UsedPorts: map[HostPort]bool{}}
	if node != nil {
		n.Allocatable = ResourceFromList(node.Status.Allocatable)
	}
	for _, p := range pods {
		n.AddPod(p)
	}
	return n
}

// Name is the node's name.
func (n *NodeInfo) Name() string { return n.Node.Name }

// AddPod accounts for a pod bound to the node.
func (n *NodeInfo) AddPod(p *corev1.Pod) {
	n.Pods = append(n.Pods, p)
	n.Requested.Add(PodRequests(p))
	cpu, mem := NonZeroRequests(p)
	n.NonZeroRequested.MilliCPU += cpu
	n.NonZeroRequested.Memory += mem
	for _, hp := range PodHostPorts(p) {
		n.UsedPorts[hp] = true
	}
	n.count(p, 1)
	if HasPodAffinity(p) {
		n.PodsWithAffinity = append(n.PodsWithAffinity, p)
	}
	if HasRequiredAntiAffinity(p) {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, p)
	}
}

// LabelCountKey is the key of NodeInfo.LabelCounts for pods of namespace
// labelled key=value.
func LabelCountKey(namespace, key, value string) string {
	return namespace + "/" + key + "=" + value
}

// count adds delta to the indexes for p, unless p is being deleted.
func (n *NodeInfo) count(p *corev1.Pod, delta int) {
	if p.DeletionTimestamp != nil {
		return
	}
	if len(p.Labels) > 0 && n.LabelCounts == nil {
		n.LabelCounts = map[string]int{}
	}
	for k, v := range p.Labels {
		key := LabelCountKey(p.Namespace, k, v)
		if n.LabelCounts[key] += delta; n.LabelCounts[key] == 0 {
			delete(n.LabelCounts, key)
		}
	}
	for i := range p.OwnerReferences {
		ref := &p.OwnerReferences[i]
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		if n.OwnerCounts == nil {
			n.OwnerCounts = map[types.UID]int{}
		}
		if n.OwnerCounts[ref.UID] += delta; n.OwnerCounts[ref.UID] == 0 {
			delete(n.OwnerCounts, ref.UID)
		}
		break
	}
}

// HasPodAffinity reports whether p has any pod affinity or anti-affinity
// term, required or preferred.
func HasPodAffinity(p *corev1.Pod) bool {
	a := p.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

// HasRequiredAntiAffinity reports whether p has a required pod
// anti-affinity term.
func HasRequiredAntiAffinity(p *corev1.Pod) bool {
	a := p.Spec.Affinity
	return a != nil && a.PodAntiAffinity != nil && len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0
}

// removeByUID drops the pod with uid from pods, keeping the order; the
// slice is copied, so clones sharing the old one are not disturbed.
func removeByUID(pods []*corev1.Pod, uid types.UID) []*corev1.Pod {
	for i, q := range pods {
		if q.UID == uid {
			return append(pods[:i:i], pods[i+1:]...)
		}
	}
	return pods
}

// RemovePod takes a pod off the node (by UID); false if it was not there.
func (n *NodeInfo) RemovePod(p *corev1.Pod) bool {
	for i, q := range n.Pods {
		if q.UID != p.UID {
			continue
		}
		n.Pods = append(n.Pods[:i:i], n.Pods[i+1:]...)
		n.count(q, -1)
		n.PodsWithAffinity = removeByUID(n.PodsWithAffinity, q.UID)
		n.PodsWithRequiredAntiAffinity = removeByUID(n.PodsWithRequiredAntiAffinity, q.UID)
		n.Requested.Sub(PodRequests(q))
		cpu, mem := NonZeroRequests(q)
		n.NonZeroRequested.MilliCPU -= cpu
		n.NonZeroRequested.Memory -= mem
		for _, hp := range PodHostPorts(q) {
			delete(n.UsedPorts, hp)
		}
		return true
	}
	return false
}

// Clone copies the NodeInfo (not the node and pod objects).
func (n *NodeInfo) Clone() *NodeInfo {
	c := &NodeInfo{Node: n.Node, Pods: append([]*corev1.Pod(nil), n.Pods...), Allocatable: n.Allocatable, UsedPorts: map[HostPort]bool{},
		PodsWithAffinity:             append([]*corev1.Pod(nil), n.PodsWithAffinity...),
		PodsWithRequiredAntiAffinity: append([]*corev1.Pod(nil), n.PodsWithRequiredAntiAffinity...),
		Generation:                   n.Generation}
	c.Requested.Add(n.Requested)
	c.NonZeroRequested = n.NonZeroRequested
	if n.LabelCounts != nil {
		c.LabelCounts = maps.Clone(n.LabelCounts)
	}
	if n.OwnerCounts != nil {
		c.OwnerCounts = maps.Clone(n.OwnerCounts)
	}
	for hp := range n.UsedPorts {
		c.UsedPorts[hp] = true
	}
	return c
}

// PodHostPorts are the host ports a pod's containers ask for.
func PodHostPorts(p *corev1.Pod) []HostPort {
	var out []HostPort
	for _, c := range p.Spec.Containers {
		for _, port := range c.Ports {
			if port.HostPort <= 0 {
				continue
			}
			proto := port.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			out = append(out, HostPort{IP: port.HostIP, Protocol: proto, Port: port.HostPort})
		}
	}
	return out
}

// Snapshot is the cluster as one scheduling cycle sees it: every node
// with its pods. It is read-only during a cycle.
type Snapshot struct {
	Nodes []*NodeInfo
	// HavePodsWithAffinity are the nodes with a pod that has pod affinity
	// or anti-affinity; HavePodsWithRequiredAntiAffinity those with a pod
	// that has required anti-affinity. Plugins that must look at every
	// such pod walk these instead of every node.
	HavePodsWithAffinity             []*NodeInfo
	HavePodsWithRequiredAntiAffinity []*NodeInfo
	byName                           map[string]int // index in Nodes
}

// NewSnapshot indexes nodes by name.
func NewSnapshot(nodes []*NodeInfo) *Snapshot {
	s := &Snapshot{Nodes: nodes}
	s.Reindex()
	return s
}

// Reindex rebuilds the index and the affinity lists from Nodes; call it
// after changing Nodes or their pods.
func (s *Snapshot) Reindex() {
	s.byName = make(map[string]int, len(s.Nodes))
	for i, n := range s.Nodes {
		s.byName[n.Name()] = i
	}
	s.RefreshAffinityLists()
}

// Replace puts n in the place of the node of the same name, which must be
// in the snapshot (false if it is not). The affinity lists are refreshed
// only when the old or the new NodeInfo has pods with affinity.
func (s *Snapshot) Replace(n *NodeInfo) bool {
	i, ok := s.byName[n.Name()]
	if !ok {
		return false
	}
	old := s.Nodes[i]
	s.Nodes[i] = n
	if len(old.PodsWithAffinity) > 0 || len(n.PodsWithAffinity) > 0 {
		s.RefreshAffinityLists()
	}
	return true
}

// RefreshAffinityLists rebuilds HavePodsWithAffinity and
// HavePodsWithRequiredAntiAffinity from Nodes.
func (s *Snapshot) RefreshAffinityLists() {
	s.HavePodsWithAffinity = s.HavePodsWithAffinity[:0]
	s.HavePodsWithRequiredAntiAffinity = s.HavePodsWithRequiredAntiAffinity[:0]
	for _, n := range s.Nodes {
		if len(n.PodsWithAffinity) > 0 {
			s.HavePodsWithAffinity = append(s.HavePodsWithAffinity, n)
		}
		if len(n.PodsWithRequiredAntiAffinity) > 0 {
			s.HavePodsWithRequiredAntiAffinity = append(s.HavePodsWithRequiredAntiAffinity, n)
		}
	}
}

// Get returns the named node, nil if the snapshot has none.
func (s *Snapshot) Get(name string) *NodeInfo {
	if i, ok := s.byName[name]; ok {
		return s.Nodes[i]
	}
	return nil
}
