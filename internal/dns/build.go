package dns

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/marina-orchestrator/marina/internal/servicemap"
)

// SpecVersion is the version of the Kubernetes DNS-based service discovery
// specification the zone follows, answered as TXT at dns-version.<domain>.
const SpecVersion = "1.1.0"

// SOA timers, as CoreDNS's.
const (
	soaRefresh = 7200
	soaRetry   = 1800
	soaExpire  = 86400
)

// buildZone computes the zone of these services and endpoint slices (the
// complete current lists) for the cluster domain origin (lowercase FQDN).
// It is pure: the same input gives the same zone, records in a stable order.
//
// What it publishes, under <svc>.<ns>.svc.<origin> (see the package doc):
// ClusterIP services' addresses, SRV and PTR; headless services' ready
// endpoint addresses, endpoint names, SRV and PTR; ExternalName services'
// CNAME; and at the apex SOA, NS and dns-version TXT.
func buildZone(services []*corev1.Service, endpointSlices []*discoveryv1.EndpointSlice, origin string, ttl, serial uint32) *zone {
	b := &builder{origin: origin, ttl: ttl, nodes: map[string]*nodeBuilder{}}
	soa := &dns.SOA{
		Hdr:     dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns:      "ns.dns." + origin,
		Mbox:    "hostmaster." + origin,
		Serial:  serial,
		Refresh: soaRefresh,
		Retry:   soaRetry,
		Expire:  soaExpire,
		Minttl:  ttl,
	}
	b.add(soa, "")
	b.add(&dns.NS{Hdr: b.hdr(origin, dns.TypeNS), Ns: soa.Ns}, "")
	b.add(&dns.TXT{Hdr: b.hdr("dns-version."+origin, dns.TypeTXT), Txt: []string{SpecVersion}}, "")
	b.ensure("pod." + origin)

	bySvc := servicemap.Index(endpointSlices)

	svcs := slices.Clone(services)
	slices.SortFunc(svcs, func(a, b *corev1.Service) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	for _, svc := range svcs {
		name := lower(svc.Name + "." + svc.Namespace + ".svc." + origin)
		switch {
		case svc.Spec.Type == corev1.ServiceTypeExternalName:
			b.externalName(name, svc)
		case svc.Spec.ClusterIP == corev1.ClusterIPNone:
			ess := bySvc[types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}]
			slices.SortFunc(ess, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })
			b.headless(name, svc, ess)
		default:
			b.clusterIP(name, svc)
		}
	}
	return b.finish(soa)
}

// builder accumulates the records of a zone; finish freezes them.
type builder struct {
	origin string
	ttl    uint32
	nodes  map[string]*nodeBuilder
	order  []string // names in the order first seen, for stable output
}

type nodeBuilder struct {
	cname dns.RR
	sets  map[uint16]*setBuilder
}

type setBuilder struct {
	rrs  []dns.RR
	seen map[string]struct{}
}

func (b *builder) hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: b.ttl}
}

// ensure makes name exist, and under the origin its ancestors too (empty
// non-terminals answer NODATA, not NXDOMAIN: RFC 8020).
func (b *builder) ensure(name string) *nodeBuilder {
	n := b.nodes[name]
	if n != nil {
		return n
	}
	n = &nodeBuilder{}
	b.nodes[name] = n
	b.order = append(b.order, name)
	if name != b.origin && inDomain(name, b.origin) {
		_, parent, _ := strings.Cut(name, ".")
		b.ensure(parent)
	}
	return n
}

// add adds rr at its owner name; key, when not empty, drops a second record
// of the same type with the same key (an address seen in two slices).
func (b *builder) add(rr dns.RR, key string) {
	n := b.ensure(rr.Header().Name)
	if n.sets == nil {
		n.sets = map[uint16]*setBuilder{}
	}
	t := rr.Header().Rrtype
	s := n.sets[t]
	if s == nil {
		s = &setBuilder{seen: map[string]struct{}{}}
		n.sets[t] = s
	}
	if key != "" {
		if _, dup := s.seen[key]; dup {
			return
		}
		s.seen[key] = struct{}{}
	}
	s.rrs = append(s.rrs, rr)
}

// addAddr adds an A or AAAA record.
func (b *builder) addAddr(name string, ip netip.Addr) {
	if ip.Is4() {
		b.add(&dns.A{Hdr: b.hdr(name, dns.TypeA), A: ip.AsSlice()}, ip.String())
	} else {
		b.add(&dns.AAAA{Hdr: b.hdr(name, dns.TypeAAAA), AAAA: ip.AsSlice()}, ip.String())
	}
}

// addPTR adds the reverse record of ip pointing at target.
func (b *builder) addPTR(ip netip.Addr, target string) {
	rev, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return // cannot happen for a valid address
	}
	b.add(&dns.PTR{Hdr: b.hdr(rev, dns.TypePTR), Ptr: target}, target)
}

// addSRV adds an SRV record at name; finish sets the weights.
func (b *builder) addSRV(name, target string, port int32) {
	if port <= 0 || port > 65535 {
		return
	}
	b.add(&dns.SRV{Hdr: b.hdr(name, dns.TypeSRV), Port: uint16(port), Target: target},
		target+"/"+strconv.Itoa(int(port)))
}

