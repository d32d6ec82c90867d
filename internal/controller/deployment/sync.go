package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/controller/claim"
	"github.com/marina-orchestrator/marina/internal/controller/history"
)

// rollout is one sync's view of a deployment: the deployment (a copy the
// sync may change), its sets and its strategy's numbers.
type rollout struct {
	key                string
	d                  *appsv1.Deployment
	newRS              *appsv1.ReplicaSet
	old                []*appsv1.ReplicaSet
	surge, unavailable int32
}

// all is the new set (if any) and the old ones.
func (r *rollout) all() []*appsv1.ReplicaSet {
	if r.newRS == nil {
		return r.old
	}
	return append(slices.Clone(r.old), r.newRS)
}

// sync takes one step of a deployment's rollout and writes its status.
func (c *Controller) sync(ctx context.Context, k string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return err
	}
	cached, err := c.ds.Deployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	d := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		c.recorder.Eventf(d, corev1.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		return nil
	}
	r := &rollout{key: k, d: d}
	if r.surge, r.unavailable, err = fenceposts(d); err != nil {
		return err
	}
	rss, err := c.claimSets(ctx, d, sel)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		r.split(rss)
		return c.writeStatus(ctx, r, counts(d, r.all(), r.newRS, r.unavailable, c.now()))
	}
	if err := c.pausedCondition(ctx, d); err != nil {
		return err
	}
	if d.Spec.Paused || scalingEvent(d, rss) {
		return c.scaleOnly(ctx, r, rss)
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return c.recreate(ctx, r, rss)
	}
	return c.rollingUpdate(ctx, r, rss)
}

// claimSets returns the replica sets the deployment controls, adopting
// and releasing as its selector says.
func (c *Controller) claimSets(ctx context.Context, d *appsv1.Deployment, sel labels.Selector) ([]*appsv1.ReplicaSet, error) {
	list, err := c.rss.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	o := claim.NewOwner(d, controllerRef(d), sel, func(ctx context.Context) (metav1.Object, error) {
		return c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
	})
	return claim.ReplicaSets(ctx, c.client, o, list)
}

func controllerRef(d *appsv1.Deployment) metav1.OwnerReference {
	return claim.ControllerRef(appsv1.SchemeGroupVersion.String(), "Deployment", d.Name, d.UID)
}

// split sorts the sets into the new one (the oldest whose template is the
// deployment's) and the old ones.
func (r *rollout) split(rss []*appsv1.ReplicaSet) {
	sorted := slices.Clone(rss)
	slices.SortStableFunc(sorted, byCreation)
	r.newRS, r.old = nil, nil
	for _, rs := range sorted {
		if r.newRS == nil && equalIgnoreHash(&rs.Spec.Template, &r.d.Spec.Template) {
			r.newRS = rs
			continue
		}
		r.old = append(r.old, rs)
	}
}

// currentSets splits the sets, brings the new one's revision and
// annotations up to date, and creates it if it does not exist and create
// is set.
func (c *Controller) currentSets(ctx context.Context, r *rollout, rss []*appsv1.ReplicaSet, create bool) error {
	r.split(rss)
	rev := maxRevision(r.old) + 1
	d := r.d
	if r.newRS != nil {
		ann, changed := rsAnnotations(d, r.newRS, rev, r.surge, false)
		if changed || r.newRS.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			rs := r.newRS.DeepCopy()
			rs.Annotations, rs.Spec.MinReadySeconds = ann, d.Spec.MinReadySeconds
			updated, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Update(ctx, rs, metav1.UpdateOptions{})
			if err != nil {
				return fmt.Errorf("update replica set %s: %w", rs.Name, err)
			}
			r.newRS = updated
		}
		if err := c.recordRevision(ctx, d, r.newRS); err != nil {
			return err
		}
		if hasDeadline(d) && getCondition(&d.Status, appsv1.DeploymentProgressing) == nil {
			st := d.Status.DeepCopy()
			setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonFoundNewRS,
				fmt.Sprintf("Found new replica set %q", r.newRS.Name), c.now()))
			return c.writeStatus(ctx, r, *st)
		}
		return nil
	}
	if !create {
		return nil
	}
	return c.createSet(ctx, r, rev)
}

