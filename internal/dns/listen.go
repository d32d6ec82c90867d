package dns

import (
	"github.com/marina-orchestrator/marina/internal/sockopt"

	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listen binds UDP and TCP on addr, both with SO_REUSEADDR and
// SO_REUSEPORT. With port 0 the TCP socket takes the port the kernel gave
// the UDP one; if that TCP port is taken, it tries another.
func listen(ctx context.Context, addr string) (net.PacketConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	attempts := 1
	if port == "0" {
		attempts = 10
	}
	lc := net.ListenConfig{Control: sockopt.ReusePort}
	for i := 1; ; i++ {
		pc, err := lc.ListenPacket(ctx, "udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("udp: %w", err)
		}
		ln, err := lc.Listen(ctx, "tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if i == attempts || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("tcp: %w", err)
		}
	}
}

// listenUDP binds n more UDP sockets on addr, the address of a socket
// listen bound, with SO_REUSEADDR and SO_REUSEPORT: the kernel spreads
// the datagrams of different clients over them.
func listenUDP(ctx context.Context, addr string, n int) ([]*net.UDPConn, error) {
	lc := net.ListenConfig{Control: sockopt.ReusePort}
	var pcs []*net.UDPConn
	for range n {
		pc, err := lc.ListenPacket(ctx, "udp", addr)
		if err != nil {
			for _, pc := range pcs {
				pc.Close()
			}
			return nil, fmt.Errorf("udp: %w", err)
		}
		pcs = append(pcs, pc.(*net.UDPConn))
	}
	return pcs, nil
}
