// Package endpoints publishes where every Service with a selector can be
// reached: its core/v1 Endpoints object and its discovery.k8s.io/v1
// EndpointSlices, as kube-controller-manager's endpoints and
// endpointslice controllers do. Services without a selector are left to
// their users, ExternalName services get nothing.
//
//	Service and Pod events ──► queue of service keys ──► sync(key)
//
//	sync: service, selected pods (listers) ──► desired (pure)
//	        ├─ subsets ──► compared with the Endpoints ──► create | update | nothing
//	        └─ groups + existing slices ──► planSlices (pure) ──► create, update, delete
//
// A pod is an endpoint once it has an IPv4 address and until it has
// finished; it is ready when its Ready condition is True (the agent's
// readiness probes decide) or the service publishes unready addresses.
// Each service port's targetPort is resolved per pod, so pods that name
// their ports differently end up in different subsets and slices.
//
// Slices this controller created or deleted are expected (as the workload
// controllers expect pods) until the informer shows them: a sync on a
// cache that lags would otherwise create them twice.
package endpoints

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/controller/loop"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// Controller keeps Services' Endpoints and EndpointSlices.
type Controller struct {
	*loop.Loop
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	slices    discoverylisters.EndpointSliceLister
	expect    *podcontrol.Expectations
	recorder  record.EventRecorder
	now       func() time.Time
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	services := factory.Core().V1().Services()
	pods := factory.Core().V1().Pods()
	endpoints := factory.Core().V1().Endpoints()
	endpointSlices := factory.Discovery().V1().EndpointSlices()
	c := &Controller{
		client:    client,
		services:  services.Lister(),
		pods:      pods.Lister(),
		endpoints: endpoints.Lister(),
		slices:    endpointSlices.Lister(),
		expect:    podcontrol.NewExpectations(),
		recorder:  loop.Recorder(client, "endpoint-controller"),
		now:       time.Now,
	}
	c.Loop = loop.New("endpoints", log.With("controller", "endpoints"), c.sync)
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{services.Informer(), c.EnqueueAll()},
		{pods.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: c.podAdded, UpdateFunc: c.podUpdated, DeleteFunc: c.podDeleted}},
		// A deleted Endpoints object is written again; the key is the
		// service's.
		{endpoints.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: c.Enqueue}},
		{endpointSlices.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: c.sliceAdded, UpdateFunc: c.sliceUpdated, DeleteFunc: c.sliceDeleted}},
	} {
		if err := c.Watch(reg.inf, reg.h); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// enqueueServices enqueues the services in the pods' namespace whose
// selectors match any of the pods.
func (c *Controller) enqueueServices(pods ...*corev1.Pod) {
	if len(pods) == 0 {
		return
	}
	svcs, err := c.services.Services(pods[0].Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, svc := range svcs {
		if svc.Spec.Selector == nil {
			continue
		}
		sel := labels.Set(svc.Spec.Selector).AsSelectorPreValidated()
		for _, pod := range pods {
			if sel.Matches(labels.Set(pod.Labels)) {
				c.Queue.Add(svc.Namespace + "/" + svc.Name)
				break
			}
		}
	}
}

func (c *Controller) podAdded(obj any) {
	if pod, ok := obj.(*corev1.Pod); ok {
		c.enqueueServices(pod)
	}
}

func (c *Controller) podUpdated(oldObj, obj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	pod, ok2 := obj.(*corev1.Pod)
	if !ok1 || !ok2 || old.ResourceVersion == pod.ResourceVersion {
		return
	}
	switch {
	case !equality.Semantic.DeepEqual(old.Labels, pod.Labels):
		// The services it left and the services it joined.
		c.enqueueServices(old, pod)
	case endpointChanged(old, pod):
		c.enqueueServices(pod)
	}
}

func (c *Controller) podDeleted(obj any) {
	if pod, ok := loop.Unwrap(obj).(*corev1.Pod); ok {
		c.enqueueServices(pod)
	}
}

// endpointChanged reports whether a pod changed in a way its endpoints
// show. Ports are not compared: they cannot change.
func endpointChanged(old, pod *corev1.Pod) bool {
	return old.Spec.Hostname != pod.Spec.Hostname || old.Spec.Subdomain != pod.Spec.Subdomain ||
		old.Spec.NodeName != pod.Spec.NodeName ||
		(old.DeletionTimestamp == nil) != (pod.DeletionTimestamp == nil) ||
		old.Status.Phase != pod.Status.Phase ||
		podReady(old) != podReady(pod) ||
		old.Status.PodIP != pod.Status.PodIP ||
		!slices.Equal(old.Status.PodIPs, pod.Status.PodIPs)
}

// sliceService returns the key of the service whose slice s is, if this
// controller manages it.
func sliceService(s *discoveryv1.EndpointSlice) (string, bool) {
	name := s.Labels[discoveryv1.LabelServiceName]
	if s.Labels[discoveryv1.LabelManagedBy] != ManagedBy || name == "" {
		return "", false
	}
	return s.Namespace + "/" + name, true
}

func (c *Controller) sliceAdded(obj any) {
	if s, ok := obj.(*discoveryv1.EndpointSlice); ok {
		if k, ok := sliceService(s); ok {
			c.expect.ObserveCreation(k)
			c.Queue.Add(k)
		}
	}
}

// sliceUpdated resyncs the service of a slice someone else changed (our
// own writes come back here too; their sync writes nothing), and both
// services when the slice's labels moved it from one to the other.
func (c *Controller) sliceUpdated(oldObj, obj any) {
	old, ok1 := oldObj.(*discoveryv1.EndpointSlice)
	s, ok2 := obj.(*discoveryv1.EndpointSlice)
	if !ok1 || !ok2 || old.ResourceVersion == s.ResourceVersion {
		return
	}
	for _, x := range []*discoveryv1.EndpointSlice{old, s} {
		if k, ok := sliceService(x); ok {
			c.Queue.Add(k)
		}
	}
}

func (c *Controller) sliceDeleted(obj any) {
	if s, ok := loop.Unwrap(obj).(*discoveryv1.EndpointSlice); ok {
		if k, ok := sliceService(s); ok {
			c.expect.ObserveDeletion(k, s.UID)
			c.Queue.Add(k)
		}
	}
}

// sync brings one service's Endpoints and EndpointSlices in line with
// the pods its selector matches.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return fmt.Errorf("service key %q: %w", key, err)
	}
	svc, err := c.services.Services(ns).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		c.expect.Forget(key)
		return errors.Join(c.deleteEndpoints(ctx, ns, name), c.deleteSlices(ctx, ns, name))
	case err != nil:
		return err
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.Selector == nil {
		// Its Endpoints are the user's to write. Slices made while it
		// had a selector would route to pods it no longer names.
		c.expect.Forget(key)
		return c.deleteSlices(ctx, ns, name)
	}
	pods, err := c.pods.Pods(ns).List(labels.Set(svc.Spec.Selector).AsSelectorPreValidated())
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	subsets, groups := desired(svc, pods)
	return errors.Join(c.syncEndpoints(ctx, svc, subsets), c.syncSlices(ctx, key, svc, groups))
}

