package history

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func template(image string) *corev1.PodTemplateSpec {
	return &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}}}
}

func TestPatchIsWhatRolloutUndoApplies(t *testing.T) {
	patch, err := Patch(template("v1"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Spec struct {
			Template map[string]any `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(patch, &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Template["$patch"] != "replace" {
		t.Errorf("the template is not replaced whole: %s", patch)
	}
	rev := New(metav1.OwnerReference{Name: "web"}, "ns", map[string]string{"app": "web"}, Hash(template("v1"), nil), patch, 1)
	if rev.Name != "web-"+Hash(template("v1"), nil) || rev.Labels[HashLabel] == "" || rev.Labels["app"] != "web" {
		t.Errorf("revision %+v", rev.ObjectMeta)
	}
	other, _ := Patch(template("v2"))
	if !SameData(rev, patch) || SameData(rev, other) {
		t.Error("SameData does not tell templates apart")
	}
}

func TestFindAndPrune(t *testing.T) {
	revs := []*appsv1.ControllerRevision{}
	for i, image := range []string{"v1", "v2", "v3", "v4"} {
		p, _ := Patch(template(image))
		revs = append(revs, New(metav1.OwnerReference{Name: "web"}, "ns", nil, image, p, int64(i+1)))
	}
	p3, _ := Patch(template("v3"))
	if got := Find(revs, p3); got != revs[2] {
		t.Errorf("found %v", got)
	}
	if Max(revs) != 4 {
		t.Errorf("max %d", Max(revs))
	}
	// Current v4; a pod still runs v1; limit 1 keeps v3 (the newest of
	// the rest) and prunes v2.
	inUse := func(r *appsv1.ControllerRevision) bool { return r.Labels[HashLabel] == "v1" }
	got := Prunable(revs, revs[3], inUse, 1)
	if len(got) != 1 || got[0] != revs[1] {
		t.Errorf("prunable %v, want only v2", got)
	}
}
