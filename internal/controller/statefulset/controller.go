// Package statefulset runs StatefulSets: pods with stable names
// <set>-0..N-1, hostnames and the governing service's subdomain, each
// with its own PersistentVolumeClaims made from the volumeClaimTemplates
// and kept when the pod is replaced, moves or the set scales down (the
// Retain policy). Under OrderedReady pods start in ordinal order, each
// once the one before runs and is ready, and go from the highest; under
// Parallel they all go at once. A template change rolls out from the
// highest ordinal down to the partition, one pod at a time, or waits for
// pods to be deleted under OnDelete. Templates are kept as
// ControllerRevisions (status.currentRevision and updateRevision).
//
// The decision is pure (plan.go); sync reads the caches, plans, and
// takes the steps.
package statefulset

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// Controller runs StatefulSets.
type Controller struct {
	client    kubernetes.Interface
	sets      appslisters.StatefulSetLister
	revisions appslisters.ControllerRevisionLister
	pods      corelisters.PodLister
	claims    corelisters.PersistentVolumeClaimLister
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	expect    *podcontrol.Expectations
	recorder  record.EventRecorder
	log       *slog.Logger
	now       func() time.Time
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	sets := factory.Apps().V1().StatefulSets()
	revs := factory.Apps().V1().ControllerRevisions()
	pods := factory.Core().V1().Pods()
	claims := factory.Core().V1().PersistentVolumeClaims()
	c := &Controller{
		client:    client,
		sets:      sets.Lister(),
		revisions: revs.Lister(),
		pods:      pods.Lister(),
		claims:    claims.Lister(),
		synced:    []cache.InformerSynced{sets.Informer().HasSynced, revs.Informer().HasSynced, pods.Informer().HasSynced, claims.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "statefulset"}),
		expect:   podcontrol.NewExpectations(),
		recorder: broadcaster.NewRecorder(api.Scheme, corev1.EventSource{Component: "statefulset-controller"}),
		log:      log.With("controller", "statefulset"),
		now:      time.Now,
	}
	enqueue := func(obj any) {
		if k, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			c.queue.Add(k)
		}
	}
	owned := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if m, ok := obj.(metav1.Object); ok {
			if k, ok := c.owner(m); ok {
				c.queue.Add(k)
			}
		}
	}
	podAdded := func(obj any) {
		if pod, ok := obj.(*corev1.Pod); ok {
			if k, ok := c.owner(pod); ok {
				c.expect.ObserveCreation(k)
				c.queue.Add(k)
			}
		}
	}
	podUpdated := func(oldObj, obj any) {
		old, ok1 := oldObj.(*corev1.Pod)
		pod, ok2 := obj.(*corev1.Pod)
		if !ok1 || !ok2 || old.ResourceVersion == pod.ResourceVersion {
			return
		}
		if k, ok := c.owner(pod); ok {
			if pod.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
				c.expect.ObserveDeletion(k, pod.UID)
			}
			c.queue.Add(k)
		}
	}
	podDeleted := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if pod, ok := obj.(*corev1.Pod); ok {
			if k, ok := c.owner(pod); ok {
				c.expect.ObserveDeletion(k, pod.UID)
				c.queue.Add(k)
			}
		}
	}
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{sets.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) }, DeleteFunc: enqueue}},
		{revs.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: owned, UpdateFunc: func(_, obj any) { owned(obj) }, DeleteFunc: owned}},
		{pods.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: podAdded, UpdateFunc: podUpdated, DeleteFunc: podDeleted}},
	} {
		if _, err := reg.inf.AddEventHandler(reg.h); err != nil {
			return nil, fmt.Errorf("statefulset controller handler: %w", err)
		}
	}
	return c, nil
}

// Run syncs stateful sets with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for range workers {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
}

func (c *Controller) worker(ctx context.Context) {
	for {
		k, quit := c.queue.Get()
		if quit {
			return
		}
		err := c.sync(ctx, k)
		switch {
		case err == nil:
			c.queue.Forget(k)
		case apierrors.IsConflict(err):
			c.queue.AddRateLimited(k)
		default:
			c.log.Warn("sync", "key", k, "err", err)
			c.queue.AddRateLimited(k)
		}
		c.queue.Done(k)
	}
}

// owner returns the key of the live stateful set that controls obj.
func (c *Controller) owner(obj metav1.Object) (string, bool) {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil || ref.Kind != "StatefulSet" || ref.APIVersion != appsv1.SchemeGroupVersion.String() {
		return "", false
	}
	set, err := c.sets.StatefulSets(obj.GetNamespace()).Get(ref.Name)
	if err != nil || set.UID != ref.UID {
		return "", false
	}
	return set.Namespace + "/" + set.Name, true
}
