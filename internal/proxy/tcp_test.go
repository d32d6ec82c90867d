package proxy

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// webService returns service default/web on clusterIP:port with port "http".
func webService(clusterIP netip.Addr, proto corev1.Protocol, port uint16, opts ...svcOpt) *corev1.Service {
	return service("default", "web", clusterIP.String(), append([]svcOpt{withPort("http", proto, int32(port))}, opts...)...)
}

func TestTCPRoundRobinAndReadiness(t *testing.T) {
	a, b, c := startTCPBackend(t, "a"), startTCPBackend(t, "b"), startTCPBackend(t, "c")
	backends := []netip.AddrPort{a.addr, b.addr, c.addr}
	vip := loopbackIP(50)
	port := freePort(t, tcp, vip)
	front := netip.AddrPortFrom(vip, port)
	services := []*corev1.Service{webService(vip, tcp, port)}

	p := newTestProxy(t, Config{})
	if err := p.Sync(services, backendSlices(tcp, backends)); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for range 30 {
		counts[mustWho(t, front, netip.Addr{})]++
	}
	if counts["a"] != 10 || counts["b"] != 10 || counts["c"] != 10 {
		t.Errorf("round robin over 3 backends, 30 connections: %v", counts)
	}

	// b stops being ready: no new connection reaches it.
	if err := p.Sync(services, backendSlices(tcp, backends, true, false, true)); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if name := mustWho(t, front, netip.Addr{}); name == "b" {
			t.Fatalf("connection reached backend b after it stopped being ready")
		}
	}

	// No ready backend: the listener is closed, the kernel refuses at once.
	if err := p.Sync(services, backendSlices(tcp, backends, false, false, false)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := net.DialTimeout("tcp4", front.String(), 2*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial with no ready backends: %v, want connection refused", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("refusal took %v", d)
	}

	// Back again: the listener reopens.
	if err := p.Sync(services, backendSlices(tcp, backends, false, true, false)); err != nil {
		t.Fatal(err)
	}
	if name := mustWho(t, front, netip.Addr{}); name != "b" {
		t.Errorf("after b came back, connection reached %q", name)
	}

	// The service goes away: refused as well.
	if err := p.Sync(nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp4", front.String()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial a deleted service: %v, want connection refused", err)
	}
}

func TestTCPSkipsRefusingBackend(t *testing.T) {
	good := startTCPBackend(t, "good")
	dead1, dead2 := refusingBackend(t), refusingBackend(t)
	vip := loopbackIP(50)
	port := freePort(t, tcp, vip)
	front := netip.AddrPortFrom(vip, port)
	services := []*corev1.Service{webService(vip, tcp, port)}

	p := newTestProxy(t, Config{DialTimeout: time.Second})
	if err := p.Sync(services, backendSlices(tcp, []netip.AddrPort{dead1, good.addr, dead2})); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if name := mustWho(t, front, netip.Addr{}); name != "good" {
			t.Fatalf("connection %d reached %q", i, name)
		}
	}

	// Nobody answers: the client is reset (on loopback the reset may
	// come before connect returns).
	if err := p.Sync(services, backendSlices(tcp, []netip.AddrPort{dead1, dead2})); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp4", front.String())
	if errors.Is(err, syscall.ECONNRESET) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read when no backend answers: %v, want connection reset", err)
	}
}

func TestTCPSessionAffinity(t *testing.T) {
	a, b, c := startTCPBackend(t, "a"), startTCPBackend(t, "b"), startTCPBackend(t, "c")
	backends := []netip.AddrPort{a.addr, b.addr, c.addr}
	vip := loopbackIP(50)
	port := freePort(t, tcp, vip)
	front := netip.AddrPortFrom(vip, port)
	services := []*corev1.Service{webService(vip, tcp, port, withAffinity(1))}
	client1, client2 := netip.MustParseAddr("127.0.0.1"), loopbackIP(52)

	clock := newFakeClock()
	p := newTestProxy(t, Config{})
	p.now = clock.Now
	if err := p.Sync(services, backendSlices(tcp, backends)); err != nil {
		t.Fatal(err)
	}

	first1 := mustWho(t, front, client1)
	first2 := mustWho(t, front, client2)
	if first1 == first2 {
		t.Fatalf("two new clients both went to %q under round robin", first1)
	}
	for range 5 {
		clock.Advance(900 * time.Millisecond) // every use refreshes the entry
		if got := mustWho(t, front, client1); got != first1 {
			t.Fatalf("client 1 moved from %q to %q within the timeout", first1, got)
		}
		if got := mustWho(t, front, client2); got != first2 {
			t.Fatalf("client 2 moved from %q to %q within the timeout", first2, got)
		}
	}

	// Expired: round robin moves client 1 on.
	clock.Advance(1100 * time.Millisecond)
	if got := mustWho(t, front, client1); got == first1 {
		t.Errorf("client 1 stayed on %q after the affinity timeout", got)
	}

	// Client 2's backend stops being ready: it moves for good.
	ready := []bool{true, true, true}
	ready[strings.Index("abc", first2)] = false
	if err := p.Sync(services, backendSlices(tcp, backends, ready...)); err != nil {
		t.Fatal(err)
	}
	second2 := mustWho(t, front, client2)
	if second2 == first2 {
		t.Fatalf("client 2 sent to %q after it stopped being ready", second2)
	}
	for range 3 {
		if got := mustWho(t, front, client2); got != second2 {
			t.Errorf("client 2 moved from %q to %q", second2, got)
		}
	}
}

