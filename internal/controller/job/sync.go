package job

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/marina-orchestrator/marina/internal/controller/claim"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// sync takes one step of a job: decide, write the status, then act.
func (c *Controller) sync(ctx context.Context, k string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return err
	}
	cached, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(k)
		c.written.forget(k)
		return nil
	}
	if err != nil {
		return err
	}
	if !c.written.seen(k, cached.ResourceVersion) {
		// The cache has not caught up with our last status write yet;
		// deciding from the older status would count pods twice. The
		// write's watch event brings the job back.
		c.Queue.AddAfter(k, time.Second)
		return nil
	}
	// Expectations are read before the pods: a creation seen between the
	// two would make the list look short while the expectations look
	// met, and the pod would be made twice.
	now := c.now()
	satisfied := c.expect.Satisfied(k, now)
	job := cached.DeepCopy()
	pods, err := c.claimPods(ctx, job)
	if err != nil {
		return err
	}
	if job.DeletionTimestamp != nil {
		// Being deleted: let its pods go.
		var errs []error
		for _, pod := range pods {
			if hasFinalizer(pod) {
				errs = append(errs, c.release(ctx, pod))
			}
		}
		return errors.Join(errs...)
	}

	p := decide(job, pods, now)
	if !apiequality.Semantic.DeepEqual(job.Status, p.status) {
		job.Status = p.status
		updated, err := c.client.BatchV1().Jobs(ns).UpdateStatus(ctx, job, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("update status: %w", err)
		}
		c.written.wrote(k, updated.ResourceVersion)
	}
	for _, e := range p.events {
		c.recorder.Event(cached, e.kind, e.reason, e.message)
	}
	if p.requeue > 0 {
		c.Queue.AddAfter(k, p.requeue)
	}
	var errs []error
	// The status holds every pod whose finalizer goes now.
	for _, pod := range p.release {
		errs = append(errs, c.release(ctx, pod))
	}
	if p.deleteJob {
		propagation := metav1.DeletePropagationForeground
		err := c.client.BatchV1().Jobs(ns).Delete(ctx, name, metav1.DeleteOptions{
			PropagationPolicy: &propagation, Preconditions: &metav1.Preconditions{UID: &job.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete finished job: %w", err))
		}
	}
	if satisfied {
		control := podcontrol.Control{Client: c.client, Recorder: c.recorder, Expect: c.expect, Now: c.now}
		fresh := make([]*corev1.Pod, len(p.create))
		for i, ix := range p.create {
			fresh[i] = newPod(cached, ix)
		}
		errs = append(errs, control.Delete(ctx, k, cached, p.remove), control.Create(ctx, k, cached, fresh))
	}
	return errors.Join(errs...)
}

// claimPods returns the job's pods: those its selector matches that it
// controls or adopts.
func (c *Controller) claimPods(ctx context.Context, job *batchv1.Job) ([]*corev1.Pod, error) {
	all, err := c.pods.Pods(job.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	if job.Spec.Selector == nil {
		// The server generates a selector; without one, the job has
		// only the pods it made and adopts none.
		var owned []*corev1.Pod
		for _, p := range all {
			if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.UID == job.UID {
				owned = append(owned, p)
			}
		}
		return owned, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("spec.selector: %w", err)
	}
	o := claim.NewOwner(job, controllerRef(job), sel, func(ctx context.Context) (metav1.Object, error) {
		return c.client.BatchV1().Jobs(job.Namespace).Get(ctx, job.Name, metav1.GetOptions{})
	})
	return claim.Pods(ctx, c.client, o, all)
}

// labelsOf selects a job's pods by its generated selector, or everything.
func labelsOf(job *batchv1.Job) labels.Selector {
	if sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector); err == nil && job.Spec.Selector != nil {
		return sel
	}
	return labels.Everything()
}

// newPod is a pod of the job, carrying the tracking finalizer; an
// Indexed job's pod carries its index as annotation, label, hostname and
// JOB_COMPLETION_INDEX.
func newPod(job *batchv1.Job, ix int) *corev1.Pod {
	ref := controllerRef(job)
	prefix := job.Name + "-"
	if ix != noIndex {
		prefix = fmt.Sprintf("%s-%d-", job.Name, ix)
	}
	pod := podcontrol.FromTemplate(&job.Spec.Template, job.Namespace, prefix, ref)
	pod.Finalizers = append(pod.Finalizers, batchv1.JobTrackingFinalizer)
	if ix == noIndex {
		return pod
	}
	s := strconv.Itoa(ix)
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Annotations[batchv1.JobCompletionIndexAnnotation] = s
	pod.Labels[batchv1.JobCompletionIndexAnnotation] = s
	if pod.Spec.Hostname == "" {
		pod.Spec.Hostname = fmt.Sprintf("%s-%d", job.Name, ix)
	}
	env := corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", Value: s}
	for i := range pod.Spec.InitContainers {
		pod.Spec.InitContainers[i].Env = append(pod.Spec.InitContainers[i].Env, env)
	}
	for i := range pod.Spec.Containers {
		pod.Spec.Containers[i].Env = append(pod.Spec.Containers[i].Env, env)
	}
	return pod
}

func controllerRef(job *batchv1.Job) metav1.OwnerReference {
	return claim.ControllerRef(batchv1.SchemeGroupVersion.String(), "Job", job.Name, job.UID)
}
