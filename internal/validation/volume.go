package validation

import (
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// oneOfMember is one alternative of a union such as VolumeSource, where
// exactly one pointer may be set.
type oneOfMember struct {
	name     string
	set      bool
	validate func(*field.Path) field.ErrorList
}

// validateOneOf enforces "exactly one" on a union: the first member set is
// validated, any further member set is Forbidden at its own path, and an empty
// union is Required at fldPath. kind names the union in messages ("volume
// type", "handler type").
func validateOneOf(members []oneOfMember, kind string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	found := false
	for _, m := range members {
		if !m.set {
			continue
		}
		if found {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child(m.name), "may not specify more than 1 "+kind))
			continue
		}
		found = true
		if m.validate != nil {
			allErrs = append(allErrs, m.validate(fldPath.Child(m.name))...)
		}
	}
	if !found {
		allErrs = append(allErrs, field.Required(fldPath, "must specify a "+kind))
	}
	return allErrs
}

func required(value string, fldPath *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	return nil
}

func requiredFields(fldPath *field.Path, kv ...string) field.ErrorList {
	var allErrs field.ErrorList
	for i := 0; i+1 < len(kv); i += 2 {
		allErrs = append(allErrs, required(kv[i+1], fldPath.Child(kv[i]))...)
	}
	return allErrs
}

// validatePathNoBacksteps rejects ".." path elements, which would let a
// volume escape the directory it is mounted under.
func validatePathNoBacksteps(p string, fldPath *field.Path) field.ErrorList {
	for _, item := range strings.Split(strings.ReplaceAll(p, "\\", "/"), "/") {
		if item == ".." {
			return field.ErrorList{field.Invalid(fldPath, p, "must not contain '..'")}
		}
	}
	return nil
}

// validateLocalDescendingPath requires a relative path that stays below its
// root (subPath, gitRepo directory, projected file paths).
func validateLocalDescendingPath(p string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if path.IsAbs(p) || strings.HasPrefix(p, "\\") {
		allErrs = append(allErrs, field.Invalid(fldPath, p, "must be a relative path"))
	}
	allErrs = append(allErrs, validatePathNoBacksteps(p, fldPath)...)
	return allErrs
}

// validateLocalNonReservedPath additionally keeps file names from starting
// with "..", which the kubelet's atomic writer reserves for its own use.
func validateLocalNonReservedPath(p string, fldPath *field.Path) field.ErrorList {
	allErrs := validateLocalDescendingPath(p, fldPath)
	if len(p) >= 2 && strings.HasPrefix(p, "..") {
		allErrs = append(allErrs, field.Invalid(fldPath, p, "must not start with '..'"))
	}
	return allErrs
}

func validateFileMode(mode *int32, fldPath *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0777 || *mode < 0) {
		return field.ErrorList{field.Invalid(fldPath, *mode, fileModeMsg)}
	}
	return nil
}

func validateKeyToPaths(items []corev1.KeyToPath, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, kp := range items {
		p := fldPath.Index(i)
		allErrs = append(allErrs, required(kp.Key, p.Child("key"))...)
		allErrs = append(allErrs, required(kp.Path, p.Child("path"))...)
		allErrs = append(allErrs, validateLocalNonReservedPath(kp.Path, p.Child("path"))...)
		allErrs = append(allErrs, validateFileMode(kp.Mode, p.Child("mode"))...)
	}
	return allErrs
}

// validateVolumes checks the pod's volumes and returns the names of the valid
// ones so container mounts can be matched against them.
func validateVolumes(volumes []corev1.Volume, podMeta *metav1.ObjectMeta, fldPath *field.Path) (map[string]corev1.VolumeSource, field.ErrorList) {
	var allErrs field.ErrorList
	vols := make(map[string]corev1.VolumeSource, len(volumes))
	for i := range volumes {
		vol := &volumes[i]
		p := fldPath.Index(i)
		errs := validateVolumeSource(&vol.VolumeSource, vol.Name, podMeta, p)
		if vol.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		} else {
			errs = append(errs, validateDNS1123Label(vol.Name, p.Child("name"))...)
		}
		if _, dup := vols[vol.Name]; dup {
			errs = append(errs, field.Duplicate(p.Child("name"), vol.Name))
		}
		if len(errs) == 0 {
			vols[vol.Name] = vol.VolumeSource
		}
		allErrs = append(allErrs, errs...)
	}
	return vols, allErrs
}

