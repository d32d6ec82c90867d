// Package claim decides which objects a controller owns, as Kubernetes'
// ControllerRefManager does: an object belongs to the controller its
// controller owner reference names (by UID); a controller adopts orphans
// its selector matches and releases objects whose labels stop matching.
// Replica sets claim pods, deployments claim replica sets, and so on.
package claim

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// Owner is the controller that claims objects.
type Owner struct {
	// Ref is the controller reference an adopted object is given.
	Ref metav1.OwnerReference
	// Selector picks the objects the owner may adopt and keep.
	Selector labels.Selector
	// Deleting is set when the owner is being deleted: it then adopts
	// nothing, and releases nothing (the garbage collector needs the
	// references).
	Deleting bool
	// Recheck re-reads the owner from the API and returns an error if it
	// is gone, being deleted or has another UID, so that a deleted owner,
	// still in a lagging cache, never adopts. Claim calls it once, before
	// the first adoption.
	Recheck func(ctx context.Context) error
}

// Patcher applies a strategic merge patch to one object and returns it as
// patched. The patch carries the object's UID as a precondition.
type Patcher[T metav1.Object] func(ctx context.Context, obj T, patch []byte) (T, error)

// Claim returns the objects the owner controls after adopting the
// matching orphans and releasing the owned objects that no longer match.
// Objects being deleted are not adopted. An object that changed or
// vanished while being patched is left for the next sync.
func Claim[T metav1.Object](ctx context.Context, o Owner, objs []T, patch Patcher[T]) ([]T, error) {
	var owned []T
	rechecked := false
	for _, obj := range objs {
		ref := metav1.GetControllerOfNoCopy(obj)
		matches := o.Selector.Matches(labels.Set(obj.GetLabels()))
		switch {
		case ref != nil && ref.UID == o.Ref.UID:
			if matches || o.Deleting {
				owned = append(owned, obj)
				continue
			}
			if err := release(ctx, o, obj, patch); err != nil {
				return nil, err
			}
		case ref == nil && matches && !o.Deleting && obj.GetDeletionTimestamp() == nil:
			if !rechecked {
				if err := o.Recheck(ctx); err != nil {
					return owned, fmt.Errorf("recheck before adopting: %w", err)
				}
				rechecked = true
			}
			adopted, ok, err := adopt(ctx, o, obj, patch)
			if err != nil {
				return nil, err
			}
			if ok {
				owned = append(owned, adopted)
			}
		}
	}
	return owned, nil
}

// adopt makes the owner the controller of an orphan.
func adopt[T metav1.Object](ctx context.Context, o Owner, obj T, patch Patcher[T]) (T, bool, error) {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{o.Ref},
		"uid":             obj.GetUID(),
	}})
	if err != nil {
		return obj, false, err
	}
	adopted, err := patch(ctx, obj, body)
	if skippable(err) {
		return obj, false, nil
	}
	if err != nil {
		return obj, false, fmt.Errorf("adopt %s: %w", obj.GetName(), err)
	}
	return adopted, true, nil
}

// release drops the owner's reference from an object that no longer
// matches.
func release[T metav1.Object](ctx context.Context, o Owner, obj T, patch Patcher[T]) error {
	body := fmt.Sprintf(`{"metadata":{"ownerReferences":[{"$patch":"delete","uid":%q}],"uid":%q}}`, o.Ref.UID, obj.GetUID())
	if _, err := patch(ctx, obj, []byte(body)); err != nil && !skippable(err) {
		return fmt.Errorf("release %s: %w", obj.GetName(), err)
	}
	return nil
}

// skippable errors mean the object is gone or changed under us: the next
// sync sees it as it is.
func skippable(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err)
}

// ControllerRef is the owner reference a controller puts on what it
// creates or adopts.
func ControllerRef(apiVersion, kind, name string, uid types.UID) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: &yes, BlockOwnerDeletion: &yes}
}

// NewOwner is the claiming owner for a controller object: its controller
// reference, its selector, whether it is being deleted, and a recheck
// that reads it again with get and compares the UID.
func NewOwner(obj metav1.Object, ref metav1.OwnerReference, sel labels.Selector, get func(ctx context.Context) (metav1.Object, error)) Owner {
	return Owner{Ref: ref, Selector: sel, Deleting: obj.GetDeletionTimestamp() != nil, Recheck: fresh(obj.GetUID(), get)}
}

// fresh returns a Recheck that compares what get reads from the API with
// the owner's UID.
func fresh(uid types.UID, get func(ctx context.Context) (metav1.Object, error)) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		m, err := get(ctx)
		if err != nil {
			return err
		}
		if m.GetUID() != uid {
			return fmt.Errorf("%s was replaced (UID %s, had %s)", m.GetName(), m.GetUID(), uid)
		}
		if m.GetDeletionTimestamp() != nil {
			return fmt.Errorf("%s is being deleted", m.GetName())
		}
		return nil
	}
}

// Pods claims pods for o.
func Pods(ctx context.Context, client kubernetes.Interface, o Owner, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	return Claim(ctx, o, pods, func(ctx context.Context, p *corev1.Pod, patch []byte) (*corev1.Pod, error) {
		return client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	})
}

// ReplicaSets claims replica sets for o.
func ReplicaSets(ctx context.Context, client kubernetes.Interface, o Owner, rss []*appsv1.ReplicaSet) ([]*appsv1.ReplicaSet, error) {
	return Claim(ctx, o, rss, func(ctx context.Context, rs *appsv1.ReplicaSet, patch []byte) (*appsv1.ReplicaSet, error) {
		return client.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	})
}

// Revisions claims controller revisions for o.
func Revisions(ctx context.Context, client kubernetes.Interface, o Owner, revs []*appsv1.ControllerRevision) ([]*appsv1.ControllerRevision, error) {
	return Claim(ctx, o, revs, func(ctx context.Context, r *appsv1.ControllerRevision, patch []byte) (*appsv1.ControllerRevision, error) {
		return client.AppsV1().ControllerRevisions(r.Namespace).Patch(ctx, r.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	})
}

// PodsAndRevisions lists and claims a revisioned workload's pods and
// ControllerRevisions (daemon sets, stateful sets).
func PodsAndRevisions(ctx context.Context, client kubernetes.Interface, o Owner, pods corelisters.PodNamespaceLister,
	revs appslisters.ControllerRevisionNamespaceLister) ([]*corev1.Pod, []*appsv1.ControllerRevision, error) {
	allPods, err := pods.List(labels.Everything())
	if err != nil {
		return nil, nil, err
	}
	owned, err := Pods(ctx, client, o, allPods)
	if err != nil {
		return nil, nil, err
	}
	allRevs, err := revs.List(labels.Everything())
	if err != nil {
		return nil, nil, err
	}
	ownedRevs, err := Revisions(ctx, client, o, allRevs)
	return owned, ownedRevs, err
}
