package defaults

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestServiceDefaults(t *testing.T) {
	runDefaultingCases(t, []defaultingCase{
		{
			name: "empty service is a ClusterIP service without affinity",
			in:   &corev1.Service{},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "type", s.Spec.Type, corev1.ServiceTypeClusterIP)
				eq(t, "sessionAffinity", s.Spec.SessionAffinity, corev1.ServiceAffinityNone)
				eq(t, "internalTrafficPolicy", s.Spec.InternalTrafficPolicy, ptr.To(corev1.ServiceInternalTrafficPolicyCluster))
				eq(t, "externalTrafficPolicy", s.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicy(""))
				eq(t, "allocateLoadBalancerNodePorts", s.Spec.AllocateLoadBalancerNodePorts, (*bool)(nil))
				// Left to the IP allocator, see SetServiceIPFamilyPolicy.
				eq(t, "ipFamilyPolicy", s.Spec.IPFamilyPolicy, (*corev1.IPFamilyPolicy)(nil))
			}),
		},
		{
			name: "port without targetPort targets the port itself",
			in: &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
				{Name: "http", Port: 80},
				{Name: "named", Port: 443, TargetPort: intstr.FromString("https")},
				{Name: "numbered", Port: 53, TargetPort: intstr.FromInt32(5353), Protocol: corev1.ProtocolUDP},
				{Name: "empty-string", Port: 8080, TargetPort: intstr.FromString("")},
			}}},
			check: on(func(t *testing.T, s *corev1.Service) {
				p := s.Spec.Ports
				eq(t, "ports[0].targetPort", p[0].TargetPort, intstr.FromInt32(80))
				eq(t, "ports[0].protocol", p[0].Protocol, corev1.ProtocolTCP)
				eq(t, "ports[1].targetPort", p[1].TargetPort, intstr.FromString("https"))
				eq(t, "ports[2].targetPort", p[2].TargetPort, intstr.FromInt32(5353))
				eq(t, "ports[2].protocol", p[2].Protocol, corev1.ProtocolUDP)
				eq(t, "ports[3].targetPort", p[3].TargetPort, intstr.FromInt32(8080))
			}),
		},
		{
			name: "ClientIP affinity gets a three hour timeout",
			in:   &corev1.Service{Spec: corev1.ServiceSpec{SessionAffinity: corev1.ServiceAffinityClientIP}},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "sessionAffinityConfig", s.Spec.SessionAffinityConfig, &corev1.SessionAffinityConfig{
					ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](10800)},
				})
			}),
		},
		{
			name: "ClientIP affinity keeps its timeout",
			in: &corev1.Service{Spec: corev1.ServiceSpec{
				SessionAffinity:       corev1.ServiceAffinityClientIP,
				SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](60)}},
			}},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "timeoutSeconds", s.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds, ptr.To[int32](60))
			}),
		},
		{
			name: "no affinity drops the affinity config",
			in: &corev1.Service{Spec: corev1.ServiceSpec{
				SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](60)}},
			}},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "sessionAffinityConfig", s.Spec.SessionAffinityConfig, (*corev1.SessionAffinityConfig)(nil))
			}),
		},
		{
			name: "NodePort service routes external traffic cluster-wide",
			in:   &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort}},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "externalTrafficPolicy", s.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyCluster)
				eq(t, "internalTrafficPolicy", s.Spec.InternalTrafficPolicy, ptr.To(corev1.ServiceInternalTrafficPolicyCluster))
			}),
		},
		{
			name: "explicit Local traffic policies are kept",
			in: &corev1.Service{Spec: corev1.ServiceSpec{
				Type:                  corev1.ServiceTypeNodePort,
				ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal,
				InternalTrafficPolicy: ptr.To(corev1.ServiceInternalTrafficPolicyLocal),
			}},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "externalTrafficPolicy", s.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyLocal)
				eq(t, "internalTrafficPolicy", s.Spec.InternalTrafficPolicy, ptr.To(corev1.ServiceInternalTrafficPolicyLocal))
			}),
		},
		{
			name: "ClusterIP service with external IPs is externally accessible",
			in:   &corev1.Service{Spec: corev1.ServiceSpec{ExternalIPs: []string{"192.0.2.10"}}},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "externalTrafficPolicy", s.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyCluster)
			}),
		},
		{
			name: "LoadBalancer allocates node ports and reports VIP ingress",
			in: &corev1.Service{
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
				Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{
					{IP: "192.0.2.1"}, {Hostname: "lb.example.com"},
				}}},
			},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "allocateLoadBalancerNodePorts", s.Spec.AllocateLoadBalancerNodePorts, ptr.To(true))
				eq(t, "externalTrafficPolicy", s.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyCluster)
				eq(t, "ingress[0].ipMode", s.Status.LoadBalancer.Ingress[0].IPMode, ptr.To(corev1.LoadBalancerIPModeVIP))
				eq(t, "ingress[1].ipMode", s.Status.LoadBalancer.Ingress[1].IPMode, (*corev1.LoadBalancerIPMode)(nil))
			}),
		},
		{
			name: "ExternalName service gets no traffic policies",
			in:   &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"}},
			check: on(func(t *testing.T, s *corev1.Service) {
				eq(t, "internalTrafficPolicy", s.Spec.InternalTrafficPolicy, (*corev1.ServiceInternalTrafficPolicy)(nil))
				eq(t, "externalTrafficPolicy", s.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicy(""))
			}),
		},
	})
}

