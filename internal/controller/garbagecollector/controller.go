// Package garbagecollector deletes objects whose owners are gone and
// carries out foreground and orphan deletion, following ownerReferences as
// Kubernetes' garbage collector does.
//
//	metadata informers (every resource) ──► graph: owner UID ⇄ dependents
//	                                            │ touched UIDs
//	                                            ▼
//	                      workqueue ──► process(uid):
//	                        - deleting + "orphan" finalizer: drop the owner from
//	                          dependents' ownerReferences, then the finalizer
//	                        - deleting + "foregroundDeletion": delete dependents,
//	                          drop the finalizer when no blocking one is left
//	                        - every owner gone (checked live): delete (background)
//	                        - some owners gone: remove the dangling references
package garbagecollector

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// ignored resources are never owners or dependents worth tracking, and
// too many to watch for nothing.
var ignored = map[schema.GroupResource]bool{
	{Resource: "events"}:                         true,
	{Group: "events.k8s.io", Resource: "events"}: true,
}

// Collector is the garbage collector.
type Collector struct {
	metadata  metadata.Interface
	discovery discovery.DiscoveryInterface
	mapper    meta.RESTMapper
	graph     *graph
	queue     workqueue.TypedRateLimitingInterface[types.UID]
	log       *slog.Logger
	synced    []cache.InformerSynced
	// namespaced tells, per resource, whether its objects live in a namespace.
	namespaced map[schema.GroupVersionResource]bool
}

// New builds a collector; Run starts it.
func New(md metadata.Interface, disc discovery.DiscoveryInterface, mapper meta.RESTMapper, log *slog.Logger) *Collector {
	return &Collector{
		metadata:  md,
		discovery: disc,
		mapper:    mapper,
		graph:     newGraph(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[types.UID](),
			workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "garbagecollector"}),
		log:        log.With("controller", "garbagecollector"),
		namespaced: map[schema.GroupVersionResource]bool{},
	}
}

// Run watches every deletable resource and collects garbage until ctx ends.
func (c *Collector) Run(ctx context.Context, workers int) error {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	lists, err := c.discovery.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		return fmt.Errorf("discover resources: %w", err)
	}
	factory := metadatainformer.NewSharedInformerFactory(c.metadata, 0)
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			gvr := gv.WithResource(r.Name)
			if strings.Contains(r.Name, "/") || ignored[gvr.GroupResource()] ||
				!has(r.Verbs, "list") || !has(r.Verbs, "watch") || !has(r.Verbs, "delete") {
				continue
			}
			c.namespaced[gvr] = r.Namespaced
			inf := factory.ForResource(gvr).Informer()
			if _, err := inf.AddEventHandler(c.handlers(gvr)); err != nil {
				return err
			}
			c.synced = append(c.synced, inf.HasSynced)
		}
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return nil
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
	return nil
}

