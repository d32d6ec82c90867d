package job

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// Back-off between a job's pod failures, as Kubernetes: 10s, doubled per
// failure, at most 6 minutes.
const (
	backoffBase = 10 * time.Second
	backoffMax  = 6 * time.Minute
)

// The job conditions' reasons, as Kubernetes writes them.
const (
	ReasonBackoffLimitExceeded = "BackoffLimitExceeded"
	ReasonDeadlineExceeded     = "DeadlineExceeded"
	ReasonPodFailurePolicy     = "PodFailurePolicy"
	ReasonCompletionsReached   = "CompletionsReached"
)

// noIndex marks a pod to create for a job that is not Indexed.
const noIndex = -1

// event is something the controller tells about a job.
type event struct{ kind, reason, message string }

// plan is what one sync does to a job, decided from the job and its pods
// alone. The status goes first: it records the pods counted before their
// finalizers are released, so a crash in between loses no count and
// counts none twice.
type plan struct {
	status batchv1.JobStatus
	// create holds the completion indexes of the pods to create
	// (noIndex for a job that is not Indexed).
	create []int
	// remove are active pods to delete: surplus, or all of them when the
	// job is suspended or has ended.
	remove []*corev1.Pod
	// release are pods whose tracking finalizer may go, once the status
	// is written.
	release []*corev1.Pod
	events  []event
	// requeue is when to look again though nothing changes (back-off,
	// deadline, time to live); 0 for never.
	requeue time.Duration
	// deleteJob is set when the finished job's time to live is over.
	deleteJob bool
}

func (p *plan) wake(d time.Duration) {
	if d > 0 && (p.requeue == 0 || d < p.requeue) {
		p.requeue = d
	}
}

