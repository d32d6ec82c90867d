package ingress

import (
	"github.com/marina-orchestrator/marina/internal/api"

	"cmp"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
)

const (
	// ClassName is the name of Marina's IngressClass. An Ingress whose
	// spec.ingressClassName (or legacy kubernetes.io/ingress.class
	// annotation) is ClassName is served by this package.
	ClassName = api.IngressClassName
	// ControllerName is the spec.controller of Marina's IngressClass. Any
	// IngressClass with this controller is Marina's too.
	ControllerName = api.IngressController
)

// ownIngresses returns the Ingresses that are Marina's
// (api.MarinasIngress), in routing order (see ingressOrder).
func ownIngresses(ingresses []*networkingv1.Ingress, classes []*networkingv1.IngressClass) []*networkingv1.Ingress {
	var out []*networkingv1.Ingress
	for _, ing := range ingresses {
		if api.MarinasIngress(ing, classes) {
			out = append(out, ing)
		}
	}
	slices.SortFunc(out, ingressOrder)
	return out
}

// ingressOrder is the precedence between Ingresses that claim the same
// host and path: the oldest wins, then the first by namespace and name.
func ingressOrder(a, b *networkingv1.Ingress) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}
