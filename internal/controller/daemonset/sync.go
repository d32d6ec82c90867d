package daemonset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/controller/claim"
	"github.com/marina-orchestrator/marina/internal/controller/history"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// sync brings one daemon set's pods, revisions and status in line.
func (c *Controller) sync(ctx context.Context, k string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return err
	}
	cached, err := c.dss.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(k)
		return nil
	}
	if err != nil {
		return err
	}
	ds := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil // validation keeps such sets out
	}
	now := c.now()
	satisfied := c.expect.Satisfied(k, now)
	pods, revs, err := claim.PodsAndRevisions(ctx, c.client, c.claimer(ds, sel), c.pods.Pods(ns), c.revisions.ControllerRevisions(ns))
	if err != nil {
		return err
	}
	cur, err := c.currentRevision(ctx, ds, revs)
	if err != nil {
		return err
	}
	hash := cur.Labels[history.HashLabel]
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	states := nodeStates(ds, nodes, pods, hash)

	var errs []error
	if satisfied && ds.DeletionTimestamp == nil {
		acts := manage(states)
		if ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType {
			unavailable, surge := c.budget(ds, states)
			ru := rollingUpdate(states, unavailable, surge, minReady(ds), now)
			acts.create = append(acts.create, ru.create...)
			for _, p := range ru.delete {
				if !slices.Contains(acts.delete, p) {
					acts.delete = append(acts.delete, p)
				}
			}
		}
		errs = append(errs, c.act(ctx, k, ds, acts, hash))
	}
	errs = append(errs, c.prune(ctx, ds, revs, cur, pods))
	st := status(ds, states, minReady(ds), now)
	if !apiequality.Semantic.DeepEqual(cached.Status, st) {
		ds.Status = st
		if _, err := c.client.AppsV1().DaemonSets(ns).UpdateStatus(ctx, ds, metav1.UpdateOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("update status: %w", err))
		}
	}
	if d := minReady(ds); d > 0 && st.NumberAvailable < st.NumberReady {
		c.Queue.AddAfter(k, d)
	}
	return errors.Join(errs...)
}

func minReady(ds *appsv1.DaemonSet) time.Duration {
	return time.Duration(ds.Spec.MinReadySeconds) * time.Second
}

// budget resolves maxUnavailable (rounded up, at least one when there is
// no surge) and maxSurge against the nodes the set wants.
func (c *Controller) budget(ds *appsv1.DaemonSet, states []nodeState) (int, int) {
	desired := 0
	for _, n := range states {
		if n.existing && n.start {
			desired++
		}
	}
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	one, zero := intstr.FromInt32(1), intstr.FromInt32(0)
	mu, ms := &one, &zero
	if ru != nil {
		if ru.MaxUnavailable != nil {
			mu = ru.MaxUnavailable
		}
		if ru.MaxSurge != nil {
			ms = ru.MaxSurge
		}
	}
	u, err1 := intstr.GetScaledValueFromIntOrPercent(mu, desired, true)
	s, err2 := intstr.GetScaledValueFromIntOrPercent(ms, desired, true)
	if err1 != nil || err2 != nil {
		return 1, 0
	}
	if u == 0 && s == 0 {
		u = 1
	}
	return u, s
}

// nodeStates groups the set's pods by node and says, for each node,
// whether a daemon belongs there.
func nodeStates(ds *appsv1.DaemonSet, nodes []*corev1.Node, pods []*corev1.Pod, hash string) []nodeState {
	byNode := map[string]*nodeState{}
	var order []string
	for _, node := range nodes {
		start, keep := placement(node, &ds.Spec.Template.Spec)
		byNode[node.Name] = &nodeState{name: node.Name, start: start, keep: keep, existing: true}
		order = append(order, node.Name)
	}
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded {
			continue
		}
		node := targetNode(p)
		n := byNode[node]
		if n == nil {
			n = &nodeState{name: node}
			byNode[node] = n
			order = append(order, node)
		}
		if p.Labels[history.HashLabel] == hash {
			n.current = append(n.current, p)
		} else {
			n.old = append(n.old, p)
		}
	}
	slices.Sort(order)
	out := make([]nodeState, 0, len(order))
	for _, name := range order {
		out = append(out, *byNode[name])
	}
	return out
}

