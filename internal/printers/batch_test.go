package printers

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestJobCells(t *testing.T) {
	gr := schema.GroupResource{Group: "batch", Resource: "jobs"}
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/job-name": "pi"}}
	cond := func(t batchv1.JobConditionType) []batchv1.JobCondition {
		return []batchv1.JobCondition{{Type: t, Status: corev1.ConditionTrue}}
	}
	job := func(mutate func(*batchv1.Job)) *batchv1.Job {
		j := &batchv1.Job{
			ObjectMeta: objMeta("pi", 10*time.Minute),
			Spec:       batchv1.JobSpec{Completions: ptr(int32(1)), Selector: selector, Template: template(nil, "pi")},
		}
		mutate(j)
		return j
	}
	tail := []interface{}{"10m", "pi", "pi:1", "batch.kubernetes.io/job-name=pi"}
	row := func(status, completions, duration string) []interface{} {
		return append([]interface{}{"pi", status, completions, duration}, tail...)
	}
	tests := []struct {
		name string
		job  *batchv1.Job
		want []interface{}
	}{
		{
			name: "complete",
			job: job(func(j *batchv1.Job) {
				j.Status = batchv1.JobStatus{Succeeded: 1, StartTime: agoPtr(10 * time.Minute), CompletionTime: agoPtr(8 * time.Minute), Conditions: cond(batchv1.JobComplete)}
			}),
			want: row("Complete", "1/1", "2m"),
		},
		{
			name: "running",
			job: job(func(j *batchv1.Job) {
				j.Status = batchv1.JobStatus{Active: 1, StartTime: agoPtr(90 * time.Second)}
			}),
			want: row("Running", "0/1", "90s"),
		},
		{
			name: "not started",
			job:  job(func(j *batchv1.Job) {}),
			want: row("Running", "0/1", ""),
		},
		{
			name: "failed",
			job: job(func(j *batchv1.Job) {
				j.Status = batchv1.JobStatus{Failed: 6, StartTime: agoPtr(10 * time.Minute), Conditions: cond(batchv1.JobFailed)}
			}),
			want: row("Failed", "0/1", "10m"),
		},
		{
			name: "suspended",
			job: job(func(j *batchv1.Job) {
				j.Spec.Suspend = ptr(true)
				j.Status = batchv1.JobStatus{Conditions: cond(batchv1.JobSuspended)}
			}),
			want: row("Suspended", "0/1", ""),
		},
		{
			name: "terminating",
			job: job(func(j *batchv1.Job) {
				j.DeletionTimestamp = agoPtr(time.Second)
				j.Status = batchv1.JobStatus{Active: 1, StartTime: agoPtr(5 * time.Minute), Conditions: cond(batchv1.JobSuspended)}
			}),
			want: row("Terminating", "0/1", "5m"),
		},
		{
			name: "failure target",
			job: job(func(j *batchv1.Job) {
				j.Status = batchv1.JobStatus{StartTime: agoPtr(5 * time.Minute), Conditions: cond(batchv1.JobFailureTarget)}
			}),
			want: row("FailureTarget", "0/1", "5m"),
		},
		{
			name: "success criteria met",
			job: job(func(j *batchv1.Job) {
				j.Status = batchv1.JobStatus{StartTime: agoPtr(5 * time.Minute), Conditions: cond(batchv1.JobSuccessCriteriaMet)}
			}),
			want: row("SuccessCriteriaMet", "0/1", "5m"),
		},
		{
			name: "false condition is ignored",
			job: job(func(j *batchv1.Job) {
				j.Status = batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionFalse}}}
			}),
			want: row("Running", "0/1", ""),
		},
		{
			name: "parallel work queue",
			job: job(func(j *batchv1.Job) {
				j.Spec.Completions = nil
				j.Spec.Parallelism = ptr(int32(3))
				j.Status = batchv1.JobStatus{Succeeded: 0, Active: 3, StartTime: agoPtr(time.Minute)}
			}),
			want: row("Running", "0/1 of 3", "60s"),
		},
		{
			name: "single pod without completions",
			job: job(func(j *batchv1.Job) {
				j.Spec.Completions = nil
				j.Spec.Parallelism = ptr(int32(1))
			}),
			want: row("Running", "0/1", ""),
		},
		{
			name: "many completions",
			job: job(func(j *batchv1.Job) {
				j.Spec.Completions = ptr(int32(5))
				j.Status = batchv1.JobStatus{Succeeded: 2, StartTime: agoPtr(time.Minute)}
			}),
			want: row("Running", "2/5", "60s"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.job, tt.want)
		})
	}
}

func TestCronJobCells(t *testing.T) {
	gr := schema.GroupResource{Group: "batch", Resource: "cronjobs"}
	jobTemplate := batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template(nil, "backup")}}
	tests := []struct {
		name string
		cj   *batchv1.CronJob
		want []interface{}
	}{
		{
			name: "scheduled with a time zone",
			cj: &batchv1.CronJob{
				ObjectMeta: objMeta("backup", 3*24*time.Hour),
				Spec:       batchv1.CronJobSpec{Schedule: "0 3 * * *", TimeZone: ptr("Europe/Berlin"), Suspend: ptr(false), JobTemplate: jobTemplate},
				Status:     batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "backup-1"}}, LastScheduleTime: agoPtr(5 * time.Minute)},
			},
			want: []interface{}{"backup", "0 3 * * *", "Europe/Berlin", "False", int64(1), "5m", "3d", "backup", "backup:1", "<none>"},
		},
		{
			name: "never scheduled, suspend unset",
			cj: &batchv1.CronJob{
				ObjectMeta: objMeta("report", time.Minute),
				Spec: batchv1.CronJobSpec{Schedule: "@hourly", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
					Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"job": "report"}},
					Template: template(nil, "report"),
				}}},
			},
			want: []interface{}{"report", "@hourly", "<none>", "<unset>", int64(0), "<none>", "60s", "report", "report:1", "job=report"},
		},
		{
			name: "suspended",
			cj: &batchv1.CronJob{
				ObjectMeta: objMeta("paused", time.Minute),
				Spec:       batchv1.CronJobSpec{Schedule: "*/5 * * * *", Suspend: ptr(true), JobTemplate: jobTemplate},
			},
			want: []interface{}{"paused", "*/5 * * * *", "<none>", "True", int64(0), "<none>", "60s", "backup", "backup:1", "<none>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.cj, tt.want)
		})
	}
}
