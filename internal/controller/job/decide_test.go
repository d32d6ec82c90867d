package job

import (
	"strconv"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

var t0 = time.Unix(1000000, 0)

func newJob(mutate ...func(*batchv1.Job)) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "ns", UID: "job"}, Spec: batchv1.JobSpec{
		Completions: ptr.To[int32](1), Parallelism: ptr.To[int32](1), BackoffLimit: ptr.To[int32](6),
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever}},
	}}
	j.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	for _, m := range mutate {
		m(j)
	}
	return j
}

// jobPod is a pod of the job in phase, with the tracking finalizer when
// tracked, at index ix (-1 for none), its container ended at endedAgo
// with exit code.
func jobPod(name string, phase corev1.PodPhase, tracked bool, ix int, code int32, endedAgo time.Duration) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name)}, Status: corev1.PodStatus{Phase: phase}}
	if tracked {
		p.Finalizers = []string{batchv1.JobTrackingFinalizer}
	}
	if ix >= 0 {
		p.Annotations = map[string]string{batchv1.JobCompletionIndexAnnotation: strconv.Itoa(ix)}
	}
	if phase == corev1.PodSucceeded || phase == corev1.PodFailed {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: code, FinishedAt: metav1.NewTime(t0.Add(-endedAgo))}}}}
	}
	return p
}

func condition(st batchv1.JobStatus, t batchv1.JobConditionType) string {
	if c := getCondition(&st, t); c != nil && c.Status == corev1.ConditionTrue {
		return c.Reason
	}
	return ""
}

