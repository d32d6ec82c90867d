// Package namespace empties namespaces that are being deleted. A deleted
// namespace turns Terminating (see registry.namespaceREST); this controller
// deletes everything in it, reports what remains as a status condition,
// and once it is empty clears the "kubernetes" finalizer and deletes the
// namespace for good.
package namespace

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Finalizer is the namespace finalizer this controller owns.
const Finalizer corev1.FinalizerName = "kubernetes"

// Controller deletes the contents of terminating namespaces.
type Controller struct {
	client    kubernetes.Interface
	metadata  metadata.Interface
	discovery discovery.DiscoveryInterface
	lister    listerscorev1.NamespaceLister
	synced    cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	log       *slog.Logger
	// recheck is how soon a namespace whose content is still going away is
	// looked at again.
	recheck time.Duration
}

// New builds the controller; Run starts it.
func New(client kubernetes.Interface, md metadata.Interface, factory informers.SharedInformerFactory, log *slog.Logger) *Controller {
	inf := factory.Core().V1().Namespaces()
	c := &Controller{
		client:    client,
		metadata:  md,
		discovery: client.Discovery(),
		lister:    inf.Lister(),
		synced:    inf.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "namespace"}),
		log:     log.With("controller", "namespace"),
		recheck: 2 * time.Second,
	}
	enqueue := func(obj any) {
		if ns, ok := obj.(*corev1.Namespace); ok && ns.DeletionTimestamp != nil {
			c.queue.Add(ns.Name)
		}
	}
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	})
	return c
}

// Run processes namespaces until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
}

func (c *Controller) worker(ctx context.Context) {
	for {
		name, quit := c.queue.Get()
		if quit {
			return
		}
		err := c.sync(ctx, name)
		switch {
		case err == errContentRemaining:
			c.queue.Forget(name)
			c.queue.AddAfter(name, c.recheck)
		case err != nil:
			c.log.Error("empty namespace", "namespace", name, "err", err)
			c.queue.AddRateLimited(name)
		default:
			c.queue.Forget(name)
		}
		c.queue.Done(name)
	}
}

var errContentRemaining = fmt.Errorf("content remaining")

// sync deletes what is left in a terminating namespace and finalizes it
// when nothing is left. It is safe to repeat.
func (c *Controller) sync(ctx context.Context, name string) error {
	ns, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp == nil {
		return nil
	}
	if hasFinalizer(ns, Finalizer) {
		remaining, err := c.deleteContent(ctx, name)
		if err != nil {
			return err
		}
		if len(remaining) > 0 {
			return c.reportRemaining(ctx, ns, remaining)
		}
		if err := c.finalize(ctx, ns); err != nil {
			return err
		}
	}
	err = c.client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &ns.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// deleteContent deletes every namespaced object in ns and returns, per
// resource, how many are still there (on their way out).
func (c *Controller) deleteContent(ctx context.Context, ns string) (map[string]int, error) {
	lists, err := c.discovery.ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return nil, fmt.Errorf("discover resources: %w", err)
	}
	remaining := map[string]int{}
	background := metav1.DeletePropagationBackground
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") || !has(r.Verbs, "deletecollection") || !has(r.Verbs, "list") {
				continue
			}
			gvr := gv.WithResource(r.Name)
			client := c.metadata.Resource(gvr).Namespace(ns)
			err := client.DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &background}, metav1.ListOptions{})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
				return nil, fmt.Errorf("delete %s in %s: %w", gvr.Resource, ns, err)
			}
			left, err := client.List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, fmt.Errorf("list %s in %s: %w", gvr.Resource, ns, err)
			}
			if n := len(left.Items); n > 0 {
				remaining[gvr.GroupResource().String()] = n
			}
		}
	}
	return remaining, nil
}

// reportRemaining records what keeps the namespace alive, as Kubernetes'
// NamespaceContentRemaining condition does.
func (c *Controller) reportRemaining(ctx context.Context, ns *corev1.Namespace, remaining map[string]int) error {
	var parts []string
	for r, n := range remaining {
		parts = append(parts, fmt.Sprintf("%s has %d resource instances", r, n))
	}
	sort.Strings(parts)
	cond := corev1.NamespaceCondition{
		Type:               corev1.NamespaceContentRemaining,
		Status:             corev1.ConditionTrue,
		Reason:             "SomeResourcesRemain",
		Message:            "Some resources are remaining: " + strings.Join(parts, ", "),
		LastTransitionTime: metav1.Now(),
	}
	updated := ns.DeepCopy()
	replaced := false
	for i := range updated.Status.Conditions {
		if updated.Status.Conditions[i].Type == cond.Type {
			if updated.Status.Conditions[i].Message == cond.Message {
				return errContentRemaining
			}
			updated.Status.Conditions[i] = cond
			replaced = true
		}
	}
	if !replaced {
		updated.Status.Conditions = append(updated.Status.Conditions, cond)
	}
	if _, err := c.client.CoreV1().Namespaces().UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
		return err
	}
	return errContentRemaining
}

func (c *Controller) finalize(ctx context.Context, ns *corev1.Namespace) error {
	updated := ns.DeepCopy()
	updated.Spec.Finalizers = nil
	for _, f := range ns.Spec.Finalizers {
		if f != Finalizer {
			updated.Spec.Finalizers = append(updated.Spec.Finalizers, f)
		}
	}
	_, err := c.client.CoreV1().Namespaces().Finalize(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func hasFinalizer(ns *corev1.Namespace, f corev1.FinalizerName) bool {
	for _, x := range ns.Spec.Finalizers {
		if x == f {
			return true
		}
	}
	return false
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
