// Package podcontrol holds what every controller that makes pods shares:
// pods from a template, creation in slow-start batches, and expectations
// that keep a sync from acting twice on a cache that lags.
package podcontrol

import (
	"maps"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// FromTemplate is a new pod in namespace from template t, controlled by
// owner, named generateName plus a random suffix.
func FromTemplate(t *corev1.PodTemplateSpec, namespace, generateName string, owner metav1.OwnerReference) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    generateName,
			Namespace:       namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      append([]string(nil), t.Finalizers...),
			OwnerReferences: []metav1.OwnerReference{owner},
		},
		Spec: *t.Spec.DeepCopy(),
	}
}

// SlowStart calls create n times in batches of 1, 2, 4, ... in parallel,
// stopping after a batch with an error (a quota or a bad template fails
// once, not n times). It returns how many calls were made.
func SlowStart(n int, create func() error) (int, error) {
	done := 0
	for batch := 1; done < n; batch *= 2 {
		size := min(batch, n-done)
		errs := make(chan error, size)
		var wg sync.WaitGroup
		for range size {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := create(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		done += size
		if err := <-errs; err != nil {
			return done, err
		}
	}
	return done, nil
}

// OwnedPods are pod handlers for a controller that keeps expectations:
// owner maps a pod to the key of its live owner; a creation or the start
// of a deletion is observed for that key, and the key enqueued on every
// change of the pod.
func OwnedPods(owner func(*corev1.Pod) (string, bool), e *Expectations, enqueue func(string)) cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if pod, ok := obj.(*corev1.Pod); ok {
				if k, ok := owner(pod); ok {
					e.ObserveCreation(k)
					enqueue(k)
				}
			}
		},
		UpdateFunc: func(oldObj, obj any) {
			old, ok1 := oldObj.(*corev1.Pod)
			pod, ok2 := obj.(*corev1.Pod)
			if !ok1 || !ok2 || old.ResourceVersion == pod.ResourceVersion {
				return
			}
			if k, ok := owner(pod); ok {
				if pod.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
					// A graceful deletion has begun: the pod no longer
					// counts, so the deletion asked for is done.
					e.ObserveDeletion(k, pod.UID)
				}
				enqueue(k)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				if k, ok := owner(pod); ok {
					e.ObserveDeletion(k, pod.UID)
					enqueue(k)
				}
			}
		},
	}
}
