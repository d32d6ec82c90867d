package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func validService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: meta("web"),
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
		},
	}
}

func TestValidateService(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Service)
		want   []want
	}{
		{name: "minimal ClusterIP service", mutate: func(*corev1.Service) {}},
		{name: "name may start with a digit (DNS-1123 label)", mutate: func(s *corev1.Service) { s.Name = "1web" }},
		{name: "allocated dual-stack service", mutate: func(s *corev1.Service) {
			s.Spec.ClusterIP = "10.96.0.10"
			s.Spec.ClusterIPs = []string{"10.96.0.10", "fd00::10"}
			s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
			s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyPreferDualStack)
		}},
		{name: "NodePort service with named ports", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports = []corev1.ServicePort{
				{Name: "http", Port: 80, NodePort: 30080, TargetPort: intstr.FromString("http")},
				{Name: "https", Port: 443, NodePort: 30443},
			}
			s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
		}},
		{name: "LoadBalancer service", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Spec.LoadBalancerSourceRanges = []string{"10.0.0.0/8", " 192.168.0.0/16 "}
			s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
			s.Spec.HealthCheckNodePort = 31000
			s.Spec.LoadBalancerClass = ptr("example.com/lb")
			s.Spec.AllocateLoadBalancerNodePorts = ptr(true)
		}},
		{name: "headless service without ports", mutate: func(s *corev1.Service) {
			s.Spec.ClusterIP = corev1.ClusterIPNone
			s.Spec.Ports = nil
		}},
		{name: "ExternalName service", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "db.example.com."
			s.Spec.Selector = nil
			s.Spec.Ports = nil
		}},
		{name: "ClientIP affinity", mutate: func(s *corev1.Service) {
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(600))}}
		}},
		{name: "name must be a DNS label", mutate: func(s *corev1.Service) { s.Name = "web.example" },
			want: []want{errInvalid("metadata.name")}},
		{name: "port out of range", mutate: func(s *corev1.Service) { s.Spec.Ports[0].Port = 70000 },
			want: []want{errInvalid("spec.ports[0].port")}},
		{name: "port zero", mutate: func(s *corev1.Service) { s.Spec.Ports[0].Port = 0 },
			want: []want{errInvalid("spec.ports[0].port")}},
		{name: "ports required", mutate: func(s *corev1.Service) { s.Spec.Ports = nil },
			want: []want{errRequired("spec.ports")}},
		{name: "names required with several ports", mutate: func(s *corev1.Service) {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "https", Port: 443})
		}, want: []want{errRequired("spec.ports[0].name")}},
		{name: "duplicate port names", mutate: func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "http", Port: 81}}
		}, want: []want{errDuplicate("spec.ports[1].name")}},
		{name: "duplicate port and protocol", mutate: func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "b", Port: 80, Protocol: corev1.ProtocolTCP}}
		}, want: []want{errDuplicate("spec.ports[1]")}},
		{name: "unsupported protocol and type", mutate: func(s *corev1.Service) {
			s.Spec.Ports[0].Protocol = "HTTP"
			s.Spec.Type = "Internal"
		}, want: []want{errNotSupported("spec.ports[0].protocol"), errNotSupported("spec.type")}},
		{name: "bad target port name", mutate: func(s *corev1.Service) { s.Spec.Ports[0].TargetPort = intstr.FromString("Web Port") },
			want: []want{errInvalid("spec.ports[0].targetPort")}},
		{name: "nodePort outside the range", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 8080
		}, want: []want{errInvalid("spec.ports[0].nodePort")}},
		{name: "nodePort on a ClusterIP service", mutate: func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 },
			want: []want{errForbidden("spec.ports[0].nodePort")}},
		{name: "duplicate nodePorts", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80, NodePort: 30080}, {Name: "b", Port: 81, NodePort: 30080}}
		}, want: []want{errDuplicate("spec.ports[1].nodePort")}},
		{name: "ExternalName requires externalName", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
		}, want: []want{errRequired("spec.externalName")}},
		{name: "ExternalName with a cluster IP", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "db.example.com"
			s.Spec.ClusterIP = "10.96.0.1"
		}, want: []want{errForbidden("spec.clusterIP")}},
		{name: "invalid externalName", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "not_a_host"
		}, want: []want{errInvalid("spec.externalName")}},
		{name: "invalid selector", mutate: func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "a b"} },
			want: []want{errInvalid("spec.selector")}},
		{name: "unsupported session affinity", mutate: func(s *corev1.Service) { s.Spec.SessionAffinity = "Cookie" },
			want: []want{errNotSupported("spec.sessionAffinity")}},
		{name: "affinity config with None", mutate: func(s *corev1.Service) {
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{}
		}, want: []want{errForbidden("spec.sessionAffinityConfig")}},
		{name: "affinity timeout too long", mutate: func(s *corev1.Service) {
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(90000))}}
		}, want: []want{errInvalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds")}},
		{name: "invalid cluster IP", mutate: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.300" },
			want: []want{errInvalid("spec.clusterIP")}},
		{name: "clusterIPs must start with clusterIP", mutate: func(s *corev1.Service) {
			s.Spec.ClusterIP = "10.96.0.1"
			s.Spec.ClusterIPs = []string{"10.96.0.2"}
		}, want: []want{errInvalid("spec.clusterIPs")}},
		{name: "SingleStack with two families", mutate: func(s *corev1.Service) {
			s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
			s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicySingleStack)
		}, want: []want{errInvalid("spec.ipFamilyPolicy")}},
		{name: "headless NodePort", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.ClusterIP = corev1.ClusterIPNone
		}, want: []want{errInvalid("spec.clusterIP")}},
		{name: "source ranges need a load balancer", mutate: func(s *corev1.Service) { s.Spec.LoadBalancerSourceRanges = []string{"10.0.0.0/8"} },
			want: []want{errForbidden("spec.loadBalancerSourceRanges")}},
		{name: "loopback external IP", mutate: func(s *corev1.Service) { s.Spec.ExternalIPs = []string{"127.0.0.1"} },
			want: []want{errInvalid("spec.externalIPs[0]")}},
		{name: "external traffic policy on an internal service", mutate: func(s *corev1.Service) {
			s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
		}, want: []want{errInvalid("spec.externalTrafficPolicy")}},
		{name: "health check port without Local LoadBalancer", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.HealthCheckNodePort = 31000
		}, want: []want{errInvalid("spec.healthCheckNodePort")}},
		{name: "unsupported traffic distribution", mutate: func(s *corev1.Service) { s.Spec.TrafficDistribution = ptr("Anywhere") },
			want: []want{errNotSupported("spec.trafficDistribution")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := validService()
			tc.mutate(svc)
			expectErrors(t, ValidateService(svc), tc.want...)
		})
	}
}

