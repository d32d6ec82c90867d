package deployment

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/controller/history"
)

func TestRolloutStatusDeadline(t *testing.T) {
	d := deploy(5, "1", "0")
	deadlineSec := int32(60)
	d.Spec.ProgressDeadlineSeconds = &deadlineSec
	old := set("old", 5, 5, 100, 5, 6)
	newRS := set("new", 1, 0, 10, 5, 6)
	d.Status = appsv1.DeploymentStatus{Replicas: 6, UpdatedReplicas: 1, AvailableReplicas: 5, ReadyReplicas: 5}
	setCondition(&d.Status, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSCreated, "", t0))

	// No progress, within the deadline: nothing changes, and a look is
	// due just after it.
	st, recheck := rolloutStatus(d, []*appsv1.ReplicaSet{old, newRS}, newRS, 0, t0.Add(30*time.Second))
	if c := getCondition(&st, appsv1.DeploymentProgressing); c.Reason != ReasonNewRSCreated {
		t.Errorf("within the deadline: reason %s", c.Reason)
	}
	if recheck != 31*time.Second {
		t.Errorf("recheck in %v, want 31s", recheck)
	}

	// Progress (the new pod ready) moves the deadline on.
	ready := set("new", 1, 1, 10, 5, 6)
	st, _ = rolloutStatus(d, []*appsv1.ReplicaSet{old, ready}, ready, 0, t0.Add(50*time.Second))
	if c := getCondition(&st, appsv1.DeploymentProgressing); c.Reason != ReasonRSUpdated || !c.LastUpdateTime.Time.Equal(t0.Add(50*time.Second)) ||
		!c.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("after progress: %+v, want ReplicaSetUpdated updated at +50s, transitioned at 0", c)
	}

	// No progress past the deadline: ProgressDeadlineExceeded, and it
	// stays so.
	st, recheck = rolloutStatus(d, []*appsv1.ReplicaSet{old, newRS}, newRS, 0, t0.Add(61*time.Second))
	c := getCondition(&st, appsv1.DeploymentProgressing)
	if c.Reason != ReasonTimedOut || c.Status != corev1.ConditionFalse || recheck != 0 {
		t.Errorf("past the deadline: %+v, recheck %v", c, recheck)
	}
	if a := getCondition(&st, appsv1.DeploymentAvailable); a.Status != corev1.ConditionTrue {
		t.Errorf("old pods still serve, yet Available is %s", a.Status)
	}

	// Complete: NewReplicaSetAvailable.
	done := set("new", 5, 5, 10, 5, 6)
	gone := set("old", 0, 0, 100, 5, 6)
	st, recheck = rolloutStatus(d, []*appsv1.ReplicaSet{gone, done}, done, 0, t0.Add(90*time.Second))
	if c := getCondition(&st, appsv1.DeploymentProgressing); c.Reason != ReasonNewRSAvailable || recheck != 0 {
		t.Errorf("complete: %+v, recheck %v", c, recheck)
	}
	if st.Replicas != 5 || st.UpdatedReplicas != 5 || st.AvailableReplicas != 5 || st.UnavailableReplicas != 0 {
		t.Errorf("complete: counts %+v", st)
	}
}

func TestRevisionAnnotations(t *testing.T) {
	d := deploy(3, "1", "0")
	d.Annotations = map[string]string{ChangeCauseAnnotation: "undo", lastApplied: "{}", RevisionAnnotation: "4"}
	rs := set("web-1", 0, 0, 10, 3, 4)
	rs.Annotations[RevisionAnnotation] = "1"
	rs.Annotations[RevisionHistoryAnnotation] = "0"
	got, changed := rsAnnotations(d, rs, 5, 1, true)
	if !changed {
		t.Fatal("unchanged")
	}
	want := map[string]string{RevisionAnnotation: "5", RevisionHistoryAnnotation: "0,1", ChangeCauseAnnotation: "undo",
		DesiredReplicasAnnotation: "3", MaxReplicasAnnotation: "4"}
	if len(got) != len(want) {
		t.Errorf("annotations %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// An existing set keeps the replica counts of its last scaling.
	if again, _ := rsAnnotations(d, set("web-1", 0, 0, 10, 7, 9), 5, 1, false); again[DesiredReplicasAnnotation] != "7" {
		t.Errorf("an existing set's desired replicas became %s, want its own 7", again[DesiredReplicasAnnotation])
	}
	rs.Annotations = got
	if _, changed := rsAnnotations(d, rs, 5, 1, true); changed {
		t.Error("a second pass changes the annotations again")
	}
}

func TestTemplateHash(t *testing.T) {
	d := deploy(1, "1", "0")
	d.Spec.Template.Labels = map[string]string{"app": "web"}
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "web", Image: "v1"}}
	h := history.Hash(&d.Spec.Template, nil)
	if h != history.Hash(d.Spec.Template.DeepCopy(), nil) {
		t.Error("equal templates hash differently")
	}
	one := int32(1)
	if h == history.Hash(&d.Spec.Template, &one) {
		t.Error("a collision count does not change the hash")
	}
	labelled := d.Spec.Template.DeepCopy()
	labelled.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = h
	if !equalIgnoreHash(labelled, &d.Spec.Template) {
		t.Error("the pod-template-hash label makes templates differ")
	}
	labelled.Spec.Containers[0].Image = "v2"
	if equalIgnoreHash(labelled, &d.Spec.Template) {
		t.Error("a new image is the same template")
	}
}
