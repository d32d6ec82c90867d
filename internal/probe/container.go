package probe

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Container holds the probes of one container instance and gates them:
// liveness and readiness do not run until the startup probe, if any, has
// succeeded. It is pure logic like [Worker], and not safe for concurrent
// use.
type Container struct {
	workers []*Worker // in order startup, liveness, readiness; only probes the spec has
}

// NewContainer returns the probes of spec for an instance of it that
// started at startedAt. It keeps pointers to spec's probes and does not
// modify them.
func NewContainer(spec *corev1.Container, startedAt time.Time) *Container {
	c := &Container{}
	for _, p := range []struct {
		kind  Kind
		probe *corev1.Probe
	}{
		{Startup, spec.StartupProbe},
		{Liveness, spec.LivenessProbe},
		{Readiness, spec.ReadinessProbe},
	} {
		if p.probe != nil {
			c.workers = append(c.workers, NewWorker(p.kind, p.probe, startedAt))
		}
	}
	return c
}

// Worker returns the worker for kind k, nil if the container has no such
// probe.
func (c *Container) Worker(k Kind) *Worker {
	for _, w := range c.workers {
		if w.kind == k {
			return w
		}
	}
	return nil
}

// Started reports whether the container has started: it has no startup
// probe, or that probe has succeeded. This is ContainerStatus.Started.
func (c *Container) Started() bool {
	w := c.Worker(Startup)
	return w == nil || w.status == StatusSuccess
}

// Ready reports whether the container is ready: started, and with no
// readiness probe or one that succeeded. This is ContainerStatus.Ready
// while the container runs.
func (c *Container) Ready() bool {
	if !c.Started() {
		return false
	}
	w := c.Worker(Readiness)
	return w == nil || w.status == StatusSuccess
}

// RestartNeeded reports whether the container must be restarted, and
// which probe said so: the liveness or startup probe reached its failure
// threshold. (Whether it is restarted or just killed is the restart
// policy's business.)
func (c *Container) RestartNeeded() (Kind, bool) {
	for _, w := range c.workers {
		if w.kind != Readiness && w.status == StatusFailure {
			return w.kind, true
		}
	}
	return "", false
}

// Due returns the probes to run at now, startup first.
func (c *Container) Due(now time.Time) []Kind {
	var due []Kind
	for _, w := range c.active() {
		if wait, ok := w.Next(now); ok && wait == 0 {
			due = append(due, w.kind)
		}
	}
	return due
}

// Next reports how long after now the next probe is due (zero if one is
// due now). ok is false when no probe will run again for this container
// instance until something changes, such as it having no probes, or its
// startup or liveness probe having failed. Call it again after every
// Observe: a startup success makes liveness and readiness due.
func (c *Container) Next(now time.Time) (wait time.Duration, ok bool) {
	for _, w := range c.active() {
		d, wok := w.Next(now)
		if wok && (!ok || d < wait) {
			wait, ok = d, true
		}
	}
	return wait, ok
}

// Observe records the result of kind k's run that began at ranAt; see
// [Worker.Observe]. It returns the zero Observation if the container has
// no such probe.
func (c *Container) Observe(k Kind, ranAt time.Time, r Result) Observation {
	w := c.Worker(k)
	if w == nil {
		return Observation{}
	}
	return w.Observe(ranAt, r)
}

// active is the workers allowed to run: only the startup probe until the
// container has started, then the others.
func (c *Container) active() []*Worker {
	if c.Started() {
		return c.workers
	}
	return []*Worker{c.Worker(Startup)}
}
