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
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/controller/loop"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// Controller runs StatefulSets.
type Controller struct {
	*loop.Loop
	client    kubernetes.Interface
	sets      appslisters.StatefulSetLister
	revisions appslisters.ControllerRevisionLister
	pods      corelisters.PodLister
	claims    corelisters.PersistentVolumeClaimLister
	expect    *podcontrol.Expectations
	recorder  record.EventRecorder
	now       func() time.Time
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
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
		expect:    podcontrol.NewExpectations(),
		recorder:  loop.Recorder(client, "statefulset-controller"),
		now:       time.Now,
	}
	c.Loop = loop.New("statefulset", log.With("controller", "statefulset"), c.sync)
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
		{sets.Informer(), c.EnqueueAll()},
		{revs.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: owned, UpdateFunc: func(_, obj any) { owned(obj) }, DeleteFunc: owned}},
		{pods.Informer(), podcontrol.OwnedPods(podOwner, c.expect, c.Queue.Add)},
	} {
		if err := c.Watch(reg.inf, reg.h); err != nil {
			return nil, err
		}
	}
	c.WaitFor(claims.Informer())
	return c, nil
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
