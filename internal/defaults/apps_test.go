package defaults

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestAppsDefaults(t *testing.T) {
	runDefaultingCases(t, []defaultingCase{
		{
			name: "empty deployment rolls out 25% at a time",
			in:   &appsv1.Deployment{},
			check: on(func(t *testing.T, d *appsv1.Deployment) {
				eq(t, "replicas", d.Spec.Replicas, ptr.To[int32](1))
				eq(t, "strategy", d.Spec.Strategy, appsv1.DeploymentStrategy{
					Type: appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{
						MaxUnavailable: ptr.To(intstr.FromString("25%")),
						MaxSurge:       ptr.To(intstr.FromString("25%")),
					},
				})
				eq(t, "revisionHistoryLimit", d.Spec.RevisionHistoryLimit, ptr.To[int32](10))
				eq(t, "progressDeadlineSeconds", d.Spec.ProgressDeadlineSeconds, ptr.To[int32](600))
				eq(t, "template.spec.dnsPolicy", d.Spec.Template.Spec.DNSPolicy, corev1.DNSClusterFirst)
			}),
		},
		{
			name: "deployment keeps explicit values",
			in: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](0),
				Strategy: appsv1.DeploymentStrategy{
					Type:          appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr.To(intstr.FromInt32(0))},
				},
				RevisionHistoryLimit:    ptr.To[int32](2),
				ProgressDeadlineSeconds: ptr.To[int32](60),
			}},
			check: on(func(t *testing.T, d *appsv1.Deployment) {
				eq(t, "replicas", d.Spec.Replicas, ptr.To[int32](0))
				eq(t, "maxUnavailable", d.Spec.Strategy.RollingUpdate.MaxUnavailable, ptr.To(intstr.FromInt32(0)))
				eq(t, "maxSurge", d.Spec.Strategy.RollingUpdate.MaxSurge, ptr.To(intstr.FromString("25%")))
				eq(t, "revisionHistoryLimit", d.Spec.RevisionHistoryLimit, ptr.To[int32](2))
				eq(t, "progressDeadlineSeconds", d.Spec.ProgressDeadlineSeconds, ptr.To[int32](60))
			}),
		},
		{
			name: "recreate deployment gets no rolling update parameters",
			in:   &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}},
			check: on(func(t *testing.T, d *appsv1.Deployment) {
				eq(t, "strategy", d.Spec.Strategy, appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType})
			}),
		},
		{
			name: "replica set has one replica",
			in:   &appsv1.ReplicaSet{},
			check: on(func(t *testing.T, rs *appsv1.ReplicaSet) {
				eq(t, "replicas", rs.Spec.Replicas, ptr.To[int32](1))
			}),
		},
		{
			name: "empty stateful set",
			in: &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
				VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}},
			}},
			check: on(func(t *testing.T, ss *appsv1.StatefulSet) {
				eq(t, "replicas", ss.Spec.Replicas, ptr.To[int32](1))
				eq(t, "podManagementPolicy", ss.Spec.PodManagementPolicy, appsv1.OrderedReadyPodManagement)
				eq(t, "updateStrategy", ss.Spec.UpdateStrategy, appsv1.StatefulSetUpdateStrategy{
					Type: appsv1.RollingUpdateStatefulSetStrategyType,
					RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{
						Partition:      ptr.To[int32](0),
						MaxUnavailable: ptr.To(intstr.FromInt32(1)),
					},
				})
				eq(t, "revisionHistoryLimit", ss.Spec.RevisionHistoryLimit, ptr.To[int32](10))
				eq(t, "persistentVolumeClaimRetentionPolicy", ss.Spec.PersistentVolumeClaimRetentionPolicy,
					&appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
						WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
						WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
					})
				claim := ss.Spec.VolumeClaimTemplates[0]
				eq(t, "volumeClaimTemplates[0].volumeMode", claim.Spec.VolumeMode, ptr.To(corev1.PersistentVolumeFilesystem))
				eq(t, "volumeClaimTemplates[0].status.phase", claim.Status.Phase, corev1.ClaimPending)
			}),
		},
		{
			name: "stateful set keeps explicit values",
			in: &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
				Replicas:            ptr.To[int32](3),
				PodManagementPolicy: appsv1.ParallelPodManagement,
				UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
				PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
					WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
				},
			}},
			check: on(func(t *testing.T, ss *appsv1.StatefulSet) {
				eq(t, "replicas", ss.Spec.Replicas, ptr.To[int32](3))
				eq(t, "podManagementPolicy", ss.Spec.PodManagementPolicy, appsv1.ParallelPodManagement)
				eq(t, "updateStrategy", ss.Spec.UpdateStrategy, appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType})
				eq(t, "whenDeleted", ss.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted, appsv1.DeletePersistentVolumeClaimRetentionPolicyType)
				eq(t, "whenScaled", ss.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled, appsv1.RetainPersistentVolumeClaimRetentionPolicyType)
			}),
		},
		{
			name: "empty daemon set replaces one pod at a time without surge",
			in:   &appsv1.DaemonSet{},
			check: on(func(t *testing.T, ds *appsv1.DaemonSet) {
				eq(t, "updateStrategy", ds.Spec.UpdateStrategy, appsv1.DaemonSetUpdateStrategy{
					Type: appsv1.RollingUpdateDaemonSetStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDaemonSet{
						MaxUnavailable: ptr.To(intstr.FromInt32(1)),
						MaxSurge:       ptr.To(intstr.FromInt32(0)),
					},
				})
				eq(t, "revisionHistoryLimit", ds.Spec.RevisionHistoryLimit, ptr.To[int32](10))
			}),
		},
		{
			name: "on-delete daemon set gets no rolling update parameters",
			in:   &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}}},
			check: on(func(t *testing.T, ds *appsv1.DaemonSet) {
				eq(t, "updateStrategy", ds.Spec.UpdateStrategy, appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType})
			}),
		},
	})
}
