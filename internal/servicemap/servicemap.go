// Package servicemap holds what the agent's service proxy, cluster DNS and
// ingress proxy all read off Services and EndpointSlices, and the API
// server's allocator off Services: a service's cluster IPs, the slices of
// each service, and the ready addresses behind a service port. Pure
// functions of API objects.
package servicemap

import (
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ClusterIPs returns the addresses a service holds: spec.clusterIPs, or
// the legacy spec.clusterIP alone; none for headless and ExternalName
// services, or before allocation.
func ClusterIPs(svc *corev1.Service) []netip.Addr {
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	raw := svc.Spec.ClusterIPs
	if len(raw) == 0 && svc.Spec.ClusterIP != "" {
		raw = []string{svc.Spec.ClusterIP}
	}
	var out []netip.Addr
	for _, s := range raw {
		if ip, err := netip.ParseAddr(s); err == nil { // "None" does not parse
			out = append(out, ip.Unmap())
		}
	}
	return out
}

// Index groups IP endpoint slices by the service they belong to (label
// kubernetes.io/service-name, in the slice's namespace). FQDN slices and
// slices of no service are left out.
func Index(eps []*discoveryv1.EndpointSlice) map[types.NamespacedName][]*discoveryv1.EndpointSlice {
	out := make(map[types.NamespacedName][]*discoveryv1.EndpointSlice)
	for _, s := range eps {
		if s == nil || s.AddressType == discoveryv1.AddressTypeFQDN {
			continue
		}
		name := s.Labels[discoveryv1.LabelServiceName]
		if name == "" {
			continue
		}
		k := types.NamespacedName{Namespace: s.Namespace, Name: name}
		out[k] = append(out[k], s)
	}
	return out
}

// Ready reports whether an endpoint takes traffic: an unset ready
// condition counts as ready, as the EndpointSlice API says.
func Ready(ep discoveryv1.Endpoint) bool {
	return ep.Conditions.Ready == nil || *ep.Conditions.Ready
}

// ReadyAddrs returns the sorted, de-duplicated addresses of the ready
// endpoints in a service's slices for the service port named port ("" for
// a service's only, unnamed port) with protocol proto. Only an endpoint's
// first address is used, as kube-proxy does: the others are the same
// endpoint and must not be weighted twice.
func ReadyAddrs(eps []*discoveryv1.EndpointSlice, port string, proto corev1.Protocol) []netip.AddrPort {
	seen := make(map[netip.AddrPort]struct{})
	var out []netip.AddrPort
	for _, s := range eps {
		for _, sp := range s.Ports {
			if sp.Port == nil || deref(sp.Name, "") != port || deref(sp.Protocol, corev1.ProtocolTCP) != proto {
				continue
			}
			for _, ep := range s.Endpoints {
				if !Ready(ep) || len(ep.Addresses) == 0 {
					continue
				}
				ip, err := netip.ParseAddr(ep.Addresses[0])
				if err != nil {
					continue
				}
				ap := netip.AddrPortFrom(ip.Unmap(), uint16(*sp.Port))
				if _, dup := seen[ap]; !dup {
					seen[ap] = struct{}{}
					out = append(out, ap)
				}
			}
		}
	}
	slices.SortFunc(out, netip.AddrPort.Compare)
	return out
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
