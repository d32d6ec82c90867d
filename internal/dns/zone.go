package dns

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// zone is an immutable snapshot of the cluster's records, built by
// buildZone and swapped in whole by Sync. It is read by every query
// concurrently; nothing in it, nor any RR it returns, may be modified.
type zone struct {
	origin string // the cluster domain, lowercase FQDN: "cluster.local."
	pod    string // the pod subtree: "pod." + origin
	ttl    uint32
	soa    *dns.SOA
	// nodes holds every name the zone has data for, lowercase FQDN: the
	// names under origin (empty non-terminals included, as nodes with no
	// sets) and the reverse names (in-addr.arpa., ip6.arpa.) of our
	// ClusterIPs and endpoint addresses. Pod names are not here: they are
	// computed from the query.
	nodes map[string]*node
	// wire holds the address records of nodes again, in wire form, by
	// lowercase wire name: see appendReply.
	wire map[string]*wireNode
}

// node is the data at one name.
type node struct {
	// cname, for an ExternalName service, answers every qtype.
	cname dns.RR
	// sets holds the records by type; nil for an empty non-terminal.
	sets map[uint16]rrset
}

// rrset is the records of one name and type, and what goes with them in the
// additional section.
type rrset struct {
	rrs   []dns.RR
	extra []dns.RR // SRV: the targets' A and AAAA records
}

// result is the zone's answer to one question. Its slices are shared with
// the zone: the caller copies before changing them.
type result struct {
	rcode  int
	answer []dns.RR
	ns     []dns.RR // the SOA, with NXDOMAIN and NODATA
	extra  []dns.RR
}

// anyOrder is the order of the sets in an answer to qtype ANY.
var anyOrder = []uint16{dns.TypeSOA, dns.TypeNS, dns.TypeA, dns.TypeAAAA, dns.TypeSRV, dns.TypePTR, dns.TypeTXT}

// answer answers q from the zone. ours is false when the name is not the
// zone's to answer and the query goes upstream: a name outside the cluster
// domain, or a reverse name that is not one of our addresses (or is, but is
// asked for something other than PTR).
//
// Inside the cluster domain every name has an answer: its records; the
// CNAME of an ExternalName service whatever the qtype; NOERROR with no
// answers (NODATA) when the name exists but has no records of that type
// (empty non-terminals such as "svc.cluster.local." included); NXDOMAIN
// otherwise. Both negative answers carry the zone's SOA.
func (z *zone) answer(q dns.Question) (res result, ours bool) {
	name := lower(q.Name)
	if !inDomain(name, z.origin) {
		n := z.nodes[name]
		if n == nil || (q.Qtype != dns.TypePTR && q.Qtype != dns.TypeANY) {
			return result{}, false
		}
		return owned(q.Name, name, result{answer: n.sets[dns.TypePTR].rrs}), true
	}
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY {
		return result{rcode: dns.RcodeRefused}, true
	}
	switch q.Qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		return result{rcode: dns.RcodeRefused}, true
	}

	if n, ok := z.podNode(name); ok {
		return owned(q.Name, name, z.fromNode(n, q.Qtype)), true
	}
	return owned(q.Name, name, z.fromNode(z.nodes[name], q.Qtype)), true
}

// fromNode answers qtype from the node; nil means the name does not exist.
func (z *zone) fromNode(n *node, qtype uint16) result {
	switch {
	case n == nil:
		return result{rcode: dns.RcodeNameError, ns: []dns.RR{z.soa}}
	case n.cname != nil:
		return result{answer: []dns.RR{n.cname}}
	case qtype == dns.TypeANY:
		var res result
		for _, t := range anyOrder {
			res.answer = append(res.answer, n.sets[t].rrs...)
			res.extra = append(res.extra, n.sets[t].extra...)
		}
		if len(res.answer) == 0 {
			res.ns = []dns.RR{z.soa}
		}
		return res
	}
	set, ok := n.sets[qtype]
	if !ok {
		return result{ns: []dns.RR{z.soa}}
	}
	return result{answer: set.rrs, extra: set.extra}
}

// podNode computes the node of a name in the pod subtree
// ("<a-b-c-d>.<ns>.pod.<origin>"), as the CoreDNS kubernetes plugin's "pods
// insecure" mode: any well-formed dashed address exists, in any namespace,
// without looking for the pod. ok is false outside the pod subtree.
func (z *zone) podNode(name string) (n *node, ok bool) {
	if name == z.pod {
		return &node{}, true
	}
	if !inDomain(name, z.pod) {
		return nil, false
	}
	labels := strings.Split(name[:len(name)-len(z.pod)-1], ".")
	switch len(labels) {
	case 1: // "<ns>.pod.<origin>": an empty non-terminal above every pod
		return &node{}, true
	case 2:
		ip, ok := parseDashed(labels[0])
		if !ok {
			return nil, true
		}
		var rr dns.RR
		if ip.Is4() {
			rr = &dns.A{Hdr: z.hdr(name, dns.TypeA), A: ip.AsSlice()}
		} else {
			rr = &dns.AAAA{Hdr: z.hdr(name, dns.TypeAAAA), AAAA: ip.AsSlice()}
		}
		return &node{sets: map[uint16]rrset{rr.Header().Rrtype: {rrs: []dns.RR{rr}}}}, true
	}
	return nil, true
}

// parseDashed reads an address written with dashes for its dots or colons:
// "10-1-2-3", "fd00--1".
func parseDashed(label string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(strings.ReplaceAll(label, "-", ".")); err == nil && ip.Is4() {
		return ip, true
	}
	if ip, err := netip.ParseAddr(strings.ReplaceAll(label, "-", ":")); err == nil && ip.Is6() && ip.Zone() == "" {
		return ip, true
	}
	return netip.Addr{}, false
}

func (z *zone) hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: z.ttl}
}

// owned gives the answer records owned by the query name the case the query
// had (RFC 4343, and what CoreDNS does); the zone stores them lowercase.
func owned(qname, name string, res result) result {
	if qname == name {
		return res
	}
	answer := make([]dns.RR, len(res.answer))
	for i, rr := range res.answer {
		if rr.Header().Name == name {
			rr = dns.Copy(rr)
			rr.Header().Name = qname
		}
		answer[i] = rr
	}
	res.answer = answer
	return res
}

// inDomain reports whether the lowercase FQDN name is origin or under it.
func inDomain(name, origin string) bool {
	return name == origin || (len(name) > len(origin) && strings.HasSuffix(name, origin) && name[len(name)-len(origin)-1] == '.')
}

// lower is strings.ToLower for DNS names, with no allocation for a name
// that is lowercase already (nearly all of them).
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
