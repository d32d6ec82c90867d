package probe

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func sec(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }

// step is one scripted probe run: at t0+at the worker must be due; it
// observes result; then its status, event and next wait must match.
type step struct {
	at       float64
	result   Result
	status   Status
	changed  bool
	event    string        // "" for no event, else "Reason: Message"
	wait     time.Duration // Next(t0+at) after the observation
	finished bool          // Next reports ok=false after the observation
}

var (
	pass = Result{Outcome: Success}
	fail = Result{Outcome: Failure, Message: "HTTP probe failed with statuscode: 500"}
	oops = Result{Outcome: Unknown, Message: `http probe: port "web" not found in the container's ports`}
	warn = Result{Outcome: Success, Message: "Probe terminated redirects, Response body: moved"}
)

func TestWorker(t *testing.T) {
	tests := []struct {
		name  string
		kind  Kind
		probe corev1.Probe
		start Status
		steps []step
	}{{
		name:  "readiness starts not ready and turns ready on first success",
		kind:  Readiness,
		start: StatusFailure,
		steps: []step{
			{at: 0, result: pass, status: StatusSuccess, changed: true, wait: sec(10)},
			{at: 10, result: pass, status: StatusSuccess, wait: sec(10)},
		},
	}, {
		name:  "readiness needs successThreshold successes in a row",
		kind:  Readiness,
		probe: corev1.Probe{SuccessThreshold: 2, PeriodSeconds: 5},
		start: StatusFailure,
		steps: []step{
			{at: 0, result: pass, status: StatusFailure, wait: sec(5)},
			{at: 5, result: fail, status: StatusFailure, event: "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500", wait: sec(5)},
			{at: 10, result: pass, status: StatusFailure, wait: sec(5)},
			{at: 15, result: pass, status: StatusSuccess, changed: true, wait: sec(5)},
		},
	}, {
		name:  "readiness turns unready after failureThreshold failures and keeps probing",
		kind:  Readiness,
		start: StatusFailure,
		steps: []step{
			{at: 0, result: pass, status: StatusSuccess, changed: true, wait: sec(10)},
			{at: 10, result: fail, status: StatusSuccess, event: "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500", wait: sec(10)},
			{at: 20, result: fail, status: StatusSuccess, event: "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500", wait: sec(10)},
			{at: 30, result: fail, status: StatusFailure, changed: true, event: "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500", wait: sec(10)},
			{at: 40, result: pass, status: StatusSuccess, changed: true, wait: sec(10)},
		},
	}, {
		name:  "a success breaks a failure streak",
		kind:  Liveness,
		probe: corev1.Probe{FailureThreshold: 2},
		start: StatusSuccess,
		steps: []step{
			{at: 0, result: fail, status: StatusSuccess, event: "Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500", wait: sec(10)},
			{at: 10, result: pass, status: StatusSuccess, wait: sec(10)},
			{at: 20, result: fail, status: StatusSuccess, event: "Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500", wait: sec(10)},
			{at: 30, result: fail, status: StatusFailure, changed: true, event: "Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500", finished: true},
		},
	}, {
		name:  "unknown results are not counted but are reported",
		kind:  Liveness,
		probe: corev1.Probe{FailureThreshold: 2},
		start: StatusSuccess,
		steps: []step{
			{at: 0, result: fail, status: StatusSuccess, event: "Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500", wait: sec(10)},
			{at: 10, result: oops, status: StatusSuccess, event: `Unhealthy: Liveness probe errored and resulted in unknown state: http probe: port "web" not found in the container's ports`, wait: sec(10)},
			{at: 20, result: fail, status: StatusFailure, changed: true, event: "Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500", finished: true},
		},
	}, {
		name:  "a warning passes and is reported",
		kind:  Readiness,
		start: StatusFailure,
		steps: []step{
			{at: 0, result: warn, status: StatusSuccess, changed: true, event: "ProbeWarning: Readiness probe warning: Probe terminated redirects, Response body: moved", wait: sec(10)},
		},
	}, {
		name:  "startup stays unknown until success, then stops",
		kind:  Startup,
		probe: corev1.Probe{PeriodSeconds: 1, FailureThreshold: 30},
		start: StatusUnknown,
		steps: []step{
			{at: 0, result: fail, status: StatusUnknown, event: "Unhealthy: Startup probe failed: HTTP probe failed with statuscode: 500", wait: sec(1)},
			{at: 1, result: fail, status: StatusUnknown, event: "Unhealthy: Startup probe failed: HTTP probe failed with statuscode: 500", wait: sec(1)},
			{at: 2, result: pass, status: StatusSuccess, changed: true, finished: true},
		},
	}, {
		name:  "startup fails after failureThreshold failures",
		kind:  Startup,
		probe: corev1.Probe{PeriodSeconds: 1, FailureThreshold: 2},
		start: StatusUnknown,
		steps: []step{
			{at: 0, result: fail, status: StatusUnknown, event: "Unhealthy: Startup probe failed: HTTP probe failed with statuscode: 500", wait: sec(1)},
			{at: 1, result: fail, status: StatusFailure, changed: true, event: "Unhealthy: Startup probe failed: HTTP probe failed with statuscode: 500", finished: true},
		},
	}, {
		name:  "initial delay, then the period from each run's start",
		kind:  Readiness,
		probe: corev1.Probe{InitialDelaySeconds: 5, PeriodSeconds: 3},
		start: StatusFailure,
		steps: []step{
			{at: 5, result: pass, status: StatusSuccess, changed: true, wait: sec(3)},
			// Late run (the caller was busy): the next is a period after it.
			{at: 9.5, result: pass, status: StatusSuccess, wait: sec(3)},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorker(tt.kind, &tt.probe, t0)
			if got := w.Status(); got != tt.start {
				t.Fatalf("initial status = %v, want %v", got, tt.start)
			}
			for i, s := range tt.steps {
				now := t0.Add(sec(s.at))
				if i == 0 && s.at > 0 {
					// Not due before the initial delay.
					before := now.Add(-sec(0.5))
					if wait, ok := w.Next(before); !ok || wait != sec(0.5) {
						t.Fatalf("step %d: Next(%v before) = %v, %v; want 500ms, true", i, sec(0.5), wait, ok)
					}
				}
				if wait, ok := w.Next(now); !ok || wait != 0 {
					t.Fatalf("step %d: Next before run = %v, %v; want due", i, wait, ok)
				}
				o := w.Observe(now, s.result)
				if o.Status != s.status || o.Changed != s.changed {
					t.Errorf("step %d: Observe = status %v changed %v, want %v %v", i, o.Status, o.Changed, s.status, s.changed)
				}
				if w.Status() != o.Status {
					t.Errorf("step %d: Status() = %v, Observe said %v", i, w.Status(), o.Status)
				}
				if got := eventString(o.Event); got != s.event {
					t.Errorf("step %d: event = %q, want %q", i, got, s.event)
				}
				wait, ok := w.Next(now)
				if ok == s.finished || (ok && wait != s.wait) {
					t.Errorf("step %d: Next after run = %v, %v; want %v, %v", i, wait, ok, s.wait, !s.finished)
				}
			}
		})
	}
}