// syncEndpoints writes svc's Endpoints object if it differs from subsets.
func (c *Controller) syncEndpoints(ctx context.Context, svc *corev1.Service, subsets []corev1.EndpointSubset) error {
	over := truncate(subsets)
	want := endpointsLabels(svc)
	cur, err := c.endpoints.Endpoints(svc.Namespace).Get(svc.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if err != nil {
		ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: want}, Subsets: subsets}
		if over {
			ep.Annotations = map[string]string{corev1.EndpointsOverCapacity: "truncated"}
		}
		if _, err := c.client.CoreV1().Endpoints(svc.Namespace).Create(ctx, ep, metav1.CreateOptions{}); err != nil {
			if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return nil // nothing can be created there any more
			}
			c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToCreateEndpoint", "Failed to create endpoint for service %s/%s: %v", svc.Namespace, svc.Name, err)
			return fmt.Errorf("create endpoints: %w", err)
		}
		return nil
	}
	_, annotated := cur.Annotations[corev1.EndpointsOverCapacity]
	if annotated == over && equality.Semantic.DeepEqual(cur.Subsets, subsets) && equality.Semantic.DeepEqual(cur.Labels, want) {
		return nil
	}
	ep := cur.DeepCopy()
	ep.Subsets, ep.Labels = subsets, want
	if over {
		if ep.Annotations == nil {
			ep.Annotations = map[string]string{}
		}
		ep.Annotations[corev1.EndpointsOverCapacity] = "truncated"
	} else {
		delete(ep.Annotations, corev1.EndpointsOverCapacity)
	}
	if _, err := c.client.CoreV1().Endpoints(svc.Namespace).Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		if !apierrors.IsConflict(err) {
			c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpoint", "Failed to update endpoint %s/%s: %v", svc.Namespace, svc.Name, err)
		}
		return fmt.Errorf("update endpoints: %w", err)
	}
	return nil
}

