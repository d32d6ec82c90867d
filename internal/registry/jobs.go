package registry

import (
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The labels Kubernetes put on job pods before the batch.kubernetes.io
// ones, which users still select on.
const (
	legacyControllerUID = "controller-uid"
	legacyJobName       = "job-name"
)

// generateJobSelector gives a Job without manualSelector what Kubernetes'
// API server gives it: a selector on its own UID, and template labels
// that match it and name the job (`kubectl get pods -l job-name=pi`).
// The UID is unique, so a job never selects another job's pods.
func generateJobSelector(job *batchv1.Job) {
	if job.Spec.ManualSelector != nil && *job.Spec.ManualSelector {
		return
	}
	uid := string(job.UID)
	t := &job.Spec.Template
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	for k, v := range map[string]string{
		batchv1.ControllerUidLabel: uid,
		legacyControllerUID:        uid,
		batchv1.JobNameLabel:       job.Name,
		legacyJobName:              job.Name,
	} {
		if _, ok := t.Labels[k]; !ok {
			t.Labels[k] = v
		}
	}
	if job.Spec.Selector == nil {
		job.Spec.Selector = &metav1.LabelSelector{}
	}
	if job.Spec.Selector.MatchLabels == nil {
		job.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = uid
	}
}
