package servicemap

import (
	"net/netip"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func TestClusterIPs(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec corev1.ServiceSpec
		want []netip.Addr
	}{
		{"clusterIPs", corev1.ServiceSpec{ClusterIP: "10.43.0.5", ClusterIPs: []string{"10.43.0.5", "fd00::5"}},
			[]netip.Addr{netip.MustParseAddr("10.43.0.5"), netip.MustParseAddr("fd00::5")}},
		{"legacy clusterIP only", corev1.ServiceSpec{ClusterIP: "10.43.0.6"}, []netip.Addr{netip.MustParseAddr("10.43.0.6")}},
		{"headless", corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, ClusterIPs: []string{corev1.ClusterIPNone}}, nil},
		{"not allocated yet", corev1.ServiceSpec{}, nil},
		{"ExternalName", corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ClusterIP: "10.43.0.7"}, nil},
	} {
		if got := ClusterIPs(&corev1.Service{Spec: tc.spec}); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIndexAndReadyAddrs(t *testing.T) {
	slice := func(ns, svc string, addrType discoveryv1.AddressType, ports []discoveryv1.EndpointPort, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
		s := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: ns}, AddressType: addrType, Ports: ports, Endpoints: eps}
		if svc != "" {
			s.Labels = map[string]string{discoveryv1.LabelServiceName: svc}
		}
		return s
	}
	ep := func(ready *bool, addrs ...string) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Addresses: addrs, Conditions: discoveryv1.EndpointConditions{Ready: ready}}
	}
	http := []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To(int32(8080))}, {Name: ptr.To("dns"), Port: ptr.To(int32(53)), Protocol: ptr.To(corev1.ProtocolUDP)}}
	other := []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To(int32(9090))}}
	all := []*discoveryv1.EndpointSlice{
		slice("a", "web", discoveryv1.AddressTypeIPv4, http, ep(nil, "10.1.0.2", "10.1.0.9"), ep(ptr.To(false), "10.1.0.3"), ep(ptr.To(true), "10.1.0.1")),
		// The same endpoint in a second slice counts once; a pod whose
		// named port resolved to another number is another backend.
		slice("a", "web", discoveryv1.AddressTypeIPv4, http, ep(ptr.To(true), "10.1.0.1")),
		slice("a", "web", discoveryv1.AddressTypeIPv4, other, ep(ptr.To(true), "10.1.0.4")),
		slice("a", "web", discoveryv1.AddressTypeFQDN, http, ep(nil, "example.org")),
		slice("b", "web", discoveryv1.AddressTypeIPv4, http, ep(nil, "10.2.0.1")),
		slice("a", "", discoveryv1.AddressTypeIPv4, http, ep(nil, "10.9.0.1")),
	}
	idx := Index(all)
	web := idx[types.NamespacedName{Namespace: "a", Name: "web"}]
	if len(idx) != 2 || len(web) != 3 {
		t.Fatalf("index: %d services, %d slices of a/web", len(idx), len(web))
	}
	want := []netip.AddrPort{
		netip.MustParseAddrPort("10.1.0.1:8080"), netip.MustParseAddrPort("10.1.0.2:8080"), netip.MustParseAddrPort("10.1.0.4:9090"),
	}
	if got := ReadyAddrs(web, "http", corev1.ProtocolTCP); !slices.Equal(got, want) {
		t.Errorf("ready http addresses %v, want %v", got, want)
	}
	if got := ReadyAddrs(web, "dns", corev1.ProtocolUDP); len(got) != 2 {
		t.Errorf("ready dns/UDP addresses %v", got)
	}
	if got := ReadyAddrs(web, "dns", corev1.ProtocolTCP); len(got) != 0 {
		t.Errorf("dns over TCP is not a port of the slices: %v", got)
	}
}
