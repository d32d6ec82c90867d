package validation

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func validJob() *batchv1.Job {
	tmpl := validTemplate(map[string]string{"batch.kubernetes.io/job-name": "migrate"})
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	return &batchv1.Job{
		ObjectMeta: meta("migrate"),
		Spec: batchv1.JobSpec{
			Parallelism:  ptr(int32(2)),
			Completions:  ptr(int32(4)),
			BackoffLimit: ptr(int32(6)),
			Template:     tmpl,
		},
	}
}

func TestValidateJob(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*batchv1.Job)
		want   []want
	}{
		{name: "valid, selector left for the server", mutate: func(*batchv1.Job) {}},
		{name: "valid with matching selector", mutate: func(j *batchv1.Job) {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/job-name": "migrate"}}
		}},
		{name: "indexed job with failure and success policies", mutate: func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
			j.Spec.BackoffLimitPerIndex = ptr(int32(1))
			j.Spec.MaxFailedIndexes = ptr(int32(2))
			j.Spec.PodReplacementPolicy = ptr(batchv1.Failed)
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr("0,2-3"), SucceededCount: ptr(int32(2))}}}
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				{Action: batchv1.PodFailurePolicyActionFailIndex, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
					ContainerName: ptr("app"), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{1, 42}}},
				{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
					{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
			}}
		}},
		{name: "restart policy Always", mutate: func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways },
			want: []want{errNotSupported("spec.template.spec.restartPolicy")}},
		{name: "restart policy left empty defaults to Always", mutate: func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = "" },
			want: []want{errNotSupported("spec.template.spec.restartPolicy")}},
		{name: "negative completions and parallelism", mutate: func(j *batchv1.Job) {
			j.Spec.Completions, j.Spec.Parallelism = ptr(int32(-1)), ptr(int32(-2))
		}, want: []want{errInvalid("spec.completions"), errInvalid("spec.parallelism")}},
		{name: "zero activeDeadlineSeconds", mutate: func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = ptr(int64(0)) },
			want: []want{errInvalid("spec.activeDeadlineSeconds")}},
		{name: "selector does not match", mutate: func(j *batchv1.Job) {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"job": "other"}}
		}, want: []want{errInvalid("spec.template.metadata.labels")}},
		{name: "manual selector without selector", mutate: func(j *batchv1.Job) { j.Spec.ManualSelector = ptr(true) },
			want: []want{errRequired("spec.selector")}},
		{name: "indexed job without completions", mutate: func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
			j.Spec.Completions = nil
		}, want: []want{errRequired("spec.completions")}},
		{name: "unknown completion mode", mutate: func(j *batchv1.Job) { j.Spec.CompletionMode = ptr(batchv1.CompletionMode("Sharded")) },
			want: []want{errNotSupported("spec.completionMode")}},
		{name: "backoffLimitPerIndex needs indexed mode", mutate: func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = ptr(int32(1)) },
			want: []want{errForbidden("spec.backoffLimitPerIndex")}},
		{name: "failure policy rule without condition and exit code 0", mutate: func(j *batchv1.Job) {
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				{Action: batchv1.PodFailurePolicyActionFailJob},
				{Action: "Retry", OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{0}}},
			}}
		}, want: []want{errInvalid("spec.podFailurePolicy.rules[0]"), errNotSupported("spec.podFailurePolicy.rules[1].action"),
			errInvalid("spec.podFailurePolicy.rules[1].onExitCodes.values[0]")}},
		{name: "failure policy needs pods to fail before replacement", mutate: func(j *batchv1.Job) {
			j.Spec.PodReplacementPolicy = ptr(batchv1.TerminatingOrFailed)
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionCount,
				OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}}}}
		}, want: []want{errNotSupported("spec.podReplacementPolicy")}},
		{name: "success policy needs indexed mode", mutate: func(j *batchv1.Job) {
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededCount: ptr(int32(1))}}}
		}, want: []want{errInvalid("spec.successPolicy")}},
		{name: "bad managedBy", mutate: func(j *batchv1.Job) { j.Spec.ManagedBy = ptr("kueue") },
			want: []want{errInvalid("spec.managedBy")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := validJob()
			tc.mutate(j)
			expectErrors(t, ValidateJob(j), tc.want...)
		})
	}
}

func TestValidateJobUpdate(t *testing.T) {
	withSelector := func() *batchv1.Job {
		j := validJob()
		j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/job-name": "migrate"}}
		return j
	}
	cases := []struct {
		name   string
		old    func() *batchv1.Job
		mutate func(*batchv1.Job)
		want   []want
	}{
		{name: "parallelism may change", old: withSelector, mutate: func(j *batchv1.Job) { j.Spec.Parallelism = ptr(int32(4)) }},
		{name: "generated selector may be filled in", old: validJob, mutate: func(j *batchv1.Job) {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/job-name": "migrate"}}
		}},
		{name: "selector is immutable", old: withSelector, mutate: func(j *batchv1.Job) {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/job-name": "migrate", "x": "y"}}
			j.Spec.Template.Labels["x"] = "y"
		}, want: []want{errInvalid("spec.selector"), errInvalid("spec.template")}},
		{name: "template is immutable", old: withSelector, mutate: func(j *batchv1.Job) { j.Spec.Template.Spec.Containers[0].Image = "other:1" },
			want: []want{errInvalid("spec.template")}},
		{name: "completions are immutable", old: withSelector, mutate: func(j *batchv1.Job) { j.Spec.Completions = ptr(int32(10)) },
			want: []want{errInvalid("spec.completions")}},
		{name: "suspended job may be rescheduled", old: func() *batchv1.Job {
			j := withSelector()
			j.Spec.Suspend = ptr(true)
			return j
		}, mutate: func(j *batchv1.Job) {
			j.Spec.Template.Spec.NodeSelector = map[string]string{"pool": "batch"}
			j.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "batch", Operator: corev1.TolerationOpExists}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := tc.old()
			j := old.DeepCopy()
			j.ObjectMeta = withRV(j.ObjectMeta)
			tc.mutate(j)
			expectErrors(t, ValidateJobUpdate(j, old), tc.want...)
		})
	}
}

