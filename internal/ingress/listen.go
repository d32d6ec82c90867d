package ingress

import (
	"context"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// listen opens a TCP listener with SO_REUSEADDR and SO_REUSEPORT, so that
// the agents of several nodes of one cluster can share a machine's ports
// 80 and 443: the kernel spreads connections over them, and any one of
// them routes every Ingress.
func listen(addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: reusePort}
	return lc.Listen(context.Background(), "tcp", addr)
}

func reusePort(_, _ string, c syscall.RawConn) error {
	var err error
	if cerr := c.Control(func(fd uintptr) {
		if err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			err = fmt.Errorf("set SO_REUSEADDR: %w", err)
			return
		}
		if err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			err = fmt.Errorf("set SO_REUSEPORT: %w", err)
		}
	}); cerr != nil {
		return cerr
	}
	return err
}
