package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cronJobs are three cron jobs every minute: one whose runs end at once
// and that keeps one successful job; one whose runs outlast the minute
// under Forbid, and one under Replace.
const cronJobs = `apiVersion: batch/v1
kind: CronJob
metadata: {name: history}
spec:
  schedule: "* * * * *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          runtimeClassName: process
          restartPolicy: Never
          containers: [{name: main, image: local, command: ["sh", "-c", "echo day-end done"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: forbid}
spec:
  schedule: "* * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          runtimeClassName: process
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers: [{name: main, image: local, command: ["sleep", "300"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: replace}
spec:
  schedule: "* * * * *"
  concurrencyPolicy: Replace
  jobTemplate:
    spec:
      template:
        spec:
          runtimeClassName: process
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers: [{name: main, image: local, command: ["sleep", "300"]}]
`

// cronJobsOf lists a cron job's jobs that are not being deleted, by name.
func cronJobsOf(t *testing.T, s *Server, cj string) []string {
	t.Helper()
	list, err := s.Client.BatchV1().Jobs("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range list.Items {
		if ref := metav1.GetControllerOf(&j); ref != nil && ref.Name == cj && j.DeletionTimestamp == nil {
			names = append(names, j.Name)
		}
	}
	return names
}

// runName is the name of a cron job's run at minute m.
func runName(cj string, m time.Time) string { return fmt.Sprintf("%s-%d", cj, m.Unix()/60) }

// TestCronJobEveryMinute runs three cron jobs for two minutes: each runs
// at the minute; the successful history is trimmed to its limit; Forbid
// skips the second run while the first still runs, and Replace deletes
// the first run's job for the second.
func TestCronJobEveryMinute(t *testing.T) {
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "cronjobs.yaml")
	if err := writeFile(path, cronJobs); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	// Each cron job's first run is the first minute after it was created,
	// as the server recorded it (the controller counts from there).
	firstOf := map[string]time.Time{}
	var first time.Time // the latest of them
	for _, name := range []string{"history", "forbid", "replace"} {
		cj, err := s.Client.BatchV1().CronJobs("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		firstOf[name] = cj.CreationTimestamp.Time.Truncate(time.Minute).Add(time.Minute)
		if firstOf[name].After(first) {
			first = firstOf[name]
		}
	}
	second := first.Add(time.Minute)
	secondOf := func(name string) time.Time { return firstOf[name].Add(time.Minute) }

	// The first run of each.
	eventually(t, time.Until(first)+30*time.Second, func() error {
		for _, cj := range []string{"history", "forbid", "replace"} {
			if jobs := cronJobsOf(t, s, cj); len(jobs) != 1 || jobs[0] != runName(cj, firstOf[cj]) {
				return fmt.Errorf("%s has jobs %v, want [%s]", cj, jobs, runName(cj, firstOf[cj]))
			}
		}
		return nil
	})
	waitJob(t, s, runName("history", firstOf["history"]), "complete")

	// The second minute.
	eventually(t, time.Until(second)+40*time.Second, func() error {
		if jobs := cronJobsOf(t, s, "history"); len(jobs) != 1 || jobs[0] != runName("history", secondOf("history")) {
			return fmt.Errorf("history has jobs %v, want only the second run, %s (limit 1)", jobs, runName("history", secondOf("history")))
		}
		if jobs := cronJobsOf(t, s, "replace"); len(jobs) != 1 || jobs[0] != runName("replace", secondOf("replace")) {
			return fmt.Errorf("replace has jobs %v, want only the second run %s", jobs, runName("replace", secondOf("replace")))
		}
		return nil
	})
	if jobs := cronJobsOf(t, s, "forbid"); len(jobs) != 1 || jobs[0] != runName("forbid", firstOf["forbid"]) {
		t.Errorf("forbid has jobs %v, want only the first run %s, still running", jobs, runName("forbid", firstOf["forbid"]))
	}
	cj, err := s.Client.BatchV1().CronJobs("default").Get(context.Background(), "forbid", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != runName("forbid", firstOf["forbid"]) || !cj.Status.LastScheduleTime.Time.Equal(firstOf["forbid"]) {
		t.Errorf("forbid status %+v, want the first run active and scheduled last", cj.Status)
	}
	if out := s.MustKubectl("get", "events", "--field-selector", "involvedObject.name=forbid,reason=JobAlreadyActive"); !strings.Contains(out, "concurrency policy is Forbid") {
		t.Errorf("no JobAlreadyActive event:\n%s", out)
	}
	history, err := s.Client.BatchV1().CronJobs("default").Get(context.Background(), "history", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if history.Status.LastSuccessfulTime == nil || history.Status.LastSuccessfulTime.Before(&metav1.Time{Time: firstOf["history"]}) {
		t.Errorf("history status %+v, want a last successful time", history.Status)
	}
	if job := waitJob(t, s, runName("history", secondOf("history")), "complete"); job.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] != secondOf("history").UTC().Format(time.RFC3339) {
		t.Errorf("job annotations %v", job.Annotations)
	}
	// kubectl's columns: NAME SCHEDULE (five fields) TIMEZONE SUSPEND
	// ACTIVE.
	if out := s.MustKubectl("get", "cronjobs"); !containsFields(out, "forbid", "*", "*", "*", "*", "*", "<none>", "False", "1") {
		t.Errorf("kubectl get cronjobs:\n%s\nwant forbid with one active job", out)
	}
}
