package main

import (
	"github.com/marina-orchestrator/marina/bench/internal/benchutil"

	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// swarm runs the peer's measurements on a one-node swarm, initialised
// for the run unless the machine is in one already.
func (b *bench) swarm() (times, error) {
	t := times{name: "Docker Swarm"}
	state, err := docker("info", "--format", "{{.Swarm.LocalNodeState}}")
	if err != nil {
		return t, err
	}
	if state != "active" {
		if _, err := docker("swarm", "init", "--advertise-addr", "127.0.0.1"); err != nil {
			return t, err
		}
		defer docker("swarm", "leave", "--force")
	}
	name := "marina-bench-" + b.runID
	defer b.removeService(name)
	ctx := context.Background()

	t0 := time.Now()
	if _, err := docker("service", "create", "--detach", "--quiet", "--name", name, "--replicas", fmt.Sprint(b.replicas),
		"--stop-grace-period", "1s", b.image+":v1"); err != nil {
		return t, err
	}
	if err := b.tasksRunning(ctx, name, b.image+":v1"); err != nil {
		return t, fmt.Errorf("create: %w", err)
	}
	t.create = time.Since(t0)

	// Swarm's default update: one task at a time, stopping the old one
	// first.
	t0 = time.Now()
	if _, err := docker("service", "update", "--detach", "--quiet", "--image", b.image+":v2", name); err != nil {
		return t, err
	}
	if err := b.tasksRunning(ctx, name, b.image+":v2"); err != nil {
		return t, fmt.Errorf("update: %w", err)
	}
	t.updateD = time.Since(t0)

	// What maxSurge 25% and maxUnavailable 0 mean: a quarter at a time,
	// each new task started before its old one stops.
	t0 = time.Now()
	if _, err := docker("service", "update", "--detach", "--quiet", "--image", b.image+":v1",
		"--update-parallelism", fmt.Sprint((b.replicas+3)/4), "--update-order", "start-first", name); err != nil {
		return t, err
	}
	if err := b.tasksRunning(ctx, name, b.image+":v1"); err != nil {
		return t, fmt.Errorf("update: %w", err)
	}
	t.update = time.Since(t0)

	for range b.deletions {
		d, err := b.replaceTask(ctx, name)
		if err != nil {
			return t, fmt.Errorf("replace: %w", err)
		}
		t.replaced = append(t.replaced, d)
	}
	return t, nil
}

// tasksRunning waits until exactly the service's replicas run, all of
// image.
func (b *bench) tasksRunning(ctx context.Context, name, image string) error {
	return benchutil.Poll(ctx, 100*time.Millisecond, b.timeout, func() (bool, error) {
		out, err := docker("service", "ps", name, "--filter", "desired-state=running", "--format", "{{.Image}} {{.CurrentState}}")
		if err != nil {
			return false, err
		}
		running := 0
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || f[1] != "Running" {
				continue
			}
			if f[0] != image {
				return false, nil
			}
			running++
		}
		// Tasks being shut down keep desired state Shutdown; a task
		// starting is not Running yet.
		return running == b.replicas, nil
	})
}

// containers lists the service's running containers.
func containers(name string) ([]string, error) {
	out, err := docker("ps", "-q", "--filter", "label=com.docker.swarm.service.name="+name, "--filter", "status=running")
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// replaceTask removes one task's container and times until the service
// runs all its replicas again without it.
func (b *bench) replaceTask(ctx context.Context, name string) (time.Duration, error) {
	before, err := containers(name)
	if err != nil || len(before) == 0 {
		return 0, fmt.Errorf("no containers: %v", err)
	}
	victim := before[0]
	t0 := time.Now()
	if _, err := docker("rm", "-f", victim); err != nil {
		return 0, err
	}
	err = benchutil.Poll(ctx, 50*time.Millisecond, b.timeout, func() (bool, error) {
		now, err := containers(name)
		return err == nil && len(now) == b.replicas && !slices.Contains(now, victim), err
	})
	return time.Since(t0), err
}

// removeService removes the service and waits for its containers to go.
func (b *bench) removeService(name string) {
	_, _ = docker("service", "rm", name)
	_ = benchutil.Poll(context.Background(), 500*time.Millisecond, b.timeout, func() (bool, error) {
		out, err := docker("ps", "-aq", "--filter", "label=com.docker.swarm.service.name="+name)
		return err == nil && out == "", nil
	})
}