// targetNode is the node a daemon pod is on, or is pinned to before the
// scheduler has bound it.
func targetNode(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range term.MatchFields {
			if f.Key == metav1.ObjectNameField && f.Operator == corev1.NodeSelectorOpIn && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

// status counts the set's nodes and pods as kubectl shows them.
func status(ds *appsv1.DaemonSet, states []nodeState, minReady time.Duration, now time.Time) appsv1.DaemonSetStatus {
	st := appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, CollisionCount: ds.Status.CollisionCount, Conditions: ds.Status.Conditions}
	for _, n := range states {
		pods := append(append([]*corev1.Pod(nil), n.current...), n.old...)
		if !n.existing || !n.start {
			if len(pods) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(pods) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		if len(n.current) > 0 {
			st.UpdatedNumberScheduled++
		}
		if anyAvailable(pods, 0, now) {
			st.NumberReady++
		}
		if anyAvailable(pods, minReady, now) {
			st.NumberAvailable++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st
}

// act deletes pods, or, when there is nothing to delete, creates them:
// creations wait for the deletions to be seen, so a node's old pod goes
// before its new one comes.
func (c *Controller) act(ctx context.Context, k string, ds *appsv1.DaemonSet, a actions, hash string) error {
	control := podcontrol.Control{Client: c.client, Recorder: c.recorder, Expect: c.expect, Now: c.now}
	if len(a.delete) > 0 {
		return control.Delete(ctx, k, ds, a.delete)
	}
	fresh := make([]*corev1.Pod, len(a.create))
	for i, node := range a.create {
		fresh[i] = newPod(ds, node, hash)
	}
	return control.Create(ctx, k, ds, fresh)
}

// newPod is the set's pod for a node: the template, the revision's hash,
// the daemon tolerations, and a required affinity for the node alone.
func newPod(ds *appsv1.DaemonSet, node, hash string) *corev1.Pod {
	pod := podcontrol.FromTemplate(&ds.Spec.Template, ds.Namespace, ds.Name+"-", controllerRef(ds))
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[history.HashLabel] = hash
	pod.Spec = *withTolerations(&pod.Spec)
	if pod.Spec.Affinity == nil {
		pod.Spec.Affinity = &corev1.Affinity{}
	}
	if pod.Spec.Affinity.NodeAffinity == nil {
		pod.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	// The set has checked the node against the template's own affinity;
	// the pod needs only to name its node.
	pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchFields: []corev1.NodeSelectorRequirement{{Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}},
		}}}
	return pod
}

func controllerRef(ds *appsv1.DaemonSet) metav1.OwnerReference {
	return claim.ControllerRef(appsv1.SchemeGroupVersion.String(), "DaemonSet", ds.Name, ds.UID)
}

func (c *Controller) claimer(ds *appsv1.DaemonSet, sel labels.Selector) claim.Owner {
	return claim.NewOwner(ds, controllerRef(ds), sel, func(ctx context.Context) (metav1.Object, error) {
		return c.client.AppsV1().DaemonSets(ds.Namespace).Get(ctx, ds.Name, metav1.GetOptions{})
	})
}

// currentRevision returns the revision of the set's template (see
// history.Current), bumping the collision count on a name collision.
func (c *Controller) currentRevision(ctx context.Context, ds *appsv1.DaemonSet, revs []*appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	rev, err := history.Current(ctx, c.client.AppsV1().ControllerRevisions(ds.Namespace), controllerRef(ds), ds.Namespace,
		&ds.Spec.Template, ds.Status.CollisionCount, ds.Annotations, revs)
	if errors.Is(err, history.ErrCollision) {
		n := ptr.Deref(ds.Status.CollisionCount, 0) + 1
		ds.Status.CollisionCount = &n
		if _, uerr := c.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, ds, metav1.UpdateOptions{}); uerr != nil {
			return nil, uerr
		}
	}
	return rev, err
}

// prune deletes old revisions beyond revisionHistoryLimit that no pod
// runs.
func (c *Controller) prune(ctx context.Context, ds *appsv1.DaemonSet, revs []*appsv1.ControllerRevision, cur *appsv1.ControllerRevision, pods []*corev1.Pod) error {
	inUse := map[string]bool{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			inUse[p.Labels[history.HashLabel]] = true
		}
	}
	var errs []error
	for _, r := range history.Prunable(revs, cur, func(r *appsv1.ControllerRevision) bool { return inUse[r.Labels[history.HashLabel]] }, int(ptr.Deref(ds.Spec.RevisionHistoryLimit, 10))) {
		if err := c.client.AppsV1().ControllerRevisions(r.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete revision %s: %w", r.Name, err))
		}
	}
	return errors.Join(errs...)
}
