package cronjob

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
)

// tooManyMissed is where counting missed runs stops: a cron job that
// was down for longer runs once and says it missed many.
const tooManyMissed = 100

// parseSchedule reads the cron job's schedule in its time zone (the
// server's local zone when none is given).
func parseSchedule(cj *batchv1.CronJob) (cron.Schedule, error) {
	spec := cj.Spec.Schedule
	if tz := cj.Spec.TimeZone; tz != nil && *tz != "" {
		if _, err := time.LoadLocation(*tz); err != nil {
			return nil, fmt.Errorf("spec.timeZone %q: %w", *tz, err)
		}
		spec = "CRON_TZ=" + *tz + " " + strings.TrimSpace(spec)
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("spec.schedule %q: %w", cj.Spec.Schedule, err)
	}
	return s, nil
}

// due returns the most recent time the schedule fired after earliest and
// at or before now, and how many times it fired in that span (capped at
// tooManyMissed); the zero time when it did not fire.
func due(s cron.Schedule, earliest, now time.Time) (time.Time, int) {
	var last time.Time
	n := 0
	for t := s.Next(earliest); !t.After(now); t = s.Next(t) {
		last = t
		if n++; n >= tooManyMissed {
			// Skip to the end without counting further.
			for u := s.Next(t); !u.After(now); u = s.Next(u) {
				last = u
			}
			break
		}
	}
	return last, n
}

// earliest is the time after which a run may still be due: after the last
// scheduled run (or the creation), and within startingDeadlineSeconds.
func earliest(cj *batchv1.CronJob, now time.Time) time.Time {
	from := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		from = cj.Status.LastScheduleTime.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if limit := now.Add(-time.Duration(*d) * time.Second); limit.After(from) {
			from = limit
		}
	}
	return from
}

// jobName names the job of the run scheduled at t: the cron job's name
// and the minute, so a repeated create of one run collides.
func jobName(cj *batchv1.CronJob, t time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, t.Unix()/60)
}
