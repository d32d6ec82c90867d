package endpoints

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// service is shop/web: a ClusterIP service selecting app=web whose one
// port, http, targets the pods' port named http.
func service(opts ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: "svc-uid", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: "10.96.0.10",
			Selector:  map[string]string{"app": "web"},
			Ports:     []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}},
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// pod is a running, ready pod of app=web in shop on node n1, at ip,
// whose container has the port http:8080.
func pod(name, ip string, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", UID: types.UID(name + "-uid"), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func notReady(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }

func terminating(p *corev1.Pod) { p.DeletionTimestamp = ptr.To(metav1.NewTime(time.Unix(1000, 0))) }

func httpPort(port int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = port }
}

func noPorts(p *corev1.Pod) { p.Spec.Containers[0].Ports = nil }

func publishNotReady(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true }

// addr is pod name's Endpoints address.
func addr(ip, name string) corev1.EndpointAddress {
	return corev1.EndpointAddress{IP: ip, NodeName: ptr.To("n1"),
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: name, UID: types.UID(name + "-uid")}}
}

func eport(name string, port int32) corev1.EndpointPort {
	return corev1.EndpointPort{Name: name, Port: port, Protocol: corev1.ProtocolTCP}
}

// ep is pod name's slice endpoint with its conditions.
func ep(ip, name string, ready, serving, terminating bool) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{Addresses: []string{ip}, NodeName: ptr.To("n1"),
		Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready), Serving: ptr.To(serving), Terminating: ptr.To(terminating)},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: name, UID: types.UID(name + "-uid")}}
}

func sport(name string, port int32) discoveryv1.EndpointPort {
	return discoveryv1.EndpointPort{Name: ptr.To(name), Port: ptr.To(port), Protocol: ptr.To(corev1.ProtocolTCP)}
}

func withHostname(e corev1.EndpointAddress, h string) corev1.EndpointAddress {
	e.Hostname = h
	return e
}