func TestSyncUnchangedKeepsListeners(t *testing.T) {
	a, b := startTCPBackend(t, "a"), startTCPBackend(t, "b")
	vip := loopbackIP(50)
	port := freePort(t, tcp, vip)
	front := netip.AddrPortFrom(vip, port)
	services := []*corev1.Service{webService(vip, tcp, port)}
	f := frontend{addr: front, protocol: tcp}

	p := newTestProxy(t, Config{})
	if err := p.Sync(services, backendSlices(tcp, []netip.AddrPort{a.addr})); err != nil {
		t.Fatal(err)
	}
	before := listenerOf(p, f)
	if before == nil {
		t.Fatal("no listener after the first sync")
	}
	tableBefore := balancerOf(p, f).table.Load()

	// An established connection survives the syncs below.
	conn, err := net.Dial("tcp4", front.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	if err := p.Sync(services, backendSlices(tcp, []netip.AddrPort{a.addr})); err != nil {
		t.Fatal(err)
	}
	if listenerOf(p, f) != before {
		t.Errorf("unchanged sync reopened the listener")
	}
	if balancerOf(p, f).table.Load() != tableBefore {
		t.Errorf("unchanged sync swapped the backend table")
	}

	// New backends: same listener, new table.
	if err := p.Sync(services, backendSlices(tcp, []netip.AddrPort{a.addr, b.addr})); err != nil {
		t.Fatal(err)
	}
	if listenerOf(p, f) != before {
		t.Errorf("a backend change reopened the listener")
	}
	buf := make([]byte, 2)
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(buf); err != nil || string(buf) != "a\n" {
		t.Fatalf("established connection: %q, %v", buf, err)
	}
	if _, err := conn.Write([]byte("still\n")); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, 6)
	if _, err := conn.Read(echo); err != nil || string(echo) != "still\n" {
		t.Errorf("established connection after syncs: %q, %v", echo, err)
	}
}

// balancerOf returns the balancer of the service port that f serves.
func balancerOf(p *Proxy, f frontend) *balancer {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.balancers[p.servers[f].name]
}

func TestNodePortAndLoadBalancer(t *testing.T) {
	a := startTCPBackend(t, "a")
	vip, nodeIP := loopbackIP(50), loopbackIP(53)
	nodePort := freePort(t, tcp, netip.IPv4Unspecified())
	port := freePort(t, tcp, nodeIP)
	services := []*corev1.Service{service("default", "web", vip.String(),
		withType(corev1.ServiceTypeLoadBalancer), withNodePort("http", tcp, int32(port), int32(nodePort)))}

	p := newTestProxy(t, Config{NodeIPs: []netip.Addr{nodeIP}})
	if err := p.Sync(services, backendSlices(tcp, []netip.AddrPort{a.addr})); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []netip.AddrPort{
		netip.AddrPortFrom(vip, port),
		netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), nodePort),
		netip.AddrPortFrom(loopbackIP(54), nodePort), // any local address
		netip.AddrPortFrom(nodeIP, port),
	} {
		if name, err := whoTCP(addr, netip.Addr{}); err != nil || name != "a" {
			t.Errorf("connect %s: %q, %v", addr, name, err)
		}
	}
}

func TestSyncReportsListenErrors(t *testing.T) {
	a := startTCPBackend(t, "a")
	vip := loopbackIP(50)
	port := freePort(t, tcp, vip)
	services := []*corev1.Service{
		webService(vip, tcp, port),
		// 192.0.2.1 (TEST-NET-1) is not an address of this machine.
		service("default", "remote", "192.0.2.1", withPort("http", tcp, 80)),
	}
	slices := append(backendSlices(tcp, []netip.AddrPort{a.addr}),
		endpointSlice("default", "remote-1", "remote", []discoveryv1.EndpointPort{slicePort("http", tcp, int32(a.addr.Port()))}, a.addr.Addr().String()))

	p := newTestProxy(t, Config{})
	err := p.Sync(services, slices)
	if err == nil || !strings.Contains(err.Error(), "tcp 192.0.2.1:80 for default/remote:http/TCP") ||
		!errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Errorf("Sync error = %v, want EADDRNOTAVAIL naming the service and address", err)
	}
	if name := mustWho(t, netip.AddrPortFrom(vip, port), netip.Addr{}); name != "a" {
		t.Errorf("the other service was not applied: reached %q", name)
	}
}

func TestClose(t *testing.T) {
	a := startTCPBackend(t, "a")
	vip := loopbackIP(50)
	port := freePort(t, tcp, vip)
	front := netip.AddrPortFrom(vip, port)
	services := []*corev1.Service{webService(vip, tcp, port)}

	p := newTestProxy(t, Config{})
	if err := p.Sync(services, backendSlices(tcp, []netip.AddrPort{a.addr})); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp4", front.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp4", front.String()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after Close: %v, want connection refused", err)
	}
	// Open connections outlive Close.
	buf := make([]byte, 2)
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(buf); err != nil || string(buf) != "a\n" {
		t.Errorf("connection after Close: %q, %v", buf, err)
	}
	if err := p.Sync(services, nil); !errors.Is(err, errClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
