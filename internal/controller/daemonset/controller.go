// Package daemonset runs one pod of each DaemonSet on every node it
// belongs on: the nodes its nodeSelector, node affinity, tolerations and
// runtime class fit. Pods are added when nodes join or start to fit,
// and removed when they leave or stop fitting. A template change rolls
// out node by node within maxUnavailable (or, with maxSurge, a new pod
// beside the old one until it is available), or waits for pods to be
// deleted under OnDelete. Each template is kept as a ControllerRevision,
// which `kubectl rollout history` and `undo` use.
//
// Daemon pods go through the scheduler like any other: each is pinned to
// its node by a required node affinity on metadata.name, as Kubernetes
// does, so the scheduler still checks that it fits.
package daemonset

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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

// Controller runs DaemonSets.
type Controller struct {
	client    kubernetes.Interface
	dss       appslisters.DaemonSetLister
	revisions appslisters.ControllerRevisionLister
	nodes     corelisters.NodeLister
	pods      corelisters.PodLister
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
	dss := factory.Apps().V1().DaemonSets()
	revs := factory.Apps().V1().ControllerRevisions()
	nodes := factory.Core().V1().Nodes()
	pods := factory.Core().V1().Pods()
	c := &Controller{
		client:    client,
		dss:       dss.Lister(),
		revisions: revs.Lister(),
		nodes:     nodes.Lister(),
		pods:      pods.Lister(),
		synced:    []cache.InformerSynced{dss.Informer().HasSynced, revs.Informer().HasSynced, nodes.Informer().HasSynced, pods.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "daemonset"}),
		expect:   podcontrol.NewExpectations(),
		recorder: broadcaster.NewRecorder(api.Scheme, corev1.EventSource{Component: "daemonset-controller"}),
		log:      log.With("controller", "daemonset"),
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
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{dss.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) }, DeleteFunc: enqueue}},
		{revs.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: owned, UpdateFunc: func(_, obj any) { owned(obj) }, DeleteFunc: owned}},
		{nodes.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: c.allSets, UpdateFunc: c.nodeUpdated, DeleteFunc: c.allSets}},
		{pods.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: c.podAdded, UpdateFunc: c.podUpdated, DeleteFunc: c.podDeleted}},
	} {
		if _, err := reg.inf.AddEventHandler(reg.h); err != nil {
			return nil, fmt.Errorf("daemonset controller handler: %w", err)
		}
	}
	return c, nil
}

// Run syncs daemon sets with workers goroutines until ctx ends.
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

// owner returns the key of the live daemon set that controls obj.
func (c *Controller) owner(obj metav1.Object) (string, bool) {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil || ref.Kind != "DaemonSet" || ref.APIVersion != appsv1.SchemeGroupVersion.String() {
		return "", false
	}
	ds, err := c.dss.DaemonSets(obj.GetNamespace()).Get(ref.Name)
	if err != nil || ds.UID != ref.UID {
		return "", false
	}
	return ds.Namespace + "/" + ds.Name, true
}

// allSets enqueues every daemon set: a node came or went.
func (c *Controller) allSets(any) {
	list, err := c.dss.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range list {
		c.queue.Add(ds.Namespace + "/" + ds.Name)
	}
}

// nodeUpdated looks again only when something placement reads changed:
// labels, taints, or being unschedulable (heartbeats change nothing).
func (c *Controller) nodeUpdated(oldObj, obj any) {
	old, ok1 := oldObj.(*corev1.Node)
	node, ok2 := obj.(*corev1.Node)
	if !ok1 || !ok2 {
		return
	}
	if labels.Equals(old.Labels, node.Labels) && fmt.Sprint(old.Spec.Taints) == fmt.Sprint(node.Spec.Taints) {
		return
	}
	c.allSets(obj)
}

func (c *Controller) podAdded(obj any) {
	if pod, ok := obj.(*corev1.Pod); ok {
		if k, ok := c.owner(pod); ok {
			c.expect.ObserveCreation(k)
			c.queue.Add(k)
		}
	}
}

func (c *Controller) podUpdated(oldObj, obj any) {
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

func (c *Controller) podDeleted(obj any) {
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
