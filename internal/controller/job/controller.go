// Package job runs Jobs to completion: it creates pods from the job's
// template up to its parallelism until enough have succeeded (one per
// index for an Indexed job), replaces failed ones after an exponential
// back-off until backoffLimit, applies the podFailurePolicy, fails the
// job past activeDeadlineSeconds, suspends and resumes it, and deletes it
// ttlSecondsAfterFinished after it ends.
//
// Counting is Kubernetes' "tracking with finalizers": every pod carries
// the batch.kubernetes.io/job-tracking finalizer until its end is
// counted. A finished pod is first recorded in
// status.uncountedTerminatedPods, then its finalizer is removed, then it
// moves into the succeeded or failed count. A pod deleted by anyone is
// therefore never lost from the counts, and a restart in between counts
// it once.
//
// The decision is pure (decide.go: job and pods in, a plan out); sync
// carries the plan out, the status first.
package job

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/controller/loop"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// podKeyPrefix marks queue keys of pods whose job is gone but whose
// tracking finalizer is left.
const podKeyPrefix = "pod:"

// Controller runs Jobs.
type Controller struct {
	*loop.Loop
	client   kubernetes.Interface
	jobs     batchlisters.JobLister
	pods     corelisters.PodLister
	expect   *podcontrol.Expectations
	written  *writes
	recorder record.EventRecorder
	now      func() time.Time
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	jobs := factory.Batch().V1().Jobs()
	pods := factory.Core().V1().Pods()
	c := &Controller{
		client:   client,
		jobs:     jobs.Lister(),
		pods:     pods.Lister(),
		expect:   podcontrol.NewExpectations(),
		written:  &writes{rv: map[string]uint64{}},
		recorder: loop.Recorder(client, "job-controller"),
		now:      time.Now,
	}
	c.Loop = loop.New("job", log.With("controller", "job"), c.syncKey)
	if err := c.Watch(jobs.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.Enqueue,
		UpdateFunc: func(_, obj any) { c.Enqueue(obj) },
		DeleteFunc: c.jobDeleted,
	}); err != nil {
		return nil, err
	}
	if err := c.Watch(pods.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.podChanged(nil, obj) },
		UpdateFunc: c.podChanged,
		DeleteFunc: c.podDeleted,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// syncKey syncs a job, or releases a pod its job left behind.
func (c *Controller) syncKey(ctx context.Context, k string) error {
	if podKey, ok := strings.CutPrefix(k, podKeyPrefix); ok {
		return c.releaseOrphan(ctx, podKey)
	}
	return c.sync(ctx, k)
}

// owner returns the key of the live job that controls pod.
func (c *Controller) owner(pod *corev1.Pod) (string, bool) {
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil || ref.Kind != "Job" || ref.APIVersion != batchv1.SchemeGroupVersion.String() {
		return "", false
	}
	job, err := c.jobs.Jobs(pod.Namespace).Get(ref.Name)
	if err != nil || job.UID != ref.UID {
		return "", false
	}
	return pod.Namespace + "/" + job.Name, true
}

func (c *Controller) podChanged(oldObj, obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	old, _ := oldObj.(*corev1.Pod)
	if old != nil && old.ResourceVersion == pod.ResourceVersion {
		return
	}
	k, owned := c.owner(pod)
	switch {
	case owned && old == nil:
		c.expect.ObserveCreation(k)
	case owned && pod.DeletionTimestamp != nil && old.DeletionTimestamp == nil:
		c.expect.ObserveDeletion(k, pod.UID)
	}
	if owned {
		c.Queue.Add(k)
		return
	}
	if hasFinalizer(pod) && isJobPod(pod) {
		// Its job is gone: nobody else will release it.
		c.Queue.Add(podKeyPrefix + pod.Namespace + "/" + pod.Name)
	}
}

func (c *Controller) podDeleted(obj any) {
	pod, ok := loop.Unwrap(obj).(*corev1.Pod)
	if !ok {
		return
	}
	if k, ok := c.owner(pod); ok {
		c.expect.ObserveDeletion(k, pod.UID)
		c.Queue.Add(k)
	}
}

// jobDeleted releases the pods a deleted job leaves, so the garbage
// collector can delete them.
func (c *Controller) jobDeleted(obj any) {
	job, ok := loop.Unwrap(obj).(*batchv1.Job)
	if !ok {
		return
	}
	c.expect.Forget(job.Namespace + "/" + job.Name)
	pods, err := c.pods.Pods(job.Namespace).List(labelsOf(job))
	if err != nil {
		return
	}
	for _, pod := range pods {
		if ref := metav1.GetControllerOfNoCopy(pod); ref != nil && ref.UID == job.UID && hasFinalizer(pod) {
			c.Queue.Add(podKeyPrefix + pod.Namespace + "/" + pod.Name)
		}
	}
}

// isJobPod reports whether a job controls the pod.
func isJobPod(pod *corev1.Pod) bool {
	ref := metav1.GetControllerOfNoCopy(pod)
	return ref != nil && ref.Kind == "Job"
}

// releaseOrphan removes the tracking finalizer from a pod whose job is
// gone.
func (c *Controller) releaseOrphan(ctx context.Context, k string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return err
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, owned := c.owner(pod); owned || !hasFinalizer(pod) {
		return nil
	}
	return c.release(ctx, pod)
}

// release removes the tracking finalizer from a pod.
func (c *Controller) release(ctx context.Context, pod *corev1.Pod) error {
	patch := fmt.Sprintf(`{"metadata":{"$deleteFromPrimitiveList/finalizers":[%q],"uid":%q}}`, batchv1.JobTrackingFinalizer, pod.UID)
	_, err := c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("release pod %s: %w", pod.Name, err)
	}
	return nil
}

// writes remembers the resource version of each job's last status write,
// so that a sync never decides from a cached job older than that.
type writes struct {
	mu sync.Mutex
	rv map[string]uint64
}

func (w *writes) wrote(k, rv string) {
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rv[k] = n
}

// seen reports whether a cached job at resource version rv includes the
// last status written for k. Resource versions are the store's revision
// numbers, so they compare as numbers.
func (w *writes) seen(k, rv string) bool {
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		return true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return n >= w.rv[k]
}

func (w *writes) forget(k string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.rv, k)
}
