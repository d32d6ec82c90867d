package api

import (
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// Labels and annotations Marina's components agree on.
const (
	// AgentCertAnnotation on a Node carries the SHA-256 fingerprint (hex)
	// of its agent API's self-signed serving certificate. The agent sets
	// it when it registers; the API server connects only to an agent that
	// presents that certificate.
	AgentCertAnnotation = "marina.io/agent-serving-cert-sha256"
	// StorageDirAnnotation on a Node is the absolute directory under
	// which the local-path provisioner puts the node's volumes. The agent
	// sets it when it registers.
	StorageDirAnnotation = "marina.io/storage-dir"
	// LocalPathProvisioner provisions the node-local volumes of the
	// default StorageClass, LocalPathStorageClass.
	LocalPathProvisioner = "marina.io/local-path"
	// LocalPathStorageClass is the default StorageClass, created at
	// bootstrap: each volume a directory on the node of its first pod.
	LocalPathStorageClass = "local-path"
	// DefaultStorageClassAnnotation marks the StorageClass of claims that
	// name none (Kubernetes' annotation).
	DefaultStorageClassAnnotation = "storageclass.kubernetes.io/is-default-class"

	// DNSServiceNamespace and DNSServiceName name the cluster DNS
	// Service, as in Kubernetes (kube-system/kube-dns). It has no
	// selector: every node's agent answers DNS on its cluster IP itself.
	DNSServiceNamespace = "kube-system"
	DNSServiceName      = "kube-dns"
	// DefaultClusterDomain is the DNS domain of services and pods.
	DefaultClusterDomain = "cluster.local"
	// IngressClassName is Marina's IngressClass, the default one; the
	// agents serve its Ingresses.
	IngressClassName = "marina"
	// IngressController is the IngressClass's spec.controller.
	IngressController = "marina.io/ingress"
	// DefaultIngressClassAnnotation marks the IngressClass of Ingresses
	// that name none (Kubernetes' annotation).
	DefaultIngressClassAnnotation = networkingv1.AnnotationIsDefaultIngressClass
	// LegacyIngressClassAnnotation names an Ingress's class from before
	// spec.ingressClassName.
	LegacyIngressClassAnnotation = "kubernetes.io/ingress.class"
)

// MarinasIngress reports whether the agents serve ing (and the load
// balancer controller publishes its status): its class
// (spec.ingressClassName, else the legacy annotation) is IngressClassName
// or an IngressClass whose controller is IngressController; or it names no
// class and one of Marina's IngressClasses is the default.
func MarinasIngress(ing *networkingv1.Ingress, classes []*networkingv1.IngressClass) bool {
	mine := map[string]bool{IngressClassName: true}
	defaultMine := false
	for _, c := range classes {
		if c.Spec.Controller != IngressController {
			continue
		}
		mine[c.Name] = true
		if c.Annotations[DefaultIngressClassAnnotation] == "true" {
			defaultMine = true
		}
	}
	if c := ing.Spec.IngressClassName; c != nil && *c != "" {
		return mine[*c]
	}
	if c, ok := ing.Annotations[LegacyIngressClassAnnotation]; ok {
		return mine[c]
	}
	return defaultMine
}

// DefaultStorageClass is the class among classes marked as the default;
// nil if none is.
func DefaultStorageClass(classes []*storagev1.StorageClass) *storagev1.StorageClass {
	for _, sc := range classes {
		if sc.Annotations[DefaultStorageClassAnnotation] == "true" {
			return sc
		}
	}
	return nil
}
