package loadbalancer

import (
	"github.com/marina-orchestrator/marina/internal/api"

	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"
)

// nodeIPs returns the addresses at which node serves load balancers:
// its InternalIPs, or its ExternalIPs when it has no InternalIP; none
// when it is not Ready or is labelled
// node.kubernetes.io/exclude-from-external-load-balancers. They are
// canonical and sorted.
func nodeIPs(node *corev1.Node) []string {
	if _, excluded := node.Labels[corev1.LabelNodeExcludeBalancers]; excluded || !nodeReady(node) {
		return nil
	}
	var internal, external []netip.Addr
	for _, a := range node.Status.Addresses {
		ip, err := netip.ParseAddr(a.Address)
		if err != nil {
			continue
		}
		switch a.Type {
		case corev1.NodeInternalIP:
			internal = append(internal, ip.Unmap())
		case corev1.NodeExternalIP:
			external = append(external, ip.Unmap())
		}
	}
	if len(internal) == 0 {
		internal = external
	}
	return addrStrings(internal)
}

// lbIPs returns the addresses of every node that serves load balancers,
// sorted (IPv4 first) and without duplicates.
func lbIPs(nodes []*corev1.Node) []string {
	var all []netip.Addr
	for _, n := range nodes {
		for _, s := range nodeIPs(n) {
			all = append(all, netip.MustParseAddr(s))
		}
	}
	return addrStrings(all)
}

// serviceIngress is a LoadBalancer service's status.loadBalancer.ingress:
// one VIP entry per address of the service's IP families (all of ips when
// it names none), each with the service's ports.
func serviceIngress(svc *corev1.Service, ips []string) []corev1.LoadBalancerIngress {
	var ports []corev1.PortStatus
	for _, p := range svc.Spec.Ports {
		ports = append(ports, corev1.PortStatus{Port: p.Port, Protocol: p.Protocol})
	}
	var out []corev1.LoadBalancerIngress
	for _, ip := range ips {
		family := corev1.IPv4Protocol
		if netip.MustParseAddr(ip).Is6() {
			family = corev1.IPv6Protocol
		}
		if len(svc.Spec.IPFamilies) > 0 && !slices.Contains(svc.Spec.IPFamilies, family) {
			continue
		}
		out = append(out, corev1.LoadBalancerIngress{IP: ip, IPMode: ptr.To(corev1.LoadBalancerIPModeVIP), Ports: slices.Clone(ports)})
	}
	return out
}

// ingressIngress is a Marina Ingress's status.loadBalancer.ingress: every
// address.
func ingressIngress(ips []string) []networkingv1.IngressLoadBalancerIngress {
	var out []networkingv1.IngressLoadBalancerIngress
	for _, ip := range ips {
		out = append(out, networkingv1.IngressLoadBalancerIngress{IP: ip})
	}
	return out
}

// ours reports whether ing is served by Marina's agents.
func ours(ing *networkingv1.Ingress, classes []*networkingv1.IngressClass) bool {
	return api.MarinasIngress(ing, classes)
}

// nodeReady reports whether node's Ready condition is True.
func nodeReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// addrStrings sorts and deduplicates addrs and returns them as text.
func addrStrings(addrs []netip.Addr) []string {
	slices.SortFunc(addrs, netip.Addr.Compare)
	addrs = slices.Compact(addrs)
	if len(addrs) == 0 {
		return nil
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}