func (c *Collector) handlers(gvr schema.GroupVersionResource) cache.ResourceEventHandler {
	upsert := func(obj any) {
		m, err := meta.Accessor(obj)
		if err != nil {
			return
		}
		n := &node{
			gvr: gvr, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID(), rv: m.GetResourceVersion(),
			owners: m.GetOwnerReferences(), finalizers: m.GetFinalizers(), deleting: m.GetDeletionTimestamp() != nil,
		}
		for _, uid := range c.graph.upsert(n) {
			c.queue.Add(uid)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    upsert,
		UpdateFunc: func(_, obj any) { upsert(obj) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			m, err := meta.Accessor(obj)
			if err != nil {
				return
			}
			for _, uid := range c.graph.remove(m.GetUID()) {
				c.queue.Add(uid)
			}
		},
	}
}

func (c *Collector) worker(ctx context.Context) {
	for {
		uid, quit := c.queue.Get()
		if quit {
			return
		}
		if err := c.process(ctx, uid); err != nil {
			if !apierrors.IsConflict(err) {
				c.log.Error("collect garbage", "uid", uid, "err", err)
			}
			c.queue.AddRateLimited(uid)
		} else {
			c.queue.Forget(uid)
		}
		c.queue.Done(uid)
	}
}

// process brings one object in line with its owners and finalizers. It
// is safe to repeat.
func (c *Collector) process(ctx context.Context, uid types.UID) error {
	n, ok := c.graph.get(uid)
	if !ok {
		return nil
	}
	if n.deleting && n.hasFinalizer(metav1.FinalizerOrphanDependents) {
		return c.orphanDependents(ctx, n)
	}
	if n.deleting && n.hasFinalizer(metav1.FinalizerDeleteDependents) {
		return c.deleteDependents(ctx, n)
	}
	if len(n.owners) == 0 || n.deleting {
		return nil
	}
	var alive, dangling []metav1.OwnerReference
	for _, o := range n.owners {
		exists, err := c.ownerExists(ctx, n, o)
		if err != nil {
			return err
		}
		if exists {
			alive = append(alive, o)
		} else {
			dangling = append(dangling, o)
		}
	}
	switch {
	case len(dangling) == 0:
		return nil
	case len(alive) == 0:
		c.log.Info("deleting object whose owners are gone", "resource", n.gvr.Resource, "namespace", n.namespace, "name", n.name)
		return c.delete(ctx, n, metav1.DeletePropagationBackground)
	default:
		return c.setOwners(ctx, n, alive)
	}
}

// ownerExists looks the owner up in the graph, and otherwise asks the API
// server, so an owner not yet seen by an informer is never taken for gone.
func (c *Collector) ownerExists(ctx context.Context, n *node, o metav1.OwnerReference) (bool, error) {
	if _, ok := c.graph.get(o.UID); ok {
		return true, nil
	}
	gv, err := schema.ParseGroupVersion(o.APIVersion)
	if err != nil {
		return true, nil // a malformed reference is left alone
	}
	mapping, err := c.mapper.RESTMapping(gv.WithKind(o.Kind).GroupKind(), gv.Version)
	if err != nil {
		c.log.Warn("owner of unknown kind; leaving its dependent alone", "owner", o.APIVersion+"/"+o.Kind, "dependent", n.name)
		return true, nil
	}
	ns := ""
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns = n.namespace
	}
	obj, err := c.metadata.Resource(mapping.Resource).Namespace(ns).Get(ctx, o.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return obj.UID == o.UID, nil
}

func (c *Collector) delete(ctx context.Context, n *node, policy metav1.DeletionPropagation) error {
	err := c.metadata.Resource(n.gvr).Namespace(n.namespace).Delete(ctx, n.name, metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: &n.uid},
		PropagationPolicy: &policy,
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone already, or a different object now
	}
	return err
}

// patchMeta merge-patches metadata, conditioned on the version the graph saw.
func (c *Collector) patchMeta(ctx context.Context, n *node, fields map[string]any) error {
	fields["resourceVersion"] = n.rv
	fields["uid"] = n.uid
	body, err := json.Marshal(map[string]any{"metadata": fields})
	if err != nil {
		return err
	}
	_, err = c.metadata.Resource(n.gvr).Namespace(n.namespace).Patch(ctx, n.name, types.MergePatchType, body, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (c *Collector) setOwners(ctx context.Context, n *node, owners []metav1.OwnerReference) error {
	return c.patchMeta(ctx, n, map[string]any{"ownerReferences": owners})
}

func (c *Collector) removeFinalizer(ctx context.Context, n *node, f string) error {
	var keep []string
	for _, x := range n.finalizers {
		if x != f {
			keep = append(keep, x)
		}
	}
	if keep == nil {
		keep = []string{}
	}
	return c.patchMeta(ctx, n, map[string]any{"finalizers": keep})
}

// orphanDependents removes n from its dependents' owners, then lets n go.
func (c *Collector) orphanDependents(ctx context.Context, n *node) error {
	for _, d := range c.graph.dependentsOf(n.uid) {
		var keep []metav1.OwnerReference
		for _, o := range d.owners {
			if o.UID != n.uid {
				keep = append(keep, o)
			}
		}
		if keep == nil {
			keep = []metav1.OwnerReference{}
		}
		if err := c.setOwners(ctx, d, keep); err != nil {
			return fmt.Errorf("orphan %s %s: %w", d.gvr.Resource, d.name, err)
		}
	}
	return c.removeFinalizer(ctx, n, metav1.FinalizerOrphanDependents)
}

// deleteDependents deletes n's dependents and lets n go once none that
// blocks its deletion is left.
func (c *Collector) deleteDependents(ctx context.Context, n *node) error {
	blocking := 0
	for _, d := range c.graph.dependentsOf(n.uid) {
		blocks := false
		for _, o := range d.owners {
			if o.UID == n.uid && o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion {
				blocks = true
			}
		}
		if blocks {
			blocking++
		}
		if d.deleting {
			continue
		}
		policy := metav1.DeletePropagationBackground
		if blocks {
			policy = metav1.DeletePropagationForeground
		}
		if err := c.delete(ctx, d, policy); err != nil {
			return fmt.Errorf("delete dependent %s %s: %w", d.gvr.Resource, d.name, err)
		}
	}
	if blocking > 0 {
		return nil // their removal touches n again
	}
	return c.removeFinalizer(ctx, n, metav1.FinalizerDeleteDependents)
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