func TestValidateServiceUpdate(t *testing.T) {
	base := func() *corev1.Service {
		s := validService()
		s.Spec.ClusterIP = "10.96.0.10"
		s.Spec.ClusterIPs = []string{"10.96.0.10"}
		s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
		return s
	}
	cases := []struct {
		name   string
		mutate func(*corev1.Service)
		want   []want
	}{
		{name: "changing ports and selector", mutate: func(s *corev1.Service) {
			s.Spec.Ports[0].Port = 8080
			s.Spec.Selector = map[string]string{"app": "web2"}
		}},
		{name: "upgrading to dual stack", mutate: func(s *corev1.Service) {
			s.Spec.ClusterIPs = []string{"10.96.0.10", "fd00::10"}
			s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
			s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyPreferDualStack)
		}},
		{name: "switching to ExternalName drops the IP", mutate: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "db.example.com"
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.IPFamilies = "", nil, nil
		}},
		{name: "changing the cluster IP", mutate: func(s *corev1.Service) {
			s.Spec.ClusterIP = "10.96.0.11"
			s.Spec.ClusterIPs = []string{"10.96.0.11"}
		}, want: []want{errInvalid("spec.clusterIP"), errInvalid("spec.clusterIPs[0]")}},
		{name: "changing only the legacy clusterIP field", mutate: func(s *corev1.Service) {
			s.Spec.ClusterIP = "10.96.0.11"
			s.Spec.ClusterIPs = nil
		}, want: []want{errInvalid("spec.clusterIP"), errInvalid("spec.clusterIPs[0]")}},
		{name: "new object is validated", mutate: func(s *corev1.Service) { s.Spec.Ports[0].Port = 70000 },
			want: []want{errInvalid("spec.ports[0].port")}},
		{name: "resourceVersion required", mutate: func(s *corev1.Service) { s.ResourceVersion = "" },
			want: []want{errInvalid("metadata.resourceVersion")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := base()
			svc := base()
			svc.ObjectMeta = withRV(svc.ObjectMeta)
			tc.mutate(svc)
			errs := ValidateServiceUpdate(svc, old)
			expectErrors(t, errs, tc.want...)
		})
	}

	t.Run("cluster IP error says it is immutable", func(t *testing.T) {
		old, svc := base(), base()
		svc.ObjectMeta = withRV(svc.ObjectMeta)
		svc.Spec.ClusterIP = "10.96.0.99"
		svc.Spec.ClusterIPs = []string{"10.96.0.99"}
		expectDetail(t, ValidateServiceUpdate(svc, old), "spec.clusterIP", "field is immutable")
	})
}

