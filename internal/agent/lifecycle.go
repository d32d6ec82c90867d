package agent

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/probe"
	"github.com/marina-orchestrator/marina/internal/runtime"
)

// minGraceAfterHook is the least time a container gets between SIGTERM and
// SIGKILL after its preStop hook used up the grace period, as the kubelet
// gives.
const minGraceAfterHook = 2 * time.Second

func (m *podManager) log(pod *corev1.Pod) *slog.Logger {
	return m.a.log.With("pod", pod.Namespace+"/"+pod.Name)
}

// target is how probes and hooks reach a running container of a pod
// whose IP is ip.
func (m *podManager) target(c corev1.Container, id, ip string) probe.Target {
	return probe.Target{
		PodIP: ip,
		Ports: c.Ports,
		Exec: func(ctx context.Context, cmd []string) ([]byte, int, error) {
			var out limitedBuffer
			code, err := m.rts.exec(ctx, id, runtime.ExecRequest{Command: cmd, Stdout: &out, Stderr: &out})
			return out.Bytes(), code, err
		},
	}
}

// limitedBuffer keeps the first 10 KiB written to it, as the kubelet keeps
// of a probe's or hook's output.
type limitedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 10<<10 - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (b *limitedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf
}

// stopContainer stops one running container: its preStop hook, then
// SIGTERM, then SIGKILL once the grace period (the pod's, or
// graceSeconds) has passed. The stopped container is kept, for its logs
// and status.
func (m *podManager) stopContainer(ctx context.Context, pod *corev1.Pod, c corev1.Container, st runtime.ContainerStatus, graceSeconds *int64) error {
	grace := time.Duration(corev1.DefaultTerminationGracePeriodSeconds) * time.Second
	if graceSeconds != nil {
		grace = time.Duration(*graceSeconds) * time.Second
	}
	if st.State == runtime.Running && c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		began := time.Now()
		m.runPreStop(ctx, pod, c, st.ID, grace)
		grace = max(grace-time.Since(began), minGraceAfterHook)
	}
	m.probes.forget(st.ID)
	return m.rts.stop(ctx, st.ID, grace)
}

// runPreStop runs a container's preStop hook within grace. A hook that
// fails is reported as an event; the container is stopped anyway.
func (m *podManager) runPreStop(ctx context.Context, pod *corev1.Pod, c corev1.Container, id string, grace time.Duration) {
	h := c.Lifecycle.PreStop
	ctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	if h.Sleep != nil {
		select {
		case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
		case <-ctx.Done():
		}
		return
	}
	// Exec and httpGet hooks are run as a probe of the container would be,
	// with the grace period as timeout.
	p := &corev1.Probe{
		ProbeHandler:   corev1.ProbeHandler{Exec: h.Exec, HTTPGet: h.HTTPGet, TCPSocket: h.TCPSocket},
		TimeoutSeconds: int32(max(grace/time.Second, 1)),
	}
	res := probe.Run(ctx, p, m.target(c, id, pod.Status.PodIP))
	if res.Outcome != probe.Success {
		msg := fmt.Sprintf("PreStopHook failed: %s", res.Message)
		m.a.event(pod, corev1.EventTypeWarning, "FailedPreStopHook", msg)
		m.log(pod).Info("preStop hook failed", "container", c.Name, "message", res.Message)
	}
}

// gcAttempts removes the exited attempts of a container but the newest,
// which `kubectl logs --previous` shows. list is newest first, from before
// a new attempt started.
func (m *podManager) gcAttempts(ctx context.Context, list []runtime.ContainerStatus) {
	for _, old := range list[min(1, len(list)):] {
		if old.State != runtime.Exited {
			continue
		}
		if err := m.rts.remove(ctx, old.ID); err != nil {
			m.a.log.Warn("remove an old container attempt", "container", old.ID, "err", err)
		}
	}
}
