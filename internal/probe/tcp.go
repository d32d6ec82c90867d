package probe

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// runTCP succeeds if a TCP connection can be opened; it sends nothing.
func runTCP(ctx context.Context, a *corev1.TCPSocketAction, t Target, timeout time.Duration) Result {
	h, err := host(a.Host, t)
	if err != nil {
		return unknown(fmt.Errorf("tcp probe: %w", err))
	}
	port, err := resolvePort(a.Port, t.Ports)
	if err != nil {
		return unknown(fmt.Errorf("tcp probe: %w", err))
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(h, strconv.Itoa(port)))
	if err != nil {
		return failure(err.Error())
	}
	_ = conn.Close()
	return Result{Outcome: Success}
}