func validateVolumeSource(src *corev1.VolumeSource, volName string, podMeta *metav1.ObjectMeta, fldPath *field.Path) field.ErrorList {
	return validateOneOf([]oneOfMember{
		{"emptyDir", src.EmptyDir != nil, func(p *field.Path) field.ErrorList { return validateEmptyDir(src.EmptyDir, p) }},
		{"hostPath", src.HostPath != nil, func(p *field.Path) field.ErrorList { return validateHostPath(src.HostPath, p) }},
		{"gitRepo", src.GitRepo != nil, func(p *field.Path) field.ErrorList {
			return append(required(src.GitRepo.Repository, p.Child("repository")), validateLocalDescendingPath(src.GitRepo.Directory, p.Child("directory"))...)
		}},
		{"gcePersistentDisk", src.GCEPersistentDisk != nil, func(p *field.Path) field.ErrorList {
			return validatePartition(src.GCEPersistentDisk.Partition, required(src.GCEPersistentDisk.PDName, p.Child("pdName")), p)
		}},
		{"awsElasticBlockStore", src.AWSElasticBlockStore != nil, func(p *field.Path) field.ErrorList {
			return validatePartition(src.AWSElasticBlockStore.Partition, required(src.AWSElasticBlockStore.VolumeID, p.Child("volumeID")), p)
		}},
		{"secret", src.Secret != nil, func(p *field.Path) field.ErrorList {
			allErrs := required(src.Secret.SecretName, p.Child("secretName"))
			allErrs = append(allErrs, validateFileMode(src.Secret.DefaultMode, p.Child("defaultMode"))...)
			return append(allErrs, validateKeyToPaths(src.Secret.Items, p.Child("items"))...)
		}},
		{"nfs", src.NFS != nil, func(p *field.Path) field.ErrorList { return validateNFS(src.NFS, p) }},
		{"iscsi", src.ISCSI != nil, func(p *field.Path) field.ErrorList {
			return requiredFields(p, "targetPortal", src.ISCSI.TargetPortal, "iqn", src.ISCSI.IQN)
		}},
		{"glusterfs", src.Glusterfs != nil, func(p *field.Path) field.ErrorList {
			return requiredFields(p, "endpoints", src.Glusterfs.EndpointsName, "path", src.Glusterfs.Path)
		}},
		{"persistentVolumeClaim", src.PersistentVolumeClaim != nil, func(p *field.Path) field.ErrorList {
			return required(src.PersistentVolumeClaim.ClaimName, p.Child("claimName"))
		}},
		{"rbd", src.RBD != nil, func(p *field.Path) field.ErrorList {
			allErrs := required(src.RBD.RBDImage, p.Child("image"))
			if len(src.RBD.CephMonitors) == 0 {
				allErrs = append(allErrs, field.Required(p.Child("monitors"), ""))
			}
			return allErrs
		}},
		{"flexVolume", src.FlexVolume != nil, func(p *field.Path) field.ErrorList { return required(src.FlexVolume.Driver, p.Child("driver")) }},
		{"cinder", src.Cinder != nil, func(p *field.Path) field.ErrorList { return required(src.Cinder.VolumeID, p.Child("volumeID")) }},
		{"cephfs", src.CephFS != nil, func(p *field.Path) field.ErrorList {
			if len(src.CephFS.Monitors) == 0 {
				return field.ErrorList{field.Required(p.Child("monitors"), "")}
			}
			return nil
		}},
		{"flocker", src.Flocker != nil, func(p *field.Path) field.ErrorList {
			if (src.Flocker.DatasetName == "") == (src.Flocker.DatasetUUID == "") {
				return field.ErrorList{field.Invalid(p, "resource", "exactly one of datasetName and datasetUUID is required")}
			}
			return nil
		}},
		{"downwardAPI", src.DownwardAPI != nil, func(p *field.Path) field.ErrorList {
			allErrs := validateFileMode(src.DownwardAPI.DefaultMode, p.Child("defaultMode"))
			return append(allErrs, validateDownwardAPIFiles(src.DownwardAPI.Items, p.Child("items"))...)
		}},
		{"fc", src.FC != nil, func(p *field.Path) field.ErrorList { return validateFC(src.FC, p) }},
		{"azureFile", src.AzureFile != nil, func(p *field.Path) field.ErrorList {
			return requiredFields(p, "secretName", src.AzureFile.SecretName, "shareName", src.AzureFile.ShareName)
		}},
		{"configMap", src.ConfigMap != nil, func(p *field.Path) field.ErrorList {
			allErrs := required(src.ConfigMap.Name, p.Child("name"))
			allErrs = append(allErrs, validateFileMode(src.ConfigMap.DefaultMode, p.Child("defaultMode"))...)
			return append(allErrs, validateKeyToPaths(src.ConfigMap.Items, p.Child("items"))...)
		}},
		{"vsphereVolume", src.VsphereVolume != nil, func(p *field.Path) field.ErrorList {
			return required(src.VsphereVolume.VolumePath, p.Child("volumePath"))
		}},
		{"quobyte", src.Quobyte != nil, func(p *field.Path) field.ErrorList {
			return requiredFields(p, "registry", src.Quobyte.Registry, "volume", src.Quobyte.Volume)
		}},
		{"azureDisk", src.AzureDisk != nil, func(p *field.Path) field.ErrorList {
			return requiredFields(p, "diskName", src.AzureDisk.DiskName, "diskURI", src.AzureDisk.DataDiskURI)
		}},
		{"photonPersistentDisk", src.PhotonPersistentDisk != nil, func(p *field.Path) field.ErrorList {
			return required(src.PhotonPersistentDisk.PdID, p.Child("pdID"))
		}},
		{"projected", src.Projected != nil, func(p *field.Path) field.ErrorList { return validateProjected(src.Projected, p) }},
		{"portworxVolume", src.PortworxVolume != nil, func(p *field.Path) field.ErrorList {
			return required(src.PortworxVolume.VolumeID, p.Child("volumeID"))
		}},
		{"scaleIO", src.ScaleIO != nil, func(p *field.Path) field.ErrorList {
			allErrs := requiredFields(p, "gateway", src.ScaleIO.Gateway, "system", src.ScaleIO.System, "volumeName", src.ScaleIO.VolumeName)
			if src.ScaleIO.SecretRef == nil {
				allErrs = append(allErrs, field.Required(p.Child("secretRef"), ""))
			}
			return allErrs
		}},
		{"storageos", src.StorageOS != nil, func(p *field.Path) field.ErrorList {
			return required(src.StorageOS.VolumeName, p.Child("volumeName"))
		}},
		{"csi", src.CSI != nil, func(p *field.Path) field.ErrorList {
			allErrs := validateCSIDriverName(src.CSI.Driver, p.Child("driver"))
			if ref := src.CSI.NodePublishSecretRef; ref != nil && ref.Name == "" {
				allErrs = append(allErrs, field.Required(p.Child("nodePublishSecretRef", "name"), ""))
			}
			return allErrs
		}},
		{"ephemeral", src.Ephemeral != nil, func(p *field.Path) field.ErrorList { return validateEphemeral(src.Ephemeral, volName, podMeta, p) }},
		{"image", src.Image != nil, func(p *field.Path) field.ErrorList {
			// Pod templates may leave the reference to be filled in later
			// (by a controller or an admission plugin); pods may not.
			allErrs := field.ErrorList{}
			if podMeta != nil && src.Image.Reference == "" {
				allErrs = append(allErrs, field.Required(p.Child("reference"), ""))
			}
			return append(allErrs, validatePullPolicy(src.Image.PullPolicy, p.Child("pullPolicy"))...)
		}},
	}, "volume type", fldPath)
}

