package probe

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/marina-orchestrator/marina/internal/version"
)

// Target is what a probe needs to reach one container.
type Target struct {
	// PodIP is the address for httpGet and tcpSocket probes without a
	// host, and for every grpc probe.
	PodIP string
	// Ports are the container's ports, to resolve named probe ports.
	Ports []corev1.ContainerPort
	// Exec runs cmd in the container and returns its combined output and
	// exit code. err is for failing to run the command at all, not for a
	// non-zero exit. Exec must return once ctx is done; Run gives it a
	// context bounded by the probe's timeout. Nil when the runtime cannot
	// run commands in containers.
	Exec func(ctx context.Context, cmd []string) (output []byte, exitCode int, err error)
}

// userAgent is the kubelet's, "kube-probe/<major>.<minor>", so that
// applications which recognise probes by it keep doing so.
var userAgent = "kube-probe/" + majorMinor(version.KubernetesVersion)

func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// Run executes p once against target and returns what it found. It
// returns within p's timeoutSeconds (default 1s) or when ctx is done,
// whichever is first; a run cut short by ctx is Unknown, not Failure, so
// that an agent shutting down does not count against a container. Run is
// safe for concurrent use.
func Run(ctx context.Context, p *corev1.Probe, target Target) Result {
	if p == nil {
		return unknown(errors.New("no probe"))
	}
	timeout := TimingOf(p).Timeout
	var r Result
	switch {
	case p.Exec != nil:
		r = runExec(ctx, p.Exec, target, timeout)
	case p.HTTPGet != nil:
		r = runHTTP(ctx, p.HTTPGet, target, timeout)
	case p.TCPSocket != nil:
		r = runTCP(ctx, p.TCPSocket, target, timeout)
	case p.GRPC != nil:
		r = runGRPC(ctx, p.GRPC, target, timeout)
	default:
		return unknown(errors.New("probe has no handler (exec, httpGet, tcpSocket or grpc)"))
	}
	if r.Outcome != Success && ctx.Err() != nil {
		return unknown(fmt.Errorf("probe cancelled: %w: %s", context.Cause(ctx), r.Message))
	}
	return r
}

// resolvePort turns a probe's port into a number, looking a name up in the
// container's ports as the kubelet does, including its fallback of parsing
// a string that is not a port name as a number.
func resolvePort(port intstr.IntOrString, ports []corev1.ContainerPort) (int, error) {
	var n int
	switch port.Type {
	case intstr.Int:
		n = port.IntValue()
	case intstr.String:
		found := false
		for _, p := range ports {
			if p.Name == port.StrVal {
				n, found = int(p.ContainerPort), true
				break
			}
		}
		if !found {
			var err error
			if n, err = strconv.Atoi(port.StrVal); err != nil {
				return 0, fmt.Errorf("port %q not found in the container's ports", port.StrVal)
			}
		}
	default:
		return 0, fmt.Errorf("port %v has no type", port)
	}
	if n <= 0 || n > 65535 {
		return 0, fmt.Errorf("invalid port number %d", n)
	}
	return n, nil
}

// host is the probe's host if it names one, else the pod's IP.
func host(h string, t Target) (string, error) {
	if h != "" {
		return h, nil
	}
	if t.PodIP == "" {
		return "", errors.New("no host given and the pod has no IP")
	}
	return t.PodIP, nil
}