// syncSlices writes what planSlices finds different between svc's
// slices and groups.
func (c *Controller) syncSlices(ctx context.Context, key string, svc *corev1.Service, groups []group) error {
	if !c.expect.Satisfied(key, c.now()) {
		// Slices we created or deleted are not in the cache yet; their
		// events bring the service back.
		return nil
	}
	existing, err := c.slices.EndpointSlices(svc.Namespace).List(serviceSlices(svc.Name))
	if err != nil {
		return fmt.Errorf("list endpointslices: %w", err)
	}
	plan := planSlices(svc, existing, groups, MaxEndpointsPerSlice)
	if svc.DeletionTimestamp != nil {
		// The garbage collector is deleting the slices; new ones would
		// race it.
		plan.create = nil
	}
	if plan.empty() {
		return nil
	}
	var uids []types.UID
	for _, s := range plan.delete {
		uids = append(uids, s.UID)
	}
	c.expect.Expect(key, len(plan.create), uids, c.now())

	client := c.client.DiscoveryV1().EndpointSlices(svc.Namespace)
	var errs []error
	for _, s := range plan.create {
		if _, err := client.Create(ctx, s, metav1.CreateOptions{}); err != nil {
			c.expect.ObserveCreation(key) // never to be seen
			if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return nil
			}
			errs = append(errs, fmt.Errorf("create endpointslice: %w", err))
		}
	}
	for _, s := range plan.update {
		if _, err := client.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("update endpointslice %s: %w", s.Name, err))
		}
	}
	for _, s := range plan.delete {
		if err := client.Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil {
			c.expect.ObserveDeletion(key, s.UID)
			if !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete endpointslice %s: %w", s.Name, err))
			}
		}
	}
	err = errors.Join(errs...)
	if err != nil && !apierrors.IsConflict(err) {
		c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpointSlices", "Error updating Endpoint Slices for Service %s/%s: %v", svc.Namespace, svc.Name, err)
	}
	return err
}

// deleteEndpoints deletes the Endpoints object of a deleted service.
func (c *Controller) deleteEndpoints(ctx context.Context, ns, name string) error {
	err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete endpoints: %w", err)
	}
	return nil
}

// deleteSlices deletes the slices this controller made for service name.
func (c *Controller) deleteSlices(ctx context.Context, ns, name string) error {
	existing, err := c.slices.EndpointSlices(ns).List(serviceSlices(name))
	if err != nil {
		return fmt.Errorf("list endpointslices: %w", err)
	}
	var errs []error
	for _, s := range existing {
		if s.DeletionTimestamp != nil {
			continue
		}
		err := c.client.DiscoveryV1().EndpointSlices(ns).Delete(ctx, s.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete endpointslice %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// serviceSlices selects the slices this controller manages for service
// name.
func serviceSlices(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: ManagedBy})
}
