package defaultclass

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/api"
)

func TestDefaultClasses(t *testing.T) {
	old, now := metav1.NewTime(time.Now().Add(-time.Hour)), metav1.NewTime(time.Now())
	client := fake.NewClientset(
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "old", CreationTimestamp: old, Annotations: map[string]string{api.DefaultIngressClassAnnotation: "true"}}},
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "marina", CreationTimestamp: now, Annotations: map[string]string{api.DefaultIngressClassAnnotation: "true"}}},
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx", CreationTimestamp: now}},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local-path", Annotations: map[string]string{api.DefaultStorageClassAnnotation: "true"}}},
	)
	factory := informers.NewSharedInformerFactory(client, 0)
	p := New(factory)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())

	run := func(obj runtime.Object, kind, resource string) {
		t.Helper()
		gv := corev1.SchemeGroupVersion
		if kind == "Ingress" {
			gv = networkingv1.SchemeGroupVersion
		}
		attrs := admission.NewAttributesRecord(obj, nil, gv.WithKind(kind), "default", "x", gv.WithResource(resource), "",
			admission.Create, &metav1.CreateOptions{}, false, &user.DefaultInfo{})
		if err := p.Admit(ctx, attrs, nil); err != nil {
			t.Fatal(err)
		}
	}
	classless := &networkingv1.Ingress{}
	run(classless, "Ingress", "ingresses")
	if got := ptr.Deref(classless.Spec.IngressClassName, ""); got != "marina" {
		t.Errorf("classless ingress got %q, want the newest default, marina", got)
	}
	named := &networkingv1.Ingress{Spec: networkingv1.IngressSpec{IngressClassName: ptr.To("nginx")}}
	run(named, "Ingress", "ingresses")
	if *named.Spec.IngressClassName != "nginx" {
		t.Errorf("named class changed to %q", *named.Spec.IngressClassName)
	}
	legacy := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{api.LegacyIngressClassAnnotation: "nginx"}}}
	run(legacy, "Ingress", "ingresses")
	if legacy.Spec.IngressClassName != nil {
		t.Errorf("ingress with the legacy annotation got %q", *legacy.Spec.IngressClassName)
	}
	pvc := &corev1.PersistentVolumeClaim{}
	run(pvc, "PersistentVolumeClaim", "persistentvolumeclaims")
	if got := ptr.Deref(pvc.Spec.StorageClassName, ""); got != "local-path" {
		t.Errorf("claim got class %q", got)
	}
	empty := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("")}}
	run(empty, "PersistentVolumeClaim", "persistentvolumeclaims")
	if *empty.Spec.StorageClassName != "" {
		t.Errorf("a claim asking for no class got %q", *empty.Spec.StorageClassName)
	}
}
