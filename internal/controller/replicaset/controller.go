// Package replicaset keeps every ReplicaSet and ReplicationController at
// exactly its replica count: it creates pods from the template when there
// are too few (deleted or failed ones are replaced), deletes the best
// candidates when there are too many (not yet scheduled, not ready, on a
// crowded node, newest), adopts orphan pods its selector matches and
// releases pods whose labels stop matching. Its status counts the replicas,
// the fully labelled, ready and available ones.
//
// It is Kubernetes' controller loop: informer handlers only enqueue keys;
// sync(key) re-reads the set and its pods from the informers' caches,
// acts, and is safe to repeat. Expectations (creations and deletions sent
// but not yet seen in the cache) keep a sync from acting twice on a stale
// cache, which would make extra pods.
package replicaset

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/controller/claim"
	"github.com/marina-orchestrator/marina/internal/controller/loop"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// burstReplicas bounds the pods one sync creates or deletes.
const burstReplicas = 500

// Controller keeps ReplicaSets and ReplicationControllers.
type Controller struct {
	*loop.Loop
	client   kubernetes.Interface
	pods     corelisters.PodLister
	rss      appslisters.ReplicaSetLister
	rcs      corelisters.ReplicationControllerLister
	expect   *podcontrol.Expectations
	recorder record.EventRecorder
	now      func() time.Time
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	pods := factory.Core().V1().Pods()
	rss := factory.Apps().V1().ReplicaSets()
	rcs := factory.Core().V1().ReplicationControllers()
	c := &Controller{
		client:   client,
		pods:     pods.Lister(),
		rss:      rss.Lister(),
		rcs:      rcs.Lister(),
		expect:   podcontrol.NewExpectations(),
		recorder: loop.Recorder(client, "replicaset-controller"),
		now:      time.Now,
	}
	c.Loop = loop.New("replicaset", log.With("controller", "replicaset"), c.sync)
	setHandler := func(kind string) cache.ResourceEventHandlerFuncs {
		enqueue := func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if m, ok := obj.(metav1.Object); ok {
				c.Queue.Add(key(kind, m.GetNamespace(), m.GetName()))
			}
		}
		return cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) }, DeleteFunc: enqueue}
	}
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{rss.Informer(), setHandler(KindReplicaSet)},
		{rcs.Informer(), setHandler(KindReplicationController)},
		{pods.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: c.podAdded, UpdateFunc: c.podUpdated, DeleteFunc: c.podDeleted}},
	} {
		if err := c.Watch(reg.inf, reg.h); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// owner returns the key of the set that controls pod, if it is one of
// ours and still exists with that UID.
func (c *Controller) owner(pod *corev1.Pod) (string, bool) {
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil {
		return "", false
	}
	var uid types.UID
	switch {
	case ref.Kind == KindReplicaSet && strings.HasPrefix(ref.APIVersion, "apps/"):
		rs, err := c.rss.ReplicaSets(pod.Namespace).Get(ref.Name)
		if err != nil {
			return "", false
		}
		uid = rs.UID
	case ref.Kind == KindReplicationController && ref.APIVersion == "v1":
		rc, err := c.rcs.ReplicationControllers(pod.Namespace).Get(ref.Name)
		if err != nil {
			return "", false
		}
		uid = rc.UID
	default:
		return "", false
	}
	if uid != ref.UID {
		return "", false
	}
	return key(ref.Kind, pod.Namespace, ref.Name), true
}

// matching enqueues every set in the pod's namespace whose selector
// matches it: one of them may adopt it.
func (c *Controller) matching(pod *corev1.Pod) {
	set := labels.Set(pod.Labels)
	if rss, err := c.rss.ReplicaSets(pod.Namespace).List(labels.Everything()); err == nil {
		for _, rs := range rss {
			if sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector); err == nil && !sel.Empty() && sel.Matches(set) {
				c.Queue.Add(key(KindReplicaSet, rs.Namespace, rs.Name))
			}
		}
	}
	if rcs, err := c.rcs.ReplicationControllers(pod.Namespace).List(labels.Everything()); err == nil {
		for _, rc := range rcs {
			if len(rc.Spec.Selector) > 0 && labels.SelectorFromSet(rc.Spec.Selector).Matches(set) {
				c.Queue.Add(key(KindReplicationController, rc.Namespace, rc.Name))
			}
		}
	}
}

func (c *Controller) podAdded(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if k, ok := c.owner(pod); ok {
		c.expect.ObserveCreation(k)
		c.Queue.Add(k)
		return
	}
	if metav1.GetControllerOfNoCopy(pod) == nil && pod.DeletionTimestamp == nil {
		c.matching(pod)
	}
}

