// Package sockopt holds the socket options the agent's listeners share:
// the service proxy, the cluster DNS and the ingress proxy all bind with
// SO_REUSEADDR and SO_REUSEPORT, because several agents of one cluster may
// run on one machine and serve the same addresses; the kernel then spreads
// connections (and UDP flows) between them.
package sockopt

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Reuse sets SO_REUSEADDR and SO_REUSEPORT on the socket fd, before it is
// bound.
func Reuse(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("set SO_REUSEADDR: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return fmt.Errorf("set SO_REUSEPORT: %w", err)
	}
	return nil
}

// ReusePort is a net.ListenConfig Control function that calls Reuse.
func ReusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) { serr = Reuse(int(fd)) }); err != nil {
		return fmt.Errorf("socket control: %w", err)
	}
	return serr
}