func validatePartition(partition int32, allErrs field.ErrorList, fldPath *field.Path) field.ErrorList {
	if partition < 0 || partition > 255 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("partition"), partition, "must be between 1 and 255, inclusive"))
	}
	return allErrs
}

func validateEmptyDir(ed *corev1.EmptyDirVolumeSource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if ed.SizeLimit != nil && ed.SizeLimit.Sign() < 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("sizeLimit"), "SizeLimit field must be a valid resource quantity"))
	}
	switch ed.Medium {
	case corev1.StorageMediumDefault, corev1.StorageMediumMemory:
	default:
		if !strings.HasPrefix(string(ed.Medium), string(corev1.StorageMediumHugePages)) {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("medium"), ed.Medium,
				[]string{"", string(corev1.StorageMediumMemory), string(corev1.StorageMediumHugePages)}))
		}
	}
	return append(allErrs, validateFileMode(ed.Mode, fldPath.Child("mode"))...)
}

var supportedHostPathTypes = sets.New(
	corev1.HostPathUnset, corev1.HostPathDirectoryOrCreate, corev1.HostPathDirectory, corev1.HostPathFileOrCreate,
	corev1.HostPathFile, corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev,
)

func validateHostPath(hp *corev1.HostPathVolumeSource, fldPath *field.Path) field.ErrorList {
	if hp.Path == "" {
		return field.ErrorList{field.Required(fldPath.Child("path"), "")}
	}
	allErrs := validatePathNoBacksteps(hp.Path, fldPath.Child("path"))
	if hp.Type != nil && !supportedHostPathTypes.Has(*hp.Type) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("type"), *hp.Type, sets.List(supportedHostPathTypes)))
	}
	return allErrs
}

