package probe

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Defaults Kubernetes applies to an unset probe field.
const (
	DefaultPeriod           = 10 * time.Second
	DefaultTimeout          = 1 * time.Second
	DefaultSuccessThreshold = 1
	DefaultFailureThreshold = 3
)

// Timing is when and how often a probe runs and how many consecutive
// results change its status.
type Timing struct {
	InitialDelay     time.Duration // from container start to the first run
	Period           time.Duration // from the start of one run to the next
	Timeout          time.Duration // bound on one run
	SuccessThreshold int
	FailureThreshold int
}

// TimingOf returns p's timing, with Kubernetes' defaults for fields that
// are zero (unset) or negative (invalid; the API server rejects them, so
// only objects that bypassed validation have them).
func TimingOf(p *corev1.Probe) Timing {
	t := Timing{
		Period:           DefaultPeriod,
		Timeout:          DefaultTimeout,
		SuccessThreshold: DefaultSuccessThreshold,
		FailureThreshold: DefaultFailureThreshold,
	}
	if p == nil {
		return t
	}
	if p.InitialDelaySeconds > 0 {
		t.InitialDelay = seconds(p.InitialDelaySeconds)
	}
	if p.PeriodSeconds > 0 {
		t.Period = seconds(p.PeriodSeconds)
	}
	if p.TimeoutSeconds > 0 {
		t.Timeout = seconds(p.TimeoutSeconds)
	}
	if p.SuccessThreshold > 0 {
		t.SuccessThreshold = int(p.SuccessThreshold)
	}
	if p.FailureThreshold > 0 {
		t.FailureThreshold = int(p.FailureThreshold)
	}
	return t
}

func seconds(s int32) time.Duration { return time.Duration(s) * time.Second }
