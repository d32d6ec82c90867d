package defaults

import (
	"math"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestBatchDefaults(t *testing.T) {
	runDefaultingCases(t, []defaultingCase{
		{
			name: "empty job runs one pod to one completion",
			in: &batchv1.Job{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"job": "pi"}},
				Spec:       corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever},
			}}},
			check: on(func(t *testing.T, j *batchv1.Job) {
				eq(t, "parallelism", j.Spec.Parallelism, ptr.To[int32](1))
				eq(t, "completions", j.Spec.Completions, ptr.To[int32](1))
				eq(t, "backoffLimit", j.Spec.BackoffLimit, ptr.To[int32](6))
				eq(t, "completionMode", j.Spec.CompletionMode, ptr.To(batchv1.NonIndexedCompletion))
				eq(t, "suspend", j.Spec.Suspend, ptr.To(false))
				eq(t, "manualSelector", j.Spec.ManualSelector, ptr.To(false))
				eq(t, "podReplacementPolicy", j.Spec.PodReplacementPolicy, ptr.To(batchv1.TerminatingOrFailed))
				eq(t, "labels", j.Labels, map[string]string{"job": "pi"})
				eq(t, "template.spec.restartPolicy", j.Spec.Template.Spec.RestartPolicy, corev1.RestartPolicyNever)
				eq(t, "template.spec.schedulerName", j.Spec.Template.Spec.SchedulerName, "default-scheduler")
			}),
		},
		{
			name: "work queue job keeps completions unset",
			in:   &batchv1.Job{Spec: batchv1.JobSpec{Parallelism: ptr.To[int32](5)}},
			check: on(func(t *testing.T, j *batchv1.Job) {
				eq(t, "parallelism", j.Spec.Parallelism, ptr.To[int32](5))
				eq(t, "completions", j.Spec.Completions, (*int32)(nil))
			}),
		},
		{
			name: "fixed completion count job runs one pod at a time",
			in:   &batchv1.Job{Spec: batchv1.JobSpec{Completions: ptr.To[int32](3)}},
			check: on(func(t *testing.T, j *batchv1.Job) {
				eq(t, "parallelism", j.Spec.Parallelism, ptr.To[int32](1))
				eq(t, "completions", j.Spec.Completions, ptr.To[int32](3))
			}),
		},
		{
			name: "per-index backoff lifts the global backoff limit",
			in: &batchv1.Job{Spec: batchv1.JobSpec{
				CompletionMode:       ptr.To(batchv1.IndexedCompletion),
				BackoffLimitPerIndex: ptr.To[int32](2),
			}},
			check: on(func(t *testing.T, j *batchv1.Job) {
				eq(t, "backoffLimit", j.Spec.BackoffLimit, ptr.To[int32](math.MaxInt32))
				eq(t, "completionMode", j.Spec.CompletionMode, ptr.To(batchv1.IndexedCompletion))
			}),
		},
		{
			name: "pod failure policy waits for pods to fail before replacing them",
			in: &batchv1.Job{Spec: batchv1.JobSpec{PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
				Action:          batchv1.PodFailurePolicyActionIgnore,
				OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}},
			}}}}},
			check: on(func(t *testing.T, j *batchv1.Job) {
				eq(t, "podReplacementPolicy", j.Spec.PodReplacementPolicy, ptr.To(batchv1.Failed))
				eq(t, "onPodConditions[0].status", j.Spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status, corev1.ConditionTrue)
			}),
		},
		{
			name: "job keeps explicit values",
			in: &batchv1.Job{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"mine": "yes"}},
				Spec: batchv1.JobSpec{
					BackoffLimit:         ptr.To[int32](0),
					Suspend:              ptr.To(true),
					ManualSelector:       ptr.To(true),
					PodReplacementPolicy: ptr.To(batchv1.Failed),
					Template:             corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"job": "x"}}},
				},
			},
			check: on(func(t *testing.T, j *batchv1.Job) {
				eq(t, "backoffLimit", j.Spec.BackoffLimit, ptr.To[int32](0))
				eq(t, "suspend", j.Spec.Suspend, ptr.To(true))
				eq(t, "manualSelector", j.Spec.ManualSelector, ptr.To(true))
				eq(t, "podReplacementPolicy", j.Spec.PodReplacementPolicy, ptr.To(batchv1.Failed))
				eq(t, "labels", j.Labels, map[string]string{"mine": "yes"})
			}),
		},
		{
			name: "empty cron job",
			in: &batchv1.CronJob{Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}},
			}}}},
			check: on(func(t *testing.T, cj *batchv1.CronJob) {
				eq(t, "concurrencyPolicy", cj.Spec.ConcurrencyPolicy, batchv1.AllowConcurrent)
				eq(t, "suspend", cj.Spec.Suspend, ptr.To(false))
				eq(t, "successfulJobsHistoryLimit", cj.Spec.SuccessfulJobsHistoryLimit, ptr.To[int32](3))
				eq(t, "failedJobsHistoryLimit", cj.Spec.FailedJobsHistoryLimit, ptr.To[int32](1))
				job := cj.Spec.JobTemplate.Spec
				eq(t, "jobTemplate.spec.template.spec.dnsPolicy", job.Template.Spec.DNSPolicy, corev1.DNSClusterFirst)
				eq(t, "jobTemplate.spec.template.spec.containers[0].imagePullPolicy", job.Template.Spec.Containers[0].ImagePullPolicy, corev1.PullAlways)
				// Job-level defaults are applied to each Job when the
				// controller creates it, not to the template.
				eq(t, "jobTemplate.spec.completions", job.Completions, (*int32)(nil))
				eq(t, "jobTemplate.spec.backoffLimit", job.BackoffLimit, (*int32)(nil))
			}),
		},
		{
			name: "cron job keeps explicit values",
			in: &batchv1.CronJob{Spec: batchv1.CronJobSpec{
				ConcurrencyPolicy:          batchv1.ForbidConcurrent,
				Suspend:                    ptr.To(true),
				SuccessfulJobsHistoryLimit: ptr.To[int32](0),
				FailedJobsHistoryLimit:     ptr.To[int32](0),
			}},
			check: on(func(t *testing.T, cj *batchv1.CronJob) {
				eq(t, "concurrencyPolicy", cj.Spec.ConcurrencyPolicy, batchv1.ForbidConcurrent)
				eq(t, "suspend", cj.Spec.Suspend, ptr.To(true))
				eq(t, "successfulJobsHistoryLimit", cj.Spec.SuccessfulJobsHistoryLimit, ptr.To[int32](0))
				eq(t, "failedJobsHistoryLimit", cj.Spec.FailedJobsHistoryLimit, ptr.To[int32](0))
			}),
		},
	})
}
