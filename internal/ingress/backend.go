package ingress

import (
	"fmt"
	"strconv"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/marina-orchestrator/marina/internal/servicemap"
)

// backend is one Service port an Ingress sends traffic to, resolved at
// Sync to the addresses of its ready endpoints. Paths naming the same
// Service port share one backend, and so one round robin.
type backend struct {
	// name is "namespace/service:port", for logs and tests.
	name string
	// endpoints are the "ip:port" of the ready endpoints, sorted.
	endpoints []string
	// reason says why endpoints is empty, for the log of a 503.
	reason string

	next atomic.Uint64
}

// pick returns the next endpoint in round robin, or false if there is none.
func (b *backend) pick() (string, bool) {
	n := uint64(len(b.endpoints))
	if n == 0 {
		return "", false
	}
	return b.endpoints[(b.next.Add(1)-1)%n], true
}

// resolver resolves Ingress backends against one snapshot of Services and
// EndpointSlices. It is used by one buildTable call.
type resolver struct {
	services map[types.NamespacedName]*corev1.Service
	// slices are indexed by namespace and the kubernetes.io/service-name label.
	slices   map[types.NamespacedName][]*discoveryv1.EndpointSlice
	backends map[string]*backend
}

func newResolver(services []*corev1.Service, eps []*discoveryv1.EndpointSlice) *resolver {
	r := &resolver{
		services: make(map[types.NamespacedName]*corev1.Service, len(services)),
		slices:   servicemap.Index(eps),
		backends: map[string]*backend{},
	}
	for _, s := range services {
		r.services[types.NamespacedName{Namespace: s.Namespace, Name: s.Name}] = s
	}
	return r
}

// backend returns the backend for an Ingress backend in namespace ns. It
// never returns nil: a backend that cannot be resolved has no endpoints
// and a reason, so its requests get a 503 rather than falling through to
// another rule.
func (r *resolver) backend(ns string, ib *networkingv1.IngressBackend) *backend {
	if ib.Service == nil {
		return r.unresolved(ns+"/<resource>", "resource backends are not supported")
	}
	port := ib.Service.Port.Name
	if port == "" {
		port = strconv.Itoa(int(ib.Service.Port.Number))
	}
	name := ns + "/" + ib.Service.Name + ":" + port
	if b, ok := r.backends[name]; ok {
		return b
	}
	b := &backend{name: name}
	r.backends[name] = b

	key := types.NamespacedName{Namespace: ns, Name: ib.Service.Name}
	svc, ok := r.services[key]
	if !ok {
		b.reason = "service not found"
		return b
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		b.reason = "ExternalName services are not supported"
		return b
	}
	sp, ok := servicePort(svc, ib.Service.Port)
	if !ok {
		b.reason = fmt.Sprintf("service has no port %s", port)
		return b
	}
	for _, ap := range servicemap.ReadyAddrs(r.slices[key], sp.Name, corev1.ProtocolTCP) {
		b.endpoints = append(b.endpoints, ap.String())
	}
	if len(b.endpoints) == 0 {
		b.reason = "no ready endpoints"
	}
	return b
}

func (r *resolver) unresolved(name, reason string) *backend {
	if b, ok := r.backends[name]; ok {
		return b
	}
	b := &backend{name: name, reason: reason}
	r.backends[name] = b
	return b
}

// servicePort finds the Service port an Ingress backend names, by name or
// by number.
func servicePort(svc *corev1.Service, p networkingv1.ServiceBackendPort) (corev1.ServicePort, bool) {
	for _, sp := range svc.Spec.Ports {
		if sp.Protocol != "" && sp.Protocol != corev1.ProtocolTCP {
			continue
		}
		if p.Name != "" && sp.Name == p.Name || p.Name == "" && sp.Port == p.Number {
			return sp, true
		}
	}
	return corev1.ServicePort{}, false
}
