package podcontrol

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
)

// Control creates and deletes a controller's pods: it records what it
// sends in the expectations before sending it, and tells in events what
// it did (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete,
// in Kubernetes' words).
type Control struct {
	Client   kubernetes.Interface
	Recorder record.EventRecorder
	Expect   *Expectations
	Now      func() time.Time
}

// Create creates pods for the owner behind key k in slow-start batches,
// stopping after the first batch with a failure (a quota or a bad
// template fails once, not for every pod). Creations not sent are taken
// out of the expectations.
func (c Control) Create(ctx context.Context, k string, owner runtime.Object, pods []*corev1.Pod) error {
	if len(pods) == 0 {
		return nil
	}
	c.Expect.ExpectCreations(k, len(pods), c.Now())
	next := make(chan *corev1.Pod, len(pods))
	for _, p := range pods {
		next <- p
	}
	close(next)
	sent, err := SlowStart(len(pods), func() error {
		p := <-next
		created, err := c.Client.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			c.Expect.ObserveCreation(k)
			c.Recorder.Eventf(owner, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			return err
		}
		c.Recorder.Eventf(owner, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
		return nil
	})
	for range len(pods) - sent {
		c.Expect.ObserveCreation(k)
	}
	if err != nil {
		return fmt.Errorf("create pods: %w", err)
	}
	return nil
}

// Delete deletes pods of the owner behind key k, each only if it is still
// the same pod (by UID).
func (c Control) Delete(ctx context.Context, k string, owner runtime.Object, pods []*corev1.Pod) error {
	if len(pods) == 0 {
		return nil
	}
	c.Expect.ExpectDeletions(k, UIDs(pods), c.Now())
	var errs []error
	for _, p := range pods {
		err := c.Client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
		switch {
		case err == nil:
			c.Recorder.Eventf(owner, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
		case apierrors.IsNotFound(err):
			c.Expect.ObserveDeletion(k, p.UID)
		default:
			c.Expect.ObserveDeletion(k, p.UID)
			c.Recorder.Eventf(owner, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			errs = append(errs, fmt.Errorf("delete pod %s: %w", p.Name, err))
		}
	}
	return errors.Join(errs...)
}