func validateNFS(nfs *corev1.NFSVolumeSource, fldPath *field.Path) field.ErrorList {
	allErrs := requiredFields(fldPath, "server", nfs.Server, "path", nfs.Path)
	if !path.IsAbs(nfs.Path) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("path"), nfs.Path, "must be an absolute path"))
	}
	return allErrs
}

func validateFC(fc *corev1.FCVolumeSource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch {
	case len(fc.TargetWWNs) == 0 && len(fc.WWIDs) == 0:
		allErrs = append(allErrs, field.Required(fldPath.Child("targetWWNs"), "must specify either targetWWNs or wwids, but not both"))
	case len(fc.TargetWWNs) != 0 && len(fc.WWIDs) != 0:
		allErrs = append(allErrs, field.Invalid(fldPath.Child("targetWWNs"), fc.TargetWWNs, "targetWWNs and wwids can not be specified simultaneously"))
	}
	if len(fc.TargetWWNs) != 0 {
		if fc.Lun == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("lun"), "lun is required if targetWWNs is specified"))
		} else if *fc.Lun < 0 || *fc.Lun > 255 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("lun"), *fc.Lun, "must be between 0 and 255, inclusive"))
		}
	}
	return allErrs
}

// validateCSIDriverName: CSI driver names are DNS subdomains of at most 63
// characters (they become part of socket paths on the node).
func validateCSIDriverName(driver string, fldPath *field.Path) field.ErrorList {
	if driver == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	var allErrs field.ErrorList
	if len(driver) > 63 {
		allErrs = append(allErrs, field.TooLong(fldPath, driver, 63))
	}
	return append(allErrs, validateDNS1123Subdomain(strings.ToLower(driver), fldPath)...)
}

// Downward API fields a volume file may expose; labels and annotations may
// also be subscripted ("metadata.labels['app']").
var volumeDownwardAPIFieldPaths = sets.New("metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations", "metadata.uid")