func validEndpoints() *corev1.Endpoints {
	return &corev1.Endpoints{
		ObjectMeta: meta("web"),
		Subsets: []corev1.EndpointSubset{{
			Addresses:         []corev1.EndpointAddress{{IP: "10.244.1.5", NodeName: ptr("node-1"), Hostname: "web-0"}},
			NotReadyAddresses: []corev1.EndpointAddress{{IP: "fd00::5"}},
			Ports:             []corev1.EndpointPort{{Name: "http", Port: 8080}, {Name: "metrics", Port: 9090, Protocol: corev1.ProtocolTCP}},
		}},
	}
}

func TestValidateEndpoints(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Endpoints)
		want   []want
	}{
		{name: "valid endpoints", mutate: func(*corev1.Endpoints) {}},
		{name: "no subsets", mutate: func(e *corev1.Endpoints) { e.Subsets = nil }},
		{name: "subset without addresses", mutate: func(e *corev1.Endpoints) {
			e.Subsets[0].Addresses, e.Subsets[0].NotReadyAddresses = nil, nil
		}, want: []want{errRequired("subsets[0]")}},
		{name: "invalid and link-local addresses", mutate: func(e *corev1.Endpoints) {
			// Loopback addresses are process pods' (Marina departs from
			// Kubernetes here); link-local ones are refused.
			e.Subsets[0].Addresses = []corev1.EndpointAddress{{IP: "not-an-ip"}, {IP: "127.1.0.7"}, {IP: "169.254.1.1"}}
		}, want: []want{errInvalid("subsets[0].addresses[0].ip"), errInvalid("subsets[0].addresses[2].ip")}},
		{name: "port name required with several ports", mutate: func(e *corev1.Endpoints) { e.Subsets[0].Ports[0].Name = "" },
			want: []want{errRequired("subsets[0].ports[0].name")}},
		{name: "bad port and protocol", mutate: func(e *corev1.Endpoints) {
			e.Subsets[0].Ports[1].Port = 0
			e.Subsets[0].Ports[1].Protocol = "QUIC"
		}, want: []want{errInvalid("subsets[0].ports[1].port"), errNotSupported("subsets[0].ports[1].protocol")}},
		{name: "bad hostname", mutate: func(e *corev1.Endpoints) { e.Subsets[0].Addresses[0].Hostname = "web.0" },
			want: []want{errInvalid("subsets[0].addresses[0].hostname")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ep := validEndpoints()
			tc.mutate(ep)
			expectErrors(t, ValidateEndpoints(ep), tc.want...)
		})
	}
}

func TestValidateEndpointsUpdate(t *testing.T) {
	old := validEndpoints()
	ep := validEndpoints()
	ep.ObjectMeta = withRV(ep.ObjectMeta)
	ep.Subsets[0].Addresses[0].NodeName = ptr("node-2")
	expectErrors(t, ValidateEndpointsUpdate(ep, old))

	ep.Namespace = "other"
	ep.Subsets[0].Addresses[0].IP = "0.0.0.0"
	expectErrors(t, ValidateEndpointsUpdate(ep, old), errInvalid("metadata.namespace"), errInvalid("subsets[0].addresses[0].ip"))
}
