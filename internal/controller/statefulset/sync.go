package statefulset

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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/controller/claim"
	"github.com/marina-orchestrator/marina/internal/controller/history"
)

// sync takes the next steps of one stateful set and writes its status.
func (c *Controller) sync(ctx context.Context, k string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return err
	}
	cached, err := c.sets.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(k)
		return nil
	}
	if err != nil {
		return err
	}
	set := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil // validation keeps such sets out
	}
	now := c.now()
	satisfied := c.expect.Satisfied(k, now)
	pods, revs, err := claim.PodsAndRevisions(ctx, c.client, c.claimer(set, sel), c.pods.Pods(ns), c.revisions.ControllerRevisions(ns))
	if err != nil {
		return err
	}
	update, err := c.updateRevision(ctx, set, revs)
	if err != nil {
		return err
	}
	revs = slices.DeleteFunc(revs, func(r *appsv1.ControllerRevision) bool { return r.Name == update.Name })
	revs = append(revs, update)
	current := update
	for _, r := range revs {
		if r.Name == set.Status.CurrentRevision {
			current = r
		}
	}

	v := view{slots: map[int]*corev1.Pod{}, first: startOrdinal(set), count: replicas(set)}
	for _, p := range pods {
		ord := ordinalOf(set, p)
		switch {
		case ord < 0:
			continue // not one of ours by name; left alone
		case ord >= v.first && ord < v.first+v.count:
			v.slots[ord] = p
		default:
			v.condemned = append(v.condemned, p)
		}
	}
	slices.SortFunc(v.condemned, func(a, b *corev1.Pod) int { return ordinalOf(set, b) - ordinalOf(set, a) })
	minReady := time.Duration(set.Spec.MinReadySeconds) * time.Second

	var errs []error
	if satisfied && set.DeletionTimestamp == nil {
		byName := map[string]*appsv1.ControllerRevision{}
		for _, r := range revs {
			byName[r.Name] = r
		}
		steps := plan(set, v, current.Name, update.Name, minReady, now)
		creations, deletions := 0, []types.UID{}
		for _, s := range steps {
			if s.delete != nil {
				deletions = append(deletions, s.delete.UID)
			} else {
				creations++
			}
		}
		if len(steps) > 0 {
			c.expect.Expect(k, creations, deletions, now)
		}
		for _, s := range steps {
			if s.delete != nil {
				errs = append(errs, c.deletePod(ctx, k, set, s.delete))
			} else {
				errs = append(errs, c.createPod(ctx, k, set, byName[s.revision], s.create))
			}
		}
	}

	st := status(set, pods, current.Name, update.Name, minReady, now)
	errs = append(errs, c.prune(ctx, set, revs, pods, st))
	if !apiequality.Semantic.DeepEqual(cached.Status, st) {
		set.Status = st
		if _, err := c.client.AppsV1().StatefulSets(ns).UpdateStatus(ctx, set, metav1.UpdateOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("update status: %w", err))
		}
	}
	if minReady > 0 && st.AvailableReplicas < st.ReadyReplicas {
		c.Queue.AddAfter(k, minReady)
	}
	return errors.Join(errs...)
}

// status counts the set's pods; once every pod runs the update revision
// and is ready, the update revision becomes the current one.
func status(set *appsv1.StatefulSet, pods []*corev1.Pod, current, update string, minReady time.Duration, now time.Time) appsv1.StatefulSetStatus {
	st := appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation, CollisionCount: set.Status.CollisionCount, Conditions: set.Status.Conditions,
		CurrentRevision: current, UpdateRevision: update,
	}
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		st.Replicas++
		if runningAndReady(p, 0, now) {
			st.ReadyReplicas++
		}
		if runningAndReady(p, minReady, now) {
			st.AvailableReplicas++
		}
		if p.Labels[history.HashLabel] == current {
			st.CurrentReplicas++
		}
		if p.Labels[history.HashLabel] == update {
			st.UpdatedReplicas++
		}
	}
	want := int32(replicas(set))
	if st.UpdatedReplicas == want && st.ReadyReplicas == want && st.Replicas == want {
		st.CurrentRevision, st.CurrentReplicas = update, st.UpdatedReplicas
	}
	return st
}

