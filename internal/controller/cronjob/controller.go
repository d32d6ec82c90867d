// Package cronjob creates a CronJob's Jobs on its schedule, as
// Kubernetes' CronJob controller does: in the schedule's time zone, with
// concurrencyPolicy Allow, Forbid or Replace, startingDeadlineSeconds,
// suspend, and successful and failed job history limits.
//
// Runs missed while Marina was down are not replayed: a sync starts at
// most the latest of them, if it is still within startingDeadlineSeconds.
// Each run's job is named after its scheduled minute, so a run is never
// started twice.
package cronjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/controller/claim"
	"github.com/marina-orchestrator/marina/internal/controller/loop"
)

// ScheduledTimestampAnnotation records on a job when its run was due.
const ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

// Controller runs CronJobs.
type Controller struct {
	*loop.Loop
	client   kubernetes.Interface
	cronJobs batchlisters.CronJobLister
	jobs     batchlisters.JobLister
	recorder record.EventRecorder
	now      func() time.Time
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	cjs := factory.Batch().V1().CronJobs()
	jobs := factory.Batch().V1().Jobs()
	c := &Controller{
		client:   client,
		cronJobs: cjs.Lister(),
		jobs:     jobs.Lister(),
		recorder: loop.Recorder(client, "cronjob-controller"),
		now:      time.Now,
	}
	c.Loop = loop.New("cronjob", log.With("controller", "cronjob"), c.syncKey)
	jobChanged := func(obj any) {
		if job, ok := loop.Unwrap(obj).(*batchv1.Job); ok {
			if ref := metav1.GetControllerOfNoCopy(job); ref != nil && ref.Kind == "CronJob" {
				c.Queue.Add(job.Namespace + "/" + ref.Name)
			}
		}
	}
	if err := c.Watch(cjs.Informer(), c.EnqueueAll()); err != nil {
		return nil, err
	}
	if err := c.Watch(jobs.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: jobChanged, UpdateFunc: func(_, obj any) { jobChanged(obj) }, DeleteFunc: jobChanged}); err != nil {
		return nil, err
	}
	return c, nil
}

// syncKey syncs a cron job and looks at it again when its next run is
// due.
func (c *Controller) syncKey(ctx context.Context, k string) error {
	next, err := c.sync(ctx, k)
	if err == nil && next > 0 {
		c.Queue.AddAfter(k, next)
	}
	return err
}

// sync brings a cron job's status up to date, trims its history, and
// starts the run that is due, if any. It returns when to look again.
func (c *Controller) sync(ctx context.Context, k string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return 0, err
	}
	cached, err := c.cronJobs.CronJobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	cj := cached.DeepCopy()
	all, err := c.jobs.Jobs(ns).List(labels.Everything())
	if err != nil {
		return 0, err
	}
	var jobs []*batchv1.Job
	for _, j := range all {
		if ref := metav1.GetControllerOfNoCopy(j); ref != nil && ref.UID == cj.UID {
			jobs = append(jobs, j)
		}
	}
	now := c.now()
	c.trackActive(cj, jobs)
	var errs []error
	errs = append(errs, c.trimHistory(ctx, cj, jobs))

	var next time.Duration
	if cj.DeletionTimestamp == nil && !ptr.Deref(cj.Spec.Suspend, false) {
		var err error
		next, err = c.run(ctx, cj, jobs, now)
		errs = append(errs, err)
	}
	if !apiequality.Semantic.DeepEqual(cached.Status, cj.Status) {
		if _, err := c.client.BatchV1().CronJobs(ns).UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("update status: %w", err))
		}
	}
	return next, errors.Join(errs...)
}

// trackActive keeps status.active to the cron job's unfinished jobs and
// notes the last success.
func (c *Controller) trackActive(cj *batchv1.CronJob, jobs []*batchv1.Job) {
	byUID := map[string]*batchv1.Job{}
	for _, j := range jobs {
		byUID[string(j.UID)] = j
	}
	cj.Status.Active = slices.DeleteFunc(cj.Status.Active, func(ref corev1.ObjectReference) bool {
		j := byUID[string(ref.UID)]
		if j == nil {
			c.recorder.Eventf(cj, corev1.EventTypeNormal, "MissingJob", "Active job went missing: %v", ref.Name)
			return true
		}
		if done, _ := finished(j); done {
			c.recorder.Eventf(cj, corev1.EventTypeNormal, "SawCompletedJob", "Saw completed job: %s, status: %s", j.Name, status(j))
			return true
		}
		return false
	})
	for _, j := range jobs {
		if done, _ := finished(j); !done && !slices.ContainsFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.UID == j.UID }) {
			cj.Status.Active = append(cj.Status.Active, jobRef(j))
		}
		if ok, t := finished(j); ok && status(j) == batchv1.JobComplete && t != nil {
			if cj.Status.LastSuccessfulTime == nil || t.After(cj.Status.LastSuccessfulTime.Time) {
				cj.Status.LastSuccessfulTime = t
			}
		}
	}
	if len(cj.Status.Active) == 0 {
		cj.Status.Active = nil
	}
}

