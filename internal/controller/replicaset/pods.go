package replicaset

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// Status is what the controller reports of a ReplicaSet or a
// ReplicationController: the fields both kinds share.
type Status struct {
	Replicas             int32
	FullyLabeledReplicas int32
	ReadyReplicas        int32
	AvailableReplicas    int32
	ObservedGeneration   int64
}

// active reports whether a pod counts towards the replicas: not being
// deleted and not finished.
func active(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && !podcontrol.Finished(p)
}

// computeStatus counts the active pods: all of them, those labelled as the
// template is, the ready and the available ones.
func computeStatus(pods []*corev1.Pod, templateLabels map[string]string, minReadySeconds int32, generation int64, now time.Time) Status {
	st := Status{ObservedGeneration: generation}
	tmpl := labels.SelectorFromSet(templateLabels)
	for _, p := range pods {
		st.Replicas++
		if tmpl.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if ok, _ := podcontrol.Ready(p); ok {
			st.ReadyReplicas++
		}
		if podcontrol.Available(p, seconds(minReadySeconds), now) {
			st.AvailableReplicas++
		}
	}
	return st
}

// nextAvailable is how long after now the first pod that is ready but not
// yet available becomes available (0 when none will): the controller
// looks again then, to count it.
func nextAvailable(pods []*corev1.Pod, minReadySeconds int32, now time.Time) time.Duration {
	if minReadySeconds == 0 {
		return 0
	}
	var soonest time.Duration
	for _, p := range pods {
		ok, since := podcontrol.Ready(p)
		if !ok {
			continue
		}
		if d := since.Add(seconds(minReadySeconds)).Sub(now); d > 0 && (soonest == 0 || d < soonest) {
			soonest = d
		}
	}
	return soonest
}

// deletionOrder sorts pods so that the ones to remove first come first,
// as Kubernetes chooses when scaling down: not yet on a node before on
// one; Pending before Unknown before Running; not ready before ready; on
// a node crowded with the set's pods before on a quiet one; ready for a
// shorter time before longer; more container restarts before fewer; newer
// before older.
func deletionOrder(pods []*corev1.Pod) []*corev1.Pod {
	perNode := map[string]int{}
	for _, p := range pods {
		if p.Spec.NodeName != "" {
			perNode[p.Spec.NodeName]++
		}
	}
	out := append([]*corev1.Pod(nil), pods...)
	sort.SliceStable(out, func(i, j int) bool { return removeFirst(out[i], out[j], perNode) })
	return out
}

var phaseRank = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// removeFirst reports whether a should go before b.
func removeFirst(a, b *corev1.Pod, perNode map[string]int) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if ra, rb := phaseRank[a.Status.Phase], phaseRank[b.Status.Phase]; ra != rb {
		return ra < rb
	}
	readyA, sinceA := podcontrol.Ready(a)
	readyB, sinceB := podcontrol.Ready(b)
	if readyA != readyB {
		return !readyA
	}
	if ca, cb := perNode[a.Spec.NodeName], perNode[b.Spec.NodeName]; ca != cb {
		return ca > cb
	}
	if readyA && !sinceA.Equal(sinceB) {
		return sinceA.After(sinceB)
	}
	if ra, rb := restarts(a), restarts(b); ra != rb {
		return ra > rb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.After(b.CreationTimestamp.Time)
	}
	return a.Name > b.Name
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n += c.RestartCount
	}
	return n
}

func seconds(n int32) time.Duration { return time.Duration(n) * time.Second }