// decide computes a job's next step from its pods at now.
func decide(job *batchv1.Job, pods []*corev1.Pod, now time.Time) plan {
	st := job.Status.DeepCopy()
	p := plan{}
	if finished(st) {
		// Everything is counted; only clean-up is left.
		for _, pod := range pods {
			if hasFinalizer(pod) {
				p.release = append(p.release, pod)
			}
			if active(pod) {
				p.remove = append(p.remove, pod)
			}
		}
		if ttl := job.Spec.TTLSecondsAfterFinished; ttl != nil {
			at := finishTime(st).Add(time.Duration(*ttl) * time.Second)
			if !now.Before(at) {
				p.deleteJob = true
			} else {
				p.wake(at.Sub(now))
			}
		}
		p.status = *st
		return p
	}

	indexed := isIndexed(job)
	completed := parseIndexes(st.CompletedIndexes)
	uncounted := st.UncountedTerminatedPods
	if uncounted == nil {
		uncounted = &batchv1.UncountedTerminatedPods{}
	}
	byUID := map[types.UID]*corev1.Pod{}
	for _, pod := range pods {
		byUID[pod.UID] = pod
	}
	// Pods recorded as finished whose finalizer is gone are counted for
	// good.
	flush := func(uids []types.UID, count *int32) []types.UID {
		var left []types.UID
		for _, uid := range uids {
			if pod := byUID[uid]; pod != nil && hasFinalizer(pod) {
				left = append(left, uid)
				continue
			}
			*count++
		}
		return left
	}
	uncounted.Succeeded = flush(uncounted.Succeeded, &st.Succeeded)
	uncounted.Failed = flush(uncounted.Failed, &st.Failed)

	// Pods newly finished are recorded as uncounted, to be released.
	var failJob string
	var lastFailure time.Time
	for _, pod := range pods {
		if podFailed(job, pod) {
			lastFailure = latest(lastFailure, failedAt(pod))
		}
		if !hasFinalizer(pod) || slices.Contains(uncounted.Succeeded, pod.UID) || slices.Contains(uncounted.Failed, pod.UID) {
			continue
		}
		switch {
		case pod.Status.Phase == corev1.PodSucceeded:
			if ix, ok := podIndex(pod, job); indexed && ok {
				completed[ix] = true
			}
			uncounted.Succeeded = append(uncounted.Succeeded, pod.UID)
		case podFailed(job, pod):
			action, why := failureAction(job, pod)
			switch action {
			case batchv1.PodFailurePolicyActionIgnore:
				// Not counted, and replaced.
				p.release = append(p.release, pod)
				continue
			case batchv1.PodFailurePolicyActionFailJob:
				if failJob == "" {
					failJob = why
				}
			}
			uncounted.Failed = append(uncounted.Failed, pod.UID)
		}
	}
	for _, uid := range append(slices.Clone(uncounted.Succeeded), uncounted.Failed...) {
		if pod := byUID[uid]; pod != nil && hasFinalizer(pod) {
			p.release = append(p.release, pod)
		}
	}

	var act, terminating []*corev1.Pod
	var restarts int32
	for _, pod := range pods {
		switch {
		case active(pod):
			act = append(act, pod)
			for _, cs := range pod.Status.ContainerStatuses {
				restarts += cs.RestartCount
			}
		case pod.DeletionTimestamp != nil && !podcontrol.Finished(pod):
			terminating = append(terminating, pod)
		}
	}
	succeeded := st.Succeeded + int32(len(uncounted.Succeeded))
	if indexed {
		// An index counts once, however many of its pods succeeded.
		succeeded = int32(len(completed))
		st.Succeeded = succeeded
		st.CompletedIndexes = completed.String()
	}
	failed := st.Failed + int32(len(uncounted.Failed))
	failures := failed
	if job.Spec.Template.Spec.RestartPolicy == corev1.RestartPolicyOnFailure {
		// Restarts in place are failures too.
		failures += restarts
	}

	suspended := ptr.Deref(job.Spec.Suspend, false)
	switch {
	case suspended:
		if setCondition(st, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", now) {
			p.events = append(p.events, event{corev1.EventTypeNormal, "Suspended", "Job suspended"})
		}
		st.StartTime = nil
	case hasCondition(st, batchv1.JobSuspended):
		if setCondition(st, batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed", now) {
			p.events = append(p.events, event{corev1.EventTypeNormal, "Resumed", "Job resumed"})
		}
		st.StartTime = &metav1.Time{Time: now}
	case st.StartTime == nil:
		st.StartTime = &metav1.Time{Time: now}
	}

	var failReason, failMsg string
	switch {
	case failJob != "":
		failReason, failMsg = ReasonPodFailurePolicy, failJob
	case failures > ptr.Deref(job.Spec.BackoffLimit, 6):
		failReason, failMsg = ReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"
	case hasCondition(st, batchv1.JobFailureTarget):
		c := getCondition(st, batchv1.JobFailureTarget)
		failReason, failMsg = c.Reason, c.Message
	case !suspended && job.Spec.ActiveDeadlineSeconds != nil && st.StartTime != nil:
		end := st.StartTime.Add(time.Duration(*job.Spec.ActiveDeadlineSeconds) * time.Second)
		if !now.Before(end) {
			failReason, failMsg = ReasonDeadlineExceeded, "Job was active longer than specified deadline"
		} else {
			p.wake(end.Sub(now))
		}
	}
	complete := false
	switch {
	case indexed:
		complete = succeeded >= ptr.Deref(job.Spec.Completions, 1)
	case job.Spec.Completions != nil:
		complete = succeeded >= *job.Spec.Completions
	default:
		// A work queue is done when a pod has succeeded and none runs.
		complete = succeeded > 0 && len(act) == 0
	}

	settled := len(uncounted.Succeeded) == 0 && len(uncounted.Failed) == 0 && len(terminating) == 0
	switch {
	case failReason != "":
		// The job fails: its pods go, and once they are gone and
		// counted, it is Failed.
		p.remove = act
		act = nil
		setCondition(st, batchv1.JobFailureTarget, corev1.ConditionTrue, failReason, failMsg, now)
		if settled && len(p.remove) == 0 {
			setCondition(st, batchv1.JobFailed, corev1.ConditionTrue, failReason, failMsg, now)
			p.events = append(p.events, event{corev1.EventTypeWarning, failReason, failMsg})
		}
	case complete:
		p.remove = act
		act = nil
		setCondition(st, batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, ReasonCompletionsReached, "Reached expected number of succeeded pods", now)
		if settled && len(p.remove) == 0 {
			setCondition(st, batchv1.JobComplete, corev1.ConditionTrue, ReasonCompletionsReached, "Reached expected number of succeeded pods", now)
			st.CompletionTime = &metav1.Time{Time: now}
			p.events = append(p.events, event{corev1.EventTypeNormal, "Completed", "Job completed"})
		}
	case suspended:
		p.remove = act
		act = nil
	default:
		p.create, p.remove = scale(job, act, terminating, completed, succeeded)
		if len(p.create) > 0 && failures > 0 {
			// Replacements wait out the back-off since the last failure.
			if wait := backoff(failures) - now.Sub(lastFailure); !lastFailure.IsZero() && wait > 0 {
				p.create = nil
				p.wake(wait)
			}
		}
	}

	st.Active = int32(len(act))
	st.Ready = ptr.To(int32(0))
	for _, pod := range act {
		if podReady(pod) {
			*st.Ready++
		}
	}
	st.Terminating = ptr.To(int32(len(terminating) + len(p.remove)))
	if len(uncounted.Succeeded) == 0 && len(uncounted.Failed) == 0 {
		st.UncountedTerminatedPods = nil
	} else {
		st.UncountedTerminatedPods = uncounted
	}
	p.status = *st
	return p
}

