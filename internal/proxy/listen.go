package proxy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/marina-orchestrator/marina/internal/sockopt"
)

// listenConfig opens sockets with SO_REUSEADDR and SO_REUSEPORT (see
// package sockopt).
//
// For a UDP socket on an unspecified address it also asks for the
// destination of each datagram (IP_PKTINFO), so replies can leave from the
// address the client sent to.
func listenConfig(pktinfo bool) *net.ListenConfig {
	return &net.ListenConfig{Control: func(network, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			s := int(fd)
			if serr = sockopt.Reuse(s); serr != nil || !pktinfo {
				return
			}
			if network == "udp6" {
				serr = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
			} else {
				serr = unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
			}
			if serr != nil {
				serr = fmt.Errorf("set pktinfo: %w", serr)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
}

// listenTCP opens a listening socket for f.
func listenTCP(f frontend) (*net.TCPListener, error) {
	ln, err := listenConfig(false).Listen(context.Background(), f.network(), f.addr.String())
	if err != nil {
		return nil, err
	}
	return ln.(*net.TCPListener), nil
}

// listenUDP opens a socket for f; the bool reports whether it delivers
// IP_PKTINFO (f is on an unspecified address).
func listenUDP(f frontend) (*net.UDPConn, bool, error) {
	wildcard := f.addr.Addr().IsUnspecified()
	pc, err := listenConfig(wildcard).ListenPacket(context.Background(), f.network(), f.addr.String())
	if err != nil {
		return nil, false, err
	}
	return pc.(*net.UDPConn), wildcard, nil
}

// pktinfoDst returns the destination address recorded in the IP_PKTINFO or
// IPV6_PKTINFO control message in oob, or the zero Addr.
func pktinfoDst(oob []byte) netip.Addr {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return netip.Addr{}
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo:
			// struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; }
			return netip.AddrFrom4([4]byte(m.Data[8:12]))
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= unix.SizeofInet6Pktinfo:
			// struct in6_pktinfo { in6_addr addr; unsigned ifindex; }
			return netip.AddrFrom16([16]byte(m.Data[0:16]))
		}
	}
	return netip.Addr{}
}

// pktinfoSrc returns a control message that makes a datagram leave from
// src, or nil when src cannot be a source address.
func pktinfoSrc(src netip.Addr) []byte {
	if !src.IsValid() || src.IsUnspecified() || src.IsMulticast() {
		return nil
	}
	if src.Is4() {
		return unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: src.As4()})
	}
	return unix.PktInfo6(&unix.Inet6Pktinfo{Addr: src.As16()})
}