func eventString(e *Event) string {
	if e == nil {
		return ""
	}
	if e.Type != corev1.EventTypeWarning {
		return "type " + e.Type
	}
	return e.Reason + ": " + e.Message
}

func TestWorkerIgnoresResultsAfterStopping(t *testing.T) {
	w := NewWorker(Liveness, &corev1.Probe{FailureThreshold: 1}, t0)
	if o := w.Observe(t0, fail); o.Status != StatusFailure {
		t.Fatalf("status = %v, want Failure", o.Status)
	}
	o := w.Observe(t0.Add(sec(10)), pass)
	if o.Status != StatusFailure || o.Changed || o.Event != nil {
		t.Errorf("Observe after stop = %+v, want unchanged Failure without event", o)
	}
}

func TestTimingOf(t *testing.T) {
	tests := []struct {
		name  string
		probe *corev1.Probe
		want  Timing
	}{
		{"nil", nil, Timing{Period: sec(10), Timeout: sec(1), SuccessThreshold: 1, FailureThreshold: 3}},
		{"unset", &corev1.Probe{}, Timing{Period: sec(10), Timeout: sec(1), SuccessThreshold: 1, FailureThreshold: 3}},
		{"negative", &corev1.Probe{InitialDelaySeconds: -1, PeriodSeconds: -1, TimeoutSeconds: -1, SuccessThreshold: -1, FailureThreshold: -1},
			Timing{Period: sec(10), Timeout: sec(1), SuccessThreshold: 1, FailureThreshold: 3}},
		{"set", &corev1.Probe{InitialDelaySeconds: 4, PeriodSeconds: 2, TimeoutSeconds: 3, SuccessThreshold: 5, FailureThreshold: 6},
			Timing{InitialDelay: sec(4), Period: sec(2), Timeout: sec(3), SuccessThreshold: 5, FailureThreshold: 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TimingOf(tt.probe); got != tt.want {
				t.Errorf("TimingOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}
