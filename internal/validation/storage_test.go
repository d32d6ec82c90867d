package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func validPV() *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: clusterMeta("pv-0001"),
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: q("10Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              "standard",
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				NFS: &corev1.NFSVolumeSource{Server: "nfs.example.com", Path: "/exports/pv1"},
			},
		},
	}
}

func TestValidatePersistentVolume(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.PersistentVolume)
		want   []want
	}{
		{name: "valid NFS volume", mutate: func(*corev1.PersistentVolume) {}},
		{name: "valid local volume", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.NFS = nil
			pv.Spec.Local = &corev1.LocalVolumeSource{Path: "/mnt/disks/ssd1"}
			pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{"node-1"}}},
			}}}}
		}},
		{name: "valid CSI volume", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.NFS = nil
			pv.Spec.CSI = &corev1.CSIPersistentVolumeSource{Driver: "ebs.csi.aws.com", VolumeHandle: "vol-1",
				NodePublishSecretRef: &corev1.SecretReference{Name: "creds", Namespace: "kube-system"}}
			pv.Spec.VolumeMode = ptr(corev1.PersistentVolumeBlock)
		}},
		{name: "namespaced by mistake", mutate: func(pv *corev1.PersistentVolume) { pv.Namespace = "default" },
			want: []want{errForbidden("metadata.namespace")}},
		{name: "access modes required", mutate: func(pv *corev1.PersistentVolume) { pv.Spec.AccessModes = nil },
			want: []want{errRequired("spec.accessModes")}},
		{name: "ReadWriteOncePod is exclusive", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod, corev1.ReadOnlyMany}
		}, want: []want{errForbidden("spec.accessModes")}},
		{name: "capacity required", mutate: func(pv *corev1.PersistentVolume) { pv.Spec.Capacity = nil },
			want: []want{errRequired("spec.capacity")}},
		{name: "capacity is storage only and positive", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.Capacity = corev1.ResourceList{corev1.ResourceStorage: q("0"), corev1.ResourceCPU: q("1")}
		}, want: []want{errNotSupported("spec.capacity"), errInvalid("spec.capacity[storage]")}},
		{name: "no source", mutate: func(pv *corev1.PersistentVolume) { pv.Spec.NFS = nil },
			want: []want{errRequired("spec")}},
		{name: "two sources", mutate: func(pv *corev1.PersistentVolume) { pv.Spec.HostPath = &corev1.HostPathVolumeSource{Path: "/data"} },
			want: []want{errForbidden("spec.nfs")}},
		{name: "relative NFS path", mutate: func(pv *corev1.PersistentVolume) { pv.Spec.NFS.Path = "exports" },
			want: []want{errInvalid("spec.nfs.path")}},
		{name: "local volume without node affinity", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.NFS = nil
			pv.Spec.Local = &corev1.LocalVolumeSource{Path: "/mnt/disk"}
		}, want: []want{errRequired("spec.nodeAffinity")}},
		{name: "recycling the host root", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.NFS = nil
			pv.Spec.HostPath = &corev1.HostPathVolumeSource{Path: "/"}
			pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRecycle
		}, want: []want{errForbidden("spec.persistentVolumeReclaimPolicy")}},
		{name: "unsupported reclaim policy and mode", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.PersistentVolumeReclaimPolicy = "Keep"
			pv.Spec.VolumeMode = ptr(corev1.PersistentVolumeMode("Raw"))
		}, want: []want{errNotSupported("spec.persistentVolumeReclaimPolicy"), errNotSupported("spec.volumeMode")}},
		{name: "CSI without handle", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.NFS = nil
			pv.Spec.CSI = &corev1.CSIPersistentVolumeSource{Driver: "Bad_Driver"}
		}, want: []want{errInvalid("spec.csi.driver"), errRequired("spec.csi.volumeHandle")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pv := validPV()
			tc.mutate(pv)
			expectErrors(t, ValidatePersistentVolume(pv), tc.want...)
		})
	}
}

func TestValidatePersistentVolumeUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.PersistentVolume)
		want   []want
	}{
		{name: "binding and resizing", mutate: func(pv *corev1.PersistentVolume) {
			pv.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "default", Name: "data"}
			pv.Spec.Capacity[corev1.ResourceStorage] = q("20Gi")
		}},
		{name: "changing the source", mutate: func(pv *corev1.PersistentVolume) { pv.Spec.NFS.Path = "/exports/other" },
			want: []want{errForbidden("spec.persistentvolumesource")}},
		{name: "changing the volume mode", mutate: func(pv *corev1.PersistentVolume) { pv.Spec.VolumeMode = ptr(corev1.PersistentVolumeBlock) },
			want: []want{errInvalid("spec.volumeMode")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, pv := validPV(), validPV()
			pv.ObjectMeta = withRV(pv.ObjectMeta)
			tc.mutate(pv)
			expectErrors(t, ValidatePersistentVolumeUpdate(pv, old), tc.want...)
		})
	}
}

func validPVC() *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: meta("data"),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q("5Gi")}},
			StorageClassName: ptr("standard"),
		},
	}
}

func TestValidatePersistentVolumeClaim(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.PersistentVolumeClaim)
		want   []want
	}{
		{name: "valid", mutate: func(*corev1.PersistentVolumeClaim) {}},
		{name: "clone from another claim", mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.DataSource = &corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: "src"}
			c.Spec.DataSourceRef = &corev1.TypedObjectReference{Kind: "PersistentVolumeClaim", Name: "src"}
		}},
		{name: "access modes required", mutate: func(c *corev1.PersistentVolumeClaim) { c.Spec.AccessModes = nil },
			want: []want{errRequired("spec.accessModes")}},
		{name: "unsupported access mode", mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{"ReadWriteSometimes"}
		}, want: []want{errNotSupported("spec.accessModes")}},
		{name: "storage request required", mutate: func(c *corev1.PersistentVolumeClaim) { c.Spec.Resources.Requests = nil },
			want: []want{errRequired("spec.resources.requests[storage]")}},
		{name: "storage request must be positive", mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Resources.Requests[corev1.ResourceStorage] = q("0")
		}, want: []want{errInvalid("spec.resources.requests[storage]")}},
		{name: "bad class name and selector", mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.StorageClassName = ptr("Fast_SSD")
			c.Spec.Selector = appSelector()
			c.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}
		}, want: []want{errInvalid("spec.storageClassName"), errInvalid("spec.selector.matchExpressions[0].operator")}},
		{name: "core data source other than a PVC", mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.DataSource = &corev1.TypedLocalObjectReference{Kind: "Pod", Name: "src"}
		}, want: []want{errInvalid("spec.dataSource.kind")}},
		{name: "dataSource must match dataSourceRef", mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.DataSource = &corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: "a"}
			c.Spec.DataSourceRef = &corev1.TypedObjectReference{Kind: "PersistentVolumeClaim", Name: "b"}
		}, want: []want{errInvalid("spec.dataSource")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validPVC()
			tc.mutate(c)
			expectErrors(t, ValidatePersistentVolumeClaim(c), tc.want...)
		})
	}
}

func TestValidatePersistentVolumeClaimUpdate(t *testing.T) {
	cases := []struct {
		name     string
		oldBound bool
		mutate   func(*corev1.PersistentVolumeClaim)
		want     []want
	}{
		{name: "binding sets volumeName once", mutate: func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv-0001" }},
		{name: "growing a bound claim", oldBound: true, mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Resources.Requests[corev1.ResourceStorage] = q("10Gi")
		}},
		{name: "resizing an unbound claim", mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Resources.Requests[corev1.ResourceStorage] = q("10Gi")
		}, want: []want{errForbidden("spec")}},
		{name: "shrinking below the capacity", oldBound: true, mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Resources.Requests[corev1.ResourceStorage] = q("1Gi")
		}, want: []want{errForbidden("spec.resources.requests.storage")}},
		{name: "changing access modes", oldBound: true, mutate: func(c *corev1.PersistentVolumeClaim) {
			c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
		}, want: []want{errForbidden("spec")}},
		{name: "rebinding to another volume", oldBound: true, mutate: func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv-0002" },
			want: []want{errForbidden("spec")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := validPVC()
			if tc.oldBound {
				old.Spec.VolumeName = "pv-0001"
				old.Status.Phase = corev1.ClaimBound
				old.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: q("5Gi")}
			}
			c := old.DeepCopy()
			c.ObjectMeta = withRV(c.ObjectMeta)
			tc.mutate(c)
			expectErrors(t, ValidatePersistentVolumeClaimUpdate(c, old), tc.want...)
		})
	}
}
