package daemonset

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// nodeState is what one node has of a daemon set: its pods made from the
// current template and from older ones (active, not being deleted).
type nodeState struct {
	name     string
	current  []*corev1.Pod
	old      []*corev1.Pod
	start    bool // a daemon pod should be started here
	keep     bool // a daemon pod may go on running here
	existing bool // the node exists
}

// actions are the pods to create (by node name) and to delete.
type actions struct {
	create []string
	delete []*corev1.Pod
}

// manage decides, node by node, what makes the daemon set run exactly
// one pod on each node it belongs on, and none elsewhere. Rolling
// updates are left to rollingUpdate.
func manage(nodes []nodeState) actions {
	var a actions
	for _, n := range nodes {
		all := append(append([]*corev1.Pod(nil), n.current...), n.old...)
		switch {
		case !n.existing || !n.keep:
			a.delete = append(a.delete, all...)
		case len(all) == 0:
			if n.start {
				a.create = append(a.create, n.name)
			}
		default:
			// A failed daemon pod is replaced; of several, one stays,
			// current before old.
			var kept bool
			for _, p := range all {
				if p.Status.Phase == corev1.PodFailed || kept {
					a.delete = append(a.delete, p)
					continue
				}
				kept = true
			}
		}
	}
	return a
}

// rollingUpdate replaces old pods with current ones within the budget:
// at most maxUnavailable nodes without an available daemon, and, with
// surge, at most maxSurge nodes running an extra new pod beside the old
// one until it is available.
func rollingUpdate(nodes []nodeState, maxUnavailable, maxSurge int, minReady time.Duration, now time.Time) actions {
	var a actions
	unavailable := 0
	for _, n := range nodes {
		if !n.existing || !n.keep {
			continue
		}
		if !anyAvailable(n.current, minReady, now) && !anyAvailable(n.old, minReady, now) {
			unavailable++
		}
	}
	if maxSurge > 0 {
		surging := 0
		for _, n := range nodes {
			if len(n.old) > 0 && len(n.current) > 0 {
				surging++
			}
		}
		for _, n := range nodes {
			if !n.existing || !n.keep || len(n.old) == 0 {
				continue
			}
			switch {
			case anyAvailable(n.current, minReady, now):
				// The new pod serves: the old ones go.
				a.delete = append(a.delete, n.old...)
			case len(n.current) == 0 && !anyAvailable(n.old, minReady, now) && unavailable <= maxUnavailable:
				// Nothing serves here anyway: replace at once.
				a.delete = append(a.delete, n.old...)
			case len(n.current) == 0 && surging < maxSurge:
				a.create = append(a.create, n.name)
				surging++
			}
		}
		return a
	}
	budget := maxUnavailable - unavailable
	for _, n := range nodes {
		if !n.existing || !n.keep || len(n.old) == 0 || len(n.current) > 0 {
			continue
		}
		if !anyAvailable(n.old, minReady, now) {
			// Serving nothing: it costs no budget to replace.
			a.delete = append(a.delete, n.old...)
			continue
		}
		if budget > 0 {
			a.delete = append(a.delete, n.old...)
			budget--
		}
	}
	return a
}

// anyAvailable reports whether one of pods has been ready for minReady.
func anyAvailable(pods []*corev1.Pod, minReady time.Duration, now time.Time) bool {
	for _, p := range pods {
		if podcontrol.Available(p, minReady, now) {
			return true
		}
	}
	return false
}
