// Package podcontrol holds what every controller that makes pods shares:
// pods from a template, creation in slow-start batches, and expectations
// that keep a sync from acting twice on a cache that lags.
package podcontrol

import (
	"maps"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
