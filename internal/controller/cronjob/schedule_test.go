package cronjob

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func cronJob(schedule string, created time.Time) *batchv1.CronJob {
	return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "day-end", CreationTimestamp: metav1.NewTime(created)},
		Spec: batchv1.CronJobSpec{Schedule: schedule}}
}

func TestDue(t *testing.T) {
	created := time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		cj         *batchv1.CronJob
		now        time.Time
		wantAt     time.Time
		wantMissed int
	}{
		{name: "the book's day-end job at 2 a.m.", cj: cronJob("0 2 * * *", created),
			now: time.Date(2026, 11, 21, 2, 0, 30, 0, time.UTC), wantAt: time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC), wantMissed: 1},
		{name: "not yet", cj: cronJob("0 2 * * *", created), now: time.Date(2026, 11, 21, 1, 59, 0, 0, time.UTC)},
		{name: "down for three days: one run, the latest", cj: cronJob("0 2 * * *", created),
			now: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC), wantAt: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC), wantMissed: 4},
		{name: "down, but the latest run is past its starting deadline", cj: func() *batchv1.CronJob {
			cj := cronJob("0 2 * * *", created)
			cj.Spec.StartingDeadlineSeconds = ptr.To[int64](600)
			return cj
		}(), now: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)},
		{name: "already ran", cj: func() *batchv1.CronJob {
			cj := cronJob("@hourly", created)
			cj.Status.LastScheduleTime = &metav1.Time{Time: time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC)}
			return cj
		}(), now: time.Date(2026, 11, 21, 2, 30, 0, 0, time.UTC)},
		{name: "in a time zone", cj: func() *batchv1.CronJob {
			cj := cronJob("0 2 * * *", created)
			cj.Spec.TimeZone = ptr.To("Asia/Shanghai")
			return cj
		}(), now: time.Date(2026, 11, 21, 18, 30, 0, 0, time.UTC), wantAt: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC), wantMissed: 1},
		{name: "every minute, long down", cj: cronJob("* * * * *", created),
			now: created.Add(10 * time.Hour), wantAt: created.Add(10 * time.Hour), wantMissed: tooManyMissed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseSchedule(tc.cj)
			if err != nil {
				t.Fatal(err)
			}
			at, missed := due(s, earliest(tc.cj, tc.now), tc.now)
			if !at.Equal(tc.wantAt) || missed != tc.wantMissed {
				t.Errorf("due %v (%d runs), want %v (%d)", at, missed, tc.wantAt, tc.wantMissed)
			}
		})
	}
}

func TestJobName(t *testing.T) {
	cj := cronJob("* * * * *", time.Time{})
	at := time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC)
	if got := jobName(cj, at); got != "day-end-29920440" {
		t.Errorf("job name %s", got)
	}
	if _, err := parseSchedule(&batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: "* * * * *", TimeZone: ptr.To("Mars/Olympus")}}); err == nil {
		t.Error("an unknown time zone was accepted")
	}
}
