package proxy

import (
	"io"
	"net"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkTCPRequestResponse measures small request/response round trips
// over one connection, directly to an echo backend and through the proxy;
// the difference is the proxy's per-message cost. It also reports the cost
// of a new connection per request.
func BenchmarkTCPRequestResponse(b *testing.B) {
	echo := startTCPBackend(b, "") // no banner: a plain echo server
	vip := loopbackIP(50)
	port := freePort(b, tcp, vip)
	front := netip.AddrPortFrom(vip, port)

	p := newTestProxy(b, Config{})
	if err := p.Sync([]*corev1.Service{webService(vip, tcp, port)}, backendSlices(tcp, []netip.AddrPort{echo.addr})); err != nil {
		b.Fatal(err)
	}

	for _, target := range []struct {
		name string
		addr netip.AddrPort
	}{{"direct", echo.addr}, {"proxy", front}} {
		b.Run(target.name, func(b *testing.B) {
			c, err := net.Dial("tcp4", target.addr.String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req, resp := make([]byte, 64), make([]byte, 64)
			b.SetBytes(int64(len(req)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(target.name+"-new-conn", func(b *testing.B) {
			req, resp := make([]byte, 64), make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				c, err := net.Dial("tcp4", target.addr.String())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, resp); err != nil {
					b.Fatal(err)
				}
				c.(*net.TCPConn).SetLinger(0) // no TIME_WAIT pile-up
				c.Close()
			}
		})
	}
}
