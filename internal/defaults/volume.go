package defaults

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// Defaults of the legacy in-tree volume plugins, from the +default markers
// in k8s.io/api/core/v1.
const (
	defaultISCSIInterface   = "default"
	defaultRBDPool          = "rbd"
	defaultRBDUser          = "admin"
	defaultRBDKeyring       = "/etc/ceph/keyring"
	defaultAzureDiskFSType  = "ext4"
	defaultScaleIOMode      = "ThinProvisioned"
	defaultScaleIOFSType    = "xfs"
	defaultTokenExpirySecs  = int64(3600)
	defaultProjectionMode   = corev1.ProjectedVolumeSourceDefaultMode
	defaultDownwardAPIMode  = corev1.DownwardAPIVolumeSourceDefaultMode
	defaultSecretVolumeMode = corev1.SecretVolumeSourceDefaultMode
	defaultConfigMapMode    = corev1.ConfigMapVolumeSourceDefaultMode
)

// setVolumeDefaults defaults one pod volume and its source.
func setVolumeDefaults(v *corev1.Volume) {
	// A volume without a source is an emptyDir: that was the only kind of
	// scratch volume when the field was introduced.
	if ptr.AllPtrFieldsNil(&v.VolumeSource) {
		v.VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	}
	src := &v.VolumeSource
	if src.Image != nil && src.Image.PullPolicy == "" {
		src.Image.PullPolicy = DefaultImagePullPolicy(src.Image.Reference)
	}
	if src.HostPath != nil {
		setHostPathDefaults(src.HostPath)
	}
	if src.Secret != nil && src.Secret.DefaultMode == nil {
		src.Secret.DefaultMode = ptr.To(defaultSecretVolumeMode)
	}
	if src.ConfigMap != nil && src.ConfigMap.DefaultMode == nil {
		src.ConfigMap.DefaultMode = ptr.To(defaultConfigMapMode)
	}
	if src.DownwardAPI != nil {
		if src.DownwardAPI.DefaultMode == nil {
			src.DownwardAPI.DefaultMode = ptr.To(defaultDownwardAPIMode)
		}
		setDownwardAPIItemDefaults(src.DownwardAPI.Items)
	}
	if src.Projected != nil {
		setProjectedDefaults(src.Projected)
	}
	if src.ISCSI != nil && src.ISCSI.ISCSIInterface == "" {
		src.ISCSI.ISCSIInterface = defaultISCSIInterface
	}
	if src.RBD != nil {
		setRBDDefaults(&src.RBD.RBDPool, &src.RBD.RadosUser, &src.RBD.Keyring)
	}
	if src.AzureDisk != nil {
		setAzureDiskDefaults(src.AzureDisk)
	}
	if src.ScaleIO != nil {
		setScaleIODefaults(&src.ScaleIO.StorageMode, &src.ScaleIO.FSType)
	}
	if src.Ephemeral != nil && src.Ephemeral.VolumeClaimTemplate != nil {
		setPersistentVolumeClaimSpecDefaults(&src.Ephemeral.VolumeClaimTemplate.Spec)
	}
}

func setProjectedDefaults(p *corev1.ProjectedVolumeSource) {
	if p.DefaultMode == nil {
		p.DefaultMode = ptr.To(defaultProjectionMode)
	}
	for i := range p.Sources {
		s := &p.Sources[i]
		if s.DownwardAPI != nil {
			setDownwardAPIItemDefaults(s.DownwardAPI.Items)
		}
		if s.ServiceAccountToken != nil && s.ServiceAccountToken.ExpirationSeconds == nil {
			s.ServiceAccountToken.ExpirationSeconds = ptr.To(defaultTokenExpirySecs)
		}
	}
}

func setDownwardAPIItemDefaults(items []corev1.DownwardAPIVolumeFile) {
	for i := range items {
		setObjectFieldSelectorDefaults(items[i].FieldRef)
	}
}

// setHostPathDefaults makes the "no checks" host path type explicit.
func setHostPathDefaults(h *corev1.HostPathVolumeSource) {
	if h.Type == nil {
		h.Type = ptr.To(corev1.HostPathUnset)
	}
}

// setRBDDefaults takes the fields rather than the struct because the pod
// and the persistent volume variants of the RBD source are different types.
func setRBDDefaults(pool, user, keyring *string) {
	if *pool == "" {
		*pool = defaultRBDPool
	}
	if *user == "" {
		*user = defaultRBDUser
	}
	if *keyring == "" {
		*keyring = defaultRBDKeyring
	}
}

func setAzureDiskDefaults(d *corev1.AzureDiskVolumeSource) {
	if d.CachingMode == nil {
		d.CachingMode = ptr.To(corev1.AzureDataDiskCachingReadWrite)
	}
	if d.Kind == nil {
		d.Kind = ptr.To(corev1.AzureSharedBlobDisk)
	}
	if d.FSType == nil {
		d.FSType = ptr.To(defaultAzureDiskFSType)
	}
	if d.ReadOnly == nil {
		d.ReadOnly = ptr.To(false)
	}
}

func setScaleIODefaults(mode, fsType *string) {
	if *mode == "" {
		*mode = defaultScaleIOMode
	}
	if *fsType == "" {
		*fsType = defaultScaleIOFSType
	}
}

// SetPersistentVolumeDefaults applies the defaults of a PersistentVolume. A
// new volume is Pending until the PV controller binds or marks it
// Available, and it is retained after release unless the creator says
// otherwise, so no data is deleted by accident.
func SetPersistentVolumeDefaults(pv *corev1.PersistentVolume) {
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeFilesystem)
	}
	roundResourceList(pv.Spec.Capacity)

	src := &pv.Spec.PersistentVolumeSource
	if src.HostPath != nil {
		setHostPathDefaults(src.HostPath)
	}
	if src.ISCSI != nil && src.ISCSI.ISCSIInterface == "" {
		src.ISCSI.ISCSIInterface = defaultISCSIInterface
	}
	if src.RBD != nil {
		setRBDDefaults(&src.RBD.RBDPool, &src.RBD.RadosUser, &src.RBD.Keyring)
	}
	if src.AzureDisk != nil {
		setAzureDiskDefaults(src.AzureDisk)
	}
	if src.ScaleIO != nil {
		setScaleIODefaults(&src.ScaleIO.StorageMode, &src.ScaleIO.FSType)
	}
}

// SetPersistentVolumeClaimDefaults applies the defaults of a
// PersistentVolumeClaim: Pending until bound, Filesystem volume mode.
func SetPersistentVolumeClaimDefaults(pvc *corev1.PersistentVolumeClaim) {
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
	setPersistentVolumeClaimSpecDefaults(&pvc.Spec)
	roundResourceList(pvc.Status.Capacity)
	roundResourceList(pvc.Status.AllocatedResources)
}

func setPersistentVolumeClaimSpecDefaults(spec *corev1.PersistentVolumeClaimSpec) {
	if spec.VolumeMode == nil {
		spec.VolumeMode = ptr.To(corev1.PersistentVolumeFilesystem)
	}
	roundResourceList(spec.Resources.Limits)
	roundResourceList(spec.Resources.Requests)
}
