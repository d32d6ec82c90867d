package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func validRC() *corev1.ReplicationController {
	tmpl := validTemplate(appLabels)
	return &corev1.ReplicationController{
		ObjectMeta: meta("web"),
		Spec:       corev1.ReplicationControllerSpec{Replicas: ptr(int32(3)), Selector: map[string]string{"app": "web"}, Template: &tmpl},
	}
}

func TestValidateReplicationController(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.ReplicationController)
		want   []want
	}{
		{name: "valid", mutate: func(*corev1.ReplicationController) {}},
		{name: "selector defaults to template labels", mutate: func(rc *corev1.ReplicationController) { rc.Spec.Selector = nil }},
		{name: "bad name", mutate: func(rc *corev1.ReplicationController) { rc.Name = "Bad_Name" },
			want: []want{errInvalid("metadata.name")}},
		{name: "negative replicas", mutate: func(rc *corev1.ReplicationController) { rc.Spec.Replicas = ptr(int32(-1)) },
			want: []want{errInvalid("spec.replicas")}},
		{name: "template required", mutate: func(rc *corev1.ReplicationController) { rc.Spec.Template = nil },
			want: []want{errRequired("spec.template")}},
		{name: "no selector and no labels", mutate: func(rc *corev1.ReplicationController) {
			rc.Spec.Selector = nil
			rc.Spec.Template.Labels = nil
		}, want: []want{errRequired("spec.selector")}},
		{name: "selector does not match labels", mutate: func(rc *corev1.ReplicationController) {
			rc.Spec.Selector = map[string]string{"app": "db"}
		}, want: []want{errInvalid("spec.template.metadata.labels")}},
		{name: "pods must restart always", mutate: func(rc *corev1.ReplicationController) {
			rc.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		}, want: []want{errNotSupported("spec.template.spec.restartPolicy")}},
		{name: "no deadline", mutate: func(rc *corev1.ReplicationController) {
			rc.Spec.Template.Spec.ActiveDeadlineSeconds = ptr(int64(10))
		}, want: []want{errForbidden("spec.template.spec.activeDeadlineSeconds")}},
		{name: "template pod spec is validated", mutate: func(rc *corev1.ReplicationController) {
			rc.Spec.Template.Spec.Containers[0].Name = "Bad_Name"
		}, want: []want{errInvalid("spec.template.spec.containers[0].name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := validRC()
			tc.mutate(rc)
			expectErrors(t, ValidateReplicationController(rc), tc.want...)
		})
	}
}

func TestValidateReplicationControllerUpdate(t *testing.T) {
	old := validRC()
	rc := validRC()
	rc.ObjectMeta = withRV(rc.ObjectMeta)
	rc.Spec.Replicas = ptr(int32(5))
	rc.Spec.Selector = map[string]string{"app": "web", "track": "stable"}
	rc.Spec.Template.Labels = map[string]string{"app": "web", "track": "stable"}
	expectErrors(t, ValidateReplicationControllerUpdate(rc, old))

	rc.Spec.Template.Labels = map[string]string{"app": "web"}
	expectErrors(t, ValidateReplicationControllerUpdate(rc, old), errInvalid("spec.template.metadata.labels"))
}
