// Package cache is the scheduler's view of the cluster: every node with
// the pods bound to it, plus the pods the scheduler has assumed onto a
// node while their binding is in flight, so the next cycle already counts
// them. Informer handlers feed it; the scheduling loop takes snapshots of
// it.
//
// Snapshots are incremental: every change to a node or its pods marks the
// node dirty, and UpdateSnapshot copies only the dirty nodes into the
// loop's snapshot. At 5,000 nodes a cycle then costs a copy of the one or
// two nodes that changed since the last, not of the whole cluster.
//
// The cache also keeps each namespace's share of the cluster for fair
// sharing (internal/scheduler/fairshare): what its bound and assumed pods
// request, over what every node can allocate.
package cache

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/marina-orchestrator/marina/internal/scheduler/fairshare"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// podState is where the cache has a pod.
type podState struct {
	pod  *corev1.Pod
	node string
	// assumed: placed by the scheduler, not yet seen bound by the
	// informer.
	assumed bool
}

// Cache is safe for concurrent use. It has one snapshot consumer: the
// scheduling loop.
type Cache struct {
	mu    sync.Mutex
	nodes map[string]*framework.NodeInfo
	pods  map[types.UID]*podState
	// dirty are the nodes changed since the last UpdateSnapshot;
	// nodeSetChanged says a node came or went.
	dirty          map[string]struct{}
	nodeSetChanged bool
	shares         *fairshare.Shares
}

// New returns an empty cache.
func New() *Cache {
	return &Cache{
		nodes:  map[string]*framework.NodeInfo{},
		pods:   map[types.UID]*podState{},
		dirty:  map[string]struct{}{},
		shares: fairshare.New(framework.Resource{}),
	}
}

// nodeInfo returns the named NodeInfo, creating an empty one (without a
// Node) for pods that arrive before their node.
func (c *Cache) nodeInfo(name string) *framework.NodeInfo {
	n := c.nodes[name]
	if n == nil {
		n = framework.NewNodeInfo(nil)
		c.nodes[name] = n
	}
	return n
}

func (c *Cache) touch(name string) {
	c.dirty[name] = struct{}{}
}

// AddNode adds or updates a node.
func (c *Cache) AddNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nodeInfo(node.Name)
	if n.Node != nil {
		c.shares.Total.Sub(n.Allocatable)
	} else {
		c.nodeSetChanged = true
	}
	n.Node = node
	n.Allocatable = framework.ResourceFromList(node.Status.Allocatable)
	c.shares.Total.Add(n.Allocatable)
	c.touch(node.Name)
}

// RemoveNode drops a node. Its pods stay accounted (to nothing) until
// they are deleted, as they still hold their share.
func (c *Cache) RemoveNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nodes[name]
	if n == nil || n.Node == nil {
		return
	}
	c.shares.Total.Sub(n.Allocatable)
	n.Node = nil
	n.Allocatable = framework.Resource{}
	if len(n.Pods) == 0 {
		delete(c.nodes, name)
	}
	c.nodeSetChanged = true
	c.touch(name)
}

// AddPod accounts for a pod the informer shows bound to a node (an add or
// an update). A pod the scheduler assumed is confirmed; a pod moved or
// changed replaces what was there. Pods that finished (Succeeded or
// Failed) no longer hold resources and are removed.
func (c *Cache) AddPod(pod *corev1.Pod) {
	if pod.Spec.NodeName == "" {
		return
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		c.RemovePod(pod)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps := c.pods[pod.UID]; ps != nil {
		c.removeLocked(ps)
	}
	c.addLocked(pod, pod.Spec.NodeName, false)
}

func (c *Cache) addLocked(pod *corev1.Pod, node string, assumed bool) {
	c.nodeInfo(node).AddPod(pod)
	c.pods[pod.UID] = &podState{pod: pod, node: node, assumed: assumed}
	c.shares.Add(pod.Namespace, framework.PodRequests(pod))
	c.touch(node)
}

func (c *Cache) removeLocked(ps *podState) {
	n := c.nodes[ps.node]
	if n != nil {
		n.RemovePod(ps.pod)
		if n.Node == nil && len(n.Pods) == 0 {
			delete(c.nodes, ps.node)
		}
		c.touch(ps.node)
	}
	c.shares.Remove(ps.pod.Namespace, framework.PodRequests(ps.pod))
	delete(c.pods, ps.pod.UID)
}

// RemovePod forgets a pod (deleted, or finished).
func (c *Cache) RemovePod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps := c.pods[pod.UID]; ps != nil {
		c.removeLocked(ps)
	}
}

// Assume places pod on node before its binding is confirmed, so the
// following cycles count it. It fails if the cache already has the pod.
func (c *Cache) Assume(pod *corev1.Pod, node string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps := c.pods[pod.UID]; ps != nil {
		return fmt.Errorf("pod %s/%s is already on node %q in the scheduler's cache", pod.Namespace, pod.Name, ps.node)
	}
	// A shallow copy with the node set: the cache never changes a pod,
	// so sharing the rest with the informer's object is safe, and a deep
	// copy per scheduled pod is not paid.
	p := *pod
	p.Spec.NodeName = node
	c.addLocked(&p, node, true)
	return nil
}

// Forget undoes Assume after a failed binding. A pod the informer has
// meanwhile shown bound stays.
func (c *Cache) Forget(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps := c.pods[pod.UID]; ps != nil && ps.assumed {
		c.removeLocked(ps)
	}
}

// Has reports whether the cache has the pod, bound or assumed.
func (c *Cache) Has(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pods[uid] != nil
}

// SetNamespaceWeight sets a namespace's fair-share weight.
func (c *Cache) SetNamespaceWeight(namespace string, w float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shares.SetWeight(namespace, w)
}

// Share is a namespace's weighted dominant share of the cluster, counting
// bound and assumed pods.
func (c *Cache) Share(namespace string) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shares.Dominant(namespace)
}

// Snapshot is the scheduling loop's copy of the cache. It is only
// changed by UpdateSnapshot.
type Snapshot struct {
	framework.Snapshot
	// generation marks a fresh snapshot that has had no update yet.
	generation int64
}

// NewSnapshot returns an empty snapshot to pass to UpdateSnapshot.
func NewSnapshot() *Snapshot {
	return &Snapshot{Snapshot: *framework.NewSnapshot(nil)}
}

// UpdateSnapshot brings snap up to date with the cache, copying only the
// nodes that changed since the last call. Nodes are in name order.
func (c *Cache) UpdateSnapshot(snap *Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if snap.generation == 0 || c.nodeSetChanged {
		nodes := make([]*framework.NodeInfo, 0, len(c.nodes))
		for name, n := range c.nodes {
			if n.Node == nil {
				continue
			}
			if _, changed := c.dirty[name]; !changed && snap.generation != 0 {
				if old := snap.Get(name); old != nil {
					nodes = append(nodes, old)
					continue
				}
			}
			nodes = append(nodes, n.Clone())
		}
		slices.SortFunc(nodes, func(a, b *framework.NodeInfo) int { return strings.Compare(a.Name(), b.Name()) })
		snap.Nodes = nodes
		snap.Reindex()
		c.nodeSetChanged = false
	} else {
		for name := range c.dirty {
			if n := c.nodes[name]; n != nil && n.Node != nil {
				snap.Replace(n.Clone())
			}
		}
	}
	clear(c.dirty)
	snap.generation++
}
