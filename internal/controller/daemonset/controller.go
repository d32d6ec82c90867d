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
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/controller/loop"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// Controller runs DaemonSets.
type Controller struct {
	*loop.Loop
	client    kubernetes.Interface
	dss       appslisters.DaemonSetLister
	revisions appslisters.ControllerRevisionLister
	nodes     corelisters.NodeLister
	pods      corelisters.PodLister
	expect    *podcontrol.Expectations
	recorder  record.EventRecorder
	now       func() time.Time
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
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
		expect:    podcontrol.NewExpectations(),
		recorder:  loop.Recorder(client, "daemonset-controller"),
		now:       time.Now,
	}
	c.Loop = loop.New("daemonset", log.With("controller", "daemonset"), c.sync)
	owned := func(obj any) {
		if m, ok := loop.Unwrap(obj).(metav1.Object); ok {
			if k, ok := c.owner(m); ok {
				c.Queue.Add(k)
			}
		}
	}
	podOwner := func(p *corev1.Pod) (string, bool) { return c.owner(p) }
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{dss.Informer(), c.EnqueueAll()},
		{revs.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: owned, UpdateFunc: func(_, obj any) { owned(obj) }, DeleteFunc: owned}},
		{nodes.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: c.allSets, UpdateFunc: c.nodeUpdated, DeleteFunc: c.allSets}},
		{pods.Informer(), podcontrol.OwnedPods(podOwner, c.expect, c.Queue.Add)},
	} {
		if err := c.Watch(reg.inf, reg.h); err != nil {
			return nil, err
		}
	}
	return c, nil
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
		c.Queue.Add(ds.Namespace + "/" + ds.Name)
	}
}

// nodeUpdated looks again only when something placement reads changed:
// labels or taints (heartbeats change nothing).
func (c *Controller) nodeUpdated(oldObj, obj any) {
	old, ok1 := oldObj.(*corev1.Node)
	node, ok2 := obj.(*corev1.Node)
	if !ok1 || !ok2 {
		return
	}
	if labels.Equals(old.Labels, node.Labels) && apiequality.Semantic.DeepEqual(old.Spec.Taints, node.Spec.Taints) {
		return
	}
	c.allSets(obj)
}
