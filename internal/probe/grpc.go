package probe

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
)

// runGRPC calls grpc.health.v1.Health/Check on the pod's IP, without TLS
// (the kubelet supports no credentials), and succeeds on SERVING.
func runGRPC(ctx context.Context, a *corev1.GRPCAction, t Target, timeout time.Duration) Result {
	if t.PodIP == "" {
		return unknown(fmt.Errorf("grpc probe: the pod has no IP"))
	}
	if a.Port <= 0 || a.Port > 65535 {
		return unknown(fmt.Errorf("grpc probe: invalid port number %d", a.Port))
	}
	addr := net.JoinHostPort(t.PodIP, strconv.Itoa(int(a.Port)))
	service := ""
	if a.Service != nil {
		service = *a.Service
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// passthrough: the address is an IP, there is nothing to resolve.
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUserAgent(userAgent),
	)
	if err != nil {
		return unknown(fmt.Errorf("grpc probe: client for %s: %w", addr, err))
	}
	defer func() { _ = conn.Close() }()

	// Fail-fast (the default): a connection that cannot be made ends the
	// call with Unavailable instead of waiting out the timeout.
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		st, _ := status.FromError(err)
		switch st.Code() {
		case codes.Unavailable:
			return failure(fmt.Sprintf("error: failed to connect service at %q: %s", addr, st.Message()))
		case codes.Unimplemented:
			return failure("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): " + st.Message())
		case codes.DeadlineExceeded:
			return failure(fmt.Sprintf("timeout: health rpc did not complete within %v", timeout))
		}
		return failure(fmt.Sprintf("error: health rpc probe failed: %v", err))
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return failure(fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String()))
	}
	return Result{Outcome: Success}
}