func validateDownwardAPIFiles(items []corev1.DownwardAPIVolumeFile, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, f := range items {
		p := fldPath.Index(i)
		allErrs = append(allErrs, required(f.Path, p.Child("path"))...)
		allErrs = append(allErrs, validateLocalNonReservedPath(f.Path, p.Child("path"))...)
		switch {
		case f.FieldRef != nil && f.ResourceFieldRef != nil:
			allErrs = append(allErrs, field.Invalid(p, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		case f.FieldRef != nil:
			allErrs = append(allErrs, validateObjectFieldSelector(f.FieldRef, volumeDownwardAPIFieldPaths, p.Child("fieldRef"))...)
		case f.ResourceFieldRef != nil:
			allErrs = append(allErrs, validateResourceFieldSelector(f.ResourceFieldRef, true, p.Child("resourceFieldRef"))...)
		default:
			allErrs = append(allErrs, field.Required(p, "one of fieldRef and resourceFieldRef is required"))
		}
		allErrs = append(allErrs, validateFileMode(f.Mode, p.Child("mode"))...)
	}
	return allErrs
}

func validateProjected(pv *corev1.ProjectedVolumeSource, fldPath *field.Path) field.ErrorList {
	allErrs := validateFileMode(pv.DefaultMode, fldPath.Child("defaultMode"))
	paths := sets.New[string]()
	// Two sources writing the same file would silently clobber each other.
	addPath := func(p string, at *field.Path) {
		if p == "" {
			return
		}
		if paths.Has(p) {
			allErrs = append(allErrs, field.Invalid(at, p, "conflicting duplicate paths"))
		}
		paths.Insert(p)
	}
	for i, s := range pv.Sources {
		sp := fldPath.Child("sources").Index(i)
		allErrs = append(allErrs, validateOneOf([]oneOfMember{
			{"secret", s.Secret != nil, func(p *field.Path) field.ErrorList {
				errs := required(s.Secret.Name, p.Child("name"))
				errs = append(errs, validateKeyToPaths(s.Secret.Items, p.Child("items"))...)
				for j, kp := range s.Secret.Items {
					addPath(kp.Path, p.Child("items").Index(j).Child("path"))
				}
				return errs
			}},
			{"configMap", s.ConfigMap != nil, func(p *field.Path) field.ErrorList {
				errs := required(s.ConfigMap.Name, p.Child("name"))
				errs = append(errs, validateKeyToPaths(s.ConfigMap.Items, p.Child("items"))...)
				for j, kp := range s.ConfigMap.Items {
					addPath(kp.Path, p.Child("items").Index(j).Child("path"))
				}
				return errs
			}},
			{"downwardAPI", s.DownwardAPI != nil, func(p *field.Path) field.ErrorList {
				errs := validateDownwardAPIFiles(s.DownwardAPI.Items, p.Child("items"))
				for j, f := range s.DownwardAPI.Items {
					addPath(f.Path, p.Child("items").Index(j).Child("path"))
				}
				return errs
			}},
			{"serviceAccountToken", s.ServiceAccountToken != nil, func(p *field.Path) field.ErrorList {
				t := s.ServiceAccountToken
				var errs field.ErrorList
				if t.ExpirationSeconds != nil {
					if *t.ExpirationSeconds < 10*60 {
						errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
					} else if *t.ExpirationSeconds > 1<<32 {
						errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"))
					}
				}
				if t.Path == "" {
					errs = append(errs, field.Required(p.Child("path"), ""))
				} else {
					errs = append(errs, validateLocalNonReservedPath(t.Path, p.Child("path"))...)
				}
				addPath(t.Path, p.Child("path"))
				return errs
			}},
			{"clusterTrustBundle", s.ClusterTrustBundle != nil, func(p *field.Path) field.ErrorList {
				b := s.ClusterTrustBundle
				var errs field.ErrorList
				if (b.Name == nil) == (b.SignerName == nil) {
					errs = append(errs, field.Invalid(p, "", "exactly one of name and signerName must be set"))
				}
				if b.Name != nil && b.LabelSelector != nil {
					errs = append(errs, field.Invalid(p.Child("labelSelector"), b.LabelSelector, "may not be used together with name"))
				}
				errs = append(errs, validateLabelSelector(b.LabelSelector, p.Child("labelSelector"))...)
				if b.Path == "" {
					errs = append(errs, field.Required(p.Child("path"), ""))
				} else {
					errs = append(errs, validateLocalNonReservedPath(b.Path, p.Child("path"))...)
				}
				addPath(b.Path, p.Child("path"))
				return errs
			}},
			{"podCertificate", s.PodCertificate != nil, func(p *field.Path) field.ErrorList {
				c := s.PodCertificate
				errs := requiredFields(p, "signerName", c.SignerName, "keyType", c.KeyType)
				for _, f := range []struct{ name, val string }{
					{"credentialBundlePath", c.CredentialBundlePath}, {"keyPath", c.KeyPath}, {"certificateChainPath", c.CertificateChainPath},
				} {
					if f.val != "" {
						errs = append(errs, validateLocalNonReservedPath(f.val, p.Child(f.name))...)
						addPath(f.val, p.Child(f.name))
					}
				}
				if c.CredentialBundlePath == "" && (c.KeyPath == "" || c.CertificateChainPath == "") {
					errs = append(errs, field.Required(p.Child("credentialBundlePath"), "either credentialBundlePath or both keyPath and certificateChainPath must be set"))
				}
				return errs
			}},
		}, "projection type", sp)...)
	}
	return allErrs
}

// validateEphemeral checks a generic ephemeral volume: the embedded claim
// template must be a valid PVC spec, and the PVC it will create is named
// "<pod>-<volume>", so that name must be valid too.
func validateEphemeral(e *corev1.EphemeralVolumeSource, volName string, podMeta *metav1.ObjectMeta, fldPath *field.Path) field.ErrorList {
	tmpl := e.VolumeClaimTemplate
	if tmpl == nil {
		return field.ErrorList{field.Required(fldPath.Child("volumeClaimTemplate"), "")}
	}
	tp := fldPath.Child("volumeClaimTemplate")
	allErrs := validateLabels(tmpl.Labels, tp.Child("metadata", "labels"))
	allErrs = append(allErrs, validateAnnotations(tmpl.Annotations, tp.Child("metadata", "annotations"))...)
	allErrs = append(allErrs, validateTemplateMetaOnly(&tmpl.ObjectMeta, tp.Child("metadata"))...)
	allErrs = append(allErrs, validatePVCSpec(&tmpl.Spec, tp.Child("spec"))...)
	if podMeta != nil && podMeta.Name != "" && volName != "" {
		pvcName := podMeta.Name + "-" + volName
		for _, msg := range nameIsDNSSubdomain(pvcName, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), volName, "PVC name \""+pvcName+"\": "+msg))
		}
	}
	return allErrs
}