func TestDesired(t *testing.T) {
	tests := []struct {
		name        string
		svc         *corev1.Service
		pods        []*corev1.Pod
		wantSubsets []corev1.EndpointSubset
		wantGroups  []group
	}{
		{
			name: "ready and not ready",
			svc:  service(),
			pods: []*corev1.Pod{pod("b", "10.0.0.2", notReady), pod("a", "10.0.0.1")},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")},
				NotReadyAddresses: []corev1.EndpointAddress{addr("10.0.0.2", "b")}, Ports: []corev1.EndpointPort{eport("http", 8080)}}},
			wantGroups: []group{{Ports: []discoveryv1.EndpointPort{sport("http", 8080)},
				Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false), ep("10.0.0.2", "b", false, false, false)}}},
		},
		{
			name: "publishNotReadyAddresses makes every address ready",
			svc:  service(publishNotReady),
			pods: []*corev1.Pod{pod("a", "10.0.0.1"), pod("b", "10.0.0.2", notReady)},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a"), addr("10.0.0.2", "b")},
				Ports: []corev1.EndpointPort{eport("http", 8080)}}},
			wantGroups: []group{{Ports: []discoveryv1.EndpointPort{sport("http", 8080)},
				Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false), ep("10.0.0.2", "b", true, false, false)}}},
		},
		{
			name: "named targetPort resolved per pod: two subsets, two groups",
			svc:  service(),
			pods: []*corev1.Pod{pod("a", "10.0.0.1"), pod("b", "10.0.0.2", httpPort(9090))},
			wantSubsets: []corev1.EndpointSubset{
				{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{eport("http", 8080)}},
				{Addresses: []corev1.EndpointAddress{addr("10.0.0.2", "b")}, Ports: []corev1.EndpointPort{eport("http", 9090)}},
			},
			wantGroups: []group{
				{Ports: []discoveryv1.EndpointPort{sport("http", 8080)}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false)}},
				{Ports: []discoveryv1.EndpointPort{sport("http", 9090)}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.2", "b", true, true, false)}},
			},
		},
		{
			name: "pod without the named port: no address for that port, a slice without it",
			svc:  service(),
			pods: []*corev1.Pod{pod("a", "10.0.0.1"), pod("b", "10.0.0.2", noPorts)},
			wantSubsets: []corev1.EndpointSubset{
				{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{eport("http", 8080)}},
			},
			wantGroups: []group{
				{Ports: []discoveryv1.EndpointPort{}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.2", "b", true, true, false)}},
				{Ports: []discoveryv1.EndpointPort{sport("http", 8080)}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false)}},
			},
		},
		{
			name: "named port of another protocol does not match",
			svc: service(func(s *corev1.Service) {
				s.Spec.Ports[0].Protocol = corev1.ProtocolUDP
			}),
			pods:        []*corev1.Pod{pod("a", "10.0.0.1")},
			wantSubsets: []corev1.EndpointSubset{},
			wantGroups:  []group{{Ports: []discoveryv1.EndpointPort{}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false)}}},
		},
		{
			name: "sidecar's named port",
			svc:  service(),
			pods: []*corev1.Pod{pod("a", "10.0.0.1", func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways),
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 15001, Protocol: corev1.ProtocolTCP}}}}
				p.Spec.Containers[0].Ports = nil
			})},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{eport("http", 15001)}}},
			wantGroups:  []group{{Ports: []discoveryv1.EndpointPort{sport("http", 15001)}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false)}}},
		},
		{
			name: "numeric targetPort, and unset targetPort is the port",
			svc: service(func(s *corev1.Service) {
				s.Spec.Ports = []corev1.ServicePort{
					{Name: "a", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)},
					{Name: "b", Port: 81, Protocol: corev1.ProtocolTCP},
				}
			}),
			pods:        []*corev1.Pod{pod("a", "10.0.0.1", noPorts)},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{eport("a", 8080), eport("b", 81)}}},
			wantGroups:  []group{{Ports: []discoveryv1.EndpointPort{sport("a", 8080), sport("b", 81)}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false)}}},
		},
		{
			name: "two ports, one resolving differently: repacked as Kubernetes does",
			svc: service(func(s *corev1.Service) {
				s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "admin", Port: 9000, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9000)})
			}),
			pods: []*corev1.Pod{pod("a", "10.0.0.1"), pod("b", "10.0.0.2", httpPort(9090))},
			wantSubsets: []corev1.EndpointSubset{
				{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{eport("http", 8080)}},
				{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a"), addr("10.0.0.2", "b")}, Ports: []corev1.EndpointPort{eport("admin", 9000)}},
				{Addresses: []corev1.EndpointAddress{addr("10.0.0.2", "b")}, Ports: []corev1.EndpointPort{eport("http", 9090)}},
			},
			wantGroups: []group{
				{Ports: []discoveryv1.EndpointPort{sport("http", 8080), sport("admin", 9000)}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false)}},
				{Ports: []discoveryv1.EndpointPort{sport("http", 9090), sport("admin", 9000)}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.2", "b", true, true, false)}},
			},
		},
		{
			name: "hostname only when the subdomain is the service",
			svc:  service(),
			pods: []*corev1.Pod{
				pod("a", "10.0.0.1", func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "a", "web" }),
				pod("b", "10.0.0.2", func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "b", "other" }),
			},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{withHostname(addr("10.0.0.1", "a"), "a"), addr("10.0.0.2", "b")},
				Ports: []corev1.EndpointPort{eport("http", 8080)}}},
			wantGroups: []group{{Ports: []discoveryv1.EndpointPort{sport("http", 8080)}, Endpoints: []discoveryv1.Endpoint{
				func() discoveryv1.Endpoint {
					e := ep("10.0.0.1", "a", true, true, false)
					e.Hostname = ptr.To("a")
					return e
				}(),
				ep("10.0.0.2", "b", true, true, false),
			}}},
		},
		{
			name: "terminating pod: out of Endpoints, in its slice not ready but serving",
			svc:  service(),
			pods: []*corev1.Pod{pod("a", "10.0.0.1", terminating), pod("b", "10.0.0.2"), pod("c", "10.0.0.3", terminating, notReady)},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.2", "b")},
				Ports: []corev1.EndpointPort{eport("http", 8080)}}},
			wantGroups: []group{{Ports: []discoveryv1.EndpointPort{sport("http", 8080)}, Endpoints: []discoveryv1.Endpoint{
				ep("10.0.0.1", "a", false, true, true), ep("10.0.0.2", "b", true, true, false), ep("10.0.0.3", "c", false, false, true),
			}}},
		},
		{
			name: "terminating pod with publishNotReadyAddresses: published, ready",
			svc:  service(publishNotReady),
			pods: []*corev1.Pod{pod("a", "10.0.0.1", terminating)},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")},
				Ports: []corev1.EndpointPort{eport("http", 8080)}}},
			wantGroups: []group{{Ports: []discoveryv1.EndpointPort{sport("http", 8080)},
				Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, true)}}},
		},
		{
			name: "pods without an address, finished, or IPv6 only are left out",
			svc:  service(publishNotReady),
			pods: []*corev1.Pod{
				pod("pending", "", func(p *corev1.Pod) { p.Status.PodIPs = nil; p.Status.Phase = corev1.PodPending }),
				pod("done", "10.0.0.1", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }),
				pod("failed", "10.0.0.2", func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }),
				pod("v6", "fd00::1"),
			},
			wantSubsets: []corev1.EndpointSubset{},
			wantGroups:  []group{},
		},
		{
			name: "dual-stack pod: its IPv4 address",
			svc:  service(),
			pods: []*corev1.Pod{pod("a", "fd00::1", func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: "fd00::1"}, {IP: "10.0.0.1"}} })},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")},
				Ports: []corev1.EndpointPort{eport("http", 8080)}}},
			wantGroups: []group{{Ports: []discoveryv1.EndpointPort{sport("http", 8080)}, Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false)}}},
		},
		{
			name: "headless service without ports",
			svc: service(func(s *corev1.Service) {
				s.Spec.ClusterIP, s.Spec.Ports = corev1.ClusterIPNone, nil
			}),
			pods:        []*corev1.Pod{pod("a", "10.0.0.1"), pod("b", "10.0.0.2", notReady)},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, NotReadyAddresses: []corev1.EndpointAddress{addr("10.0.0.2", "b")}}},
			wantGroups: []group{{Ports: []discoveryv1.EndpointPort{},
				Endpoints: []discoveryv1.Endpoint{ep("10.0.0.1", "a", true, true, false), ep("10.0.0.2", "b", false, false, false)}}},
		},
		{
			name:        "addresses sorted numerically",
			svc:         service(),
			pods:        []*corev1.Pod{pod("c", "10.0.0.10"), pod("a", "10.0.0.9"), pod("b", "10.0.0.100")},
			wantSubsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("10.0.0.9", "a"), addr("10.0.0.10", "c"), addr("10.0.0.100", "b")}, Ports: []corev1.EndpointPort{eport("http", 8080)}}},
			wantGroups: []group{{Ports: []discoveryv1.EndpointPort{sport("http", 8080)}, Endpoints: []discoveryv1.Endpoint{
				ep("10.0.0.9", "a", true, true, false), ep("10.0.0.10", "c", true, true, false), ep("10.0.0.100", "b", true, true, false)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subsets, groups := desired(tt.svc, tt.pods)
			same(t, "subsets", tt.wantSubsets, subsets)
			same(t, "groups", tt.wantGroups, groups)
		})
	}
}