// createSet makes the replica set for the deployment's current template.
func (c *Controller) createSet(ctx context.Context, r *rollout, rev int64) error {
	d := r.d
	hash := history.Hash(&d.Spec.Template, d.Status.CollisionCount)
	tmpl := d.Spec.Template.DeepCopy()
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	sel := d.Spec.Selector.DeepCopy()
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	replicas := newSetSize(d, r.old, nil, r.surge)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			Labels:          maps.Clone(tmpl.Labels),
			OwnerReferences: []metav1.OwnerReference{controllerRef(d)},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, MinReadySeconds: d.Spec.MinReadySeconds, Selector: sel, Template: *tmpl},
	}
	rs.Annotations, _ = rsAnnotations(d, rs, rev, r.surge, true)
	created, err := c.client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// Either the cache has not shown our own set yet, or another
		// template hashed to the same name.
		existing, gerr := c.client.AppsV1().ReplicaSets(d.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
		if gerr != nil {
			return fmt.Errorf("get replica set %s: %w", rs.Name, gerr)
		}
		if ref := metav1.GetControllerOfNoCopy(existing); ref != nil && ref.UID == d.UID && equalIgnoreHash(&existing.Spec.Template, &d.Spec.Template) {
			r.newRS = existing
			return nil
		}
		st := d.Status.DeepCopy()
		n := ptr.Deref(st.CollisionCount, 0) + 1
		st.CollisionCount = &n
		if err := c.writeStatus(ctx, r, *st); err != nil {
			return err
		}
		return fmt.Errorf("replica set %s exists with another template: hash collision %d, retrying", rs.Name, n)
	}
	if err != nil {
		if hasDeadline(d) {
			st := d.Status.DeepCopy()
			setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionFalse, "ReplicaSetCreateError",
				fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err), c.now()))
			_ = c.writeStatus(ctx, r, *st)
		}
		c.recorder.Eventf(d, corev1.EventTypeWarning, "FailedCreate", "Failed to create new replica set %q: %v", rs.Name, err)
		return fmt.Errorf("create replica set %s: %w", rs.Name, err)
	}
	if replicas > 0 {
		c.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.Name, replicas)
	}
	r.newRS = created
	if err := c.recordRevision(ctx, d, created); err != nil {
		return err
	}
	if hasDeadline(d) {
		st := d.Status.DeepCopy()
		setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", created.Name), c.now()))
		return c.writeStatus(ctx, r, *st)
	}
	return nil
}

// recordRevision puts the new set's revision on the deployment, where
// `kubectl describe` and `rollout status --revision` read it.
func (c *Controller) recordRevision(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet) error {
	rev := rs.Annotations[RevisionAnnotation]
	if rev == "" || d.Annotations[RevisionAnnotation] == rev {
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{RevisionAnnotation: rev}, "uid": d.UID}})
	updated, err := c.client.AppsV1().Deployments(d.Namespace).Patch(ctx, d.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("record revision %s: %w", rev, err)
	}
	d.Annotations, d.ResourceVersion = updated.Annotations, updated.ResourceVersion
	return nil
}

