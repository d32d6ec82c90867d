package probe

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// containerView is everything a caller reads from a Container at one time.
type containerView struct {
	due     []Kind
	started bool
	ready   bool
	restart Kind // "" when no restart is needed
}

func view(c *Container, now time.Time) containerView {
	v := containerView{due: c.Due(now), started: c.Started(), ready: c.Ready()}
	if k, ok := c.RestartNeeded(); ok {
		v.restart = k
	}
	return v
}

func TestContainer(t *testing.T) {
	withAll := corev1.Container{
		StartupProbe:   &corev1.Probe{PeriodSeconds: 1, FailureThreshold: 3},
		LivenessProbe:  &corev1.Probe{PeriodSeconds: 10, FailureThreshold: 1},
		ReadinessProbe: &corev1.Probe{PeriodSeconds: 5},
	}
	type run struct {
		at     float64
		kind   Kind
		result Result
		want   containerView // after the result, at the same time
	}
	tests := []struct {
		name    string
		spec    corev1.Container
		initial containerView
		runs    []run
	}{{
		name:    "no probes: started and ready at once",
		spec:    corev1.Container{},
		initial: containerView{started: true, ready: true},
	}, {
		name:    "startup gates liveness and readiness",
		spec:    withAll,
		initial: containerView{due: []Kind{Startup}},
		runs: []run{
			{at: 0, kind: Startup, result: fail, want: containerView{}},
			{at: 1, kind: Startup, result: pass, want: containerView{due: []Kind{Liveness, Readiness}, started: true}},
			{at: 1, kind: Liveness, result: pass, want: containerView{due: []Kind{Readiness}, started: true}},
			{at: 1, kind: Readiness, result: pass, want: containerView{started: true, ready: true}},
			{at: 6, kind: Readiness, result: fail, want: containerView{started: true, ready: true}},
			{at: 11, kind: Liveness, result: fail, want: containerView{due: []Kind{Readiness}, started: true, ready: true, restart: Liveness}},
		},
	}, {
		name:    "startup failure asks for a restart and ends probing",
		spec:    withAll,
		initial: containerView{due: []Kind{Startup}},
		runs: []run{
			{at: 0, kind: Startup, result: fail, want: containerView{}},
			{at: 1, kind: Startup, result: fail, want: containerView{}},
			{at: 2, kind: Startup, result: fail, want: containerView{restart: Startup}},
		},
	}, {
		name:    "readiness only: not ready until it passes",
		spec:    corev1.Container{ReadinessProbe: &corev1.Probe{InitialDelaySeconds: 3}},
		initial: containerView{started: true},
		runs: []run{
			{at: 3, kind: Readiness, result: pass, want: containerView{started: true, ready: true}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewContainer(&tt.spec, t0)
			if got := view(c, t0); !equalView(got, tt.initial) {
				t.Fatalf("initially: %+v, want %+v", got, tt.initial)
			}
			for i, r := range tt.runs {
				now := t0.Add(sec(r.at))
				if due := c.Due(now); !slices.Contains(due, r.kind) {
					t.Fatalf("run %d: %s not due at %vs (due: %v)", i, r.kind, r.at, due)
				}
				c.Observe(r.kind, now, r.result)
				if got := view(c, now); !equalView(got, r.want) {
					t.Errorf("run %d (%s %v at %vs): %+v, want %+v", i, r.kind, r.result.Outcome, r.at, got, r.want)
				}
			}
		})
	}
}

func equalView(a, b containerView) bool {
	return slices.Equal(a.due, b.due) && a.started == b.started && a.ready == b.ready && a.restart == b.restart
}

func TestContainerNext(t *testing.T) {
	spec := corev1.Container{
		StartupProbe:   &corev1.Probe{InitialDelaySeconds: 2, PeriodSeconds: 1},
		LivenessProbe:  &corev1.Probe{InitialDelaySeconds: 4, PeriodSeconds: 10},
		ReadinessProbe: &corev1.Probe{PeriodSeconds: 5},
	}
	c := NewContainer(&spec, t0)
	// Before startup succeeds only its delay counts, though readiness
	// (no delay) would otherwise be due now.
	if wait, ok := c.Next(t0); !ok || wait != sec(2) {
		t.Fatalf("Next at start = %v, %v; want 2s", wait, ok)
	}
	c.Observe(Startup, t0.Add(sec(2)), pass)
	// Started: readiness is due at once; liveness still waits for its delay.
	now := t0.Add(sec(2))
	if wait, ok := c.Next(now); !ok || wait != 0 {
		t.Fatalf("Next after startup = %v, %v; want 0", wait, ok)
	}
	if due := c.Due(now); !slices.Equal(due, []Kind{Readiness}) {
		t.Fatalf("Due after startup = %v, want [Readiness]", due)
	}
	c.Observe(Readiness, now, pass)
	if wait, ok := c.Next(now); !ok || wait != sec(2) {
		t.Fatalf("Next after readiness = %v, %v; want 2s (liveness delay)", wait, ok)
	}
	// Once liveness fails, readiness goes on (as the kubelet's) until the
	// caller restarts the container.
	c.Observe(Liveness, t0.Add(sec(4)), Result{Outcome: Failure})
	c.Observe(Liveness, t0.Add(sec(14)), Result{Outcome: Failure})
	c.Observe(Liveness, t0.Add(sec(24)), Result{Outcome: Failure})
	if k, ok := c.RestartNeeded(); !ok || k != Liveness {
		t.Fatalf("RestartNeeded = %v, %v; want Liveness", k, ok)
	}
	if c.Worker(Liveness).Status() != StatusFailure {
		t.Fatalf("liveness status = %v", c.Worker(Liveness).Status())
	}
	if wait, ok := c.Next(t0.Add(sec(5))); !ok || wait != sec(2) {
		t.Fatalf("Next after liveness failure = %v, %v; want readiness in 2s", wait, ok)
	}

	empty := NewContainer(&corev1.Container{}, t0)
	if _, ok := empty.Next(t0); ok {
		t.Error("Next with no probes: ok = true, want false")
	}
	if o := empty.Observe(Liveness, t0, fail); o != (Observation{}) {
		t.Errorf("Observe of a missing probe = %+v, want zero", o)
	}
}
