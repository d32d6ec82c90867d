// Package defaultclass is Kubernetes' DefaultIngressClass and
// DefaultStorageClass admission plugins in one: an Ingress created
// without a class gets the default IngressClass's name, and a
// PersistentVolumeClaim created without storageClassName gets the default
// StorageClass's, so that `kubectl get` shows the class that serves them.
// With several defaults, the newest wins, as in Kubernetes.
package defaultclass

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"

	"github.com/marina-orchestrator/marina/internal/api"
)

// Plugin is the admission plugin.
type Plugin struct {
	*admission.Handler
	ingressClasses networkinglisters.IngressClassLister
	storageClasses storagelisters.StorageClassLister
	synced         []func() bool
}

var _ admission.MutationInterface = (*Plugin)(nil)

// New returns the plugin, reading the classes from factory's informers.
func New(factory informers.SharedInformerFactory) *Plugin {
	ic, sc := factory.Networking().V1().IngressClasses(), factory.Storage().V1().StorageClasses()
	return &Plugin{
		Handler:        admission.NewHandler(admission.Create),
		ingressClasses: ic.Lister(),
		storageClasses: sc.Lister(),
		synced:         []func() bool{ic.Informer().HasSynced, sc.Informer().HasSynced},
	}
}

var (
	ingressResource = networkingv1.Resource("ingresses")
	claimResource   = corev1.Resource("persistentvolumeclaims")
)

// Admit names the default class on a new Ingress or claim that names none.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetSubresource() != "" {
		return nil
	}
	switch a.GetResource().GroupResource() {
	case ingressResource:
		ing, ok := a.GetObject().(*networkingv1.Ingress)
		if !ok || (ing.Spec.IngressClassName != nil && *ing.Spec.IngressClassName != "") {
			return nil
		}
		if _, legacy := ing.Annotations[api.LegacyIngressClassAnnotation]; legacy {
			return nil
		}
		if err := p.wait(a); err != nil {
			return err
		}
		all, err := p.ingressClasses.List(labels.Everything())
		if err != nil {
			return admission.NewForbidden(a, fmt.Errorf("list IngressClasses: %w", err))
		}
		var def *networkingv1.IngressClass
		for _, c := range all {
			if c.Annotations[api.DefaultIngressClassAnnotation] == "true" && (def == nil || c.CreationTimestamp.After(def.CreationTimestamp.Time)) {
				def = c
			}
		}
		if def != nil {
			ing.Spec.IngressClassName = &def.Name
		}
	case claimResource:
		pvc, ok := a.GetObject().(*corev1.PersistentVolumeClaim)
		if !ok || pvc.Spec.StorageClassName != nil {
			return nil
		}
		if err := p.wait(a); err != nil {
			return err
		}
		all, err := p.storageClasses.List(labels.Everything())
		if err != nil {
			return admission.NewForbidden(a, fmt.Errorf("list StorageClasses: %w", err))
		}
		var def *storagev1.StorageClass
		for _, c := range all {
			if c.Annotations[api.DefaultStorageClassAnnotation] == "true" && (def == nil || c.CreationTimestamp.After(def.CreationTimestamp.Time)) {
				def = c
			}
		}
		if def != nil {
			pvc.Spec.StorageClassName = &def.Name
		}
	}
	return nil
}

func (p *Plugin) wait(a admission.Attributes) error {
	for _, synced := range p.synced {
		if !synced() {
			return admission.NewForbidden(a, fmt.Errorf("not yet ready to handle request: classes are still loading"))
		}
	}
	return nil
}
