package localpath

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/marina-orchestrator/marina/internal/api"
)

func TestNewVolume(t *testing.T) {
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data-web-0", Namespace: "shop", UID: "u1"},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}}},
	}
	retain := corev1.PersistentVolumeReclaimRetain
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local-path"}, Provisioner: api.LocalPathProvisioner, ReclaimPolicy: &retain}
	pv := newVolume(pvc, sc, "node-1", "/var/lib/marina/storage")
	if pv.Name != "pvc-u1" || pv.Spec.HostPath.Path != "/var/lib/marina/storage/pvc-u1_shop_data-web-0" {
		t.Errorf("volume %s at %s", pv.Name, pv.Spec.HostPath.Path)
	}
	if pv.Spec.ClaimRef.UID != "u1" || pv.Spec.PersistentVolumeReclaimPolicy != retain || pv.Spec.StorageClassName != "local-path" {
		t.Errorf("spec %+v", pv.Spec)
	}
	if q := pv.Spec.Capacity[corev1.ResourceStorage]; q.String() != "2Gi" {
		t.Errorf("capacity %s", q.String())
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: pv.Spec.NodeAffinity.Required}}}}
	for node, want := range map[string]bool{"node-1": true, "node-2": false} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node, Labels: map[string]string{corev1.LabelHostname: node}}}
		if got, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(n); got != want {
			t.Errorf("volume on %s: %v, want %v", node, got, want)
		}
	}
}
