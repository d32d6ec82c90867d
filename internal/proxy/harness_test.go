package proxy

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// Real sockets on 127.0.0.0/8: every address there is local on Linux.
// Frontends ("ClusterIPs") come from 127.50.0.0/16, backends from
// 127.51.0.0/16. Ports are chosen by the kernel, so tests running at the
// same time on this machine do not collide.

var nextIP atomic.Uint32

// loopbackIP returns a fresh address in 127.<second>.0.0/16.
func loopbackIP(second byte) netip.Addr {
	n := nextIP.Add(1) + uint32(os.Getpid()%100)*256
	return netip.AddrFrom4([4]byte{127, second, byte(n >> 8), byte(n)})
}

// freePort returns a port that is free on ip for proto.
func freePort(t testing.TB, proto corev1.Protocol, ip netip.Addr) uint16 {
	t.Helper()
	addr := netip.AddrPortFrom(ip, 0).String()
	if proto == corev1.ProtocolUDP {
		c, err := net.ListenPacket("udp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return addrPortOf(c.LocalAddr()).Port()
	}
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return addrPortOf(ln.Addr()).Port()
}

// newTestProxy returns a proxy whose sockets are all closed at the end of
// the test.
func newTestProxy(t testing.TB, cfg Config) *Proxy {
	if cfg.Logger == nil && testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p := New(cfg)
	t.Cleanup(func() {
		_ = p.Close()
		p.conns.closeAll()
	})
	return p
}

// tcpBackend is a backend that sends "<name>\n" on accept, then echoes.
type tcpBackend struct {
	name string
	addr netip.AddrPort
	ln   net.Listener
}

func startTCPBackend(t testing.TB, name string) *tcpBackend {
	t.Helper()
	ln, err := net.Listen("tcp4", netip.AddrPortFrom(loopbackIP(51), 0).String())
	if err != nil {
		t.Fatal(err)
	}
	b := &tcpBackend{name: name, addr: addrPortOf(ln.Addr()), ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				if name != "" {
					fmt.Fprintln(c, name)
				}
				_, _ = io.Copy(c, c)
			})
		}
	})
	return b
}

// refusingBackend returns an address where nothing listens.
func refusingBackend(t testing.TB) netip.AddrPort {
	ip := loopbackIP(51)
	return netip.AddrPortFrom(ip, freePort(t, corev1.ProtocolTCP, ip))
}

// udpBackend replies "<name>:<datagram>" to every datagram.
func startUDPBackend(t testing.TB, name string) netip.AddrPort {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopbackIP(51), 0)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	go func() {
		defer close(done)
		buf := make([]byte, maxDatagram)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = c.WriteToUDPAddrPort(append([]byte(name+":"), buf[:n]...), from)
		}
	}()
	return addrPortOf(c.LocalAddr())
}

// backendSlices returns one endpoint slice per backend for service web,
// port "http"; ready[i] says whether backends[i] is ready.
func backendSlices(proto corev1.Protocol, backends []netip.AddrPort, ready ...bool) []*discoveryv1.EndpointSlice {
	var out []*discoveryv1.EndpointSlice
	for i, b := range backends {
		e := b.Addr().String()
		if i < len(ready) && !ready[i] {
			e += "!"
		}
		out = append(out, endpointSlice("default", fmt.Sprintf("web-%d", i), "web",
			[]discoveryv1.EndpointPort{slicePort("http", proto, int32(b.Port()))}, e))
	}
	return out
}

// whoTCP connects to addr (from local, when valid), checks the echo, and
// returns the name of the backend that answered.
func whoTCP(addr netip.AddrPort, local netip.Addr) (string, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	if local.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: local.AsSlice()}
	}
	c, err := d.Dial("tcp4", addr.String())
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	name, err := r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read banner: %w", err)
	}
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		return "", err
	}
	echo, err := r.ReadString('\n')
	if err != nil || echo != "ping\n" {
		return "", fmt.Errorf("echo: %q, %v", echo, err)
	}
	return strings.TrimSpace(name), nil
}

// mustWho is whoTCP that fails the test on error.
func mustWho(t testing.TB, addr netip.AddrPort, local netip.Addr) string {
	t.Helper()
	name, err := whoTCP(addr, local)
	if err != nil {
		t.Fatalf("connect %s: %v", addr, err)
	}
	return name
}

// listenerOf returns the server currently open for f, or nil.
func listenerOf(p *Proxy, f frontend) frontendServer {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.servers[f].server
}