func (b *builder) externalName(name string, svc *corev1.Service) {
	n := b.ensure(name)
	if svc.Spec.ExternalName == "" {
		return // exists, with no data
	}
	n.cname = &dns.CNAME{Hdr: b.hdr(name, dns.TypeCNAME), Target: dns.CanonicalName(svc.Spec.ExternalName)}
}

// clusterIP publishes a service with a virtual IP: an address record per
// ClusterIP, its PTR, and an SRV per port (named ports also under
// _<port>._<proto>) that points at the service name.
func (b *builder) clusterIP(name string, svc *corev1.Service) {
	b.ensure(name)
	for _, ip := range servicemap.ClusterIPs(svc) {
		b.addAddr(name, ip)
		b.addPTR(ip, name)
	}
	for _, p := range svc.Spec.Ports {
		b.addSRV(name, name, p.Port)
		if p.Name != "" {
			b.addSRV(srvName(p.Name, p.Protocol, name), name, p.Port)
		}
	}
}

// headless publishes a service without a virtual IP from its endpoint
// slices: every ready address (every address if the service publishes
// not-ready ones) at the service name and at the endpoint's own name
// <hostname>.<svc>..., its PTR pointing at the endpoint name, and an SRV per
// address and slice port pointing at the endpoint name.
func (b *builder) headless(name string, svc *corev1.Service, ess []*discoveryv1.EndpointSlice) {
	b.ensure(name)
	for _, p := range svc.Spec.Ports {
		if p.Name != "" {
			b.ensure(srvName(p.Name, p.Protocol, name)) // NODATA while there are no endpoints
		}
	}
	for _, es := range ess {
		for _, ep := range es.Endpoints {
			if !svc.Spec.PublishNotReadyAddresses && !servicemap.Ready(ep) {
				continue
			}
			for _, a := range ep.Addresses {
				ip, err := netip.ParseAddr(a)
				if err != nil {
					continue
				}
				ip = ip.Unmap()
				host := endpointHostname(ep.Hostname, ip)
				target := host + "." + name
				b.addAddr(name, ip)
				b.addAddr(target, ip)
				b.addPTR(ip, target)
				for _, p := range es.Ports {
					if p.Port == nil {
						continue
					}
					b.addSRV(name, target, *p.Port)
					if p.Name != nil && *p.Name != "" {
						proto := corev1.ProtocolTCP
						if p.Protocol != nil {
							proto = *p.Protocol
						}
						b.addSRV(srvName(*p.Name, proto, name), target, *p.Port)
					}
				}
			}
		}
	}
}

// srvName is _<port>._<proto>.<name>, the protocol lowercase (TCP if unset).
func srvName(port string, proto corev1.Protocol, name string) string {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	return lower("_" + port + "._" + string(proto) + "." + name)
}

// endpointHostname is the label of an endpoint's own name: its hostname
// (a StatefulSet pod's), or else its address with dashes for dots or colons,
// as CoreDNS writes it ("10-0-0-1", "fd00--1", "fd00--0" for "fd00::").
func endpointHostname(hostname *string, ip netip.Addr) string {
	if hostname != nil && *hostname != "" {
		return lower(*hostname)
	}
	if ip.Is4() {
		return strings.ReplaceAll(ip.String(), ".", "-")
	}
	h := strings.ReplaceAll(ip.String(), ":", "-")
	if strings.HasSuffix(h, "-") {
		h += "0"
	}
	if strings.HasPrefix(h, "-") {
		h = "0" + h
	}
	return h
}

// finish freezes the builder into a zone: SRV weights spread equally over
// each set (100/n, at least 1, as CoreDNS), and each SRV set's additional
// section filled with its targets' addresses.
func (b *builder) finish(soa *dns.SOA) *zone {
	z := &zone{origin: b.origin, pod: "pod." + b.origin, ttl: b.ttl, soa: soa, nodes: make(map[string]*node, len(b.nodes))}
	for _, name := range b.order {
		nb := b.nodes[name]
		n := &node{cname: nb.cname}
		if len(nb.sets) > 0 {
			n.sets = make(map[uint16]rrset, len(nb.sets))
		}
		for t, sb := range nb.sets {
			set := rrset{rrs: slices.Clip(sb.rrs)}
			if t == dns.TypeSRV {
				set.extra = b.srvExtra(sb.rrs)
			}
			n.sets[t] = set
		}
		z.nodes[name] = n
	}
	z.wire = wireNodes(z)
	return z
}

func (b *builder) srvExtra(rrs []dns.RR) []dns.RR {
	weight := uint16(max(1, 100/len(rrs)))
	var extra []dns.RR
	seen := map[string]bool{}
	for _, rr := range rrs {
		srv := rr.(*dns.SRV)
		srv.Weight = weight
		if seen[srv.Target] {
			continue
		}
		seen[srv.Target] = true
		if t := b.nodes[srv.Target]; t != nil {
			for _, typ := range []uint16{dns.TypeA, dns.TypeAAAA} {
				if s := t.sets[typ]; s != nil {
					extra = append(extra, s.rrs...)
				}
			}
		}
	}
	return slices.Clip(extra)
}