// validateVolumeMounts checks one container's mounts against the pod's
// volumes: each must name an existing volume and mount at a distinct path.
func validateVolumeMounts(mounts []corev1.VolumeMount, devices []corev1.VolumeDevice, volumes map[string]corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	mountPaths := sets.New[string]()
	devicePaths := sets.New[string]()
	deviceNames := sets.New[string]()
	for _, d := range devices {
		devicePaths.Insert(d.DevicePath)
		deviceNames.Insert(d.Name)
	}
	for i, m := range mounts {
		p := fldPath.Index(i)
		if m.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		} else if _, ok := volumes[m.Name]; !ok {
			allErrs = append(allErrs, field.NotFound(p.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			allErrs = append(allErrs, field.Required(p.Child("mountPath"), ""))
		} else if mountPaths.Has(m.MountPath) {
			allErrs = append(allErrs, field.Invalid(p.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mountPaths.Insert(m.MountPath)
		if deviceNames.Has(m.Name) {
			allErrs = append(allErrs, field.Invalid(p.Child("name"), m.Name, "must not already exist in volumeDevices"))
		}
		if devicePaths.Has(m.MountPath) {
			allErrs = append(allErrs, field.Invalid(p.Child("mountPath"), m.MountPath, "must not already exist as a path in volumeDevices"))
		}
		if v, ok := volumes[m.Name]; ok && v.Image != nil {
			if m.SubPath != "" {
				allErrs = append(allErrs, field.Invalid(p.Child("subPath"), m.SubPath, "not allowed in image volume sources"))
			}
			if m.SubPathExpr != "" {
				allErrs = append(allErrs, field.Invalid(p.Child("subPathExpr"), m.SubPathExpr, "not allowed in image volume sources"))
			}
		}
		if m.SubPath != "" {
			allErrs = append(allErrs, validateLocalDescendingPath(m.SubPath, p.Child("subPath"))...)
		}
		if m.SubPathExpr != "" {
			if m.SubPath != "" {
				allErrs = append(allErrs, field.Invalid(p.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
			}
			allErrs = append(allErrs, validateLocalDescendingPath(m.SubPathExpr, p.Child("subPathExpr"))...)
		}
		if m.MountPropagation != nil {
			switch *m.MountPropagation {
			case corev1.MountPropagationNone, corev1.MountPropagationHostToContainer, corev1.MountPropagationBidirectional:
			default:
				allErrs = append(allErrs, field.NotSupported(p.Child("mountPropagation"), *m.MountPropagation,
					[]corev1.MountPropagationMode{corev1.MountPropagationBidirectional, corev1.MountPropagationHostToContainer, corev1.MountPropagationNone}))
			}
		}
		if m.RecursiveReadOnly != nil {
			switch *m.RecursiveReadOnly {
			case corev1.RecursiveReadOnlyDisabled:
			case corev1.RecursiveReadOnlyIfPossible, corev1.RecursiveReadOnlyEnabled:
				if !m.ReadOnly {
					allErrs = append(allErrs, field.Forbidden(p.Child("recursiveReadOnly"), "may only be specified when readOnly is true"))
				}
			default:
				allErrs = append(allErrs, field.NotSupported(p.Child("recursiveReadOnly"), *m.RecursiveReadOnly,
					[]corev1.RecursiveReadOnlyMode{corev1.RecursiveReadOnlyDisabled, corev1.RecursiveReadOnlyIfPossible, corev1.RecursiveReadOnlyEnabled}))
			}
		}
	}
	return allErrs
}

// validateVolumeDevices checks raw block devices: they must come from a
// PersistentVolumeClaim (or generic ephemeral) volume.
func validateVolumeDevices(devices []corev1.VolumeDevice, mounts []corev1.VolumeMount, volumes map[string]corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	names, paths := sets.New[string](), sets.New[string]()
	mountNames, mountPaths := sets.New[string](), sets.New[string]()
	for _, m := range mounts {
		mountNames.Insert(m.Name)
		mountPaths.Insert(m.MountPath)
	}
	for i, d := range devices {
		p := fldPath.Index(i)
		if d.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		} else if names.Has(d.Name) {
			allErrs = append(allErrs, field.Invalid(p.Child("name"), d.Name, "must be unique"))
		}
		if v, ok := volumes[d.Name]; !ok {
			if d.Name != "" {
				allErrs = append(allErrs, field.NotFound(p.Child("name"), d.Name))
			}
		} else if v.PersistentVolumeClaim == nil && v.Ephemeral == nil {
			allErrs = append(allErrs, field.Invalid(p.Child("name"), d.Name, "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"))
		}
		if d.DevicePath == "" {
			allErrs = append(allErrs, field.Required(p.Child("devicePath"), ""))
		} else if paths.Has(d.DevicePath) {
			allErrs = append(allErrs, field.Invalid(p.Child("devicePath"), d.DevicePath, "must be unique"))
		}
		allErrs = append(allErrs, validatePathNoBacksteps(d.DevicePath, p.Child("devicePath"))...)
		if mountNames.Has(d.Name) {
			allErrs = append(allErrs, field.Invalid(p.Child("name"), d.Name, "must not already exist in volumeMounts"))
		}
		if mountPaths.Has(d.DevicePath) {
			allErrs = append(allErrs, field.Invalid(p.Child("devicePath"), d.DevicePath, "must not already exist as a path in volumeMounts"))
		}
		names.Insert(d.Name)
		paths.Insert(d.DevicePath)
	}
	return allErrs
}
