package registry

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
)

// FinalizerKubernetes is the namespace finalizer that the namespace
// controller removes once the namespace is empty.
const FinalizerKubernetes corev1.FinalizerName = "kubernetes"

func prepareNamespaceCreate(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	if !hasFinalizer(ns.Spec.Finalizers, FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, FinalizerKubernetes)
	}
}

// prepareNamespaceUpdate keeps spec.finalizers: only /finalize changes them.
func prepareNamespaceUpdate(obj, old runtime.Object) {
	obj.(*corev1.Namespace).Spec.Finalizers = old.(*corev1.Namespace).Spec.Finalizers
}

func hasFinalizer(list []corev1.FinalizerName, f corev1.FinalizerName) bool {
	for _, x := range list {
		if x == f {
			return true
		}
	}
	return false
}

// namespaceREST deletes in two steps, as Kubernetes does: the first delete
// marks the namespace Terminating; the namespace controller empties it and
// clears spec.finalizers through /finalize; a delete then removes it.
type namespaceREST struct{ *Store }

var _ rest.GracefulDeleter = (*namespaceREST)(nil)

func (r *namespaceREST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	obj, err := r.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, false, err
	}
	ns := obj.(*corev1.Namespace)
	if options == nil {
		options = metav1.NewDeleteOptions(0)
	}
	if p := options.Preconditions; p != nil {
		if p.UID != nil && *p.UID != ns.UID {
			return nil, false, apierrors.NewConflict(corev1.Resource("namespaces"), name,
				fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, ns.UID))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != ns.ResourceVersion {
			return nil, false, apierrors.NewConflict(corev1.Resource("namespaces"), name,
				fmt.Errorf("precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, ns.ResourceVersion))
		}
	}
	if len(ns.Spec.Finalizers) == 0 {
		return r.Store.Delete(ctx, name, deleteValidation, options)
	}
	if ns.DeletionTimestamp != nil {
		return ns, false, nil // already terminating
	}
	if deleteValidation != nil {
		if err := deleteValidation(ctx, ns); err != nil {
			return nil, false, err
		}
	}
	if len(options.DryRun) > 0 {
		return ns, false, nil
	}
	key, err := r.KeyFunc(ctx, name)
	if err != nil {
		return nil, false, err
	}
	out := &corev1.Namespace{}
	now := metav1.Now()
	uid := ns.UID
	err = r.Storage.GuaranteedUpdate(ctx, key, out, false, &storage.Preconditions{UID: &uid},
		storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			ns := obj.(*corev1.Namespace)
			if ns.DeletionTimestamp == nil {
				ns.DeletionTimestamp = &now
			}
			ns.Status.Phase = corev1.NamespaceTerminating
			return ns, nil
		}), false, nil)
	if err != nil {
		return nil, false, err
	}
	return out, false, nil
}

func namespaceSubresources(s *Store, _ Deps) map[string]rest.Storage {
	finalize := *s.Store
	fs := finalizeStrategy{s.strategy}
	finalize.UpdateStrategy = fs
	finalize.ResetFieldsStrategy = fs
	return map[string]rest.Storage{"finalize": &statusREST{store: &finalize}}
}

// finalizeStrategy lets an update change spec.finalizers and nothing else.
type finalizeStrategy struct{ strategy }

func (s finalizeStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	ns, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	finalizers := ns.Spec.Finalizers
	rv, managed := ns.ResourceVersion, ns.ManagedFields
	*ns = *oldNS.DeepCopy()
	ns.Spec.Finalizers = finalizers
	ns.ResourceVersion, ns.ManagedFields = rv, managed
}