// trimHistory deletes the oldest finished jobs beyond the history limits.
func (c *Controller) trimHistory(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) error {
	var succeeded, failed []*batchv1.Job
	for _, j := range jobs {
		if done, _ := finished(j); !done || j.DeletionTimestamp != nil {
			continue
		}
		if status(j) == batchv1.JobComplete {
			succeeded = append(succeeded, j)
		} else {
			failed = append(failed, j)
		}
	}
	var errs []error
	for _, set := range []struct {
		jobs  []*batchv1.Job
		limit *int32
	}{{succeeded, cj.Spec.SuccessfulJobsHistoryLimit}, {failed, cj.Spec.FailedJobsHistoryLimit}} {
		if set.limit == nil || len(set.jobs) <= int(*set.limit) {
			continue
		}
		slices.SortFunc(set.jobs, func(a, b *batchv1.Job) int { return startTime(a).Compare(startTime(b)) })
		for _, j := range set.jobs[:len(set.jobs)-int(*set.limit)] {
			errs = append(errs, c.deleteJob(ctx, cj, j))
		}
	}
	return errors.Join(errs...)
}

// run starts the job of the latest due run, if there is one and the
// concurrency policy allows it. It returns when the next run is due.
func (c *Controller) run(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job, now time.Time) (time.Duration, error) {
	sched, err := parseSchedule(cj)
	if err != nil {
		// Validation let it through (a zone this machine lacks):
		// say so once per change and wait for the user.
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "UnparseableSchedule", "%v", err)
		return 0, nil
	}
	untilNext := sched.Next(now).Sub(now) + 100*time.Millisecond
	scheduled, missed := due(sched, earliest(cj, now), now)
	if scheduled.IsZero() {
		return untilNext, nil
	}
	if missed >= tooManyMissed {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "TooManyMissedTimes",
			"too many missed start times: %d or more; set or lower .spec.startingDeadlineSeconds or check clock skew", tooManyMissed)
	}
	name := jobName(cj, scheduled)
	for _, j := range jobs {
		if j.Name == name {
			return untilNext, nil // this run has its job already
		}
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(cj.Status.Active) > 0 {
			// The run is skipped; it may still start if the active job
			// ends before its deadline.
			c.recorder.Eventf(cj, corev1.EventTypeNormal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
			return untilNext, nil
		}
	case batchv1.ReplaceConcurrent:
		for _, ref := range cj.Status.Active {
			for _, j := range jobs {
				if j.UID == ref.UID {
					if err := c.deleteJob(ctx, cj, j); err != nil {
						return 0, err
					}
				}
			}
		}
		cj.Status.Active = nil
	}
	job := newJob(cj, name, scheduled)
	created, err := c.client.BatchV1().Jobs(cj.Namespace).Create(ctx, job, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		return untilNext, nil
	case err != nil:
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %v", err)
		return 0, fmt.Errorf("create job %s: %w", name, err)
	}
	c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job %v", created.Name)
	cj.Status.Active = append(cj.Status.Active, jobRef(created))
	cj.Status.LastScheduleTime = &metav1.Time{Time: scheduled}
	return untilNext, nil
}

// deleteJob deletes one of the cron job's jobs with its pods.
func (c *Controller) deleteJob(ctx context.Context, cj *batchv1.CronJob, j *batchv1.Job) error {
	background := metav1.DeletePropagationBackground
	err := c.client.BatchV1().Jobs(j.Namespace).Delete(ctx, j.Name, metav1.DeleteOptions{
		PropagationPolicy: &background, Preconditions: &metav1.Preconditions{UID: &j.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedDelete", "Error deleting job %s: %v", j.Name, err)
		return fmt.Errorf("delete job %s: %w", j.Name, err)
	}
	c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %v", j.Name)
	return nil
}

// newJob is the job of the run scheduled at t.
func newJob(cj *batchv1.CronJob, name string, t time.Time) *batchv1.Job {
	tmpl := cj.Spec.JobTemplate
	annotations := map[string]string{ScheduledTimestampAnnotation: t.Format(time.RFC3339)}
	for k, v := range tmpl.Annotations {
		annotations[k] = v
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       cj.Namespace,
			Labels:          tmpl.Labels,
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{claim.ControllerRef(batchv1.SchemeGroupVersion.String(), "CronJob", cj.Name, cj.UID)},
		},
		Spec: *tmpl.Spec.DeepCopy(),
	}
	return job
}

// finished reports whether a job is Complete or Failed, and when.
func finished(j *batchv1.Job) (bool, *metav1.Time) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			if j.Status.CompletionTime != nil {
				return true, j.Status.CompletionTime
			}
			t := c.LastTransitionTime
			return true, &t
		}
	}
	return false, nil
}

// status is the condition a finished job ended with.
func status(j *batchv1.Job) batchv1.JobConditionType {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			return batchv1.JobComplete
		}
	}
	return batchv1.JobFailed
}

// startTime orders jobs by when their run was due.
func startTime(j *batchv1.Job) time.Time {
	if t, err := time.Parse(time.RFC3339, j.Annotations[ScheduledTimestampAnnotation]); err == nil {
		return t
	}
	if j.Status.StartTime != nil {
		return j.Status.StartTime.Time
	}
	return j.CreationTimestamp.Time
}

func jobRef(j *batchv1.Job) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: "Job", APIVersion: batchv1.SchemeGroupVersion.String(), Namespace: j.Namespace,
		Name: j.Name, UID: j.UID, ResourceVersion: j.ResourceVersion}
}