// scale decides which pods to create (by index) and which active ones to
// delete to bring the job to its parallelism, within what is left to
// complete.
func scale(job *batchv1.Job, act, terminating []*corev1.Pod, completed indexSet, succeeded int32) ([]int, []*corev1.Pod) {
	parallelism := ptr.Deref(job.Spec.Parallelism, 1)
	want := parallelism
	switch {
	case isIndexed(job):
		want = min(parallelism, ptr.Deref(job.Spec.Completions, 1)-int32(len(completed)))
	case job.Spec.Completions != nil:
		want = min(parallelism, *job.Spec.Completions-succeeded)
	case succeeded > 0:
		// A work queue whose first pod succeeded starts no more.
		want = 0
	}
	busy := len(act)
	if ptr.Deref(job.Spec.PodReplacementPolicy, batchv1.TerminatingOrFailed) == batchv1.Failed {
		// Replacements wait until the pods they replace have ended.
		busy += len(terminating)
	}
	if n := len(act) - int(max(want, 0)); n > 0 {
		victims := slices.Clone(act)
		slices.SortStableFunc(victims, func(a, b *corev1.Pod) int {
			// Not ready first, then newest.
			if ra, rb := podReady(a), podReady(b); ra != rb {
				if ra {
					return 1
				}
				return -1
			}
			return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
		})
		return nil, victims[:n]
	}
	n := int(want) - busy
	if n <= 0 {
		return nil, nil
	}
	if !isIndexed(job) {
		out := make([]int, n)
		for i := range out {
			out[i] = noIndex
		}
		return out, nil
	}
	held := indexSet{}
	for _, pod := range append(slices.Clone(act), terminating...) {
		if ix, ok := podIndex(pod, job); ok {
			held[ix] = true
		}
	}
	var out []int
	for ix := 0; ix < int(ptr.Deref(job.Spec.Completions, 1)) && len(out) < n; ix++ {
		if !completed[ix] && !held[ix] {
			out = append(out, ix)
		}
	}
	return out, nil
}

