package defaults

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// SetServiceDefaults applies the defaults of a Service.
//
// ipFamilyPolicy and ipFamilies are not defaulted here: Kubernetes leaves
// them to the service IP allocator because on update an unset policy must
// keep the stored one, which a decode-time default cannot see. See
// SetServiceIPFamilyPolicy.
func SetServiceDefaults(svc *corev1.Service) {
	spec := &svc.Spec
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	switch spec.SessionAffinity {
	case corev1.ServiceAffinityNone:
		// The config only means something for ClientIP affinity;
		// Kubernetes drops it so it cannot linger after a switch to None.
		spec.SessionAffinityConfig = nil
	case corev1.ServiceAffinityClientIP:
		cfg := spec.SessionAffinityConfig
		if cfg == nil || cfg.ClientIP == nil || cfg.ClientIP.TimeoutSeconds == nil {
			spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{
					TimeoutSeconds: ptr.To(corev1.DefaultClientIPServiceAffinitySeconds),
				},
			}
		}
	}
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		// Both the zero int and the empty string mean "unset".
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if externallyAccessible(svc) && spec.ExternalTrafficPolicy == "" {
		spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if spec.InternalTrafficPolicy == nil {
		switch spec.Type {
		case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
			spec.InternalTrafficPolicy = ptr.To(corev1.ServiceInternalTrafficPolicyCluster)
		}
	}
	if spec.Type == corev1.ServiceTypeLoadBalancer {
		if spec.AllocateLoadBalancerNodePorts == nil {
			spec.AllocateLoadBalancerNodePorts = ptr.To(true)
		}
		// Load balancers that report an IP without a mode predate the
		// field and behaved as a VIP.
		for i := range svc.Status.LoadBalancer.Ingress {
			ing := &svc.Status.LoadBalancer.Ingress[i]
			if ing.IP != "" && ing.IPMode == nil {
				ing.IPMode = ptr.To(corev1.LoadBalancerIPModeVIP)
			}
		}
	}
}

// externallyAccessible reports whether traffic can reach the service from
// outside the cluster, the services for which externalTrafficPolicy means
// something.
func externallyAccessible(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeClusterIP:
		return len(svc.Spec.ExternalIPs) > 0
	}
	return false
}

// SetServiceIPFamilyPolicy sets spec.ipFamilyPolicy when it is unset, the
// way kube-apiserver's service IP allocator does before allocating cluster
// IPs. It belongs in the service create and update path, not in scheme
// defaulting, because on update (old != nil) an unset policy keeps the
// stored one: defaulting it to SingleStack would silently ask to drop the
// secondary IP of a dual-stack service on every PUT that omits the field.
//
// ExternalName services have no cluster IP and get no policy. A headless
// service without a selector defaults to RequireDualStack, since its
// endpoints are managed by hand and may be of either family; every other
// service defaults to SingleStack. ipFamilies is left to the allocator,
// which knows the cluster's families.
func SetServiceIPFamilyPolicy(svc, old *corev1.Service) {
	if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.IPFamilyPolicy != nil {
		return
	}
	switch {
	case old != nil && old.Spec.IPFamilyPolicy != nil:
		svc.Spec.IPFamilyPolicy = ptr.To(*old.Spec.IPFamilyPolicy)
	case svc.Spec.ClusterIP == corev1.ClusterIPNone && len(svc.Spec.Selector) == 0:
		svc.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicyRequireDualStack)
	default:
		svc.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicySingleStack)
	}
}

// SetEndpointsDefaults applies the defaults of an Endpoints object: TCP as
// the port protocol.
func SetEndpointsDefaults(ep *corev1.Endpoints) {
	for i := range ep.Subsets {
		ports := ep.Subsets[i].Ports
		for j := range ports {
			if ports[j].Protocol == "" {
				ports[j].Protocol = corev1.ProtocolTCP
			}
		}
	}
}
