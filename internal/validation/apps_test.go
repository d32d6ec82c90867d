package validation

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func intstrPtr(v intstr.IntOrString) *intstr.IntOrString { return &v }

func validDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: meta("web"),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(3)),
			Selector: appSelector(),
			Template: validTemplate(map[string]string{"app": "web", "version": "1"}),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: intstrPtr(intstr.FromString("25%")), MaxUnavailable: intstrPtr(intstr.FromInt32(0)),
			}},
			RevisionHistoryLimit:    ptr(int32(10)),
			ProgressDeadlineSeconds: ptr(int32(600)),
		},
	}
}

func TestValidateDeployment(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []want
	}{
		{name: "valid", mutate: func(*appsv1.Deployment) {}},
		{name: "defaults left empty", mutate: func(d *appsv1.Deployment) {
			d.Spec.Replicas, d.Spec.Strategy, d.Spec.ProgressDeadlineSeconds = nil, appsv1.DeploymentStrategy{}, nil
			d.Spec.Template.Spec.RestartPolicy = ""
		}},
		{name: "recreate strategy", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
		}},
		{name: "selector does not match template labels", mutate: func(d *appsv1.Deployment) {
			d.Spec.Template.Labels = map[string]string{"app": "api"}
		}, want: []want{errInvalid("spec.template.metadata.labels")}},
		{name: "selector required", mutate: func(d *appsv1.Deployment) { d.Spec.Selector = nil },
			want: []want{errRequired("spec.selector")}},
		{name: "empty selector", mutate: func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} },
			want: []want{errInvalid("spec.selector")}},
		{name: "malformed selector expression", mutate: func(d *appsv1.Deployment) {
			d.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "version", Operator: metav1.LabelSelectorOpIn}}
		}, want: []want{errRequired("spec.selector.matchExpressions[0].values")}},
		{name: "negative replicas", mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = ptr(int32(-1)) },
			want: []want{errInvalid("spec.replicas")}},
		{name: "template restart policy must be Always", mutate: func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		}, want: []want{errNotSupported("spec.template.spec.restartPolicy")}},
		{name: "template pod spec is validated", mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers = nil },
			want: []want{errRequired("spec.template.spec.containers")}},
		{name: "maxSurge and maxUnavailable both zero", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = intstrPtr(intstr.FromString("0%"))
		}, want: []want{errInvalid("spec.strategy.rollingUpdate.maxUnavailable")}},
		{name: "bad percentages", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = intstrPtr(intstr.FromString("lots"))
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = intstrPtr(intstr.FromString("150%"))
		}, want: []want{errInvalid("spec.strategy.rollingUpdate.maxSurge"), errInvalid("spec.strategy.rollingUpdate.maxUnavailable")}},
		{name: "negative maxUnavailable", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = intstrPtr(intstr.FromInt32(-1))
		}, want: []want{errInvalid("spec.strategy.rollingUpdate.maxUnavailable")}},
		{name: "rollingUpdate with Recreate", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
		}, want: []want{errForbidden("spec.strategy.rollingUpdate")}},
		{name: "unknown strategy", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.Type = "BlueGreen" },
			want: []want{errNotSupported("spec.strategy.type")}},
		{name: "progress deadline not above minReadySeconds", mutate: func(d *appsv1.Deployment) {
			d.Spec.MinReadySeconds = 600
		}, want: []want{errInvalid("spec.progressDeadlineSeconds")}},
		{name: "negative revision history", mutate: func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = ptr(int32(-1)) },
			want: []want{errInvalid("spec.revisionHistoryLimit")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDeployment()
			tc.mutate(d)
			expectErrors(t, ValidateDeployment(d), tc.want...)
		})
	}

	t.Run("mismatch message", func(t *testing.T) {
		d := validDeployment()
		d.Spec.Template.Labels = map[string]string{"app": "api"}
		expectDetail(t, ValidateDeployment(d), "spec.template.metadata.labels", "`selector` does not match template `labels`")
	})
}

func TestValidateDeploymentUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []want
	}{
		{name: "scale and roll out a new image", mutate: func(d *appsv1.Deployment) {
			d.Spec.Replicas = ptr(int32(5))
			d.Spec.Template.Spec.Containers[0].Image = "registry.example.com/app:2.0"
			d.Spec.Template.Labels["version"] = "2"
		}},
		{name: "selector is immutable", mutate: func(d *appsv1.Deployment) {
			d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "version": "1"}}
		}, want: []want{errInvalid("spec.selector")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, d := validDeployment(), validDeployment()
			d.ObjectMeta = withRV(d.ObjectMeta)
			tc.mutate(d)
			expectErrors(t, ValidateDeploymentUpdate(d, old), tc.want...)
		})
	}
}

