package registry

import (
	"context"
	"fmt"
	"testing"

	batchv1 "k8s.io/api/batch/v1"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/api"
)

func deployment(replicas int32, label string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Generation: 3, ResourceVersion: "7", Labels: map[string]string{"l": label}},
		Spec:       appsv1.DeploymentSpec{Replicas: &replicas},
		Status:     appsv1.DeploymentStatus{Replicas: 9},
	}
}

func TestPrepareForUpdate(t *testing.T) {
	st := newStrategy(api.Scheme, &Resource{Kind: "Deployment", Status: true})
	tests := []struct {
		name           string
		obj            *appsv1.Deployment
		wantGeneration int64
	}{
		{"spec change bumps the generation", deployment(5, "a"), 4},
		{"label change keeps the generation", deployment(2, "b"), 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := deployment(2, "a")
			tc.obj.Status = appsv1.DeploymentStatus{Replicas: 1}
			st.PrepareForUpdate(context.Background(), tc.obj, old)
			if tc.obj.Generation != tc.wantGeneration {
				t.Errorf("generation %d, want %d", tc.obj.Generation, tc.wantGeneration)
			}
			if tc.obj.Status.Replicas != 9 {
				t.Errorf("status replicas %d: a main-resource update must keep the stored status", tc.obj.Status.Replicas)
			}
		})
	}
}

func TestStatusUpdateChangesOnlyStatus(t *testing.T) {
	st := statusStrategy{newStrategy(api.Scheme, &Resource{Kind: "Deployment", Status: true})}
	old := deployment(2, "a")
	obj := deployment(5, "b")
	obj.ResourceVersion = "8"
	obj.Status.Replicas = 4
	st.PrepareForUpdate(context.Background(), obj, old)
	if *obj.Spec.Replicas != 2 || obj.Labels["l"] != "a" {
		t.Errorf("status update changed spec or labels: replicas %d label %q", *obj.Spec.Replicas, obj.Labels["l"])
	}
	if obj.Status.Replicas != 4 {
		t.Errorf("status replicas %d, want 4", obj.Status.Replicas)
	}
	if obj.ResourceVersion != "8" {
		t.Errorf("resourceVersion %q: the request's precondition must stay", obj.ResourceVersion)
	}
}

func TestPrepareForCreateClearsStatus(t *testing.T) {
	st := newStrategy(api.Scheme, &Resource{Kind: "Deployment", Status: true})
	obj := deployment(1, "a")
	st.PrepareForCreate(context.Background(), obj)
	if obj.Status.Replicas != 0 || obj.Generation != 1 {
		t.Errorf("after create: status replicas %d generation %d, want 0 and 1", obj.Status.Replicas, obj.Generation)
	}
}

func TestQOSClass(t *testing.T) {
	q := resource.MustParse
	c := func(req, lim corev1.ResourceList) corev1.Container {
		return corev1.Container{Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}
	}
	both := corev1.ResourceList{corev1.ResourceCPU: q("1"), corev1.ResourceMemory: q("1Gi")}
	tests := []struct {
		name       string
		containers []corev1.Container
		want       corev1.PodQOSClass
	}{
		{"nothing asked", []corev1.Container{c(nil, nil)}, corev1.PodQOSBestEffort},
		{"limits equal requests", []corev1.Container{c(both, both)}, corev1.PodQOSGuaranteed},
		{"limits only", []corev1.Container{c(nil, both)}, corev1.PodQOSGuaranteed},
		{"requests only", []corev1.Container{c(both, nil)}, corev1.PodQOSBurstable},
		{"one of two guaranteed", []corev1.Container{c(both, both), c(nil, nil)}, corev1.PodQOSBurstable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := qosClass(&corev1.PodSpec{Containers: tc.containers}); got != tc.want {
				t.Errorf("qosClass = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestPodGracefulDelete(t *testing.T) {
	thirty, five := int64(30), int64(5)
	tests := []struct {
		name    string
		pod     corev1.Pod
		request *int64
		want    int64
	}{
		{"unscheduled pod goes at once", corev1.Pod{Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &thirty}}, nil, 0},
		{"running pod gets its grace period", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1", TerminationGracePeriodSeconds: &thirty}}, nil, 30},
		{"the request's grace period wins", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1", TerminationGracePeriodSeconds: &thirty}}, &five, 5},
		{"finished pod goes at once", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1"}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := &metav1.DeleteOptions{GracePeriodSeconds: tc.request}
			if !podGracefulDelete(&tc.pod, opts) {
				t.Fatal("podGracefulDelete returned false")
			}
			if *opts.GracePeriodSeconds != tc.want {
				t.Errorf("grace period %d, want %d", *opts.GracePeriodSeconds, tc.want)
			}
		})
	}
}

func TestMergeStringData(t *testing.T) {
	s := &corev1.Secret{Data: map[string][]byte{"a": []byte("1"), "b": []byte("2")}, StringData: map[string]string{"b": "two", "c": "3"}}
	mergeStringData(s)
	if string(s.Data["a"]) != "1" || string(s.Data["b"]) != "two" || string(s.Data["c"]) != "3" || s.StringData != nil {
		t.Errorf("after merge: data %q stringData %v", s.Data, s.StringData)
	}
}

// Every resource can build its storage description: its group is served
// and its list type exists.
func TestResourcesAreServable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Resources() {
		key := r.Group + "/" + r.Resource
		if seen[key] {
			t.Errorf("%s described twice", key)
		}
		seen[key] = true
		hub, ok := api.HubOf(r.Group)
		if !ok {
			t.Errorf("%s: group not served", key)
			continue
		}
		if !api.Scheme.Recognizes(hub.WithKind(r.Kind + "List")) {
			t.Errorf("%s: no list type %sList in %s", key, r.Kind, hub)
		}
		if r.Validate == nil || r.ValidateUpdate == nil {
			t.Errorf("%s: no validation", key)
		}
	}
}

func TestGenerateJobSelector(t *testing.T) {
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "pi", UID: "u1"}}
	job.Spec.Template.Labels = map[string]string{"app": "pi", "job-name": "mine"}
	generateJobSelector(job)
	if got := job.Spec.Selector.MatchLabels; len(got) != 1 || got[batchv1.ControllerUidLabel] != "u1" {
		t.Errorf("selector %v, want the controller UID alone", got)
	}
	want := map[string]string{"app": "pi", "job-name": "mine", "controller-uid": "u1",
		batchv1.ControllerUidLabel: "u1", batchv1.JobNameLabel: "pi"}
	if fmt.Sprint(job.Spec.Template.Labels) != fmt.Sprint(want) {
		t.Errorf("template labels %v, want %v (the user's job-name kept)", job.Spec.Template.Labels, want)
	}

	manual := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "m", UID: "u2"}, Spec: batchv1.JobSpec{ManualSelector: new(bool)}}
	*manual.Spec.ManualSelector = true
	generateJobSelector(manual)
	if manual.Spec.Selector != nil || manual.Spec.Template.Labels != nil {
		t.Errorf("manualSelector: the job was changed: %+v", manual.Spec)
	}
}
