package dns

import (
	"fmt"
	"slices"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

const soaLine = "cluster.local. SOA ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"

func TestZoneAnswer(t *testing.T) {
	services, endpointSlices := fixture()
	z := buildZone(services, endpointSlices, "cluster.local.", 5, 7)
	soa := []string{soaLine}

	tests := []struct {
		name   string
		qname  string
		qtype  uint16
		notOur bool // forwarded upstream
		rcode  int
		answer []string
		ns     []string
		extra  []string
	}{
		{name: "ClusterIP A", qname: "web.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"web.default.svc.cluster.local. A 10.96.0.10"}},
		{name: "same name other namespace", qname: "web.other.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"web.other.svc.cluster.local. A 10.96.1.1"}},
		{name: "case-insensitive, owner as asked", qname: "WEB.Default.SVC.cluster.LOCAL.", qtype: dns.TypeA,
			answer: []string{"WEB.Default.SVC.cluster.LOCAL. A 10.96.0.10"}},
		{name: "AAAA of an IPv4 service is NODATA", qname: "web.default.svc.cluster.local.", qtype: dns.TypeAAAA,
			ns: soa},
		{name: "A of an IPv6 service is NODATA", qname: "v6.default.svc.cluster.local.", qtype: dns.TypeA,
			ns: soa},
		{name: "IPv6 ClusterIP AAAA", qname: "v6.default.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"v6.default.svc.cluster.local. AAAA fd00::10"}},
		{name: "dual-stack A", qname: "dual.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"dual.default.svc.cluster.local. A 10.96.0.11"}},
		{name: "dual-stack AAAA", qname: "dual.default.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"dual.default.svc.cluster.local. AAAA fd00::11"}},
		{name: "SRV of a named port", qname: "_http._tcp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_http._tcp.web.default.svc.cluster.local. SRV 0 100 80 web.default.svc.cluster.local."},
			extra:  []string{"web.default.svc.cluster.local. A 10.96.0.10"}},
		{name: "SRV of a UDP port", qname: "_dns._udp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_dns._udp.web.default.svc.cluster.local. SRV 0 100 53 web.default.svc.cluster.local."},
			extra:  []string{"web.default.svc.cluster.local. A 10.96.0.10"}},
		{name: "SRV of the wrong protocol", qname: "_http._udp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "SRV of the service: every port", qname: "web.default.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{
				"web.default.svc.cluster.local. SRV 0 33 53 web.default.svc.cluster.local.",
				"web.default.svc.cluster.local. SRV 0 33 80 web.default.svc.cluster.local.",
				"web.default.svc.cluster.local. SRV 0 33 8080 web.default.svc.cluster.local.",
			},
			extra: []string{"web.default.svc.cluster.local. A 10.96.0.10"}},
		{name: "A of an SRV name is NODATA", qname: "_http._tcp.web.default.svc.cluster.local.", qtype: dns.TypeA,
			ns: soa},
		{name: "protocol label is an empty non-terminal", qname: "_tcp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
			ns: soa},
		{name: "headless: ready endpoints, deduplicated over slices", qname: "nginx.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{
				"nginx.default.svc.cluster.local. A 10.1.0.1",
				"nginx.default.svc.cluster.local. A 10.1.0.2",
				"nginx.default.svc.cluster.local. A 10.1.0.4",
			}},
		{name: "headless SRV: one per endpoint, slice port, hostnames", qname: "_web._tcp.nginx.default.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{
				"_web._tcp.nginx.default.svc.cluster.local. SRV 0 33 8080 10-1-0-4.nginx.default.svc.cluster.local.",
				"_web._tcp.nginx.default.svc.cluster.local. SRV 0 33 8080 web-0.nginx.default.svc.cluster.local.",
				"_web._tcp.nginx.default.svc.cluster.local. SRV 0 33 8080 web-1.nginx.default.svc.cluster.local.",
			},
			extra: []string{
				"10-1-0-4.nginx.default.svc.cluster.local. A 10.1.0.4",
				"web-0.nginx.default.svc.cluster.local. A 10.1.0.1",
				"web-1.nginx.default.svc.cluster.local. A 10.1.0.2",
			}},
		{name: "StatefulSet pod name", qname: "web-0.nginx.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"web-0.nginx.default.svc.cluster.local. A 10.1.0.1"}},
		{name: "dashed endpoint name", qname: "10-1-0-4.nginx.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"10-1-0-4.nginx.default.svc.cluster.local. A 10.1.0.4"}},
		{name: "an endpoint with a hostname has no dashed name", qname: "10-1-0-1.nginx.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "not-ready endpoint has no name", qname: "10-1-0-3.nginx.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "headless without endpoints: NODATA", qname: "empty.default.svc.cluster.local.", qtype: dns.TypeA,
			ns: soa},
		{name: "headless port without endpoints: NODATA", qname: "_web._tcp.empty.default.svc.cluster.local.", qtype: dns.TypeSRV,
			ns: soa},
		{name: "publishNotReadyAddresses", qname: "pnr.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"pnr.default.svc.cluster.local. A 10.2.0.1"}},
		{name: "ExternalName CNAME for A", qname: "ext.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"ext.default.svc.cluster.local. CNAME example.org."}},
		{name: "ExternalName CNAME for MX", qname: "ext.default.svc.cluster.local.", qtype: dns.TypeMX,
			answer: []string{"ext.default.svc.cluster.local. CNAME example.org."}},
		{name: "PTR of a ClusterIP", qname: "10.0.96.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"10.0.96.10.in-addr.arpa. PTR web.default.svc.cluster.local."}},
		{name: "PTR of an IPv6 ClusterIP", qname: "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", qtype: dns.TypePTR,
			answer: []string{"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa. PTR v6.default.svc.cluster.local."}},
		{name: "PTR of a headless pod", qname: "1.0.1.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"1.0.1.10.in-addr.arpa. PTR web-0.nginx.default.svc.cluster.local."}},
		{name: "PTR of a dashed headless pod", qname: "4.0.1.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"4.0.1.10.in-addr.arpa. PTR 10-1-0-4.nginx.default.svc.cluster.local."}},
		{name: "PTR of an address not ours", qname: "9.9.9.9.in-addr.arpa.", qtype: dns.TypePTR, notOur: true},
		{name: "TXT of our reverse name goes upstream", qname: "10.0.96.10.in-addr.arpa.", qtype: dns.TypeTXT, notOur: true},
		{name: "outside the domain", qname: "example.org.", qtype: dns.TypeA, notOur: true},
		{name: "suffix that is not a label", qname: "xcluster.local.", qtype: dns.TypeA, notOur: true},
		{name: "unknown service", qname: "nope.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "unknown namespace", qname: "web.nope.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "namespace is an empty non-terminal", qname: "default.svc.cluster.local.", qtype: dns.TypeA, ns: soa},
		{name: "svc is an empty non-terminal", qname: "svc.cluster.local.", qtype: dns.TypeA, ns: soa},
		{name: "unknown name in the domain", qname: "foo.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "apex SOA", qname: "cluster.local.", qtype: dns.TypeSOA, answer: soa},
		{name: "apex NS", qname: "cluster.local.", qtype: dns.TypeNS,
			answer: []string{"cluster.local. NS ns.dns.cluster.local."}},
		{name: "apex A is NODATA", qname: "cluster.local.", qtype: dns.TypeA, ns: soa},
		{name: "dns-version", qname: "dns-version.cluster.local.", qtype: dns.TypeTXT,
			answer: []string{`dns-version.cluster.local. TXT "1.1.0"`}},
		{name: "pod A", qname: "10-244-1-5.default.pod.cluster.local.", qtype: dns.TypeA,
			answer: []string{"10-244-1-5.default.pod.cluster.local. A 10.244.1.5"}},
		{name: "pod AAAA", qname: "fd00--5.any.pod.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"fd00--5.any.pod.cluster.local. AAAA fd00::5"}},
		{name: "pod AAAA of an IPv4 pod", qname: "10-244-1-5.default.pod.cluster.local.", qtype: dns.TypeAAAA, ns: soa},
		{name: "pod name that is no address", qname: "10-244-1.default.pod.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "pod namespace", qname: "default.pod.cluster.local.", qtype: dns.TypeA, ns: soa},
		{name: "below a pod", qname: "x.10-244-1-5.default.pod.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: soa},
		{name: "zone transfer refused", qname: "cluster.local.", qtype: dns.TypeAXFR, rcode: dns.RcodeRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ours := z.answer(dns.Question{Name: tt.qname, Qtype: tt.qtype, Qclass: dns.ClassINET})
			if ours == tt.notOur {
				t.Fatalf("ours = %v, want %v", ours, !tt.notOur)
			}
			if !ours {
				return
			}
			if res.rcode != tt.rcode {
				t.Errorf("rcode = %s, want %s", dns.RcodeToString[res.rcode], dns.RcodeToString[tt.rcode])
			}
			check(t, "answer", res.answer, tt.answer)
			check(t, "authority", res.ns, tt.ns)
			check(t, "additional", res.extra, tt.extra)
		})
	}
}

func check(t *testing.T, section string, got []dns.RR, want []string) {
	t.Helper()
	slices.Sort(want)
	if g := shorts(got); !slices.Equal(g, want) {
		t.Errorf("%s:\n got %q\nwant %q", section, g, want)
	}
}

func TestBuildZoneSRVWeights(t *testing.T) {
	// n endpoints share 100: 100/n, and never 0.
	for _, tt := range []struct {
		endpoints int
		weight    uint16
	}{{1, 100}, {2, 50}, {3, 33}, {100, 1}, {150, 1}} {
		var eps []discoveryv1.Endpoint
		for i := range tt.endpoints {
			eps = append(eps, endpoint(fmt.Sprintf("10.9.%d.%d", i/250, i%250+1), nil, ""))
		}
		z := buildZone(
			[]*corev1.Service{headlessService("ns", "h", false, port("p", corev1.ProtocolTCP, 1))},
			[]*discoveryv1.EndpointSlice{endpointSlice("ns", "h", "h-1", []discoveryv1.EndpointPort{slicePort("p", corev1.ProtocolTCP, 1)}, eps...)},
			"cluster.local.", 5, 1)
		res, _ := z.answer(dns.Question{Name: "_p._tcp.h.ns.svc.cluster.local.", Qtype: dns.TypeSRV, Qclass: dns.ClassINET})
		if len(res.answer) != tt.endpoints {
			t.Fatalf("%d endpoints: %d SRV records", tt.endpoints, len(res.answer))
		}
		for _, rr := range res.answer {
			if w := rr.(*dns.SRV).Weight; w != tt.weight {
				t.Errorf("%d endpoints: weight %d, want %d", tt.endpoints, w, tt.weight)
			}
		}
	}
}

func TestBuildZoneIPv6Headless(t *testing.T) {
	es := endpointSlice("ns", "h", "h-1", nil, endpoint("fd00::1", nil, ""), endpoint("fd00::", nil, ""))
	es.AddressType = discoveryv1.AddressTypeIPv6
	z := buildZone([]*corev1.Service{headlessService("ns", "h", false)}, []*discoveryv1.EndpointSlice{es}, "cluster.local.", 5, 1)
	for name, want := range map[string]string{
		"fd00--1.h.ns.svc.cluster.local.": "fd00--1.h.ns.svc.cluster.local. AAAA fd00::1",
		"fd00--0.h.ns.svc.cluster.local.": "fd00--0.h.ns.svc.cluster.local. AAAA fd00::",
	} {
		res, _ := z.answer(dns.Question{Name: name, Qtype: dns.TypeAAAA, Qclass: dns.ClassINET})
		check(t, name, res.answer, []string{want})
	}
}

func TestBuildZoneSkipsFQDNSlicesAndUnallocatedIPs(t *testing.T) {
	fqdn := endpointSlice("ns", "h", "h-1", nil, endpoint("db.example.org", nil, ""))
	fqdn.AddressType = discoveryv1.AddressTypeFQDN
	pending := clusterIPService("ns", "pending", []string{""})
	pending.Spec.ClusterIPs = nil
	z := buildZone([]*corev1.Service{headlessService("ns", "h", false), pending}, []*discoveryv1.EndpointSlice{fqdn}, "cluster.local.", 5, 1)
	for _, name := range []string{"h.ns.svc.cluster.local.", "pending.ns.svc.cluster.local."} {
		res, _ := z.answer(dns.Question{Name: name, Qtype: dns.TypeA, Qclass: dns.ClassINET})
		if res.rcode != dns.RcodeSuccess || len(res.answer) != 0 {
			t.Errorf("%s: rcode %d, %d answers; want NODATA", name, res.rcode, len(res.answer))
		}
	}
}

func TestBuildZoneIsDeterministic(t *testing.T) {
	services, endpointSlices := fixture()
	a := buildZone(services, endpointSlices, "cluster.local.", 5, 1)
	slices.Reverse(services)
	slices.Reverse(endpointSlices)
	b := buildZone(services, endpointSlices, "cluster.local.", 5, 1)
	for name, na := range a.nodes {
		nb := b.nodes[name]
		if nb == nil {
			t.Fatalf("%s missing", name)
		}
		for typ, set := range na.sets {
			if g, w := shortsInOrder(nb.sets[typ].rrs), shortsInOrder(set.rrs); !slices.Equal(g, w) {
				t.Errorf("%s %s: %q != %q", name, dns.TypeToString[typ], g, w)
			}
		}
	}
}

func shortsInOrder(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		out = append(out, short(rr))
	}
	return out
}
