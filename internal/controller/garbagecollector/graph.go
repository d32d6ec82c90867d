package garbagecollector

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// node is one object the collector has seen.
type node struct {
	gvr        schema.GroupVersionResource
	namespace  string
	name       string
	uid        types.UID
	rv         string
	owners     []metav1.OwnerReference
	finalizers []string
	deleting   bool // deletionTimestamp is set
}

func (n *node) hasFinalizer(f string) bool {
	for _, x := range n.finalizers {
		if x == f {
			return true
		}
	}
	return false
}

// graph maps objects to their owners and dependents. Dependents are kept
// by owner UID, also for owners not (or no longer) observed, so an owner
// that appears later, or disappears, finds them.
type graph struct {
	mu         sync.Mutex
	nodes      map[types.UID]*node
	dependents map[types.UID]map[types.UID]bool
}

func newGraph() *graph {
	return &graph{nodes: map[types.UID]*node{}, dependents: map[types.UID]map[types.UID]bool{}}
}

// upsert records n and returns the UIDs whose state may need action: n
// itself, and owners it gained or lost.
func (g *graph) upsert(n *node) []types.UID {
	g.mu.Lock()
	defer g.mu.Unlock()
	touched := []types.UID{n.uid}
	if old, ok := g.nodes[n.uid]; ok {
		for _, o := range old.owners {
			if deps := g.dependents[o.UID]; deps != nil {
				delete(deps, n.uid)
				if len(deps) == 0 {
					delete(g.dependents, o.UID)
				}
			}
			touched = append(touched, o.UID)
		}
	}
	g.nodes[n.uid] = n
	for _, o := range n.owners {
		if g.dependents[o.UID] == nil {
			g.dependents[o.UID] = map[types.UID]bool{}
		}
		g.dependents[o.UID][n.uid] = true
		touched = append(touched, o.UID)
	}
	return touched
}

// remove forgets an object and returns its dependents, which may now be
// orphans, and its owners, which may be waiting for it.
func (g *graph) remove(uid types.UID) []types.UID {
	g.mu.Lock()
	defer g.mu.Unlock()
	var touched []types.UID
	if old, ok := g.nodes[uid]; ok {
		for _, o := range old.owners {
			if deps := g.dependents[o.UID]; deps != nil {
				delete(deps, uid)
				if len(deps) == 0 {
					delete(g.dependents, o.UID)
				}
			}
			touched = append(touched, o.UID)
		}
	}
	delete(g.nodes, uid)
	for d := range g.dependents[uid] {
		touched = append(touched, d)
	}
	return touched
}

func (g *graph) get(uid types.UID) (*node, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return nil, false
	}
	cp := *n
	return &cp, true
}

// dependentsOf returns copies of the observed dependents of uid.
func (g *graph) dependentsOf(uid types.UID) []*node {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*node
	for d := range g.dependents[uid] {
		if n, ok := g.nodes[d]; ok {
			cp := *n
			out = append(out, &cp)
		}
	}
	return out
}
