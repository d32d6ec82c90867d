package dns

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Test objects, built the way the API server stores them.

func clusterIPService(ns, name string, ips []string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: ips[0], ClusterIPs: ips, Ports: ports,
		},
	}
}

func headlessService(ns, name string, publishNotReady bool, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: corev1.ClusterIPNone,
			ClusterIPs: []string{corev1.ClusterIPNone}, Ports: ports,
			PublishNotReadyAddresses: publishNotReady,
		},
	}
}

func externalNameService(ns, name, target string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: target},
	}
}

func port(name string, proto corev1.Protocol, n int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Protocol: proto, Port: n}
}

func endpointSlice(ns, svc, name string, ports []discoveryv1.EndpointPort, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name,
			Labels: map[string]string{discoveryv1.LabelServiceName: svc},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   eps,
		Ports:       ports,
	}
}

func slicePort(name string, proto corev1.Protocol, n int32) discoveryv1.EndpointPort {
	return discoveryv1.EndpointPort{Name: ptr.To(name), Protocol: ptr.To(proto), Port: ptr.To(n)}
}

// endpoint makes an endpoint; ready nil is "unknown", which counts as ready.
func endpoint(addr string, ready *bool, hostname string) discoveryv1.Endpoint {
	ep := discoveryv1.Endpoint{Addresses: []string{addr}, Conditions: discoveryv1.EndpointConditions{Ready: ready}}
	if hostname != "" {
		ep.Hostname = ptr.To(hostname)
	}
	return ep
}

// fixture is a small cluster exercising every kind of record.
func fixture() ([]*corev1.Service, []*discoveryv1.EndpointSlice) {
	services := []*corev1.Service{
		clusterIPService("default", "web", []string{"10.96.0.10"},
			port("http", corev1.ProtocolTCP, 80), port("dns", corev1.ProtocolUDP, 53), port("", corev1.ProtocolTCP, 8080)),
		clusterIPService("default", "v6", []string{"fd00::10"}, port("http", corev1.ProtocolTCP, 80)),
		clusterIPService("default", "dual", []string{"10.96.0.11", "fd00::11"}),
		clusterIPService("other", "web", []string{"10.96.1.1"}),
		headlessService("default", "nginx", false, port("web", corev1.ProtocolTCP, 80)),
		headlessService("default", "pnr", true),
		headlessService("default", "empty", false, port("web", corev1.ProtocolTCP, 80)),
		externalNameService("default", "ext", "Example.ORG"),
	}
	webPorts := []discoveryv1.EndpointPort{slicePort("web", corev1.ProtocolTCP, 8080)}
	endpointSlices := []*discoveryv1.EndpointSlice{
		endpointSlice("default", "nginx", "nginx-a", webPorts,
			endpoint("10.1.0.1", ptr.To(true), "web-0"),
			endpoint("10.1.0.2", nil, "web-1"),
			endpoint("10.1.0.3", ptr.To(false), ""),
		),
		endpointSlice("default", "nginx", "nginx-b", webPorts,
			endpoint("10.1.0.1", ptr.To(true), "web-0"), // in both slices while it moves
			endpoint("10.1.0.4", ptr.To(true), ""),
		),
		endpointSlice("default", "pnr", "pnr-a", nil, endpoint("10.2.0.1", ptr.To(false), "")),
		// Same service name, other namespace: not nginx's.
		endpointSlice("other", "nginx", "nginx-x", webPorts, endpoint("10.3.0.1", ptr.To(true), "")),
	}
	return services, endpointSlices
}

// short writes an RR as "name TYPE rdata", without TTL and class.
func short(rr dns.RR) string {
	h := rr.Header()
	rdata := strings.TrimPrefix(rr.String(), h.String())
	return fmt.Sprintf("%s %s %s", h.Name, dns.TypeToString[h.Rrtype], rdata)
}

// shorts writes RRs with short, sorted (order is not part of the contract).
func shorts(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		out = append(out, short(rr))
	}
	slices.Sort(out)
	return out
}