// backoff is the wait before the next pod after failures failures.
func backoff(failures int32) time.Duration {
	d := backoffBase
	for i := int32(1); i < failures && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

func isIndexed(job *batchv1.Job) bool {
	return ptr.Deref(job.Spec.CompletionMode, batchv1.NonIndexedCompletion) == batchv1.IndexedCompletion
}

// podIndex is the completion index of an Indexed job's pod.
func podIndex(pod *corev1.Pod, job *batchv1.Job) (int, bool) {
	ix, err := strconv.Atoi(pod.Annotations[batchv1.JobCompletionIndexAnnotation])
	if err != nil || ix < 0 || ix >= int(ptr.Deref(job.Spec.Completions, 1)) {
		return 0, false
	}
	return ix, true
}

// active reports whether the pod is running or about to, and not being
// deleted.
func active(pod *corev1.Pod) bool { return !podcontrol.Finished(pod) && pod.DeletionTimestamp == nil }

// podFailed reports whether a pod counts as failed: it did, or it was
// deleted before succeeding (unless the job replaces only pods that have
// failed, which then wait for the Failed phase).
func podFailed(job *batchv1.Job, pod *corev1.Pod) bool {
	if pod.Status.Phase == corev1.PodFailed {
		return true
	}
	if ptr.Deref(job.Spec.PodReplacementPolicy, batchv1.TerminatingOrFailed) == batchv1.Failed {
		return false
	}
	return pod.DeletionTimestamp != nil && pod.Status.Phase != corev1.PodSucceeded
}

// failedAt is when a failed pod's last container ended.
func failedAt(pod *corev1.Pod) time.Time {
	var t time.Time
	for _, cs := range pod.Status.ContainerStatuses {
		if term := cs.State.Terminated; term != nil {
			t = latest(t, term.FinishedAt.Time)
		}
	}
	if t.IsZero() && pod.DeletionTimestamp != nil {
		t = pod.DeletionTimestamp.Time
	}
	return t
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func podReady(pod *corev1.Pod) bool {
	ok, _ := podcontrol.Ready(pod)
	return ok
}

func hasFinalizer(pod *corev1.Pod) bool {
	return slices.Contains(pod.Finalizers, batchv1.JobTrackingFinalizer)
}

// finished reports whether the job is Complete or Failed.
func finished(st *batchv1.JobStatus) bool {
	return hasCondition(st, batchv1.JobComplete) || hasCondition(st, batchv1.JobFailed)
}

// finishTime is when the job finished.
func finishTime(st *batchv1.JobStatus) time.Time {
	if st.CompletionTime != nil {
		return st.CompletionTime.Time
	}
	if c := getCondition(st, batchv1.JobFailed); c != nil {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

func getCondition(st *batchv1.JobStatus, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// hasCondition reports whether the condition is there and True.
func hasCondition(st *batchv1.JobStatus, t batchv1.JobConditionType) bool {
	c := getCondition(st, t)
	return c != nil && c.Status == corev1.ConditionTrue
}

// setCondition sets a condition; it reports whether anything changed.
func setCondition(st *batchv1.JobStatus, t batchv1.JobConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) bool {
	if c := getCondition(st, t); c != nil {
		if c.Status == s && c.Reason == reason && c.Message == msg {
			return false
		}
		if c.Status != s {
			c.LastTransitionTime = metav1.NewTime(now)
		}
		c.Status, c.Reason, c.Message, c.LastProbeTime = s, reason, msg, metav1.NewTime(now)
		return true
	}
	ts := metav1.NewTime(now)
	st.Conditions = append(st.Conditions, batchv1.JobCondition{Type: t, Status: s, Reason: reason, Message: msg, LastProbeTime: ts, LastTransitionTime: ts})
	return true
}

// String shows a plan in test failures.
func (p plan) String() string {
	return fmt.Sprintf("create %v, remove %d, release %d, requeue %v, delete job %v, status %+v",
		p.create, len(p.remove), len(p.release), p.requeue, p.deleteJob, p.status)
}
