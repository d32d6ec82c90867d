package docker

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

func sandboxName(podUID string) string { return "marina-sandbox-" + podUID }

// PrepareSandbox makes sure the pod's sandbox container runs and returns
// its IP on Docker's bridge. A sandbox that exists but has stopped (the
// node rebooted, the daemon restarted) is started again and may get a new
// IP. An existing sandbox keeps the hostname and ports it was created with.
func (r *Runtime) PrepareSandbox(ctx context.Context, cfg runtime.SandboxConfig) (string, error) {
	_, ip, err := r.prepareSandbox(ctx, cfg)
	return ip, err
}

// prepareSandbox is PrepareSandbox, also returning the sandbox's Docker ID.
func (r *Runtime) prepareSandbox(ctx context.Context, cfg runtime.SandboxConfig) (id, ip string, err error) {
	c, err := r.cli.ContainerInspect(ctx, sandboxName(cfg.PodUID))
	switch {
	case cerrdefs.IsNotFound(err):
		if id, err = r.createSandbox(ctx, cfg); err != nil {
			return "", "", err
		}
	case err != nil:
		return "", "", fmt.Errorf("inspect pod sandbox: %w", err)
	case c.State != nil && c.State.Running:
		return c.ID, sandboxIP(c), nil
	default:
		id = c.ID
	}
	if err := r.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return "", "", fmt.Errorf("start pod sandbox: %w", err)
	}
	if c, err = r.cli.ContainerInspect(ctx, id); err != nil {
		return "", "", fmt.Errorf("inspect pod sandbox: %w", err)
	}
	return id, sandboxIP(c), nil
}

func (r *Runtime) createSandbox(ctx context.Context, cfg runtime.SandboxConfig) (string, error) {
	exposed, bindings := portBindings(cfg.Ports)
	config := &container.Config{
		Image:        r.sandboxImage,
		Hostname:     hostname(cmp.Or(cfg.Hostname, cfg.PodName)),
		ExposedPorts: exposed,
		Labels: map[string]string{
			labelType:         typeSandbox,
			labelOwner:        r.owner,
			labelPodUID:       cfg.PodUID,
			labelPodNamespace: cfg.PodNamespace,
			labelPodName:      cfg.PodName,
		},
	}
	host := &container.HostConfig{
		NetworkMode:  "bridge",
		PortBindings: bindings,
		// The pod's containers join its IPC namespace too, as in
		// Kubernetes; Docker lets them only if it is shareable.
		IpcMode:   container.IPCModeShareable,
		LogConfig: logConfig(1<<20, 1), // the pause process writes nothing
	}
	c, err := r.cli.ContainerCreate(ctx, config, host, nil, nil, sandboxName(cfg.PodUID))
	if err != nil {
		return "", fmt.Errorf("create pod sandbox: %w", err)
	}
	return c.ID, nil
}

// RemoveSandbox force-removes the pod's sandbox container.
func (r *Runtime) RemoveSandbox(ctx context.Context, podUID string) error {
	err := r.cli.ContainerRemove(ctx, sandboxName(podUID), container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove pod sandbox: %w", err)
	}
	return nil
}

// sandboxIP is the sandbox's address on the default bridge.
func sandboxIP(c container.InspectResponse) string {
	if c.NetworkSettings == nil {
		return ""
	}
	if n := c.NetworkSettings.Networks["bridge"]; n != nil {
		return n.IPAddress
	}
	return ""
}

// portBindings publishes the ports that have a host port.
func portBindings(ports []runtime.Port) (nat.PortSet, nat.PortMap) {
	exposed, bindings := nat.PortSet{}, nat.PortMap{}
	for _, p := range ports {
		if p.HostPort == 0 {
			continue
		}
		proto := strings.ToLower(p.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		port := nat.Port(fmt.Sprintf("%d/%s", p.ContainerPort, proto))
		exposed[port] = struct{}{}
		bindings[port] = append(bindings[port], nat.PortBinding{HostIP: p.HostIP, HostPort: strconv.Itoa(int(p.HostPort))})
	}
	return exposed, bindings
}

// hostname cuts a pod name to the 63 characters a hostname may have, as
// the kubelet does.
func hostname(name string) string {
	if len(name) <= 63 {
		return name
	}
	return strings.TrimRight(name[:63], "-.")
}