func validCronJob() *batchv1.CronJob {
	tmpl := validTemplate(nil)
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	return &batchv1.CronJob{
		ObjectMeta: meta("nightly-report"),
		Spec: batchv1.CronJobSpec{
			Schedule:                   "30 2 * * 1-5",
			TimeZone:                   ptr("Etc/UTC"),
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr(int32(3)),
			JobTemplate:                batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}},
		},
	}
}

func TestValidateCronJob(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*batchv1.CronJob)
		want   []want
	}{
		{name: "valid", mutate: func(*batchv1.CronJob) {}},
		{name: "macro schedule without time zone", mutate: func(c *batchv1.CronJob) {
			c.Spec.Schedule = "@hourly"
			c.Spec.TimeZone = nil
		}},
		{name: "schedule required", mutate: func(c *batchv1.CronJob) { c.Spec.Schedule = "" },
			want: []want{errRequired("spec.schedule")}},
		{name: "unparsable schedule", mutate: func(c *batchv1.CronJob) { c.Spec.Schedule = "61 * * * *" },
			want: []want{errInvalid("spec.schedule")}},
		{name: "time zone in the schedule", mutate: func(c *batchv1.CronJob) { c.Spec.Schedule = "CRON_TZ=UTC 0 * * * *" },
			want: []want{errInvalid("spec.schedule")}},
		{name: "unknown time zone", mutate: func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr("Mars/Olympus_Mons") },
			want: []want{errInvalid("spec.timeZone")}},
		{name: "local time zone", mutate: func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr("Local") },
			want: []want{errInvalid("spec.timeZone")}},
		{name: "empty time zone", mutate: func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr("") },
			want: []want{errInvalid("spec.timeZone")}},
		{name: "unknown concurrency policy", mutate: func(c *batchv1.CronJob) { c.Spec.ConcurrencyPolicy = "Queue" },
			want: []want{errNotSupported("spec.concurrencyPolicy")}},
		{name: "negative history limit and deadline", mutate: func(c *batchv1.CronJob) {
			c.Spec.FailedJobsHistoryLimit = ptr(int32(-1))
			c.Spec.StartingDeadlineSeconds = ptr(int64(-10))
		}, want: []want{errInvalid("spec.failedJobsHistoryLimit"), errInvalid("spec.startingDeadlineSeconds")}},
		{name: "job template restart policy", mutate: func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}, want: []want{errNotSupported("spec.jobTemplate.spec.template.spec.restartPolicy")}},
		{name: "job template selector is generated", mutate: func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Selector = appSelector()
		}, want: []want{errInvalid("spec.jobTemplate.spec.selector")}},
		{name: "name too long for generated jobs", mutate: func(c *batchv1.CronJob) { c.Name = strings.Repeat("a", 53) },
			want: []want{errInvalid("metadata.name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validCronJob()
			tc.mutate(c)
			expectErrors(t, ValidateCronJob(c), tc.want...)
		})
	}
}

func TestValidateCronJobUpdate(t *testing.T) {
	old, c := validCronJob(), validCronJob()
	c.ObjectMeta = withRV(c.ObjectMeta)
	c.Spec.Schedule = "*/15 * * * *"
	c.Spec.Suspend = ptr(true)
	expectErrors(t, ValidateCronJobUpdate(c, old))

	c.Spec.Schedule = "every day"
	expectErrors(t, ValidateCronJobUpdate(c, old), errInvalid("spec.schedule"))
}

// TestParseCronSchedule: what Kubernetes accepts (its parser is the same
// library), and the errors it gives.
func TestParseCronSchedule(t *testing.T) {
	valid := []string{
		"* * * * *", "0 0 1 1 *", "*/5 * * * *", "0-30/10 9-17 * * mon-fri", "0 12 * JAN,JUL SUN",
		"15 3 ? * 0", "? * * * *", "@daily", "@every 1h30m", "@annually", "5,10,15 * * * *",
	}
	for _, s := range valid {
		if err := parseCronSchedule(s); err != nil {
			t.Errorf("parseCronSchedule(%q) = %v, want nil", s, err)
		}
	}
	invalid := map[string]string{
		"":               "empty spec",
		"* * * *":        "expected exactly 5 fields",
		"* * * * * *":    "expected exactly 5 fields",
		"60 * * * *":     "above maximum",
		"* 24 * * *":     "above maximum",
		"* * 0 * *":      "below minimum",
		"* * * 13 *":     "above maximum",
		"* * * * 7":      "above maximum",
		"10-5 * * * *":   "beyond end of range",
		"*/0 * * * *":    "should be a positive number",
		"1-2-3 * * * *":  "too many hyphens",
		"*/2/3 * * * *":  "too many slashes",
		"x * * * *":      "failed to parse int",
		"@ANNUALLY":      "unrecognized descriptor",
		"@fortnightly":   "unrecognized descriptor",
		"@every never":   "failed to parse duration",
		"0 0 L W *":      "failed to parse int",
		"* * * FOO *":    "failed to parse int",
		"@every -5m":     "must be positive",
		"*/x * * * *":    "failed to parse int",
		"* * * * MON-XX": "failed to parse int",
	}
	for s, msg := range invalid {
		err := parseCronSchedule(s)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("parseCronSchedule(%q) = %v, want error containing %q", s, err, msg)
		}
	}
}