// scale sets a replica set's size and the deployment's replica counts on
// it, and replaces it in the rollout's view with the set as stored. It
// reports whether the size changed.
func (c *Controller) scale(ctx context.Context, r *rollout, rs *appsv1.ReplicaSet, n int32) (bool, error) {
	from := size(rs)
	want := maps.Clone(rs.Annotations)
	if want == nil {
		want = map[string]string{}
	}
	replicaAnnotations(want, r.d, r.surge)
	if from == n && maps.Equal(want, rs.Annotations) {
		return false, nil
	}
	cp := rs.DeepCopy()
	cp.Spec.Replicas, cp.Annotations = &n, want
	updated, err := c.client.AppsV1().ReplicaSets(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return false, fmt.Errorf("scale replica set %s to %d: %w", rs.Name, n, err)
	}
	if from != n {
		dir := "up"
		if n < from {
			dir = "down"
		}
		c.recorder.Eventf(r.d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", dir, rs.Name, from, n)
	}
	r.replace(rs, updated)
	return from != n, nil
}

// replace swaps a set for its updated copy in the rollout's view.
func (r *rollout) replace(was, now *appsv1.ReplicaSet) {
	if r.newRS == was {
		r.newRS = now
	}
	for i := range r.old {
		if r.old[i] == was {
			r.old[i] = now
		}
	}
}

// scaleAll applies planned sizes, oldest set first. It reports whether
// any size changed.
func (c *Controller) scaleAll(ctx context.Context, r *rollout, plan map[*appsv1.ReplicaSet]int32) (bool, error) {
	sets := slices.Collect(maps.Keys(plan))
	slices.SortStableFunc(sets, byCreation)
	scaled := false
	for _, rs := range sets {
		changed, err := c.scale(ctx, r, rs, plan[rs])
		if err != nil {
			return scaled, err
		}
		scaled = scaled || changed
	}
	return scaled, nil
}

// rollingUpdate grows the new set within the surge, or else shrinks the
// old ones within the availability budget; once done, it trims history.
func (c *Controller) rollingUpdate(ctx context.Context, r *rollout, rss []*appsv1.ReplicaSet) error {
	if err := c.currentSets(ctx, r, rss, true); err != nil {
		return err
	}
	d := r.d
	target := newSetSize(d, r.all(), r.newRS, r.surge)
	if size(r.newRS) > desired(d) {
		target = desired(d)
	}
	grown, err := c.scale(ctx, r, r.newRS, target)
	if err != nil {
		return err
	}
	if grown {
		return c.rolloutStatus(ctx, r)
	}
	shrunk, err := c.scaleAll(ctx, r, oldScaleDown(d, r.newRS, r.old, r.unavailable))
	if err != nil {
		return err
	}
	if shrunk {
		return c.rolloutStatus(ctx, r)
	}
	if st := counts(d, r.all(), r.newRS, r.unavailable, c.now()); complete(d, &st) {
		if err := c.cleanup(ctx, r); err != nil {
			return err
		}
	}
	return c.rolloutStatus(ctx, r)
}

// recreate empties the old sets, waits for their pods to be gone, then
// starts the new set whole.
func (c *Controller) recreate(ctx context.Context, r *rollout, rss []*appsv1.ReplicaSet) error {
	if err := c.currentSets(ctx, r, rss, false); err != nil {
		return err
	}
	plan := map[*appsv1.ReplicaSet]int32{}
	for _, rs := range r.old {
		if size(rs) > 0 {
			plan[rs] = 0
		}
	}
	shrunk, err := c.scaleAll(ctx, r, plan)
	if err != nil {
		return err
	}
	running, err := c.oldPodsRunning(r)
	if err != nil {
		return err
	}
	if shrunk || running {
		return c.rolloutStatus(ctx, r)
	}
	if r.newRS == nil {
		if err := c.currentSets(ctx, r, rss, true); err != nil {
			return err
		}
	}
	if _, err := c.scale(ctx, r, r.newRS, desired(r.d)); err != nil {
		return err
	}
	if st := counts(r.d, r.all(), r.newRS, r.unavailable, c.now()); complete(r.d, &st) {
		if err := c.cleanup(ctx, r); err != nil {
			return err
		}
	}
	return c.rolloutStatus(ctx, r)
}

// oldPodsRunning reports whether any pod of an old set is still there and
// not finished (a terminating one counts: it may still be serving).
func (c *Controller) oldPodsRunning(r *rollout) (bool, error) {
	old := map[types.UID]bool{}
	for _, rs := range r.old {
		if rs.Status.Replicas > 0 {
			return true, nil
		}
		old[rs.UID] = true
	}
	pods, err := c.pods.Pods(r.d.Namespace).List(labels.Everything())
	if err != nil {
		return false, err
	}
	for _, p := range pods {
		ref := metav1.GetControllerOfNoCopy(p)
		if ref != nil && old[ref.UID] && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			return true, nil
		}
	}
	return false, nil
}

