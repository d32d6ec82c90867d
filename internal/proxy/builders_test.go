package proxy

import (
	"net/netip"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Builders for the API objects the tests feed to computePlan and Sync.

type svcOpt func(*corev1.Service)

func service(namespace, name, clusterIP string, opts ...svcOpt) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: clusterIP},
	}
	if clusterIP != "" {
		s.Spec.ClusterIPs = []string{clusterIP}
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func withPort(name string, proto corev1.Protocol, port int32) svcOpt {
	return func(s *corev1.Service) {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: name, Protocol: proto, Port: port})
	}
}

func withNodePort(name string, proto corev1.Protocol, port, nodePort int32) svcOpt {
	return func(s *corev1.Service) {
		if s.Spec.Type == corev1.ServiceTypeClusterIP {
			s.Spec.Type = corev1.ServiceTypeNodePort
		}
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: name, Protocol: proto, Port: port, NodePort: nodePort})
	}
}

func withType(t corev1.ServiceType) svcOpt {
	return func(s *corev1.Service) { s.Spec.Type = t }
}

func withAffinity(seconds int32) svcOpt {
	return func(s *corev1.Service) {
		s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
		if seconds > 0 {
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptrTo(seconds)},
			}
		}
	}
}

func createdAt(t time.Time) svcOpt {
	return func(s *corev1.Service) { s.CreationTimestamp = metav1.NewTime(t) }
}

// endpoint is "ip" (ready), "ip!" (not ready) or "ip?" (no ready condition).
func endpointSlice(namespace, name, service string, ports []discoveryv1.EndpointPort, endpoints ...string) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace, Name: name,
			Labels: map[string]string{discoveryv1.LabelServiceName: service},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       ports,
	}
	for _, e := range endpoints {
		ep := discoveryv1.Endpoint{}
		switch {
		case strings.HasSuffix(e, "!"):
			ep.Conditions.Ready = ptrTo(false)
		case strings.HasSuffix(e, "?"):
		default:
			ep.Conditions.Ready = ptrTo(true)
		}
		ep.Addresses = []string{strings.TrimRight(e, "!?")}
		s.Endpoints = append(s.Endpoints, ep)
	}
	return s
}

func slicePort(name string, proto corev1.Protocol, port int32) discoveryv1.EndpointPort {
	p := discoveryv1.EndpointPort{Port: ptrTo(port), Protocol: ptrTo(proto)}
	if name != "" {
		p.Name = ptrTo(name)
	}
	return p
}

// fe parses "tcp 10.0.0.1:80" into a frontend.
func fe(s string) frontend {
	proto, addr, _ := strings.Cut(s, " ")
	return frontend{addr: netip.MustParseAddrPort(addr), protocol: corev1.Protocol(strings.ToUpper(proto))}
}

func aps(ss ...string) []netip.AddrPort {
	var out []netip.AddrPort
	for _, s := range ss {
		out = append(out, netip.MustParseAddrPort(s))
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }
