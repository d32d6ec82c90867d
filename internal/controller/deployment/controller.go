// Package deployment rolls Deployments out. Each pod template a
// deployment has had gets a ReplicaSet of its own, named and labelled
// with the template's hash and numbered by a revision annotation; a
// rollout grows the new set and shrinks the old ones within maxSurge and
// maxUnavailable (RollingUpdate), or empties the old ones before the new
// one starts (Recreate). The replica set controller makes the pods.
//
// Its status and conditions are what `kubectl rollout status` follows:
// Progressing moves forward with every step and turns into
// ProgressDeadlineExceeded when a rollout stalls for
// progressDeadlineSeconds; Available says whether enough pods serve.
// Rollback (`kubectl rollout undo`) is kubectl copying an old set's
// template back into the deployment: the controller then finds that set
// and makes it the newest revision again. Scaling in the middle of a
// rollout splits the change over the sets in proportion to their sizes.
//
// The loop is Kubernetes': handlers enqueue deployment keys; sync(key)
// reads the deployment and its sets from the informers' caches and takes
// one step, safe to repeat. Replica set names are the template hash, so
// a create repeated from a lagging cache fails with AlreadyExists instead
// of making a second set.
package deployment

import (
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/controller/loop"
)

// Controller rolls deployments out.
type Controller struct {
	*loop.Loop
	client   kubernetes.Interface
	ds       appslisters.DeploymentLister
	rss      appslisters.ReplicaSetLister
	pods     corelisters.PodLister
	recorder record.EventRecorder
	now      func() time.Time
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	ds := factory.Apps().V1().Deployments()
	rss := factory.Apps().V1().ReplicaSets()
	pods := factory.Core().V1().Pods()
	c := &Controller{
		client:   client,
		ds:       ds.Lister(),
		rss:      rss.Lister(),
		pods:     pods.Lister(),
		recorder: loop.Recorder(client, "deployment-controller"),
		now:      time.Now,
	}
	c.Loop = loop.New("deployment", log.With("controller", "deployment"), c.sync)
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{ds.Informer(), c.EnqueueAll()},
		{rss.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: c.setChanged, UpdateFunc: c.setUpdated, DeleteFunc: c.setChanged}},
		{pods.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: c.podDeleted}},
	} {
		if err := c.Watch(reg.inf, reg.h); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// owner returns the deployment that controls a replica set, if it still
// exists with that UID.
func (c *Controller) owner(rs *appsv1.ReplicaSet) *appsv1.Deployment {
	ref := metav1.GetControllerOfNoCopy(rs)
	if ref == nil || ref.Kind != "Deployment" || ref.APIVersion != appsv1.SchemeGroupVersion.String() {
		return nil
	}
	d, err := c.ds.Deployments(rs.Namespace).Get(ref.Name)
	if err != nil || d.UID != ref.UID {
		return nil
	}
	return d
}

// setChanged enqueues the owner of an added or deleted replica set, or,
// for an orphan, every deployment that might adopt it.
func (c *Controller) setChanged(obj any) {
	rs, ok := loop.Unwrap(obj).(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	if d := c.owner(rs); d != nil {
		c.Enqueue(d)
		return
	}
	if metav1.GetControllerOfNoCopy(rs) == nil && rs.DeletionTimestamp == nil {
		c.matching(rs)
	}
}

func (c *Controller) setUpdated(oldObj, obj any) {
	old, ok1 := oldObj.(*appsv1.ReplicaSet)
	rs, ok2 := obj.(*appsv1.ReplicaSet)
	if !ok1 || !ok2 || old.ResourceVersion == rs.ResourceVersion {
		return
	}
	if d := c.owner(old); d != nil {
		c.Enqueue(d)
	}
	c.setChanged(rs)
}

// matching enqueues the deployments whose selector matches a replica
// set's labels.
func (c *Controller) matching(rs *appsv1.ReplicaSet) {
	ds, err := c.ds.Deployments(rs.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, d := range ds {
		if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil && !sel.Empty() && sel.Matches(labels.Set(rs.Labels)) {
			c.Enqueue(d)
		}
	}
}

// podDeleted wakes a Recreate deployment waiting for its old pods to go.
func (c *Controller) podDeleted(obj any) {
	pod, ok := loop.Unwrap(obj).(*corev1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	rs, err := c.rss.ReplicaSets(pod.Namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return
	}
	if d := c.owner(rs); d != nil && d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		c.Enqueue(d)
	}
}