// scaleOnly resizes the sets of a paused or scaled deployment without
// rolling it forward.
func (c *Controller) scaleOnly(ctx context.Context, r *rollout, rss []*appsv1.ReplicaSet) error {
	if err := c.currentSets(ctx, r, rss, false); err != nil {
		return err
	}
	if _, err := c.scaleAll(ctx, r, proportion(r.d, r.newRS, r.old, r.surge)); err != nil {
		return err
	}
	if r.d.Spec.Paused {
		if err := c.cleanup(ctx, r); err != nil {
			return err
		}
	}
	return c.writeStatus(ctx, r, counts(r.d, r.all(), r.newRS, r.unavailable, c.now()))
}

// pausedCondition marks the Progressing condition when a deployment is
// paused or resumed; resuming restarts the progress deadline.
func (c *Controller) pausedCondition(ctx context.Context, d *appsv1.Deployment) error {
	if !hasDeadline(d) {
		return nil
	}
	cur := getCondition(&d.Status, appsv1.DeploymentProgressing)
	if cur != nil && cur.Reason == ReasonTimedOut {
		return nil
	}
	wasPaused := cur != nil && cur.Reason == ReasonPaused
	st := d.Status.DeepCopy()
	switch {
	case d.Spec.Paused && !wasPaused:
		setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonPaused, "Deployment is paused", c.now()))
	case !d.Spec.Paused && wasPaused:
		setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonResumed, "Deployment is resumed", c.now()))
	default:
		return nil
	}
	return c.writeStatus(ctx, &rollout{d: d}, *st)
}

// rolloutStatus writes the status after a rollout step, and looks again
// when the progress deadline would pass.
func (c *Controller) rolloutStatus(ctx context.Context, r *rollout) error {
	st, recheck := rolloutStatus(r.d, r.all(), r.newRS, r.unavailable, c.now())
	if recheck > 0 {
		c.Queue.AddAfter(r.key, recheck)
	}
	return c.writeStatus(ctx, r, st)
}

// writeStatus stores st as the deployment's status if it changed.
func (c *Controller) writeStatus(ctx context.Context, r *rollout, st appsv1.DeploymentStatus) error {
	if apiequality.Semantic.DeepEqual(r.d.Status, st) {
		return nil
	}
	d := r.d.DeepCopy()
	d.Status = st
	updated, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	// One event when the rollout first stalls.
	if cur := getCondition(&st, appsv1.DeploymentProgressing); cur != nil && cur.Reason == ReasonTimedOut {
		if was := getCondition(&r.d.Status, appsv1.DeploymentProgressing); was == nil || was.Reason != ReasonTimedOut {
			c.recorder.Eventf(r.d, corev1.EventTypeWarning, ReasonTimedOut, "%s", cur.Message)
		}
	}
	r.d.Status, r.d.ResourceVersion = updated.Status, updated.ResourceVersion
	return nil
}

// cleanup deletes the oldest fully scaled-down sets beyond
// revisionHistoryLimit.
func (c *Controller) cleanup(ctx context.Context, r *rollout) error {
	limit := r.d.Spec.RevisionHistoryLimit
	if limit == nil {
		return nil
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range r.old {
		if rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	excess := len(alive) - int(*limit)
	if excess <= 0 {
		return nil
	}
	slices.SortStableFunc(alive, func(a, b *appsv1.ReplicaSet) int {
		if ra, rb := revision(a), revision(b); ra != rb {
			return int(ra - rb)
		}
		return byCreation(a, b)
	})
	for _, rs := range alive[:excess] {
		if rs.Status.Replicas != 0 || size(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		err := c.client.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &rs.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete old replica set %s (revision %d): %w", rs.Name, revision(rs), err)
		}
	}
	return nil
}