func TestSetServiceIPFamilyPolicy(t *testing.T) {
	withPolicy := func(spec corev1.ServiceSpec, p corev1.IPFamilyPolicy) *corev1.Service {
		spec.IPFamilyPolicy = &p
		return &corev1.Service{Spec: spec}
	}
	cases := []struct {
		name string
		svc  *corev1.Service
		old  *corev1.Service
		want *corev1.IPFamilyPolicy
	}{
		{
			name: "new ClusterIP service is single-stack",
			svc:  &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Selector: map[string]string{"app": "a"}}},
			want: ptr.To(corev1.IPFamilyPolicySingleStack),
		},
		{
			name: "headless service with selector is single-stack",
			svc:  &corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": "a"}}},
			want: ptr.To(corev1.IPFamilyPolicySingleStack),
		},
		{
			name: "headless service without selector requires dual-stack",
			svc:  &corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone}},
			want: ptr.To(corev1.IPFamilyPolicyRequireDualStack),
		},
		{
			name: "ExternalName service has no policy",
			svc:  &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName}},
			want: nil,
		},
		{
			name: "update without policy keeps the stored one",
			svc:  &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}},
			old:  withPolicy(corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}, corev1.IPFamilyPolicyPreferDualStack),
			want: ptr.To(corev1.IPFamilyPolicyPreferDualStack),
		},
		{
			name: "update from ExternalName gets a fresh default",
			svc:  &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}},
			old:  &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName}},
			want: ptr.To(corev1.IPFamilyPolicySingleStack),
		},
		{
			name: "explicit policy is kept",
			svc:  withPolicy(corev1.ServiceSpec{}, corev1.IPFamilyPolicyPreferDualStack),
			old:  withPolicy(corev1.ServiceSpec{}, corev1.IPFamilyPolicySingleStack),
			want: ptr.To(corev1.IPFamilyPolicyPreferDualStack),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			SetServiceIPFamilyPolicy(tc.svc, tc.old)
			eq(t, "ipFamilyPolicy", tc.svc.Spec.IPFamilyPolicy, tc.want)
			if tc.old != nil && tc.old.Spec.IPFamilyPolicy != nil && tc.svc.Spec.IPFamilyPolicy == tc.old.Spec.IPFamilyPolicy {
				t.Error("the new service shares its policy pointer with the old one")
			}
		})
	}
}
