package defaults

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/utils/ptr"
)

func TestNetworkingDiscoverySchedulingDefaults(t *testing.T) {
	runDefaultingCases(t, []defaultingCase{
		{
			name: "network policy without types isolates ingress",
			in: &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{
				Ports: []networkingv1.NetworkPolicyPort{{}, {Protocol: ptr.To(corev1.ProtocolSCTP)}},
			}}}},
			check: on(func(t *testing.T, np *networkingv1.NetworkPolicy) {
				eq(t, "policyTypes", np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
				eq(t, "ingress[0].ports[0].protocol", np.Spec.Ingress[0].Ports[0].Protocol, ptr.To(corev1.ProtocolTCP))
				eq(t, "ingress[0].ports[1].protocol", np.Spec.Ingress[0].Ports[1].Protocol, ptr.To(corev1.ProtocolSCTP))
			}),
		},
		{
			name: "network policy with egress rules isolates egress too",
			in: &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{
				Ports: []networkingv1.NetworkPolicyPort{{}},
			}}}},
			check: on(func(t *testing.T, np *networkingv1.NetworkPolicy) {
				eq(t, "policyTypes", np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress})
				eq(t, "egress[0].ports[0].protocol", np.Spec.Egress[0].Ports[0].Protocol, ptr.To(corev1.ProtocolTCP))
			}),
		},
		{
			name: "ingress class parameters are cluster scoped",
			in: &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{
				Parameters: &networkingv1.IngressClassParametersReference{Kind: "Params", Name: "p"},
			}},
			check: on(func(t *testing.T, ic *networkingv1.IngressClass) {
				eq(t, "parameters.scope", ic.Spec.Parameters.Scope, ptr.To("Cluster"))
			}),
		},
		{
			name: "endpoint slice ports are unnamed TCP",
			in: &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{
				{Port: ptr.To[int32](80)},
				{Name: ptr.To("dns"), Protocol: ptr.To(corev1.ProtocolUDP), Port: ptr.To[int32](53)},
			}},
			check: on(func(t *testing.T, es *discoveryv1.EndpointSlice) {
				eq(t, "ports[0].name", es.Ports[0].Name, ptr.To(""))
				eq(t, "ports[0].protocol", es.Ports[0].Protocol, ptr.To(corev1.ProtocolTCP))
				eq(t, "ports[1].name", es.Ports[1].Name, ptr.To("dns"))
				eq(t, "ports[1].protocol", es.Ports[1].Protocol, ptr.To(corev1.ProtocolUDP))
				if es.Ports[0].Protocol == es.Ports[1].Protocol {
					t.Error("ports share a protocol pointer")
				}
			}),
		},
		{
			name: "priority class preempts lower priorities",
			in:   &schedulingv1.PriorityClass{Value: 1000},
			check: on(func(t *testing.T, pc *schedulingv1.PriorityClass) {
				eq(t, "preemptionPolicy", pc.PreemptionPolicy, ptr.To(corev1.PreemptLowerPriority))
			}),
		},
		{
			name: "priority class keeps Never",
			in:   &schedulingv1.PriorityClass{PreemptionPolicy: ptr.To(corev1.PreemptNever)},
			check: on(func(t *testing.T, pc *schedulingv1.PriorityClass) {
				eq(t, "preemptionPolicy", pc.PreemptionPolicy, ptr.To(corev1.PreemptNever))
			}),
		},
	})
}
