package replicaset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"github.com/marina-orchestrator/marina/internal/controller/claim"
	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// The two kinds this controller keeps.
const (
	KindReplicaSet            = "ReplicaSet"
	KindReplicationController = "ReplicationController"
)

// set is a ReplicaSet or a ReplicationController seen through what they
// share, so that one sync serves both.
type set struct {
	gvk             schema.GroupVersionKind
	obj             runtime.Object // for events
	meta            metav1.Object
	selector        labels.Selector
	replicas        int32
	template        *corev1.PodTemplateSpec
	minReadySeconds int32
	status          Status
	// updateStatus writes st as the object's status.
	updateStatus func(ctx context.Context, client kubernetes.Interface, st Status) error
}

func fromReplicaSet(rs *appsv1.ReplicaSet) (*set, error) {
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("replicaset %s/%s: spec.selector: %w", rs.Namespace, rs.Name, err)
	}
	replicas := int32(1)
	if rs.Spec.Replicas != nil {
		replicas = *rs.Spec.Replicas
	}
	s := &rs.Status
	return &set{
		gvk: appsv1.SchemeGroupVersion.WithKind(KindReplicaSet), obj: rs, meta: rs, selector: sel, replicas: replicas,
		template: &rs.Spec.Template, minReadySeconds: rs.Spec.MinReadySeconds,
		status: statusFields{&s.Replicas, &s.FullyLabeledReplicas, &s.ReadyReplicas, &s.AvailableReplicas, &s.ObservedGeneration}.get(),
		updateStatus: func(ctx context.Context, client kubernetes.Interface, st Status) error {
			c := rs.DeepCopy()
			cs := &c.Status
			statusFields{&cs.Replicas, &cs.FullyLabeledReplicas, &cs.ReadyReplicas, &cs.AvailableReplicas, &cs.ObservedGeneration}.set(st)
			_, err := client.AppsV1().ReplicaSets(c.Namespace).UpdateStatus(ctx, c, metav1.UpdateOptions{})
			return err
		},
	}, nil
}

func fromReplicationController(rc *corev1.ReplicationController) *set {
	replicas := int32(1)
	if rc.Spec.Replicas != nil {
		replicas = *rc.Spec.Replicas
	}
	template := rc.Spec.Template
	if template == nil {
		template = &corev1.PodTemplateSpec{}
	}
	// An RC's selector defaults to its template's labels; an empty one
	// selects nothing rather than everything.
	sel := labels.Nothing()
	if len(rc.Spec.Selector) > 0 {
		sel = labels.SelectorFromSet(rc.Spec.Selector)
	}
	s := &rc.Status
	return &set{
		gvk: corev1.SchemeGroupVersion.WithKind(KindReplicationController), obj: rc, meta: rc, selector: sel, replicas: replicas,
		template: template, minReadySeconds: rc.Spec.MinReadySeconds,
		status: statusFields{&s.Replicas, &s.FullyLabeledReplicas, &s.ReadyReplicas, &s.AvailableReplicas, &s.ObservedGeneration}.get(),
		updateStatus: func(ctx context.Context, client kubernetes.Interface, st Status) error {
			c := rc.DeepCopy()
			cs := &c.Status
			statusFields{&cs.Replicas, &cs.FullyLabeledReplicas, &cs.ReadyReplicas, &cs.AvailableReplicas, &cs.ObservedGeneration}.set(st)
			_, err := client.CoreV1().ReplicationControllers(c.Namespace).UpdateStatus(ctx, c, metav1.UpdateOptions{})
			return err
		},
	}
}

// statusFields points at the status fields of either kind, which have the
// same names and types in two different structs.
type statusFields struct {
	replicas, fullyLabeled, ready, available *int32
	observedGeneration                       *int64
}

func (f statusFields) get() Status {
	return Status{Replicas: *f.replicas, FullyLabeledReplicas: *f.fullyLabeled, ReadyReplicas: *f.ready,
		AvailableReplicas: *f.available, ObservedGeneration: *f.observedGeneration}
}

func (f statusFields) set(st Status) {
	*f.replicas, *f.fullyLabeled, *f.ready = st.Replicas, st.FullyLabeledReplicas, st.ReadyReplicas
	*f.available, *f.observedGeneration = st.AvailableReplicas, st.ObservedGeneration
}

// controllerRef is the owner reference the set's pods carry.
func (s *set) controllerRef() metav1.OwnerReference {
	return claim.ControllerRef(s.gvk.GroupVersion().String(), s.gvk.Kind, s.meta.GetName(), s.meta.GetUID())
}

// newPod is a pod from the set's template, owned by it.
func (s *set) newPod() *corev1.Pod {
	return podcontrol.FromTemplate(s.template, s.meta.GetNamespace(), s.meta.GetName()+"-", s.controllerRef())
}

// key is the work queue's key of a set: Kind/namespace/name.
func key(kind, namespace, name string) string { return kind + "/" + namespace + "/" + name }
