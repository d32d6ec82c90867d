// Package loadbalancer is Marina's bare-metal load balancer, after k3s's
// ServiceLB. Every agent runs the service proxy and the Ingress proxy,
// so every Ready node serves every LoadBalancer service and every Marina
// Ingress; the controller publishes the nodes' addresses as their
// status.loadBalancer.ingress:
//
//	Node, Service, Ingress, IngressClass events ──► queue of keys ──► sync(key)
//
//	sync("Service/ns/name"): nodes ──► lbIPs ──► serviceIngress ──► UpdateStatus if different
//	sync("Ingress/ns/name"): nodes ──► lbIPs ──► ingressIngress ──► UpdateStatus if different
//
// A node's address is its InternalIP, or its ExternalIP when it has no
// InternalIP. Services with a spec.loadBalancerClass belong to another
// implementation and are left alone; a service that stops being of type
// LoadBalancer has its ingress cleared. An Ingress that stops being
// Marina's has the status this controller gave it cleared.
package loadbalancer

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/controller/loop"
)

// Key prefixes: the queue holds services and ingresses.
const (
	kindService = "Service"
	kindIngress = "Ingress"
)

// Controller publishes node addresses as load balancer status.
type Controller struct {
	*loop.Loop
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	nodes     corelisters.NodeLister
	ingresses networkinglisters.IngressLister
	classes   networkinglisters.IngressClassLister
	recorder  record.EventRecorder

	mu sync.Mutex
	// published holds the keys of Ingresses found Marina's, so that the
	// status given to one that stops being Marina's can be taken back
	// once, without fighting the controller it now belongs to.
	published map[string]bool
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	services := factory.Core().V1().Services()
	nodes := factory.Core().V1().Nodes()
	ingresses := factory.Networking().V1().Ingresses()
	classes := factory.Networking().V1().IngressClasses()
	c := &Controller{
		client:    client,
		services:  services.Lister(),
		nodes:     nodes.Lister(),
		ingresses: ingresses.Lister(),
		classes:   classes.Lister(),
		recorder:  loop.Recorder(client, "service-lb-controller"),
		published: map[string]bool{},
	}
	c.Loop = loop.New("loadbalancer", log.With("controller", "loadbalancer"), c.sync)
	enqueue := func(kind string) cache.ResourceEventHandlerFuncs {
		add := func(obj any) {
			if m, ok := obj.(metav1.Object); ok {
				c.Queue.Add(key(kind, m.GetNamespace(), m.GetName()))
			}
		}
		return cache.ResourceEventHandlerFuncs{AddFunc: add, UpdateFunc: func(_, obj any) { add(obj) }}
	}
	ingressHandler := enqueue(kindIngress)
	ingressHandler.DeleteFunc = func(obj any) {
		if m, ok := loop.Unwrap(obj).(metav1.Object); ok {
			c.mu.Lock()
			delete(c.published, key(kindIngress, m.GetNamespace(), m.GetName()))
			c.mu.Unlock()
		}
	}
	allIngresses := func(any) { c.enqueueIngresses() }
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{services.Informer(), enqueue(kindService)},
		{ingresses.Informer(), ingressHandler},
		// The default class decides whether Ingresses without a class are
		// Marina's.
		{classes.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: allIngresses, UpdateFunc: func(_, obj any) { allIngresses(obj) }, DeleteFunc: allIngresses}},
		{nodes.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: c.nodeChanged, DeleteFunc: c.nodeChanged, UpdateFunc: c.nodeUpdated}},
	} {
		if err := c.Watch(reg.inf, reg.h); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func key(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

// nodeUpdated resyncs everything when a node starts or stops serving, or
// its addresses change: heartbeats change nothing here.
func (c *Controller) nodeUpdated(oldObj, obj any) {
	old, ok1 := oldObj.(*corev1.Node)
	node, ok2 := obj.(*corev1.Node)
	if ok1 && ok2 && !slices.Equal(nodeIPs(old), nodeIPs(node)) {
		c.nodeChanged(node)
	}
}

// nodeChanged enqueues every LoadBalancer service and every Ingress.
func (c *Controller) nodeChanged(any) {
	if svcs, err := c.services.List(labels.Everything()); err == nil {
		for _, svc := range svcs {
			if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
				c.Queue.Add(key(kindService, svc.Namespace, svc.Name))
			}
		}
	}
	c.enqueueIngresses()
}

func (c *Controller) enqueueIngresses() {
	if ings, err := c.ingresses.List(labels.Everything()); err == nil {
		for _, ing := range ings {
			c.Queue.Add(key(kindIngress, ing.Namespace, ing.Name))
		}
	}
}

// sync sets one service's or ingress's load balancer status.
func (c *Controller) sync(ctx context.Context, k string) error {
	kind, rest, _ := strings.Cut(k, "/")
	ns, name, ok := strings.Cut(rest, "/")
	if !ok {
		return fmt.Errorf("bad key %q", k)
	}
	switch kind {
	case kindService:
		return c.syncService(ctx, ns, name)
	case kindIngress:
		return c.syncIngress(ctx, ns, name)
	}
	return fmt.Errorf("bad key %q", k)
}

func (c *Controller) syncService(ctx context.Context, ns, name string) error {
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var want []corev1.LoadBalancerIngress
	switch {
	case svc.Spec.Type != corev1.ServiceTypeLoadBalancer:
		// No longer a load balancer: nothing to publish.
	case svc.Spec.LoadBalancerClass != nil:
		return nil // another implementation's
	default:
		ips, err := c.lbIPs()
		if err != nil {
			return err
		}
		want = serviceIngress(svc, ips)
	}
	if equality.Semantic.DeepEqual(svc.Status.LoadBalancer.Ingress, want) {
		return nil
	}
	upd := svc.DeepCopy()
	upd.Status.LoadBalancer.Ingress = want
	if _, err := c.client.CoreV1().Services(ns).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update service status: %w", err)
	}
	var ips []string
	for _, in := range want {
		ips = append(ips, in.IP)
	}
	c.recorder.Eventf(svc, corev1.EventTypeNormal, "UpdatedIngressIP", "LoadBalancer Ingress IP addresses updated: %s", strings.Join(ips, ", "))
	return nil
}

