package ingress

import (
	"cmp"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
)

const (
	// ClassName is the name of Marina's IngressClass. An Ingress whose
	// spec.ingressClassName (or legacy kubernetes.io/ingress.class
	// annotation) is ClassName is served by this package.
	ClassName = "marina"
	// ControllerName is the spec.controller of Marina's IngressClass. Any
	// IngressClass with this controller is Marina's too.
	ControllerName = "marina.io/ingress"
)

// legacyClassAnnotation predates spec.ingressClassName; the API server
// refuses an Ingress where both are set and differ.
const legacyClassAnnotation = "kubernetes.io/ingress.class"

// ownIngresses returns the Ingresses that are Marina's, in routing order
// (see ingressOrder). An Ingress is Marina's when
//
//   - spec.ingressClassName, or else the legacy annotation, names
//     ClassName or an IngressClass whose controller is ControllerName; or
//   - it names no class at all and one of Marina's IngressClasses is
//     marked default (ingressclass.kubernetes.io/is-default-class: "true").
func ownIngresses(ingresses []*networkingv1.Ingress, classes []*networkingv1.IngressClass) []*networkingv1.Ingress {
	ours := map[string]bool{ClassName: true}
	defaultOurs := false
	for _, c := range classes {
		if c.Spec.Controller != ControllerName {
			continue
		}
		ours[c.Name] = true
		if c.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
			defaultOurs = true
		}
	}
	var out []*networkingv1.Ingress
	for _, ing := range ingresses {
		class, named := ingressClass(ing)
		if named && ours[class] || !named && defaultOurs {
			out = append(out, ing)
		}
	}
	slices.SortFunc(out, ingressOrder)
	return out
}

// ingressClass returns the class an Ingress names, and whether it names one.
func ingressClass(ing *networkingv1.Ingress) (string, bool) {
	if c := ing.Spec.IngressClassName; c != nil && *c != "" {
		return *c, true
	}
	if c, ok := ing.Annotations[legacyClassAnnotation]; ok {
		return c, true
	}
	return "", false
}

// ingressOrder is the precedence between Ingresses that claim the same
// host and path: the oldest wins, then the first by namespace and name.
func ingressOrder(a, b *networkingv1.Ingress) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}