// TestSucceededPodIsCountedOnce walks a pod's success through the three
// steps of tracking: recorded as uncounted and released, then counted,
// then the job is Complete.
func TestSucceededPodIsCountedOnce(t *testing.T) {
	job := newJob()
	done := jobPod("a", corev1.PodSucceeded, true, -1, 0, time.Second)

	p := decide(job, []*corev1.Pod{done}, t0)
	if u := p.status.UncountedTerminatedPods; u == nil || len(u.Succeeded) != 1 || p.status.Succeeded != 0 {
		t.Fatalf("step 1: %v", p)
	}
	if len(p.release) != 1 || len(p.create) != 0 || condition(p.status, batchv1.JobComplete) != "" {
		t.Fatalf("step 1: want the pod released and nothing else: %v", p)
	}
	if condition(p.status, batchv1.JobSuccessCriteriaMet) != ReasonCompletionsReached {
		t.Errorf("step 1: no SuccessCriteriaMet: %v", p)
	}

	// The same cache again (the finalizer removal not seen yet): no
	// double count.
	job.Status = p.status
	p = decide(job, []*corev1.Pod{done}, t0)
	if p.status.Succeeded != 0 || len(p.status.UncountedTerminatedPods.Succeeded) != 1 {
		t.Fatalf("step 1 repeated: %v", p)
	}

	released := done.DeepCopy()
	released.Finalizers = nil
	p = decide(job, []*corev1.Pod{released}, t0)
	if p.status.Succeeded != 1 || p.status.UncountedTerminatedPods != nil || condition(p.status, batchv1.JobComplete) != ReasonCompletionsReached {
		t.Fatalf("step 2: %v", p)
	}
	if p.status.CompletionTime == nil || len(p.events) != 1 || p.events[0].reason != "Completed" {
		t.Errorf("step 2: completion time and event: %v", p)
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name        string
		job         *batchv1.Job
		pods        []*corev1.Pod
		wantCreate  []int
		wantRemove  int
		wantRelease int
		wantRequeue time.Duration
		wantDelete  bool
		check       func(t *testing.T, st batchv1.JobStatus)
	}{
		{name: "a new job starts parallelism pods within completions",
			job:        newJob(func(j *batchv1.Job) { j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](3), ptr.To[int32](5) }),
			wantCreate: []int{noIndex, noIndex, noIndex}},
		{name: "a replacement waits out the back-off",
			job:  newJob(func(j *batchv1.Job) { j.Status.Failed = 1 }),
			pods: []*corev1.Pod{jobPod("f", corev1.PodFailed, false, -1, 1, 4*time.Second)}, wantRequeue: 6 * time.Second},
		{name: "the back-off doubles",
			job:  newJob(func(j *batchv1.Job) { j.Status.Failed = 2 }),
			pods: []*corev1.Pod{jobPod("f", corev1.PodFailed, false, -1, 1, 15*time.Second)}, wantRequeue: 5 * time.Second},
		{name: "after the back-off the pod is replaced",
			job:        newJob(func(j *batchv1.Job) { j.Status.Failed = 1 }),
			pods:       []*corev1.Pod{jobPod("f", corev1.PodFailed, false, -1, 1, 11*time.Second)},
			wantCreate: []int{noIndex}},
		{name: "past backoffLimit the job fails once its pods are counted",
			job:         newJob(func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr.To[int32](1); j.Status.Failed = 1 }),
			pods:        []*corev1.Pod{jobPod("f2", corev1.PodFailed, true, -1, 1, time.Second)},
			wantRelease: 1,
			check: func(t *testing.T, st batchv1.JobStatus) {
				if condition(st, batchv1.JobFailureTarget) != ReasonBackoffLimitExceeded || condition(st, batchv1.JobFailed) != "" {
					t.Errorf("conditions %+v, want FailureTarget only until the pod is counted", st.Conditions)
				}
			}},
		{name: "past backoffLimit and counted: Failed",
			job: newJob(func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr.To[int32](1); j.Status.Failed = 2 }),
			check: func(t *testing.T, st batchv1.JobStatus) {
				if condition(st, batchv1.JobFailed) != ReasonBackoffLimitExceeded {
					t.Errorf("conditions %+v, want Failed BackoffLimitExceeded", st.Conditions)
				}
			}},
		{name: "OnFailure restarts count towards the limit",
			job: newJob(func(j *batchv1.Job) {
				j.Spec.BackoffLimit = ptr.To[int32](2)
				j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
			}),
			pods: []*corev1.Pod{func() *corev1.Pod {
				p := jobPod("r", corev1.PodRunning, true, -1, 0, 0)
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", RestartCount: 3}}
				return p
			}()},
			wantRemove: 1,
			check: func(t *testing.T, st batchv1.JobStatus) {
				if condition(st, batchv1.JobFailureTarget) != ReasonBackoffLimitExceeded {
					t.Errorf("conditions %+v", st.Conditions)
				}
			}},
		{name: "podFailurePolicy FailJob",
			job: newJob(func(j *batchv1.Job) {
				j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
					Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
						Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}}}}
			}),
			pods:        []*corev1.Pod{jobPod("f", corev1.PodFailed, true, -1, 42, time.Second)},
			wantRelease: 1,
			check: func(t *testing.T, st batchv1.JobStatus) {
				c := getCondition(&st, batchv1.JobFailureTarget)
				if c == nil || c.Reason != ReasonPodFailurePolicy || c.Message != "Container main for pod ns/f failed with exit code 42 matching FailJob rule at index 0" {
					t.Errorf("FailureTarget %+v", c)
				}
			}},
		{name: "podFailurePolicy Ignore: not counted, replaced at once",
			job: newJob(func(j *batchv1.Job) {
				j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
					Action: batchv1.PodFailurePolicyActionIgnore, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
						Operator: batchv1.PodFailurePolicyOnExitCodesOpNotIn, Values: []int32{1}}}}}
			}),
			pods:        []*corev1.Pod{jobPod("f", corev1.PodFailed, true, -1, 5, time.Second)},
			wantRelease: 1, wantCreate: []int{noIndex},
			check: func(t *testing.T, st batchv1.JobStatus) {
				if st.Failed != 0 || st.UncountedTerminatedPods != nil {
					t.Errorf("an ignored failure was counted: %+v", st)
				}
			}},
		{name: "activeDeadlineSeconds passed",
			job:        newJob(func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = ptr.To[int64](30) }),
			pods:       []*corev1.Pod{jobPod("r", corev1.PodRunning, true, -1, 0, 0)},
			wantRemove: 1,
			check: func(t *testing.T, st batchv1.JobStatus) {
				if condition(st, batchv1.JobFailureTarget) != ReasonDeadlineExceeded {
					t.Errorf("conditions %+v", st.Conditions)
				}
			}},
		{name: "activeDeadlineSeconds ahead: look again then",
			job:         newJob(func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = ptr.To[int64](90) }),
			pods:        []*corev1.Pod{jobPod("r", corev1.PodRunning, true, -1, 0, 0)},
			wantRequeue: 30 * time.Second},
		{name: "Indexed: the lowest free indexes",
			job: newJob(func(j *batchv1.Job) {
				j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
				j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](5), ptr.To[int32](3)
				j.Status.CompletedIndexes = "0,2"
			}),
			pods:       []*corev1.Pod{jobPod("i1", corev1.PodRunning, true, 1, 0, 0)},
			wantCreate: []int{3, 4}},
		{name: "Indexed: a success completes its index",
			job: newJob(func(j *batchv1.Job) {
				j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
				j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](3), ptr.To[int32](1)
				j.Status.CompletedIndexes = "0"
			}),
			pods:        []*corev1.Pod{jobPod("i1", corev1.PodSucceeded, true, 1, 0, time.Second)},
			wantRelease: 1, wantCreate: []int{2},
			check: func(t *testing.T, st batchv1.JobStatus) {
				if st.CompletedIndexes != "0-1" || st.Succeeded != 2 {
					t.Errorf("completedIndexes %q succeeded %d, want 0-1 and 2", st.CompletedIndexes, st.Succeeded)
				}
			}},
		{name: "suspended: pods go",
			job:        newJob(func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) }),
			pods:       []*corev1.Pod{jobPod("r", corev1.PodRunning, true, -1, 0, 0)},
			wantRemove: 1,
			check: func(t *testing.T, st batchv1.JobStatus) {
				if condition(st, batchv1.JobSuspended) != "JobSuspended" || st.StartTime != nil {
					t.Errorf("status %+v", st)
				}
			}},
		{name: "finished: deleted after its time to live",
			job: newJob(func(j *batchv1.Job) {
				j.Spec.TTLSecondsAfterFinished = ptr.To[int32](5)
				j.Status.CompletionTime = &metav1.Time{Time: t0.Add(-10 * time.Second)}
				j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
			}),
			wantDelete: true},
		{name: "finished: time to live not over",
			job: newJob(func(j *batchv1.Job) {
				j.Spec.TTLSecondsAfterFinished = ptr.To[int32](60)
				j.Status.CompletionTime = &metav1.Time{Time: t0.Add(-10 * time.Second)}
				j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
			}),
			wantRequeue: 50 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := decide(tc.job, tc.pods, t0)
			if len(p.create) != len(tc.wantCreate) || len(p.remove) != tc.wantRemove || len(p.release) != tc.wantRelease ||
				p.requeue != tc.wantRequeue || p.deleteJob != tc.wantDelete {
				t.Fatalf("plan %v\nwant create %v, remove %d, release %d, requeue %v, delete %v", p, tc.wantCreate, tc.wantRemove, tc.wantRelease, tc.wantRequeue, tc.wantDelete)
			}
			for i := range p.create {
				if p.create[i] != tc.wantCreate[i] {
					t.Errorf("create %v, want %v", p.create, tc.wantCreate)
				}
			}
			if tc.check != nil {
				tc.check(t, p.status)
			}
		})
	}
}

func TestIndexSet(t *testing.T) {
	for _, s := range []string{"", "0", "0-4", "1,3-5,7", "0-1,3"} {
		if got := parseIndexes(s).String(); got != s {
			t.Errorf("%q round-trips to %q", s, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	for failures, want := range map[int32]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 10: 6 * time.Minute} {
		if got := backoff(failures); got != want {
			t.Errorf("backoff(%d) = %v, want %v", failures, got, want)
		}
	}
}
