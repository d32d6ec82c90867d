package ingress

import (
	"github.com/marina-orchestrator/marina/internal/sockopt"

	"context"
	"net"
)

// listen opens a TCP listener with SO_REUSEADDR and SO_REUSEPORT, so that
// the agents of several nodes of one cluster can share a machine's ports
// 80 and 443: the kernel spreads connections over them, and any one of
// them routes every Ingress.
func listen(addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: sockopt.ReusePort}
	return lc.Listen(context.Background(), "tcp", addr)
}
