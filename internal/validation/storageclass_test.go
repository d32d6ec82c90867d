package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateStorageClass(t *testing.T) {
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	good := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local-path", ResourceVersion: "1"},
		Provisioner: "marina.io/local-path", VolumeBindingMode: &wait}
	expectErrors(t, ValidateStorageClass(good))

	bad := good.DeepCopy()
	bad.Provisioner = ""
	recycle := corev1.PersistentVolumeReclaimRecycle
	bad.ReclaimPolicy = &recycle
	soon := storagev1.VolumeBindingMode("Soon")
	bad.VolumeBindingMode = &soon
	expectErrors(t, ValidateStorageClass(bad), errRequired("provisioner"), errNotSupported("reclaimPolicy"), errNotSupported("volumeBindingMode"))

	changed := good.DeepCopy()
	changed.Provisioner = "example.com/other"
	expectErrors(t, ValidateStorageClassUpdate(changed, good), errInvalid("provisioner"))
}
