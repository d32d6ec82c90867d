package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func storage(size string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}
}

func TestPersistentVolumeCells(t *testing.T) {
	gr := schema.GroupResource{Resource: "persistentvolumes"}
	fs := corev1.PersistentVolumeFilesystem
	tests := []struct {
		name string
		pv   *corev1.PersistentVolume
		want []interface{}
	}{
		{
			name: "bound",
			pv: &corev1.PersistentVolume{
				ObjectMeta: objMeta("pv-1", 48*time.Hour),
				Spec: corev1.PersistentVolumeSpec{
					Capacity:                      storage("10Gi"),
					AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOnce},
					PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
					ClaimRef:                      &corev1.ObjectReference{Namespace: "db", Name: "data-0"},
					StorageClassName:              "fast",
					VolumeAttributesClassName:     ptr("gold"),
					VolumeMode:                    &fs,
				},
				Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound},
			},
			want: []interface{}{"pv-1", "10Gi", "RWO,RWX", "Retain", "Bound", "db/data-0", "fast", "gold", "", "2d", "Filesystem"},
		},
		{
			name: "released, being deleted, class from beta annotation",
			pv: &corev1.PersistentVolume{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("pv-2", time.Hour)
					m.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: "legacy"}
					m.DeletionTimestamp = agoPtr(time.Second)
					return m
				}(),
				Spec: corev1.PersistentVolumeSpec{
					Capacity:                      storage("1Gi"),
					AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod, corev1.ReadOnlyMany},
					PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
					StorageClassName:              "ignored",
				},
				Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeFailed, Reason: "ProvisioningFailed"},
			},
			want: []interface{}{"pv-2", "1Gi", "ROX,RWOP", "Delete", "Terminating", "", "legacy", "<unset>", "ProvisioningFailed", "60m", "<unset>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.pv, tt.want)
		})
	}
}

func TestPersistentVolumeClaimCells(t *testing.T) {
	gr := schema.GroupResource{Resource: "persistentvolumeclaims"}
	block := corev1.PersistentVolumeBlock
	tests := []struct {
		name string
		pvc  *corev1.PersistentVolumeClaim
		want []interface{}
	}{
		{
			name: "bound",
			pvc: &corev1.PersistentVolumeClaim{
				ObjectMeta: objMeta("data-0", 48*time.Hour),
				Spec: corev1.PersistentVolumeClaimSpec{
					VolumeName:                "pv-1",
					StorageClassName:          ptr("fast"),
					VolumeAttributesClassName: ptr("gold"),
					VolumeMode:                &block,
					Resources:                 corev1.VolumeResourceRequirements{Requests: storage("5Gi")},
				},
				Status: corev1.PersistentVolumeClaimStatus{
					Phase:       corev1.ClaimBound,
					Capacity:    storage("10Gi"),
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				},
			},
			want: []interface{}{"data-0", "Bound", "pv-1", "10Gi", "RWO", "fast", "gold", "2d", "Block"},
		},
		{
			name: "pending shows no capacity",
			pvc: &corev1.PersistentVolumeClaim{
				ObjectMeta: objMeta("data-1", time.Minute),
				Spec:       corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{Requests: storage("5Gi")}},
				Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
			},
			want: []interface{}{"data-1", "Pending", "", "", "", "", "<unset>", "60s", "<unset>"},
		},
		{
			name: "terminating, class from beta annotation",
			pvc: &corev1.PersistentVolumeClaim{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("old", time.Hour)
					m.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: "legacy"}
					m.DeletionTimestamp = agoPtr(time.Second)
					return m
				}(),
				Spec:   corev1.PersistentVolumeClaimSpec{StorageClassName: ptr("ignored"), VolumeName: "pv-9"},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, Capacity: storage("1Gi"), AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany}},
			},
			want: []interface{}{"old", "Terminating", "pv-9", "1Gi", "ROX", "legacy", "<unset>", "60m", "<unset>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.pvc, tt.want)
		})
	}
}
