package preemption

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// workspace is the snapshot the PreFilter plugins see while one node is
// evaluated with pods removed: the real snapshot with that one node
// replaced by its what-if state.
//
// Building a fresh framework.Snapshot per node would re-index the whole
// cluster for every node evaluated, quadratic at thousands of nodes.
// Instead the workspace holds its own shallow copy of every NodeInfo
// (sharing the pod lists, which it never changes), indexed once; open
// overwrites one copy in place with a clone of the original, which the
// caller may then change, and close puts the original back. The index
// (Get) and Nodes thus always show the node's current what-if state. The
// snapshot's lists of nodes with affinity pods are not recomputed: pods
// are only ever removed and then put back, so they stay a superset of the
// truth, which is harmless to plugins that walk those nodes' pods.
type workspace struct {
	snap *framework.Snapshot
}

// newWorkspace copies orig's NodeInfo structs (not their pods).
func newWorkspace(orig *framework.Snapshot) *workspace {
	copies := make([]framework.NodeInfo, len(orig.Nodes))
	nodes := make([]*framework.NodeInfo, len(orig.Nodes))
	for i, n := range orig.Nodes {
		copies[i] = *n
		nodes[i] = &copies[i]
	}
	return &workspace{snap: framework.NewSnapshot(nodes)}
}

// open makes node i a clone of orig (snapshot node i) and returns it for
// the caller to change until close.
func (w *workspace) open(i int, orig *framework.NodeInfo) *framework.NodeInfo {
	n := w.snap.Nodes[i]
	*n = *orig.Clone()
	return n
}

// close puts orig back as node i.
func (w *workspace) close(i int, orig *framework.NodeInfo) {
	*w.snap.Nodes[i] = *orig
}

// selectVictims finds the fewest, least important pods of priority below
// prio to evict from node (a clone it may change; snap shows it) for pod
// to fit. When the pod does not fit even with all of them gone it returns
// the status saying why. Pods are told apart by UID.
func (e *Evaluator) selectVictims(ctx context.Context, pod *corev1.Pod, prio int32, snap *framework.Snapshot, node *framework.NodeInfo) ([]*corev1.Pod, *framework.Status, error) {
	var potential []*corev1.Pod
	for _, p := range node.Pods {
		if podPriority(p) < prio {
			potential = append(potential, p)
		}
	}
	for _, p := range potential {
		node.RemovePod(p)
	}
	if st, err := e.fits(ctx, pod, snap, node); err != nil || st != nil {
		return nil, st, err
	}
	// Reprieve: give the most important pods the first chance to stay.
	slices.SortStableFunc(potential, moreImportant)
	var victims []*corev1.Pod
	for _, p := range potential {
		node.AddPod(p)
		st, err := e.fits(ctx, pod, snap, node)
		if err != nil {
			return nil, nil, err
		}
		if st != nil {
			node.RemovePod(p)
			victims = append(victims, p)
		}
	}
	return victims, nil, nil
}

// fits runs the profile's PreFilter plugins on snap and its Filter
// plugins on node, as a scheduling cycle does, and returns nil when the
// pod fits, else the rejecting status (naming its plugin). PreFilter runs
// afresh each time, so plugins whose state depends on the cluster's pods
// see the node as it now is.
func (e *Evaluator) fits(ctx context.Context, pod *corev1.Pod, snap *framework.Snapshot, node *framework.NodeInfo) (*framework.Status, error) {
	state := framework.NewCycleState()
	var skip map[string]bool
	for _, pf := range e.Profile.PreFilters {
		st := pf.PreFilter(ctx, state, pod, snap)
		switch framework.CodeOf(st) {
		case framework.Success:
		case framework.Skip:
			if skip == nil {
				skip = map[string]bool{}
			}
			skip[pf.Name()] = true
		case framework.Error:
			return nil, fmt.Errorf("prefilter %s: %w", pf.Name(), statusErr(st))
		default:
			st.Plugin = pf.Name()
			return st, nil
		}
	}
	for _, f := range e.Profile.Filters {
		if skip[f.Name()] {
			continue
		}
		st := f.Filter(ctx, state, pod, node)
		switch framework.CodeOf(st) {
		case framework.Success:
		case framework.Error:
			return nil, fmt.Errorf("filter %s: %w", f.Name(), statusErr(st))
		default:
			st.Plugin = f.Name()
			return st, nil
		}
	}
	return nil, nil
}

// statusErr is the error an Error status carries.
func statusErr(st *framework.Status) error {
	if st.Err != nil {
		return st.Err
	}
	return errors.New(st.Message())
}

// moreImportant orders pods most important first: higher priority, then
// the one that started earlier (it has been doing its work longer).
func moreImportant(a, b *corev1.Pod) int {
	if c := cmp.Compare(podPriority(b), podPriority(a)); c != 0 {
		return c
	}
	return startTime(a).Compare(startTime(b))
}

// notStarted is the start time of a pod that has none yet (just bound,
// or only assumed): later than any real one, as Kubernetes counts such a
// pod as starting now.
var notStarted = time.Unix(1<<40, 0)

// startTime is when the pod started running on its node.
func startTime(p *corev1.Pod) time.Time {
	if p.Status.StartTime == nil {
		return notStarted
	}
	return p.Status.StartTime.Time
}
