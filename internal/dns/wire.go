package dns

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/miekg/dns"
)

// The commonest query by far is for the addresses of a cluster name (a
// Service's, or a headless endpoint's). The zone also holds those answers
// in wire form, so that the UDP loop can reply to such a query by copying
// bytes after the query's own header and question, with no message
// unpacked, built or packed. A query with anything unusual about it, and
// every other question, takes the general path (readQuery, answerLocal),
// which gives the same reply byte for byte: wire_test.go checks that.

// wireSet is the A or AAAA records of a name in wire form, each owned by a
// compression pointer to the question's name at offset 12 (as miekg/dns
// compresses them), so that the owner has the query's case.
type wireSet struct {
	rrs   []byte // the records, rrLen bytes each
	rrLen int
}

// wireNode is the address records of one name.
type wireNode struct {
	a, aaaa wireSet
}

// DNS wire constants.
const (
	headerSize = 12
	ptrToQname = 0xC000 | headerSize // compression pointer to the question's name
	maxNameLen = 255                 // wire octets, the root label included
	optLen     = 11                  // an OPT record with no options

	flagQR     = 1 << 15
	flagOpcode = 0xF << 11
	flagAA     = 1 << 10
	flagRD     = 1 << 8
	flagRA     = 1 << 7
	flagCD     = 1 << 4
	optDO      = 1 << 15
)

// wireNodes computes the wire answers of the zone's address records, by
// the lowercase wire form of their names. A name with a CNAME is left out,
// and so is the pod subtree, which answer computes and nodes only holds
// empty non-terminals of.
func wireNodes(z *zone) map[string]*wireNode {
	wire := map[string]*wireNode{}
	for name, n := range z.nodes {
		if n.cname != nil || inDomain(name, z.pod) {
			continue
		}
		a, aaaa := wireRRs(n.sets[dns.TypeA].rrs), wireRRs(n.sets[dns.TypeAAAA].rrs)
		if a.rrs == nil && aaaa.rrs == nil {
			continue
		}
		key := make([]byte, maxNameLen)
		k, err := dns.PackDomainName(name, key, 0, nil, false)
		if err != nil {
			continue // not a name a query could carry
		}
		wire[string(key[:k])] = &wireNode{a: a, aaaa: aaaa}
	}
	return wire
}

func wireRRs(rrs []dns.RR) wireSet {
	var s wireSet
	for _, rr := range rrs {
		var rdata []byte
		switch rr := rr.(type) {
		case *dns.A:
			rdata = rr.A.To4()
		case *dns.AAAA:
			rdata = rr.AAAA.To16()
		}
		h := rr.Header()
		s.rrs = binary.BigEndian.AppendUint16(s.rrs, ptrToQname)
		s.rrs = binary.BigEndian.AppendUint16(s.rrs, h.Rrtype)
		s.rrs = binary.BigEndian.AppendUint16(s.rrs, h.Class)
		s.rrs = binary.BigEndian.AppendUint32(s.rrs, h.Ttl)
		s.rrs = binary.BigEndian.AppendUint16(s.rrs, uint16(len(rdata)))
		s.rrs = append(s.rrs, rdata...)
		s.rrLen = 10 + 2 + len(rdata)
	}
	return s
}

// appendReply appends to dst the reply to query q if it is a plain query
// (no EDNS0, or EDNS0 without options) in class IN for the A or AAAA
// records of a name that has some, and the reply fits the client's UDP
// size. ok is false for anything else: the general path answers it.
// rotate is the server's rotation of multi-address answers; ra is the
// RA bit.
func (z *zone) appendReply(dst, q []byte, rotate *atomic.Uint32, ra bool) (reply []byte, ok bool) {
	if len(q) < headerSize {
		return nil, false
	}
	bits := binary.BigEndian.Uint16(q[2:])
	if bits&(flagQR|flagOpcode) != 0 || // a response, or not QUERY
		binary.BigEndian.Uint16(q[4:]) != 1 || // QDCOUNT
		binary.BigEndian.Uint16(q[6:]) != 0 || // ANCOUNT
		binary.BigEndian.Uint16(q[8:]) != 0 { // NSCOUNT
		return nil, false
	}
	arcount := binary.BigEndian.Uint16(q[10:])

	// The question's name, lowercased into key. It is the first name of
	// the message, so it has no compression pointer.
	var key [maxNameLen]byte
	off, k := headerSize, 0
	for {
		if off >= len(q) {
			return nil, false
		}
		l := int(q[off])
		if l > 63 || k+1+l > maxNameLen || off+1+l > len(q) {
			return nil, false
		}
		key[k] = q[off]
		for i := 1; i <= l; i++ {
			c := q[off+i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			key[k+i] = c
		}
		k, off = k+1+l, off+1+l
		if l == 0 {
			break
		}
	}
	if off+4 > len(q) || binary.BigEndian.Uint16(q[off+2:]) != dns.ClassINET {
		return nil, false
	}
	n := z.wire[string(key[:k])]
	if n == nil {
		return nil, false
	}
	var set wireSet
	switch binary.BigEndian.Uint16(q[off:]) {
	case dns.TypeA:
		set = n.a
	case dns.TypeAAAA:
		set = n.aaaa
	}
	if set.rrs == nil {
		return nil, false
	}
	qend := off + 4

	// No record after the question, or one OPT with no options.
	size, edns, do := dns.MinMsgSize, false, false
	switch {
	case arcount == 0 && qend == len(q):
	case arcount == 1 && qend+optLen == len(q) && q[qend] == 0 &&
		binary.BigEndian.Uint16(q[qend+1:]) == dns.TypeOPT && binary.BigEndian.Uint16(q[qend+9:]) == 0:
		edns = true
		size = max(size, int(binary.BigEndian.Uint16(q[qend+3:])))
		do = binary.BigEndian.Uint16(q[qend+7:])&optDO != 0
	default:
		return nil, false
	}
	count := len(set.rrs) / set.rrLen
	length := qend + len(set.rrs)
	if edns {
		length += optLen
	}
	if length > size {
		return nil, false // the general path truncates
	}

	flags := uint16(flagQR|flagAA) | bits&(flagRD|flagCD)
	if ra {
		flags |= flagRA
	}
	var arcountOut uint16
	if edns {
		arcountOut = 1
	}
	dst = append(dst, q[0], q[1]) // ID
	dst = binary.BigEndian.AppendUint16(dst, flags)
	dst = binary.BigEndian.AppendUint16(dst, 1)
	dst = binary.BigEndian.AppendUint16(dst, uint16(count))
	dst = binary.BigEndian.AppendUint16(dst, 0)
	dst = binary.BigEndian.AppendUint16(dst, arcountOut)
	dst = append(dst, q[headerSize:qend]...)
	if count > 1 {
		// As reply does: the answer starts one record further on each time.
		at := int(rotate.Add(1)%uint32(count)) * set.rrLen
		dst = append(dst, set.rrs[at:]...)
		dst = append(dst, set.rrs[:at]...)
	} else {
		dst = append(dst, set.rrs...)
	}
	if edns {
		var optFlags uint16
		if do {
			optFlags = optDO
		}
		dst = append(dst, 0) // root
		dst = binary.BigEndian.AppendUint16(dst, dns.TypeOPT)
		dst = binary.BigEndian.AppendUint16(dst, ednsSize)
		dst = binary.BigEndian.AppendUint16(dst, 0) // extended rcode, version
		dst = binary.BigEndian.AppendUint16(dst, optFlags)
		dst = binary.BigEndian.AppendUint16(dst, 0) // no options
	}
	return dst, true
}
