package proxy

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

const (
	tcp = corev1.ProtocolTCP
	udp = corev1.ProtocolUDP
)

func TestComputePlan(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	web := portName{namespace: "default", service: "web", port: "http", protocol: tcp}
	webUnnamed := portName{namespace: "default", service: "web", protocol: tcp}

	tests := []struct {
		name      string
		services  []*corev1.Service
		slices    []*discoveryv1.EndpointSlice
		nodeIPs   []string
		skip      func(*corev1.Service) bool
		ports     map[portName]portPlan
		frontends map[frontend]portName
		conflicts []string // conflict.Error() substrings, in order
	}{
		{
			name:     "cluster IP",
			services: []*corev1.Service{service("default", "web", "10.0.0.1", withPort("http", tcp, 80))},
			slices: []*discoveryv1.EndpointSlice{
				endpointSlice("default", "web-1", "web", []discoveryv1.EndpointPort{slicePort("http", tcp, 8080)}, "10.1.0.2", "10.1.0.1"),
			},
			ports:     map[portName]portPlan{web: {backends: aps("10.1.0.1:8080", "10.1.0.2:8080")}},
			frontends: map[frontend]portName{fe("tcp 10.0.0.1:80"): web},
		},
		{
			name:     "unnamed port, protocol defaulted",
			services: []*corev1.Service{service("default", "web", "10.0.0.1", withPort("", "", 80))},
			slices: []*discoveryv1.EndpointSlice{
				endpointSlice("default", "web-1", "web", []discoveryv1.EndpointPort{{Port: ptrTo[int32](8080)}}, "10.1.0.1"),
			},
			ports:     map[portName]portPlan{webUnnamed: {backends: aps("10.1.0.1:8080")}},
			frontends: map[frontend]portName{fe("tcp 10.0.0.1:80"): webUnnamed},
		},
		{
			name: "headless, ExternalName and no cluster IP are not served",
			services: []*corev1.Service{
				service("default", "headless", corev1.ClusterIPNone, withPort("http", tcp, 80)),
				service("default", "ext", "", withType(corev1.ServiceTypeExternalName), withPort("http", tcp, 80)),
				service("default", "pending", "", withPort("http", tcp, 80)),
			},
			slices: []*discoveryv1.EndpointSlice{
				endpointSlice("default", "headless-1", "headless", []discoveryv1.EndpointPort{slicePort("http", tcp, 8080)}, "10.1.0.1"),
			},
			ports:     map[portName]portPlan{},
			frontends: map[frontend]portName{},
		},
		{
			name:      "SCTP ignored",
			services:  []*corev1.Service{service("default", "web", "10.0.0.1", withPort("sctp", corev1.ProtocolSCTP, 80))},
			ports:     map[portName]portPlan{},
			frontends: map[frontend]portName{},
		},
		{
			name:      "skipped service",
			services:  []*corev1.Service{service("kube-system", "kube-dns", "10.0.0.10", withPort("dns", udp, 53))},
			skip:      func(s *corev1.Service) bool { return s.Namespace == "kube-system" && s.Name == "kube-dns" },
			ports:     map[portName]portPlan{},
			frontends: map[frontend]portName{},
		},
		{
			name:     "node port",
			services: []*corev1.Service{service("default", "web", "10.0.0.1", withNodePort("http", tcp, 80, 30080))},
			nodeIPs:  []string{"192.168.1.5"},
			ports:    map[portName]portPlan{web: {}},
			frontends: map[frontend]portName{
				fe("tcp 10.0.0.1:80"):   web,
				fe("tcp 0.0.0.0:30080"): web,
			},
		},
		{
			name: "load balancer on every node IP",
			services: []*corev1.Service{service("default", "web", "10.0.0.1",
				withType(corev1.ServiceTypeLoadBalancer), withNodePort("http", tcp, 80, 30080))},
			nodeIPs: []string{"192.168.1.5", "fd00::5"},
			ports:   map[portName]portPlan{web: {}},
			frontends: map[frontend]portName{
				fe("tcp 10.0.0.1:80"):    web,
				fe("tcp 0.0.0.0:30080"):  web,
				fe("tcp 192.168.1.5:80"): web,
				fe("tcp [fd00::5]:80"):   web,
			},
		},
		{
			name: "load balancer with a class is left to its implementation",
			services: []*corev1.Service{service("default", "web", "10.0.0.1",
				withType(corev1.ServiceTypeLoadBalancer), withPort("http", tcp, 80),
				func(s *corev1.Service) { s.Spec.LoadBalancerClass = ptrTo("example.com/lb") })},
			nodeIPs:   []string{"192.168.1.5"},
			ports:     map[portName]portPlan{web: {}},
			frontends: map[frontend]portName{fe("tcp 10.0.0.1:80"): web},
		},
		{
			name: "named ports across slices, dedupe, readiness",
			services: []*corev1.Service{service("default", "web", "10.0.0.1",
				withPort("http", tcp, 80), withPort("metrics", tcp, 9090))},
			slices: []*discoveryv1.EndpointSlice{
				endpointSlice("default", "web-1", "web", []discoveryv1.EndpointPort{slicePort("http", tcp, 8080)},
					"10.1.0.1", "10.1.0.2!", "10.1.0.3?"),
				endpointSlice("default", "web-2", "web", []discoveryv1.EndpointPort{slicePort("metrics", tcp, 9100), slicePort("http", tcp, 8080)},
					"10.1.0.1", "10.1.0.4"),
				// Another service and another namespace: ignored.
				endpointSlice("default", "api-1", "api", []discoveryv1.EndpointPort{slicePort("http", tcp, 8080)}, "10.1.9.1"),
				endpointSlice("other", "web-1", "web", []discoveryv1.EndpointPort{slicePort("http", tcp, 8080)}, "10.1.9.2"),
			},
			ports: map[portName]portPlan{
				web: {backends: aps("10.1.0.1:8080", "10.1.0.3:8080", "10.1.0.4:8080")},
				{namespace: "default", service: "web", port: "metrics", protocol: tcp}: {backends: aps("10.1.0.1:9100", "10.1.0.4:9100")},
			},
			frontends: map[frontend]portName{
				fe("tcp 10.0.0.1:80"):   web,
				fe("tcp 10.0.0.1:9090"): {namespace: "default", service: "web", port: "metrics", protocol: tcp},
			},
		},
		{
			name: "ports matched by protocol too",
			services: []*corev1.Service{service("kube-system", "dns", "10.0.0.10",
				withPort("dns", udp, 53), withPort("dns-tcp", tcp, 53))},
			slices: []*discoveryv1.EndpointSlice{
				endpointSlice("kube-system", "dns-1", "dns", []discoveryv1.EndpointPort{
					slicePort("dns", udp, 5353), slicePort("dns-tcp", tcp, 5354), slicePort("dns", tcp, 9999),
				}, "10.1.0.1"),
			},
			ports: map[portName]portPlan{
				{namespace: "kube-system", service: "dns", port: "dns", protocol: udp}:     {backends: aps("10.1.0.1:5353")},
				{namespace: "kube-system", service: "dns", port: "dns-tcp", protocol: tcp}: {backends: aps("10.1.0.1:5354")},
			},
			frontends: map[frontend]portName{
				fe("udp 10.0.0.10:53"): {namespace: "kube-system", service: "dns", port: "dns", protocol: udp},
				fe("tcp 10.0.0.10:53"): {namespace: "kube-system", service: "dns", port: "dns-tcp", protocol: tcp},
			},
		},
		{
			name:     "FQDN slices ignored",
			services: []*corev1.Service{service("default", "web", "10.0.0.1", withPort("http", tcp, 80))},
			slices: []*discoveryv1.EndpointSlice{func() *discoveryv1.EndpointSlice {
				s := endpointSlice("default", "web-1", "web", []discoveryv1.EndpointPort{slicePort("http", tcp, 8080)}, "example.com")
				s.AddressType = discoveryv1.AddressTypeFQDN
				return s
			}()},
			ports:     map[portName]portPlan{web: {}},
			frontends: map[frontend]portName{fe("tcp 10.0.0.1:80"): web},
		},
		{
			name: "session affinity timeouts",
			services: []*corev1.Service{
				service("default", "web", "10.0.0.1", withPort("http", tcp, 80), withAffinity(0)),
				service("default", "api", "10.0.0.2", withPort("http", tcp, 80), withAffinity(5)),
			},
			ports: map[portName]portPlan{
				web: {affinity: 10800 * time.Second},
				{namespace: "default", service: "api", port: "http", protocol: tcp}: {affinity: 5 * time.Second},
			},
			frontends: map[frontend]portName{
				fe("tcp 10.0.0.1:80"): web,
				fe("tcp 10.0.0.2:80"): {namespace: "default", service: "api", port: "http", protocol: tcp},
			},
		},
		{
			name: "older service keeps a contested node port",
			services: []*corev1.Service{
				service("default", "new", "10.0.0.2", withType(corev1.ServiceTypeLoadBalancer), withPort("http", tcp, 80), createdAt(t0.Add(time.Hour))),
				service("default", "old", "10.0.0.1", withType(corev1.ServiceTypeLoadBalancer), withPort("http", tcp, 80), createdAt(t0)),
			},
			nodeIPs: []string{"192.168.1.5"},
			ports: map[portName]portPlan{
				{namespace: "default", service: "old", port: "http", protocol: tcp}: {},
				{namespace: "default", service: "new", port: "http", protocol: tcp}: {},
			},
			frontends: map[frontend]portName{
				fe("tcp 10.0.0.1:80"):    {namespace: "default", service: "old", port: "http", protocol: tcp},
				fe("tcp 10.0.0.2:80"):    {namespace: "default", service: "new", port: "http", protocol: tcp},
				fe("tcp 192.168.1.5:80"): {namespace: "default", service: "old", port: "http", protocol: tcp},
			},
			conflicts: []string{"tcp 192.168.1.5:80 for default/new:http/TCP: address already served for default/old:http/TCP"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var nodeIPs []netip.Addr
			for _, s := range tt.nodeIPs {
				nodeIPs = append(nodeIPs, netip.MustParseAddr(s))
			}
			got := computePlan(tt.services, tt.slices, nodeIPs, tt.skip)
			if !reflect.DeepEqual(got.ports, tt.ports) {
				t.Errorf("ports:\n got %v\nwant %v", got.ports, tt.ports)
			}
			if !reflect.DeepEqual(got.frontends, tt.frontends) {
				t.Errorf("frontends:\n got %v\nwant %v", got.frontends, tt.frontends)
			}
			var conflicts []string
			for _, c := range got.conflicts {
				conflicts = append(conflicts, c.Error())
			}
			if strings.Join(conflicts, "\n") != strings.Join(tt.conflicts, "\n") {
				t.Errorf("conflicts:\n got %q\nwant %q", conflicts, tt.conflicts)
			}
		})
	}
}

