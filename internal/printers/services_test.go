package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestServiceCells(t *testing.T) {
	gr := schema.GroupResource{Resource: "services"}
	tcp := func(port, nodePort int32) corev1.ServicePort {
		return corev1.ServicePort{Port: port, NodePort: nodePort, Protocol: corev1.ProtocolTCP}
	}
	tests := []struct {
		name string
		svc  *corev1.Service
		want []interface{}
	}{
		{
			name: "node port",
			svc: &corev1.Service{
				ObjectMeta: objMeta("web", 2*time.Minute),
				Spec: corev1.ServiceSpec{
					Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.20", ClusterIPs: []string{"10.96.0.20"},
					Ports: []corev1.ServicePort{tcp(8080, 30001)}, Selector: map[string]string{"app": "web"},
				},
			},
			want: []interface{}{"web", "NodePort", "10.96.0.20", "<none>", "8080:30001/TCP", "2m", "app=web"},
		},
		{
			name: "cluster IP with several ports and external IPs",
			svc: &corev1.Service{
				ObjectMeta: objMeta("dns", 24*time.Hour),
				Spec: corev1.ServiceSpec{
					Type: corev1.ServiceTypeClusterIP, ClusterIPs: []string{"10.96.0.10", "fd00::10"},
					ExternalIPs: []string{"198.51.100.1", "198.51.100.2"},
					Ports: []corev1.ServicePort{
						{Port: 53, Protocol: corev1.ProtocolUDP},
						{Port: 53, Protocol: corev1.ProtocolTCP},
					},
					Selector: map[string]string{"k8s-app": "kube-dns", "tier": "node"},
				},
			},
			want: []interface{}{"dns", "ClusterIP", "10.96.0.10", "198.51.100.1,198.51.100.2", "53/UDP,53/TCP", "24h", "k8s-app=kube-dns,tier=node"},
		},
		{
			name: "load balancer still pending",
			svc: &corev1.Service{
				ObjectMeta: objMeta("lb", 30*time.Second),
				Spec: corev1.ServiceSpec{
					Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.0.30"}, Ports: []corev1.ServicePort{tcp(443, 31443)},
				},
			},
			want: []interface{}{"lb", "LoadBalancer", "10.96.0.30", "<pending>", "443:31443/TCP", "30s", "<none>"},
		},
		{
			name: "load balancer with ingress addresses",
			svc: &corev1.Service{
				ObjectMeta: objMeta("lb", 30*time.Second),
				Spec: corev1.ServiceSpec{
					Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.0.30"},
					ExternalIPs: []string{"198.51.100.9"}, Ports: []corev1.ServicePort{tcp(443, 31443)},
				},
				Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{
					{IP: "203.0.113.7"}, {Hostname: "lb.example.com"}, {IP: "203.0.113.7"},
				}}},
			},
			want: []interface{}{"lb", "LoadBalancer", "10.96.0.30", "203.0.113.7,lb.example.com,198.51.100.9", "443:31443/TCP", "30s", "<none>"},
		},
		{
			name: "external name",
			svc: &corev1.Service{
				ObjectMeta: objMeta("db", time.Hour),
				Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"},
			},
			want: []interface{}{"db", "ExternalName", "<none>", "db.example.com", "<none>", "60m", "<none>"},
		},
		{
			name: "headless",
			svc: &corev1.Service{
				ObjectMeta: objMeta("peers", time.Hour),
				Spec: corev1.ServiceSpec{
					Type: corev1.ServiceTypeClusterIP, ClusterIP: "None", ClusterIPs: []string{"None"},
					Ports: []corev1.ServicePort{tcp(7000, 0)}, Selector: map[string]string{"app": "db"},
				},
			},
			want: []interface{}{"peers", "ClusterIP", "None", "<none>", "7000/TCP", "60m", "app=db"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.svc, tt.want)
		})
	}
}

func TestEndpointsCells(t *testing.T) {
	gr := schema.GroupResource{Resource: "endpoints"}
	addrs := func(ips ...string) []corev1.EndpointAddress {
		out := make([]corev1.EndpointAddress, len(ips))
		for i, ip := range ips {
			out[i] = corev1.EndpointAddress{IP: ip}
		}
		return out
	}
	tests := []struct {
		name string
		ep   *corev1.Endpoints
		want []interface{}
	}{
		{
			name: "no subsets",
			ep:   &corev1.Endpoints{ObjectMeta: objMeta("empty", time.Minute)},
			want: []interface{}{"empty", "<none>", "60s"},
		},
		{
			name: "addresses and ports",
			ep: &corev1.Endpoints{
				ObjectMeta: objMeta("web", time.Minute),
				Subsets: []corev1.EndpointSubset{{
					Addresses: addrs("10.0.0.1", "10.0.0.2"),
					Ports:     []corev1.EndpointPort{{Name: "http", Port: 8080}},
				}},
			},
			want: []interface{}{"web", "10.0.0.1:8080,10.0.0.2:8080", "60s"},
		},
		{
			name: "more than three",
			ep: &corev1.Endpoints{
				ObjectMeta: objMeta("web", time.Minute),
				Subsets: []corev1.EndpointSubset{{
					Addresses: addrs("10.0.0.1", "fd00::2"),
					Ports:     []corev1.EndpointPort{{Port: 80}, {Port: 443}},
				}},
			},
			want: []interface{}{"web", "10.0.0.1:80,[fd00::2]:80,10.0.0.1:443 + 1 more...", "60s"},
		},
		{
			name: "headless without ports",
			ep: &corev1.Endpoints{
				ObjectMeta: objMeta("peers", time.Minute),
				Subsets:    []corev1.EndpointSubset{{Addresses: addrs("10.0.0.7")}},
			},
			want: []interface{}{"peers", "10.0.0.7", "60s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.ep, tt.want)
		})
	}
}

func TestEndpointSliceCells(t *testing.T) {
	gr := schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"}
	tests := []struct {
		name  string
		slice *discoveryv1.EndpointSlice
		want  []interface{}
	}{
		{
			name: "ports and endpoints",
			slice: &discoveryv1.EndpointSlice{
				ObjectMeta:  objMeta("web-abcde", time.Hour),
				AddressType: discoveryv1.AddressTypeIPv4,
				Ports: []discoveryv1.EndpointPort{
					{Port: ptr(int32(80))}, {Name: ptr("metrics")}, {},
				},
				Endpoints: []discoveryv1.Endpoint{
					{Addresses: []string{"10.0.0.1"}},
					{Addresses: []string{"10.0.0.2", "10.0.0.3"}},
					{Addresses: []string{"10.0.0.4"}},
				},
			},
			want: []interface{}{"web-abcde", "IPv4", "80,metrics,*", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "60m"},
		},
		{
			name:  "empty",
			slice: &discoveryv1.EndpointSlice{ObjectMeta: objMeta("idle", time.Hour), AddressType: discoveryv1.AddressTypeIPv6},
			want:  []interface{}{"idle", "IPv6", "<unset>", "<unset>", "60m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.slice, tt.want)
		})
	}
}
