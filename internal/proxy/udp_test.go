package proxy

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// udpClient is a client socket on a chosen local address.
type udpClient struct {
	t    testing.TB
	conn *net.UDPConn
}

func newUDPClient(t testing.TB, local netip.Addr) *udpClient {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpClient{t: t, conn: c}
}

// ask sends msg to addr and returns the reply and its source.
func (c *udpClient) ask(addr netip.AddrPort, msg string) (string, netip.AddrPort) {
	c.t.Helper()
	if _, err := c.conn.WriteToUDPAddrPort([]byte(msg), addr); err != nil {
		c.t.Fatal(err)
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, maxDatagram)
	n, from, err := c.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		c.t.Fatalf("no reply to %q from %s: %v", msg, addr, err)
	}
	return string(buf[:n]), from
}

func countFlows(u *udpFrontend) int {
	n := 0
	u.flows.Range(func(_, _ any) bool { n++; return true })
	return n
}

func TestUDPRelay(t *testing.T) {
	a, b := startUDPBackend(t, "a"), startUDPBackend(t, "b")
	vip := loopbackIP(50)
	port := freePort(t, udp, vip)
	front := netip.AddrPortFrom(vip, port)
	services := []*corev1.Service{webService(vip, udp, port)}

	p := newTestProxy(t, Config{UDPIdleTimeout: 300 * time.Millisecond})
	if err := p.Sync(services, backendSlices(udp, []netip.AddrPort{a, b})); err != nil {
		t.Fatal(err)
	}
	c1 := newUDPClient(t, netip.MustParseAddr("127.0.0.1"))
	c2 := newUDPClient(t, loopbackIP(52))

	// Each client keeps its backend for the life of its flow; round robin
	// gives the two flows different backends.
	backendOf := map[*udpClient]string{}
	for i := range 3 {
		for _, c := range []*udpClient{c1, c2} {
			reply, from := c.ask(front, "hello")
			if from != front {
				t.Errorf("reply came from %s, want the frontend %s", from, front)
			}
			name, msg, _ := strings.Cut(reply, ":")
			if msg != "hello" {
				t.Errorf("reply %q", reply)
			}
			if i == 0 {
				backendOf[c] = name
			} else if name != backendOf[c] {
				t.Errorf("client's flow moved from %s to %s", backendOf[c], name)
			}
		}
	}
	if backendOf[c1] == backendOf[c2] {
		t.Errorf("both flows went to backend %s", backendOf[c1])
	}

	// A full-size datagram makes it both ways.
	big := bytes.Repeat([]byte("x"), 60000)
	reply, _ := c1.ask(front, string(big))
	if len(reply) != len(backendOf[c1])+1+len(big) {
		t.Errorf("large datagram: reply of %d bytes", len(reply))
	}

	// Idle flows end.
	u := listenerOf(p, frontend{addr: front, protocol: udp}).(*udpFrontend)
	if n := countFlows(u); n != 2 {
		t.Errorf("%d flows, want 2", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for countFlows(u) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := countFlows(u); n != 0 {
		t.Errorf("%d flows left after the idle timeout", n)
	}

	// A backend stops being ready: its flow ends and the client moves.
	if err := p.Sync(services, backendSlices(udp, []netip.AddrPort{a, b})); err != nil {
		t.Fatal(err)
	}
	reply, _ = c1.ask(front, "x")
	was, _, _ := strings.Cut(reply, ":")
	ready := []bool{was != "a", was != "b"}
	if err := p.Sync(services, backendSlices(udp, []netip.AddrPort{a, b}, ready...)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		reply, _ = c1.ask(front, "x")
		if now, _, _ := strings.Cut(reply, ":"); now == was {
			t.Errorf("client still reaches %s after it stopped being ready", was)
		}
	}
}

func TestUDPNodePortRepliesFromAddressedIP(t *testing.T) {
	a := startUDPBackend(t, "a")
	vip := loopbackIP(50)
	nodePort := freePort(t, udp, netip.IPv4Unspecified())
	services := []*corev1.Service{service("default", "web", vip.String(), withNodePort("http", udp, 53, int32(nodePort)))}

	p := newTestProxy(t, Config{})
	if err := p.Sync(services, backendSlices(udp, []netip.AddrPort{a})); err != nil {
		t.Fatal(err)
	}
	c := newUDPClient(t, netip.MustParseAddr("127.0.0.1"))
	// The kernel would answer 127.0.0.1 from 127.0.0.1; IP_PKTINFO makes
	// the reply leave from whichever address the client sent to.
	for _, ip := range []netip.Addr{netip.MustParseAddr("127.0.0.1"), loopbackIP(54), loopbackIP(54)} {
		to := netip.AddrPortFrom(ip, nodePort)
		reply, from := c.ask(to, "hi")
		if reply != "a:hi" || from != to {
			t.Errorf("sent to %s: reply %q from %s", to, reply, from)
		}
	}
}
