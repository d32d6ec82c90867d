package probe

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Kind is which of a container's probes a worker runs. Its value is the
// word the kubelet uses in events ("Liveness probe failed: ...").
type Kind string

const (
	Liveness  Kind = "Liveness"
	Readiness Kind = "Readiness"
	Startup   Kind = "Startup"
)

// Status is a probe's standing after thresholds are applied: what the
// container is taken to be, as opposed to what one run found.
type Status int

const (
	// StatusUnknown: no verdict yet. A startup probe starts here.
	StatusUnknown Status = iota
	// StatusSuccess: ready (readiness), alive (liveness), started (startup).
	// A liveness probe starts here: a container is alive until proven dead.
	StatusSuccess
	// StatusFailure: not ready (readiness; where it starts), or must be
	// restarted (liveness, startup).
	StatusFailure
)

func (s Status) String() string {
	switch s {
	case StatusUnknown:
		return "Unknown"
	case StatusSuccess:
		return "Success"
	case StatusFailure:
		return "Failure"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Event reasons, as the kubelet's.
const (
	ReasonUnhealthy    = "Unhealthy"    // a probe failed or errored
	ReasonProbeWarning = "ProbeWarning" // a probe passed with a warning
)

// Event is what the caller should record on the pod for one result.
type Event struct {
	Type    string // corev1.EventTypeWarning
	Reason  string // ReasonUnhealthy or ReasonProbeWarning
	Message string // e.g. "Readiness probe failed: HTTP probe failed with statuscode: 500"
}

// Observation is what a Worker made of one result.
type Observation struct {
	Status  Status // the probe's status after the result
	Changed bool   // Status differs from before the result
	Event   *Event // nil when the result needs no event (a plain success)
}

// Worker tracks one probe of one container instance: when it is due, and
// what the results so far mean. It is pure logic: the caller runs the
// probe, passes the times in, and owns any goroutine. A Worker is not safe
// for concurrent use.
type Worker struct {
	kind    Kind
	probe   *corev1.Probe
	timing  Timing
	started time.Time // when the container started

	ran     bool
	lastRun time.Time // when the last counted or uncounted run began

	status  Status
	streak  Outcome // Success or Failure: what the current run of results is
	count   int     // how many results in a row were streak
	stopped bool    // no more runs for this container instance
}

// NewWorker returns a worker for probe p of kind k on a container that
// started at containerStarted. p must not be nil; the worker keeps it
// (for [Worker.Probe]) and does not modify it.
func NewWorker(k Kind, p *corev1.Probe, containerStarted time.Time) *Worker {
	w := &Worker{kind: k, probe: p, timing: TimingOf(p), started: containerStarted}
	switch k {
	case Liveness:
		w.status = StatusSuccess
	case Readiness:
		w.status = StatusFailure
	default:
		w.status = StatusUnknown
	}
	return w
}

// Kind is which probe the worker runs.
func (w *Worker) Kind() Kind { return w.kind }

// Probe is the probe the worker runs, to pass to [Run].
func (w *Worker) Probe() *corev1.Probe { return w.probe }

// Timing is the probe's timing with defaults applied.
func (w *Worker) Timing() Timing { return w.timing }

// Status is the probe's current status.
func (w *Worker) Status() Status { return w.status }

// Next reports how long after now the probe should run: zero if it is
// due, including when runs were missed. ok is false once the worker needs
// no more runs for this container instance: a startup probe that
// succeeded, or a liveness or startup probe that failed (the container is
// to be restarted, and probing a dying container only confuses).
func (w *Worker) Next(now time.Time) (wait time.Duration, ok bool) {
	if w.stopped {
		return 0, false
	}
	due := w.started.Add(w.timing.InitialDelay)
	if w.ran {
		if next := w.lastRun.Add(w.timing.Period); next.After(due) {
			due = next
		}
	}
	if !due.After(now) {
		return 0, true
	}
	return due.Sub(now), true
}

// Observe records the result of a run that began at ranAt and returns the
// probe's new status. Periods are measured from ranAt, so a slow probe
// does not stretch them. A Success or Failure changes the status once it
// has come successThreshold or failureThreshold times in a row; an Unknown
// is not counted, but still yields an event. Results observed after the
// worker stopped are ignored.
func (w *Worker) Observe(ranAt time.Time, r Result) Observation {
	if w.stopped {
		return Observation{Status: w.status}
	}
	w.ran, w.lastRun = true, ranAt
	o := Observation{Status: w.status, Event: w.event(r)}
	if r.Outcome != Success && r.Outcome != Failure {
		return o
	}

	if r.Outcome == w.streak {
		w.count++
	} else {
		w.streak, w.count = r.Outcome, 1
	}
	threshold := w.timing.SuccessThreshold
	if r.Outcome == Failure {
		threshold = w.timing.FailureThreshold
	}
	if w.count < threshold {
		return o
	}

	next := StatusSuccess
	if r.Outcome == Failure {
		next = StatusFailure
	}
	o.Changed = next != w.status
	w.status, o.Status = next, next
	switch {
	case w.kind == Startup && next == StatusSuccess:
		w.stopped = true // started; the kubelet does not probe startup again
	case w.kind != Readiness && next == StatusFailure:
		w.stopped = true // to be restarted
	}
	return o
}

// event words r as the kubelet does; nil for a plain success.
func (w *Worker) event(r Result) *Event {
	ev := &Event{Type: corev1.EventTypeWarning, Reason: ReasonUnhealthy}
	switch r.Outcome {
	case Success:
		if r.Message == "" {
			return nil
		}
		ev.Reason = ReasonProbeWarning
		ev.Message = fmt.Sprintf("%s probe warning: %s", w.kind, r.Message)
	case Failure:
		ev.Message = fmt.Sprintf("%s probe failed: %s", w.kind, r.Message)
	default:
		ev.Message = fmt.Sprintf("%s probe errored and resulted in unknown state: %s", w.kind, r.Message)
	}
	return ev
}