func (c *Controller) syncIngress(ctx context.Context, ns, name string) error {
	k := key(kindIngress, ns, name)
	ing, err := c.ingresses.Ingresses(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	classes, err := c.classes.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list ingress classes: %w", err)
	}
	ips, err := c.lbIPs()
	if err != nil {
		return err
	}
	want := ingressIngress(ips)
	c.mu.Lock()
	was := c.published[k]
	mine := ours(ing, classes)
	if mine {
		c.published[k] = true
	} else {
		delete(c.published, k)
	}
	c.mu.Unlock()
	if !mine {
		// Take back what this controller published, and only that:
		// another controller may have written its own status already.
		if !was || len(ing.Status.LoadBalancer.Ingress) == 0 || !equality.Semantic.DeepEqual(ing.Status.LoadBalancer.Ingress, want) {
			return nil
		}
		want = nil
	}
	if equality.Semantic.DeepEqual(ing.Status.LoadBalancer.Ingress, want) {
		return nil
	}
	upd := ing.DeepCopy()
	upd.Status.LoadBalancer.Ingress = want
	if _, err := c.client.NetworkingV1().Ingresses(ns).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
		if !mine {
			// Retried: the key must be taken back on the next sync too.
			c.mu.Lock()
			c.published[k] = true
			c.mu.Unlock()
		}
		return fmt.Errorf("update ingress status: %w", err)
	}
	var written []string
	for _, in := range want {
		written = append(written, in.IP)
	}
	c.recorder.Eventf(ing, corev1.EventTypeNormal, "UpdatedIngressIP", "LoadBalancer Ingress IP addresses updated: %s", strings.Join(written, ", "))
	return nil
}

// lbIPs returns the addresses of the nodes that serve load balancers.
func (c *Controller) lbIPs() ([]string, error) {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return lbIPs(nodes), nil
}
