package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// piDigits is what the book's job prints: pi to 100 digits.
const piDigits = "3.141592653589793238462643383279502884197169399375105820974944592307816406286208998628034825342117068"

// jobPods lists a job's pods by the label the server gives them.
func jobPods(t *testing.T, s *Server, job string) []corev1.Pod {
	t.Helper()
	list, err := s.Client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "job-name=" + job})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(list.Items, func(a, b corev1.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	return list.Items
}

// waitJob waits for a job's condition and returns the job.
func waitJob(t *testing.T, s *Server, name, condition string) *batchv1.Job {
	t.Helper()
	if out, errOut, err := s.Kubectl("wait", "--for=condition="+condition, "job/"+name, "--timeout=90s"); err != nil {
		t.Fatalf("job %s never %s: %v\n%s%s", name, condition, err, out, errOut)
	}
	job, err := s.Client.BatchV1().Jobs("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func jobCondition(job *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range job.Status.Conditions {
		if job.Status.Conditions[i].Type == t {
			return &job.Status.Conditions[i]
		}
	}
	return nil
}

// bookJob is the book's job.yaml as printed, with one line added: perl
// runs with the process runtime (the perl image cannot be pulled here).
const bookJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    metadata:
      name: pi
    spec:
      runtimeClassName: process
      containers:
      - name: pi
        image: perl
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(100)"]
      restartPolicy: Never
`

// TestJobBookPi is the book's Job, unchanged but for running perl with
// the process runtime: it completes, its pod shows Completed, and its log
// is pi to 100 digits.
func TestJobBookPi(t *testing.T) {
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "job.yaml")
	if err := writeFile(path, bookJob); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("create", "-f", path)
	job := waitJob(t, s, "pi", "complete")
	if job.Status.Succeeded != 1 || job.Status.Failed != 0 || job.Status.CompletionTime == nil {
		t.Errorf("status %+v", job.Status)
	}
	if out := s.MustKubectl("get", "jobs"); !containsFields(out, "pi", "Complete", "1/1") {
		t.Errorf("kubectl get jobs:\n%s\nwant pi Complete 1/1", out)
	}
	pods := jobPods(t, s, "pi")
	if len(pods) != 1 {
		t.Fatalf("%d pods, want 1", len(pods))
	}
	if out := s.MustKubectl("get", "pods", "--selector=job-name=pi"); !containsFields(out, pods[0].Name, "0/1", "Completed", "0") {
		t.Errorf("kubectl get pods:\n%s\nwant %s 0/1 Completed 0", out, pods[0].Name)
	}
	if out := strings.TrimSpace(s.MustKubectl("logs", pods[0].Name)); out != piDigits {
		t.Errorf("kubectl logs: %q, want %q", out, piDigits)
	}
	// Deleting the job deletes its pod: the tracking finalizer does not
	// hold it.
	s.MustKubectl("delete", "job", "pi")
	eventually(t, 30*time.Second, func() error {
		if pods := jobPods(t, s, "pi"); len(pods) > 0 {
			return fmt.Errorf("%d pods left, finalizers %v", len(pods), pods[0].Finalizers)
		}
		return nil
	})
}

// TestJobFailures: a failing job is retried after a back-off and stops at
// its backoffLimit with BackoffLimitExceeded; a podFailurePolicy rule
// fails a job at its first matching exit code.
func TestJobFailures(t *testing.T) {
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "jobs.yaml")
	if err := writeFile(path, `apiVersion: batch/v1
kind: Job
metadata: {name: failing}
spec:
  backoffLimit: 1
  template:
    spec:
      runtimeClassName: process
      restartPolicy: Never
      containers: [{name: main, image: local, command: ["sh", "-c", "exit 3"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: policy}
spec:
  backoffLimit: 6
  podFailurePolicy:
    rules:
      - action: FailJob
        onExitCodes: {operator: In, values: [42]}
  template:
    spec:
      runtimeClassName: process
      restartPolicy: Never
      containers: [{name: main, image: local, command: ["sh", "-c", "exit 42"]}]
`); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)

	job := waitJob(t, s, "policy", "failed")
	if c := jobCondition(job, batchv1.JobFailed); c.Reason != "PodFailurePolicy" || !strings.Contains(c.Message, "exit code 42 matching FailJob rule") {
		t.Errorf("policy job's Failed condition %+v", c)
	}
	if n := len(jobPods(t, s, "policy")); n != 1 || job.Status.Failed != 1 {
		t.Errorf("policy job: %d pods, %d failed; want one of each (no retry)", n, job.Status.Failed)
	}

	job = waitJob(t, s, "failing", "failed")
	if c := jobCondition(job, batchv1.JobFailed); c.Reason != "BackoffLimitExceeded" {
		t.Errorf("Failed condition %+v, want reason BackoffLimitExceeded", c)
	}
	pods := jobPods(t, s, "failing")
	if len(pods) != 2 || job.Status.Failed != 2 {
		t.Fatalf("%d pods, %d failed; want 2 of each (the first try and one retry)", len(pods), job.Status.Failed)
	}
	// The retry waited the back-off (10 s) after the first failure.
	ended := pods[0].Status.ContainerStatuses[0].State.Terminated.FinishedAt.Time
	if gap := pods[1].CreationTimestamp.Sub(ended); gap < 9*time.Second {
		t.Errorf("the retry started %v after the failure, want the 10s back-off", gap)
	}
	if out := s.MustKubectl("get", "events", "--field-selector", "involvedObject.name=failing,reason=BackoffLimitExceeded"); !strings.Contains(out, "Job has reached the specified backoff limit") {
		t.Errorf("no BackoffLimitExceeded event:\n%s", out)
	}
}

// TestJobIndexed: an Indexed job of 5 completions, 2 at a time, runs each
// index exactly once, and each pod knows its index.
func TestJobIndexed(t *testing.T) {
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "job.yaml")
	if err := writeFile(path, `apiVersion: batch/v1
kind: Job
metadata: {name: indexed}
spec:
  completions: 5
  parallelism: 2
  completionMode: Indexed
  template:
    spec:
      runtimeClassName: process
      restartPolicy: Never
      containers: [{name: main, image: local, command: ["sh", "-c", "sleep 0.5; echo index $JOB_COMPLETION_INDEX"]}]
`); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	job := waitJob(t, s, "indexed", "complete")
	if job.Status.CompletedIndexes != "0-4" || job.Status.Succeeded != 5 || job.Status.Failed != 0 {
		t.Errorf("status %+v, want indexes 0-4 completed once each", job.Status)
	}
	pods := jobPods(t, s, "indexed")
	if len(pods) != 5 {
		t.Errorf("%d pods, want 5: each index once", len(pods))
	}
	seen := map[string]bool{}
	for _, p := range pods {
		ix := p.Annotations[batchv1.JobCompletionIndexAnnotation]
		if seen[ix] {
			t.Errorf("index %s ran twice", ix)
		}
		seen[ix] = true
		if !strings.HasPrefix(p.Name, "indexed-"+ix+"-") || p.Spec.Hostname != "indexed-"+ix {
			t.Errorf("pod %s (hostname %s) of index %s", p.Name, p.Spec.Hostname, ix)
		}
		if out := strings.TrimSpace(s.MustKubectl("logs", p.Name)); out != "index "+ix {
			t.Errorf("pod %s printed %q, want %q", p.Name, out, "index "+ix)
		}
	}
}

// TestJobSuspendDeadlineTTL: a suspended job starts no pod until it is
// resumed; a job past activeDeadlineSeconds fails with DeadlineExceeded
// and its pod goes; a finished job with ttlSecondsAfterFinished is
// deleted with its pods.
func TestJobSuspendDeadlineTTL(t *testing.T) {
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "jobs.yaml")
	if err := writeFile(path, `apiVersion: batch/v1
kind: Job
metadata: {name: later}
spec:
  suspend: true
  ttlSecondsAfterFinished: 2
  template:
    spec:
      runtimeClassName: process
      restartPolicy: Never
      containers: [{name: main, image: local, command: ["sh", "-c", "echo day-end"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: slow}
spec:
  activeDeadlineSeconds: 3
  template:
    spec:
      runtimeClassName: process
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: local, command: ["sleep", "300"]}]
`); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	ctx := context.Background()

	job := waitJob(t, s, "later", "suspended")
	if n := len(jobPods(t, s, "later")); n != 0 || job.Status.StartTime != nil {
		t.Errorf("suspended job: %d pods, start time %v", n, job.Status.StartTime)
	}

	slow := waitJob(t, s, "slow", "failed")
	if c := jobCondition(slow, batchv1.JobFailed); c.Reason != "DeadlineExceeded" {
		t.Errorf("Failed condition %+v, want DeadlineExceeded", c)
	}
	eventually(t, 30*time.Second, func() error {
		for _, p := range jobPods(t, s, "slow") {
			if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
				return fmt.Errorf("pod %s still runs", p.Name)
			}
		}
		return nil
	})

	s.MustKubectl("patch", "job", "later", "-p", `{"spec":{"suspend":false}}`)
	waitJob(t, s, "later", "complete")
	eventually(t, 30*time.Second, func() error {
		if _, err := s.Client.BatchV1().Jobs("default").Get(ctx, "later", metav1.GetOptions{}); err == nil {
			return fmt.Errorf("job later still there after its time to live")
		}
		if pods := jobPods(t, s, "later"); len(pods) > 0 {
			return fmt.Errorf("%d pods of the deleted job left", len(pods))
		}
		return nil
	})
}