func (c *Controller) podUpdated(oldObj, obj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	pod, ok2 := obj.(*corev1.Pod)
	if !ok1 || !ok2 || old.ResourceVersion == pod.ResourceVersion {
		return
	}
	if k, ok := c.owner(old); ok {
		c.Queue.Add(k)
	}
	if k, ok := c.owner(pod); ok {
		if pod.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
			// A graceful deletion has begun: the pod no longer counts,
			// so the deletion the set asked for is done.
			c.expect.ObserveDeletion(k, pod.UID)
		}
		c.Queue.Add(k)
		return
	}
	if metav1.GetControllerOfNoCopy(pod) == nil && pod.DeletionTimestamp == nil {
		c.matching(pod)
	}
}

func (c *Controller) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if k, ok := c.owner(pod); ok {
		c.expect.ObserveDeletion(k, pod.UID)
		c.Queue.Add(k)
	}
}

// get returns the set behind key from the cache; nil if it is gone.
func (c *Controller) get(k string) (*set, error) {
	kind, rest, _ := strings.Cut(k, "/")
	ns, name, _ := strings.Cut(rest, "/")
	switch kind {
	case KindReplicaSet:
		rs, err := c.rss.ReplicaSets(ns).Get(name)
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return fromReplicaSet(rs)
	case KindReplicationController:
		rc, err := c.rcs.ReplicationControllers(ns).Get(name)
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return fromReplicationController(rc), nil
	}
	return nil, fmt.Errorf("unknown kind in key %q", k)
}

// sync brings one set's pods and status in line with its spec.
func (c *Controller) sync(ctx context.Context, k string) error {
	s, err := c.get(k)
	if err != nil {
		return err
	}
	if s == nil {
		c.expect.Forget(k)
		return nil
	}
	// Expectations are read before the pods: a creation seen between the
	// two would make the list look short while the expectations look
	// met, and the pod would be made twice.
	satisfied := c.expect.Satisfied(k, c.now())
	all, err := c.pods.Pods(s.meta.GetNamespace()).List(labels.Everything())
	if err != nil {
		return err
	}
	owned, err := c.claim(ctx, s, all)
	if err != nil {
		return err
	}
	var pods []*corev1.Pod
	for _, p := range owned {
		if active(p) {
			pods = append(pods, p)
		}
	}
	var manageErr error
	if satisfied && s.meta.GetDeletionTimestamp() == nil {
		manageErr = c.manage(ctx, k, s, pods)
	}
	now := c.now()
	st := computeStatus(pods, s.template.Labels, s.minReadySeconds, s.meta.GetGeneration(), now)
	if st != s.status {
		if err := s.updateStatus(ctx, c.client, st); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("update status: %w", err)
		}
	}
	if d := nextAvailable(pods, s.minReadySeconds, now); d > 0 {
		c.Queue.AddAfter(k, d)
	}
	return manageErr
}

// claim returns the pods the set controls after adopting the matching
// orphans and releasing its pods that no longer match.
func (c *Controller) claim(ctx context.Context, s *set, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	o := claim.NewOwner(s.meta, s.controllerRef(), s.selector, func(ctx context.Context) (metav1.Object, error) {
		if s.gvk.Kind == KindReplicaSet {
			return c.client.AppsV1().ReplicaSets(s.meta.GetNamespace()).Get(ctx, s.meta.GetName(), metav1.GetOptions{})
		}
		return c.client.CoreV1().ReplicationControllers(s.meta.GetNamespace()).Get(ctx, s.meta.GetName(), metav1.GetOptions{})
	})
	return claim.Pods(ctx, c.client, o, pods)
}

// manage creates or deletes pods so that s has its replicas.
func (c *Controller) manage(ctx context.Context, k string, s *set, pods []*corev1.Pod) error {
	diff := len(pods) - int(s.replicas)
	switch {
	case diff < 0:
		fresh := make([]*corev1.Pod, min(-diff, burstReplicas))
		for i := range fresh {
			fresh[i] = s.newPod()
		}
		return c.control().Create(ctx, k, s.obj, fresh)
	case diff > 0:
		return c.control().Delete(ctx, k, s.obj, deletionOrder(pods)[:min(diff, burstReplicas)])
	}
	return nil
}

// control creates and deletes the sets' pods.
func (c *Controller) control() podcontrol.Control {
	return podcontrol.Control{Client: c.client, Recorder: c.recorder, Expect: c.expect, Now: c.now}
}
