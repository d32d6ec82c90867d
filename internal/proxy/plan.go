package proxy

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/marina-orchestrator/marina/internal/servicemap"
)

// This file is the proxy's pure core: from services and endpoint slices it
// computes what to serve. It does no I/O, so it is tested with tables.

// portName identifies one port of one service, the unit that owns a backend
// table and a balancer.
type portName struct {
	namespace, service, port string
	protocol                 corev1.Protocol
}

func (n portName) String() string {
	if n.port == "" {
		return fmt.Sprintf("%s/%s/%s", n.namespace, n.service, n.protocol)
	}
	return fmt.Sprintf("%s/%s:%s/%s", n.namespace, n.service, n.port, n.protocol)
}

// frontend is one address the proxy listens on.
type frontend struct {
	addr     netip.AddrPort
	protocol corev1.Protocol
}

// network is the Go network name to listen on for f.
func (f frontend) network() string {
	family := "4"
	if !f.addr.Addr().Is4() {
		family = "6"
	}
	return strings.ToLower(string(f.protocol)) + family
}

func (f frontend) String() string {
	return strings.ToLower(string(f.protocol)) + " " + f.addr.String()
}

// portPlan is what one service port should serve.
type portPlan struct {
	// backends are the ready endpoints' addresses, deduplicated and sorted.
	backends []netip.AddrPort
	// affinity is the ClientIP session affinity timeout; zero means none.
	affinity time.Duration
}

// equal reports whether p and o would balance identically.
func (p portPlan) equal(o portPlan) bool {
	return p.affinity == o.affinity && slices.Equal(p.backends, o.backends)
}

// conflict records a frontend claimed by two service ports. The port of the
// older service keeps it, so a new service never takes an address away.
type conflict struct {
	frontend     frontend
	owner, loser portName
}

func (c conflict) Error() string {
	return fmt.Sprintf("%s for %s: address already served for %s", c.frontend, c.loser, c.owner)
}

// plan is the proxy's desired state.
type plan struct {
	ports     map[portName]portPlan
	frontends map[frontend]portName
	conflicts []conflict
}

// listening reports whether f should have a listener: it is in the plan and
// its service port has at least one ready backend. A frontend without
// backends is left unbound so the kernel refuses connections at once.
func (p plan) listening(f frontend) (portName, bool) {
	name, ok := p.frontends[f]
	if !ok {
		return portName{}, false
	}
	return name, len(p.ports[name].backends) > 0
}

// computePlan maps services and endpoint slices onto frontends and backends
// with kube-proxy's semantics:
//
//   - a service is served when it has a ClusterIP (not headless, not
//     ExternalName) and skip does not exclude it;
//   - each TCP or UDP port (SCTP is ignored) listens on ClusterIP:port, on
//     0.0.0.0:nodePort when it has a node port, and on nodeIP:port for each
//     node IP when the service is a LoadBalancer without a loadBalancerClass
//     (a class names another implementation, as in k3s's ServiceLB);
//   - backends are the first address of each ready endpoint (a nil ready
//     condition counts as ready) in the slices labelled with the service's
//     name in its namespace, with the slice port whose name and protocol
//     match the service port's.
//
// It does not modify its arguments.
func computePlan(services []*corev1.Service, endpointSlices []*discoveryv1.EndpointSlice, nodeIPs []netip.Addr, skip func(*corev1.Service) bool) plan {
	p := plan{
		ports:     make(map[portName]portPlan),
		frontends: make(map[frontend]portName),
	}

	slicesOf := servicemap.Index(endpointSlices)

	// Oldest first, so conflicts resolve the same way on every sync and on
	// every node.
	ordered := slices.DeleteFunc(slices.Clone(services), func(s *corev1.Service) bool { return s == nil })
	slices.SortStableFunc(ordered, func(a, b *corev1.Service) int {
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})

	for _, svc := range ordered {
		if skip != nil && skip(svc) {
			continue
		}
		clusterIPs := servicemap.ClusterIPs(svc)
		if len(clusterIPs) == 0 {
			continue
		}
		affinity := affinityTimeout(svc)
		svcSlices := slicesOf[types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}]
		loadBalanced := svc.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.LoadBalancerClass == nil

		for _, sp := range svc.Spec.Ports {
			proto := cmp.Or(sp.Protocol, corev1.ProtocolTCP)
			if proto != corev1.ProtocolTCP && proto != corev1.ProtocolUDP {
				continue
			}
			name := portName{namespace: svc.Namespace, service: svc.Name, port: sp.Name, protocol: proto}
			p.ports[name] = portPlan{
				backends: servicemap.ReadyAddrs(svcSlices, sp.Name, proto),
				affinity: affinity,
			}

			port := uint16(sp.Port)
			for _, ip := range clusterIPs {
				p.claim(frontend{netip.AddrPortFrom(ip, port), proto}, name)
			}
			if sp.NodePort != 0 {
				p.claim(frontend{netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(sp.NodePort)), proto}, name)
			}
			if loadBalanced {
				for _, ip := range nodeIPs {
					p.claim(frontend{netip.AddrPortFrom(ip.Unmap(), port), proto}, name)
				}
			}
		}
	}
	return p
}

// claim gives f to name unless another service port already has it.
func (p *plan) claim(f frontend, name portName) {
	if owner, ok := p.frontends[f]; ok {
		if owner != name {
			p.conflicts = append(p.conflicts, conflict{frontend: f, owner: owner, loser: name})
		}
		return
	}
	p.frontends[f] = name
}

// affinityTimeout returns the ClientIP affinity timeout of svc, zero when it
// has no session affinity.
func affinityTimeout(svc *corev1.Service) time.Duration {
	if svc.Spec.SessionAffinity != corev1.ServiceAffinityClientIP {
		return 0
	}
	seconds := corev1.DefaultClientIPServiceAffinitySeconds
	if c := svc.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil && *c.ClientIP.TimeoutSeconds > 0 {
		seconds = *c.ClientIP.TimeoutSeconds
	}
	return time.Duration(seconds) * time.Second
}