func TestPlanListening(t *testing.T) {
	services := []*corev1.Service{
		service("default", "web", "10.0.0.1", withPort("http", tcp, 80)),
		service("default", "idle", "10.0.0.2", withPort("http", tcp, 80)),
	}
	slices := []*discoveryv1.EndpointSlice{
		endpointSlice("default", "web-1", "web", []discoveryv1.EndpointPort{slicePort("http", tcp, 8080)}, "10.1.0.1"),
		endpointSlice("default", "idle-1", "idle", []discoveryv1.EndpointPort{slicePort("http", tcp, 8080)}, "10.1.0.2!"),
	}
	p := computePlan(services, slices, nil, nil)
	for f, want := range map[string]bool{"tcp 10.0.0.1:80": true, "tcp 10.0.0.2:80": false, "tcp 10.0.0.3:80": false, "udp 10.0.0.1:80": false} {
		if _, got := p.listening(fe(f)); got != want {
			t.Errorf("listening(%s) = %v, want %v", f, got, want)
		}
	}
}

func TestComputePlanLeavesInputAlone(t *testing.T) {
	services := []*corev1.Service{
		service("default", "b", "10.0.0.2", withPort("http", tcp, 80)),
		nil,
		service("default", "a", "10.0.0.1", withPort("http", tcp, 80)),
	}
	computePlan(services, nil, nil, nil)
	if services[0].Name != "b" || services[1] != nil || services[2].Name != "a" {
		t.Errorf("computePlan reordered its input")
	}
}
