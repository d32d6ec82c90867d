package defaults

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"
)

// SetNetworkPolicyDefaults applies the defaults of a NetworkPolicy: TCP as
// the port protocol, and policy types inferred from the rules given, a
// policy always isolating ingress and also egress when it has egress rules.
func SetNetworkPolicyDefaults(np *networkingv1.NetworkPolicy) {
	for i := range np.Spec.Ingress {
		setNetworkPolicyPortDefaults(np.Spec.Ingress[i].Ports)
	}
	for i := range np.Spec.Egress {
		setNetworkPolicyPortDefaults(np.Spec.Egress[i].Ports)
	}
	if len(np.Spec.PolicyTypes) == 0 {
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) != 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
}

func setNetworkPolicyPortDefaults(ports []networkingv1.NetworkPolicyPort) {
	for i := range ports {
		if ports[i].Protocol == nil {
			ports[i].Protocol = ptr.To(corev1.ProtocolTCP)
		}
	}
}

// SetIngressClassDefaults applies the defaults of an IngressClass: its
// parameters, when given, are a cluster-scoped object. Ingress itself has
// no defaults; in particular pathType is required input.
func SetIngressClassDefaults(ic *networkingv1.IngressClass) {
	if p := ic.Spec.Parameters; p != nil && p.Scope == nil {
		p.Scope = ptr.To(networkingv1.IngressClassParametersReferenceScopeCluster)
	}
}
