package agent

import (
	"net/netip"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestPodDNS(t *testing.T) {
	dnsIP := netip.MustParseAddr("10.43.0.10")
	node := resolvConf{nameservers: []string{"192.0.2.53"}, searches: []string{"corp.example"}, options: []string{"timeout:2"}}
	cluster := resolvConf{
		nameservers: []string{"10.43.0.10"},
		searches:    []string{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"},
		options:     []string{"ndots:5"},
	}
	for _, tc := range []struct {
		name  string
		spec  corev1.PodSpec
		noDNS bool
		want  resolvConf
	}{
		{name: "ClusterFirst is the default", want: cluster},
		{name: "host network falls back to Default", spec: corev1.PodSpec{HostNetwork: true}, want: node},
		{name: "ClusterFirstWithHostNet", spec: corev1.PodSpec{HostNetwork: true, DNSPolicy: corev1.DNSClusterFirstWithHostNet}, want: cluster},
		{name: "no cluster DNS yet", noDNS: true, want: node},
		{name: "Default", spec: corev1.PodSpec{DNSPolicy: corev1.DNSDefault}, want: node},
		{name: "None with dnsConfig", spec: corev1.PodSpec{DNSPolicy: corev1.DNSNone, DNSConfig: &corev1.PodDNSConfig{
			Nameservers: []string{"198.51.100.1"}, Searches: []string{"a.example"}, Options: []corev1.PodDNSConfigOption{{Name: "edns0"}},
		}}, want: resolvConf{nameservers: []string{"198.51.100.1"}, searches: []string{"a.example"}, options: []string{"edns0"}}},
		{name: "dnsConfig merges into ClusterFirst", spec: corev1.PodSpec{DNSConfig: &corev1.PodDNSConfig{
			Nameservers: []string{"10.43.0.10", "198.51.100.1"}, Searches: []string{"b.example"},
			Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr.To("2")}, {Name: "rotate"}},
		}}, want: resolvConf{
			nameservers: []string{"10.43.0.10", "198.51.100.1"},
			searches:    append(append([]string{}, cluster.searches...), "b.example"),
			options:     []string{"ndots:2", "rotate"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ip := dnsIP
			if tc.noDNS {
				ip = netip.Addr{}
			}
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop"}, Spec: tc.spec}
			if got := podDNS(pod, ip, "cluster.local", node); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