// createPod makes the claims the pod at ordinal needs, then the pod from
// revision rev.
func (c *Controller) createPod(ctx context.Context, k string, set *appsv1.StatefulSet, rev *appsv1.ControllerRevision, ordinal int) (err error) {
	// A creation that is not sent will not be seen.
	defer func() {
		if err != nil {
			c.expect.ObserveCreation(k)
		}
	}()
	if rev == nil {
		return fmt.Errorf("no revision for the pod at ordinal %d", ordinal)
	}
	for _, pvc := range newClaims(set, ordinal) {
		have, err := c.claims.PersistentVolumeClaims(pvc.Namespace).Get(pvc.Name)
		switch {
		case err == nil && have.DeletionTimestamp != nil:
			return fmt.Errorf("claim %s is being deleted; the pod waits for it to go", pvc.Name)
		case err == nil:
			continue
		case !apierrors.IsNotFound(err):
			return err
		}
		if _, err := c.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Create(ctx, pvc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %v",
				pvc.Name, podName(set, ordinal), set.Name, err)
			return fmt.Errorf("create claim %s: %w", pvc.Name, err)
		}
		c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success",
			pvc.Name, podName(set, ordinal), set.Name)
	}
	tmpl, err := templateOf(rev)
	if err != nil {
		return err
	}
	pod := newPod(set, tmpl, rev, ordinal)
	if _, err := c.client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			c.expect.ObserveCreation(k)
			return nil // the old pod of that name is still going
		}
		c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
		return fmt.Errorf("create pod %s: %w", pod.Name, err)
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}

func (c *Controller) deletePod(ctx context.Context, k string, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err != nil {
		c.expect.ObserveDeletion(k, pod.UID)
		if apierrors.IsNotFound(err) {
			return nil
		}
		c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
		return fmt.Errorf("delete pod %s: %w", pod.Name, err)
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}

func controllerRef(set *appsv1.StatefulSet) metav1.OwnerReference {
	return claim.ControllerRef(appsv1.SchemeGroupVersion.String(), "StatefulSet", set.Name, set.UID)
}

func (c *Controller) claimer(set *appsv1.StatefulSet, sel labels.Selector) claim.Owner {
	return claim.NewOwner(set, controllerRef(set), sel, func(ctx context.Context) (metav1.Object, error) {
		return c.client.AppsV1().StatefulSets(set.Namespace).Get(ctx, set.Name, metav1.GetOptions{})
	})
}

// updateRevision returns the revision of the set's template (see
// history.Current), bumping the collision count on a name collision.
func (c *Controller) updateRevision(ctx context.Context, set *appsv1.StatefulSet, revs []*appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	rev, err := history.Current(ctx, c.client.AppsV1().ControllerRevisions(set.Namespace), controllerRef(set), set.Namespace,
		&set.Spec.Template, set.Status.CollisionCount, set.Annotations, revs)
	if errors.Is(err, history.ErrCollision) {
		n := ptr.Deref(set.Status.CollisionCount, 0) + 1
		set.Status.CollisionCount = &n
		if _, uerr := c.client.AppsV1().StatefulSets(set.Namespace).UpdateStatus(ctx, set, metav1.UpdateOptions{}); uerr != nil {
			return nil, uerr
		}
	}
	return rev, err
}

// prune deletes old revisions beyond revisionHistoryLimit that neither a
// pod nor the status uses.
func (c *Controller) prune(ctx context.Context, set *appsv1.StatefulSet, revs []*appsv1.ControllerRevision, pods []*corev1.Pod, st appsv1.StatefulSetStatus) error {
	// A stateful set's pods carry their revision's name.
	inUse := map[string]bool{st.CurrentRevision: true}
	for _, p := range pods {
		inUse[p.Labels[history.HashLabel]] = true
	}
	var current *appsv1.ControllerRevision
	for _, r := range revs {
		if r.Name == st.UpdateRevision {
			current = r
		}
	}
	var errs []error
	for _, r := range history.Prunable(revs, current, func(r *appsv1.ControllerRevision) bool { return inUse[r.Name] }, int(ptr.Deref(set.Spec.RevisionHistoryLimit, 10))) {
		if err := c.client.AppsV1().ControllerRevisions(r.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete revision %s: %w", r.Name, err))
		}
	}
	return errors.Join(errs...)
}