func TestTruncate(t *testing.T) {
	addrs := func(n int) []corev1.EndpointAddress { return make([]corev1.EndpointAddress, n) }
	tests := []struct {
		name                   string
		subsets                []corev1.EndpointSubset
		want                   bool
		wantReady, wantUnready []int
	}{
		{"within capacity", []corev1.EndpointSubset{{Addresses: addrs(600), NotReadyAddresses: addrs(400)}}, false, []int{600}, []int{400}},
		{"not-ready addresses go first", []corev1.EndpointSubset{{Addresses: addrs(900), NotReadyAddresses: addrs(100)},
			{Addresses: addrs(50), NotReadyAddresses: addrs(100)}}, true, []int{900, 50}, []int{25, 25}},
		{"ready addresses cut in proportion", []corev1.EndpointSubset{{Addresses: addrs(1500), NotReadyAddresses: addrs(10)},
			{Addresses: addrs(500)}}, true, []int{750, 250}, []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := truncate(tt.subsets); got != tt.want {
				t.Errorf("truncated = %v, want %v", got, tt.want)
			}
			for i, ss := range tt.subsets {
				if len(ss.Addresses) != tt.wantReady[i] || len(ss.NotReadyAddresses) != tt.wantUnready[i] {
					t.Errorf("subset %d: %d ready, %d not ready; want %d, %d", i, len(ss.Addresses), len(ss.NotReadyAddresses), tt.wantReady[i], tt.wantUnready[i])
				}
			}
		})
	}
}

// same fails t unless got is deeply equal to want (nil and empty differ),
// showing both as JSON.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		w, _ := json.MarshalIndent(want, "", "  ")
		g, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
