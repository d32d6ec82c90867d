package engine

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// nominations are the pods that preempted others and wait for their
// victims to go: each holds room on its nominated node against pods of
// lower or equal priority, so that the room preemption made is not taken
// by someone else first (as Kubernetes does with nominated pods).
type nominations struct {
	mu    sync.Mutex
	byUID map[types.UID]*corev1.Pod // with Spec.NodeName set to the nominated node
}

// set records pod's nomination to node ("" clears it).
func (n *nominations) set(pod *corev1.Pod, node string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if node == "" {
		delete(n.byUID, pod.UID)
		return
	}
	if n.byUID == nil {
		n.byUID = map[types.UID]*corev1.Pod{}
	}
	p := pod.DeepCopy()
	p.Spec.NodeName = node
	n.byUID[pod.UID] = p
}

// reserve adds to snap, on copies of their nodes, the nominated pods that
// pod must leave room for (other pods of at least its priority), and
// returns what puts the snapshot back.
func (n *nominations) reserve(snap *framework.Snapshot, pod *corev1.Pod) (restore func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.byUID) == 0 {
		return func() {}
	}
	var originals []*framework.NodeInfo
	copies := map[string]*framework.NodeInfo{}
	for uid, p := range n.byUID {
		if uid == pod.UID || priority(p) < priority(pod) {
			continue
		}
		c := copies[p.Spec.NodeName]
		if c == nil {
			orig := snap.Get(p.Spec.NodeName)
			if orig == nil {
				continue
			}
			c = orig.Clone()
			copies[p.Spec.NodeName] = c
			originals = append(originals, orig)
			snap.Replace(c)
		}
		c.AddPod(p)
	}
	return func() {
		for _, orig := range originals {
			snap.Replace(orig)
		}
	}
}

func priority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}