func validReplicaSet() *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: meta("web-5d4f8"),
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr(int32(2)), Selector: appSelector(), Template: validTemplate(appLabels)},
	}
}

func TestValidateReplicaSet(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.ReplicaSet)
		want   []want
	}{
		{name: "valid", mutate: func(*appsv1.ReplicaSet) {}},
		{name: "selector with expressions", mutate: func(rs *appsv1.ReplicaSet) {
			rs.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "api"}}}}
		}},
		{name: "mismatched labels", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Labels = nil },
			want: []want{errInvalid("spec.template.metadata.labels")}},
		{name: "negative minReadySeconds", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.MinReadySeconds = -5 },
			want: []want{errInvalid("spec.minReadySeconds")}},
		{name: "deadline not supported", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.ActiveDeadlineSeconds = ptr(int64(5)) },
			want: []want{errForbidden("spec.template.spec.activeDeadlineSeconds")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := validReplicaSet()
			tc.mutate(rs)
			expectErrors(t, ValidateReplicaSet(rs), tc.want...)
		})
	}
}

func TestValidateReplicaSetUpdate(t *testing.T) {
	old, rs := validReplicaSet(), validReplicaSet()
	rs.ObjectMeta = withRV(rs.ObjectMeta)
	rs.Spec.Replicas = ptr(int32(0))
	expectErrors(t, ValidateReplicaSetUpdate(rs, old))

	rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
	rs.Spec.Template.Labels = map[string]string{"app": "other"}
	expectErrors(t, ValidateReplicaSetUpdate(rs, old), errInvalid("spec.selector"))
}

func validStatefulSet() *appsv1.StatefulSet {
	tmpl := validTemplate(appLabels)
	tmpl.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/db"}}
	return &appsv1.StatefulSet{
		ObjectMeta: meta("db"),
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr(int32(3)),
			Selector:    appSelector(),
			Template:    tmpl,
			ServiceName: "db",
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q("10Gi")}},
				},
			}},
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr(int32(1))}},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType},
		},
	}
}

func TestValidateStatefulSet(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []want
	}{
		{name: "valid, mounting a claim template", mutate: func(*appsv1.StatefulSet) {}},
		{name: "empty selector", mutate: func(s *appsv1.StatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} },
			want: []want{errInvalid("spec.selector")}},
		{name: "mount of an unknown volume", mutate: func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates = nil },
			want: []want{errNotFound("spec.template.spec.containers[0].volumeMounts[0].name")}},
		{name: "claim template without storage", mutate: func(s *appsv1.StatefulSet) {
			s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests = nil
		}, want: []want{errRequired("spec.volumeClaimTemplates[0].spec.resources.requests[storage]")}},
		{name: "unknown pod management policy", mutate: func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Random" },
			want: []want{errInvalid("spec.podManagementPolicy")}},
		{name: "rollingUpdate with OnDelete", mutate: func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType },
			want: []want{errInvalid("spec.updateStrategy.rollingUpdate")}},
		{name: "zero maxUnavailable and negative partition", mutate: func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = intstrPtr(intstr.FromInt32(0))
			s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr(int32(-1))
		}, want: []want{errInvalid("spec.updateStrategy.rollingUpdate.maxUnavailable"), errInvalid("spec.updateStrategy.rollingUpdate.partition")}},
		{name: "bad service name", mutate: func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "DB" },
			want: []want{errInvalid("spec.serviceName")}},
		{name: "restart policy", mutate: func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			want: []want{errNotSupported("spec.template.spec.restartPolicy")}},
		{name: "unknown retention policy", mutate: func(s *appsv1.StatefulSet) {
			s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Archive"
		}, want: []want{errNotSupported("spec.persistentVolumeClaimRetentionPolicy.whenScaled")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := validStatefulSet()
			tc.mutate(s)
			expectErrors(t, ValidateStatefulSet(s), tc.want...)
		})
	}
}

func TestValidateStatefulSetUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []want
	}{
		{name: "scaling, new template and strategy", mutate: func(s *appsv1.StatefulSet) {
			s.Spec.Replicas = ptr(int32(5))
			s.Spec.Template.Spec.Containers[0].Image = "db:2"
			s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
			s.Spec.MinReadySeconds = 10
		}},
		{name: "changing the service name", mutate: func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "db2" },
			want: []want{errForbidden("spec")}},
		{name: "changing claim templates", mutate: func(s *appsv1.StatefulSet) {
			s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage] = q("20Gi")
		}, want: []want{errForbidden("spec")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, s := validStatefulSet(), validStatefulSet()
			s.ObjectMeta = withRV(s.ObjectMeta)
			tc.mutate(s)
			expectErrors(t, ValidateStatefulSetUpdate(s, old), tc.want...)
		})
	}
}

func validDaemonSet() *appsv1.DaemonSet {
	return &appsv1.DaemonSet{
		ObjectMeta: meta("agent"),
		Spec: appsv1.DaemonSetSpec{
			Selector: appSelector(),
			Template: validTemplate(appLabels),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: intstrPtr(intstr.FromInt32(1))}},
		},
	}
}

func TestValidateDaemonSet(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.DaemonSet)
		want   []want
	}{
		{name: "valid", mutate: func(*appsv1.DaemonSet) {}},
		{name: "surge instead of unavailability", mutate: func(d *appsv1.DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{
				MaxUnavailable: intstrPtr(intstr.FromInt32(0)), MaxSurge: intstrPtr(intstr.FromString("10%"))}
		}},
		{name: "OnDelete", mutate: func(d *appsv1.DaemonSet) {
			d.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
		}},
		{name: "both surge and unavailability", mutate: func(d *appsv1.DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate.MaxSurge = intstrPtr(intstr.FromInt32(1))
		}, want: []want{errInvalid("spec.updateStrategy.rollingUpdate.maxSurge")}},
		{name: "neither surge nor unavailability", mutate: func(d *appsv1.DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = intstrPtr(intstr.FromInt32(0))
		}, want: []want{errRequired("spec.updateStrategy.rollingUpdate.maxUnavailable")}},
		{name: "unknown strategy", mutate: func(d *appsv1.DaemonSet) { d.Spec.UpdateStrategy.Type = "Canary" },
			want: []want{errNotSupported("spec.updateStrategy.type")}},
		{name: "selector mismatch", mutate: func(d *appsv1.DaemonSet) { d.Spec.Template.Labels = map[string]string{"app": "other"} },
			want: []want{errInvalid("spec.template.metadata.labels")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDaemonSet()
			tc.mutate(d)
			expectErrors(t, ValidateDaemonSet(d), tc.want...)
		})
	}
}

func TestValidateDaemonSetUpdate(t *testing.T) {
	old, d := validDaemonSet(), validDaemonSet()
	d.ObjectMeta = withRV(d.ObjectMeta)
	d.Spec.Template.Spec.Containers[0].Image = "agent:2"
	expectErrors(t, ValidateDaemonSetUpdate(d, old))

	d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "x": "y"}}
	d.Spec.Template.Labels = map[string]string{"app": "web", "x": "y"}
	expectErrors(t, ValidateDaemonSetUpdate(d, old), errInvalid("spec.selector"))
}

func TestValidateControllerRevision(t *testing.T) {
	cases := []struct {
		name string
		cr   appsv1.ControllerRevision
		want []want
	}{
		{name: "valid", cr: appsv1.ControllerRevision{ObjectMeta: meta("web-7f9c"), Data: runtime.RawExtension{Raw: []byte(`{}`)}, Revision: 2}},
		{name: "data required", cr: appsv1.ControllerRevision{ObjectMeta: meta("web-7f9c"), Revision: 2},
			want: []want{errRequired("data")}},
		{name: "negative revision", cr: appsv1.ControllerRevision{ObjectMeta: meta("web-7f9c"), Data: runtime.RawExtension{Raw: []byte(`{}`)}, Revision: -1},
			want: []want{errInvalid("revision")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateControllerRevision(&tc.cr), tc.want...)
		})
	}
}

func TestValidateControllerRevisionUpdate(t *testing.T) {
	old := &appsv1.ControllerRevision{ObjectMeta: meta("web-7f9c"), Data: runtime.RawExtension{Raw: []byte(`{"a":1}`)}, Revision: 2}
	cr := old.DeepCopy()
	cr.ObjectMeta = withRV(cr.ObjectMeta)
	cr.Revision = 3 // rollbacks renumber revisions
	expectErrors(t, ValidateControllerRevisionUpdate(cr, old))

	cr.Data = runtime.RawExtension{Raw: []byte(`{"a":2}`)}
	expectErrors(t, ValidateControllerRevisionUpdate(cr, old), errInvalid("data"))
}
