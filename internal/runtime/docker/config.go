package docker

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/marina-orchestrator/marina/internal/containerlog"
	"github.com/marina-orchestrator/marina/internal/runtime"
)

// CPU as the kubelet maps it: shares from the request (1024 per CPU, at
// least 2), a quota per 100 ms period from the limit (at least 1 ms).
const (
	minShares    = 2
	sharesPerCPU = 1024
	quotaPeriod  = 100_000 // µs
	minQuota     = 1_000   // µs
)

// containerConfig is how Docker creates cfg's container in the sandbox
// with Docker ID sandboxID. It does no I/O.
//
// cfg.Command, when set, replaces the image's entrypoint (and then its
// command too, unless cfg.Args is set); cfg.Args replaces the image's
// command: Kubernetes' rules.
func containerConfig(cfg runtime.ContainerConfig, sandboxID, owner string) (*container.Config, *container.HostConfig, error) {
	user, err := userSpec(cfg.User, cfg.Group)
	if err != nil {
		return nil, nil, err
	}
	c := &container.Config{
		Image:      cfg.Image,
		Env:        cfg.Env,
		WorkingDir: cfg.WorkingDir,
		User:       user,
		Labels: map[string]string{
			labelType:         typeContainer,
			labelOwner:        owner,
			labelPodUID:       cfg.PodUID,
			labelPodNamespace: cfg.PodNamespace,
			labelPodName:      cfg.PodName,
			labelID:           cfg.ID,
			labelName:         cfg.Name,
			labelAttempt:      strconv.Itoa(cfg.Attempt),
		},
	}
	if len(cfg.Command) > 0 {
		// With an entrypoint given, Docker does not append the image's Cmd.
		c.Entrypoint = cfg.Command
	}
	if len(cfg.Args) > 0 {
		c.Cmd = cfg.Args
	}
	h := &container.HostConfig{
		NetworkMode:    container.NetworkMode("container:" + sandboxID),
		IpcMode:        container.IpcMode("container:" + sandboxID),
		ReadonlyRootfs: cfg.ReadOnlyRootFilesystem,
		Privileged:     cfg.Privileged,
		Resources:      resources(cfg.Resources),
		LogConfig:      logConfig(cfg.LogMaxSize, cfg.LogMaxFiles),
	}
	for _, g := range cfg.Groups {
		h.GroupAdd = append(h.GroupAdd, strconv.FormatInt(g, 10))
	}
	for _, m := range cfg.Mounts {
		if strings.Contains(m.HostPath+m.ContainerPath, ":") {
			// The bind syntax cannot carry a colon; a mount can, but
			// unlike a bind it needs its source to exist.
			h.Mounts = append(h.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.HostPath, Target: m.ContainerPath, ReadOnly: m.ReadOnly})
			continue
		}
		// A bind creates a missing host directory, as Kubernetes runtimes do.
		b := m.HostPath + ":" + m.ContainerPath
		if m.ReadOnly {
			b += ":ro"
		}
		h.Binds = append(h.Binds, b)
	}
	return c, h, nil
}

// resources maps requests and limits as the kubelet does.
func resources(r runtime.Resources) container.Resources {
	out := container.Resources{CPUShares: max(minShares, r.CPURequestMilli*sharesPerCPU/1000)}
	if r.CPULimitMilli > 0 {
		out.CPUPeriod = quotaPeriod
		out.CPUQuota = max(minQuota, r.CPULimitMilli*quotaPeriod/1000)
	}
	if r.MemoryLimitBytes > 0 {
		// No swap beyond the limit, as in Kubernetes. Without swap
		// accounting (cgroup v1 without swapaccount=1) Docker ignores it.
		out.Memory, out.MemorySwap = r.MemoryLimitBytes, r.MemoryLimitBytes
	}
	return out
}

// userSpec is Docker's "uid" or "uid:gid"; "" keeps the image's user.
func userSpec(uid, gid *int64) (string, error) {
	switch {
	case uid == nil && gid == nil:
		return "", nil
	case uid == nil:
		return "", errors.New("the docker runtime needs runAsUser with runAsGroup")
	case gid == nil:
		return strconv.FormatInt(*uid, 10), nil
	}
	return fmt.Sprintf("%d:%d", *uid, *gid), nil
}

// logConfig bounds Docker's own json-file log like the CRI copy.
func logConfig(maxSize int64, maxFiles int) container.LogConfig {
	if maxSize <= 0 {
		maxSize = containerlog.DefaultMaxSize
	}
	if maxFiles <= 0 {
		maxFiles = containerlog.DefaultMaxFiles
	}
	return container.LogConfig{Type: "json-file", Config: map[string]string{
		"max-size": strconv.FormatInt(maxSize, 10),
		"max-file": strconv.Itoa(maxFiles),
	}}
}

// logLimits reads back what logConfig wrote; zeros (the defaults) when
// absent.
func logLimits(lc container.LogConfig) (maxSize int64, maxFiles int) {
	maxSize, _ = strconv.ParseInt(lc.Config["max-size"], 10, 64)
	maxFiles, _ = strconv.Atoi(lc.Config["max-file"])
	return maxSize, maxFiles
}
