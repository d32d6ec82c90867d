package validation

import (
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var supportedAccessModes = []corev1.PersistentVolumeAccessMode{
	corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOncePod,
}

// validateAccessModes requires at least one known mode. ReadWriteOncePod
// promises a single pod, which no other mode can be combined with.
func validateAccessModes(modes []corev1.PersistentVolumeAccessMode, requiredMsg string, fldPath *field.Path) field.ErrorList {
	if len(modes) == 0 {
		return field.ErrorList{field.Required(fldPath, requiredMsg)}
	}
	var allErrs field.ErrorList
	rwop, other := false, false
	for _, m := range modes {
		switch m {
		case corev1.ReadWriteOncePod:
			rwop = true
		case corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany:
			other = true
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath, m, supportedAccessModes))
		}
	}
	if rwop && other {
		allErrs = append(allErrs, field.Forbidden(fldPath, "may not use ReadWriteOncePod with other access modes"))
	}
	return allErrs
}

func validateVolumeMode(mode *corev1.PersistentVolumeMode, fldPath *field.Path) field.ErrorList {
	if mode == nil {
		return nil
	}
	switch *mode {
	case corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem:
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, *mode, []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem})}
}

// ValidatePersistentVolume validates a PersistentVolume on create.
func ValidatePersistentVolume(pv *corev1.PersistentVolume) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &pv.Spec
	allErrs := validateObjectMeta(&pv.ObjectMeta, false, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateAccessModes(spec.AccessModes, "", specPath.Child("accessModes"))...)

	capPath := specPath.Child("capacity")
	if len(spec.Capacity) == 0 {
		allErrs = append(allErrs, field.Required(capPath, ""))
	} else if _, ok := spec.Capacity[corev1.ResourceStorage]; !ok || len(spec.Capacity) > 1 {
		// A volume offers storage and nothing else.
		allErrs = append(allErrs, field.NotSupported(capPath, spec.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	for _, name := range sortedResourceNames(spec.Capacity) {
		allErrs = append(allErrs, validatePositiveQuantity(spec.Capacity[name], capPath.Key(string(name)))...)
	}

	switch spec.PersistentVolumeReclaimPolicy {
	case "", corev1.PersistentVolumeReclaimRetain, corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle:
	default:
		allErrs = append(allErrs, field.NotSupported(specPath.Child("persistentVolumeReclaimPolicy"), spec.PersistentVolumeReclaimPolicy,
			[]corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain}))
	}
	// Recycling scrubs the volume with rm -rf; on a hostPath of "/" that
	// would wipe the node.
	if spec.HostPath != nil && path.Clean(spec.HostPath.Path) == "/" && spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRecycle {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("persistentVolumeReclaimPolicy"), "may not be 'recycle' for a hostPath mount of '/'"))
	}

	hasNodeAffinity := false
	if na := spec.NodeAffinity; na != nil {
		if na.Required == nil {
			allErrs = append(allErrs, field.Required(specPath.Child("nodeAffinity", "required"), "must specify required node constraints"))
		} else {
			hasNodeAffinity = true
			allErrs = append(allErrs, validateNodeSelector(na.Required, specPath.Child("nodeAffinity", "required"))...)
		}
	}
	allErrs = append(allErrs, validatePersistentVolumeSource(&spec.PersistentVolumeSource, hasNodeAffinity, specPath)...)

	if spec.StorageClassName != "" {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, spec.StorageClassName, specPath.Child("storageClassName"))...)
	}
	allErrs = append(allErrs, validateVolumeMode(spec.VolumeMode, specPath.Child("volumeMode"))...)
	if vac := spec.VolumeAttributesClassName; vac != nil {
		if *vac == "" {
			allErrs = append(allErrs, field.Required(specPath.Child("volumeAttributesClassName"), "an empty string is disallowed"))
		} else {
			allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *vac, specPath.Child("volumeAttributesClassName"))...)
		}
		if spec.CSI == nil {
			allErrs = append(allErrs, field.Required(specPath.Child("csi"), "has to be specified when using volumeAttributesClassName"))
		}
	}
	return allErrs
}

func validatePersistentVolumeSource(src *corev1.PersistentVolumeSource, hasNodeAffinity bool, fldPath *field.Path) field.ErrorList {
	return validateOneOf([]oneOfMember{
		{"hostPath", src.HostPath != nil, func(p *field.Path) field.ErrorList { return validateHostPath(src.HostPath, p) }},
		{"gcePersistentDisk", src.GCEPersistentDisk != nil, func(p *field.Path) field.ErrorList {
			return validatePartition(src.GCEPersistentDisk.Partition, required(src.GCEPersistentDisk.PDName, p.Child("pdName")), p)
		}},
		{"awsElasticBlockStore", src.AWSElasticBlockStore != nil, func(p *field.Path) field.ErrorList {
			return validatePartition(src.AWSElasticBlockStore.Partition, required(src.AWSElasticBlockStore.VolumeID, p.Child("volumeID")), p)
		}},
		{"glusterfs", src.Glusterfs != nil, func(p *field.Path) field.ErrorList {
			allErrs := requiredFields(p, "endpoints", src.Glusterfs.EndpointsName, "path", src.Glusterfs.Path)
			if ns := src.Glusterfs.EndpointsNamespace; ns != nil {
				allErrs = append(allErrs, validateNameWith(nameIsDNSLabel, *ns, p.Child("endpointsNamespace"))...)
			}
			return allErrs
		}},
		{"nfs", src.NFS != nil, func(p *field.Path) field.ErrorList { return validateNFS(src.NFS, p) }},
		{"rbd", src.RBD != nil, func(p *field.Path) field.ErrorList {
			allErrs := required(src.RBD.RBDImage, p.Child("image"))
			if len(src.RBD.CephMonitors) == 0 {
				allErrs = append(allErrs, field.Required(p.Child("monitors"), ""))
			}
			return allErrs
		}},
		{"iscsi", src.ISCSI != nil, func(p *field.Path) field.ErrorList {
			return requiredFields(p, "targetPortal", src.ISCSI.TargetPortal, "iqn", src.ISCSI.IQN)
		}},
		{"cinder", src.Cinder != nil, func(p *field.Path) field.ErrorList { return required(src.Cinder.VolumeID, p.Child("volumeID")) }},
		{"cephfs", src.CephFS != nil, func(p *field.Path) field.ErrorList {
			if len(src.CephFS.Monitors) == 0 {
				return field.ErrorList{field.Required(p.Child("monitors"), "")}
			}
			return nil
		}},
		{"fc", src.FC != nil, func(p *field.Path) field.ErrorList { return validateFC(src.FC, p) }},
		{"flocker", src.Flocker != nil, func(p *field.Path) field.ErrorList {
			if (src.Flocker.DatasetName == "") == (src.Flocker.DatasetUUID == "") {
				return field.ErrorList{field.Invalid(p, "resource", "exactly one of datasetName and datasetUUID is required")}
			}
			return nil
		}},
		{"flexVolume", src.FlexVolume != nil, func(p *field.Path) field.ErrorList { return required(src.FlexVolume.Driver, p.Child("driver")) }},
		{"azureFile", src.AzureFile != nil, func(p *field.Path) field.ErrorList {
			return requiredFields(p, "secretName", src.AzureFile.SecretName, "shareName", src.AzureFile.ShareName)
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
		{"local", src.Local != nil, func(p *field.Path) field.ErrorList {
			var allErrs field.ErrorList
			if src.Local.Path == "" {
				allErrs = append(allErrs, field.Required(p.Child("path"), ""))
			} else {
				allErrs = append(allErrs, validatePathNoBacksteps(src.Local.Path, p.Child("path"))...)
			}
			// A local disk only exists on one node; the scheduler needs to
			// know which.
			if !hasNodeAffinity {
				allErrs = append(allErrs, field.Required(fldPath.Child("nodeAffinity"), "Local volume requires node affinity"))
			}
			return allErrs
		}},
		{"storageos", src.StorageOS != nil, func(p *field.Path) field.ErrorList {
			return required(src.StorageOS.VolumeName, p.Child("volumeName"))
		}},
		{"csi", src.CSI != nil, func(p *field.Path) field.ErrorList {
			allErrs := validateCSIDriverName(src.CSI.Driver, p.Child("driver"))
			allErrs = append(allErrs, required(src.CSI.VolumeHandle, p.Child("volumeHandle"))...)
			for _, ref := range []struct {
				name string
				ref  *corev1.SecretReference
			}{
				{"controllerPublishSecretRef", src.CSI.ControllerPublishSecretRef},
				{"nodeStageSecretRef", src.CSI.NodeStageSecretRef},
				{"nodePublishSecretRef", src.CSI.NodePublishSecretRef},
				{"controllerExpandSecretRef", src.CSI.ControllerExpandSecretRef},
				{"nodeExpandSecretRef", src.CSI.NodeExpandSecretRef},
			} {
				if ref.ref == nil {
					continue
				}
				rp := p.Child(ref.name)
				allErrs = append(allErrs, requiredFields(rp, "name", ref.ref.Name, "namespace", ref.ref.Namespace)...)
				if ref.ref.Name != "" {
					allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, ref.ref.Name, rp.Child("name"))...)
				}
				if ref.ref.Namespace != "" {
					allErrs = append(allErrs, validateNameWith(nameIsDNSLabel, ref.ref.Namespace, rp.Child("namespace"))...)
				}
			}
			return allErrs
		}},
	}, "volume type", fldPath)
}

// ValidatePersistentVolumeUpdate validates an update of a PersistentVolume.
// What the volume is (its source and mode) cannot change once created;
// capacity, access modes, class and claim binding can.
func ValidatePersistentVolumeUpdate(pv, old *corev1.PersistentVolume) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMetaUpdate(&pv.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidatePersistentVolume(pv)...)

	newSrc := pv.Spec.PersistentVolumeSource.DeepCopy()
	// A CSI expansion secret may be added later, when expansion is enabled
	// for an existing volume.
	if old.Spec.CSI != nil && old.Spec.CSI.ControllerExpandSecretRef == nil && newSrc.CSI != nil {
		newSrc.CSI.ControllerExpandSecretRef = nil
	}
	if !apiequality.Semantic.DeepEqual(*newSrc, old.Spec.PersistentVolumeSource) {
		changed := changedPaths(old.Spec.PersistentVolumeSource, *newSrc, "spec", 3)
		allErrs = append(allErrs, field.Forbidden(specPath.Child("persistentvolumesource"),
			"spec.persistentvolumesource is immutable after creation\nchanged: "+strings.Join(changed, ", ")))
	}
	allErrs = append(allErrs, immutable(pv.Spec.VolumeMode, old.Spec.VolumeMode, specPath.Child("volumeMode"))...)
	if old.Spec.NodeAffinity != nil {
		allErrs = append(allErrs, immutable(pv.Spec.NodeAffinity, old.Spec.NodeAffinity, specPath.Child("nodeAffinity"))...)
	}
	if old.Spec.VolumeAttributesClassName != nil && pv.Spec.VolumeAttributesClassName == nil {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("volumeAttributesClassName"), "update from non-nil value to nil is forbidden"))
	}
	return allErrs
}

// ValidatePersistentVolumeClaim validates a PersistentVolumeClaim on create.
func ValidatePersistentVolumeClaim(pvc *corev1.PersistentVolumeClaim) field.ErrorList {
	allErrs := validateObjectMeta(&pvc.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validatePVCSpec(&pvc.Spec, field.NewPath("spec"))...)
	return allErrs
}

func validatePVCSpec(spec *corev1.PersistentVolumeClaimSpec, fldPath *field.Path) field.ErrorList {
	allErrs := validateAccessModes(spec.AccessModes, "at least 1 access mode is required", fldPath.Child("accessModes"))
	allErrs = append(allErrs, validateLabelSelector(spec.Selector, fldPath.Child("selector"))...)

	reqPath := fldPath.Child("resources", "requests")
	if storage, ok := spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		allErrs = append(allErrs, field.Required(reqPath.Key(string(corev1.ResourceStorage)), ""))
	} else {
		allErrs = append(allErrs, validatePositiveQuantity(storage, reqPath.Key(string(corev1.ResourceStorage)))...)
	}
	for _, name := range sortedResourceNames(spec.Resources.Requests) {
		if name != corev1.ResourceStorage {
			allErrs = append(allErrs, validateResourceQuantity(name, spec.Resources.Requests[name], reqPath.Key(string(name)))...)
		}
	}
	for _, name := range sortedResourceNames(spec.Resources.Limits) {
		allErrs = append(allErrs, validateResourceQuantity(name, spec.Resources.Limits[name], fldPath.Child("resources", "limits").Key(string(name)))...)
	}

	if spec.StorageClassName != nil && *spec.StorageClassName != "" {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *spec.StorageClassName, fldPath.Child("storageClassName"))...)
	}
	if spec.VolumeAttributesClassName != nil && *spec.VolumeAttributesClassName != "" {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *spec.VolumeAttributesClassName, fldPath.Child("volumeAttributesClassName"))...)
	}
	if spec.VolumeName != "" {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, spec.VolumeName, fldPath.Child("volumeName"))...)
	}
	allErrs = append(allErrs, validateVolumeMode(spec.VolumeMode, fldPath.Child("volumeMode"))...)

	if ds := spec.DataSource; ds != nil {
		allErrs = append(allErrs, validateDataSource(ds.APIGroup, ds.Kind, ds.Name, fldPath.Child("dataSource"))...)
	}
	if ref := spec.DataSourceRef; ref != nil {
		rp := fldPath.Child("dataSourceRef")
		allErrs = append(allErrs, validateDataSource(ref.APIGroup, ref.Kind, ref.Name, rp)...)
		if ref.Namespace != nil && *ref.Namespace != "" {
			allErrs = append(allErrs, validateNameWith(nameIsDNSLabel, *ref.Namespace, rp.Child("namespace"))...)
		}
	}
	// dataSource is the legacy spelling of dataSourceRef; when both are
	// given they must agree, and a cross-namespace ref has no legacy form.
	if ds, ref := spec.DataSource, spec.DataSourceRef; ds != nil && ref != nil {
		if ref.Namespace != nil && *ref.Namespace != "" {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("dataSource"), ds, "may not be specified when dataSourceRef.namespace is specified"))
		} else if !apiequality.Semantic.DeepEqual(ds.APIGroup, ref.APIGroup) || ds.Kind != ref.Kind || ds.Name != ref.Name {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("dataSource"), ds, "must match dataSourceRef"))
		}
	}
	return allErrs
}

func validateDataSource(apiGroup *string, kind, name string, fldPath *field.Path) field.ErrorList {
	allErrs := requiredFields(fldPath, "name", name, "kind", kind)
	group := ""
	if apiGroup != nil {
		group = *apiGroup
	}
	// The core group only offers PVCs (cloning) as a data source.
	if group == "" && kind != "" && kind != "PersistentVolumeClaim" {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("kind"), kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
	}
	if group != "" {
		allErrs = append(allErrs, validateDNS1123Subdomain(group, fldPath.Child("apiGroup"))...)
	}
	return allErrs
}

// ValidatePersistentVolumeClaimUpdate validates an update of a claim. A
// claim's spec is fixed once created, except that its volumeName can be set
// once (binding) and, for bound claims, the requested storage can be resized
// and the volume attributes class changed.
func ValidatePersistentVolumeClaimUpdate(pvc, old *corev1.PersistentVolumeClaim) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMetaUpdate(&pvc.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidatePersistentVolumeClaim(pvc)...)

	newSpec := pvc.Spec.DeepCopy()
	oldSpec := old.Spec.DeepCopy()
	if oldSpec.VolumeName == "" {
		oldSpec.VolumeName = newSpec.VolumeName
	}
	// Older claims named their class only in the beta annotation; the field
	// may be filled in from it.
	if oldSpec.StorageClassName == nil && newSpec.StorageClassName != nil {
		if ann, ok := old.Annotations[corev1.BetaStorageClassAnnotation]; !ok || ann == *newSpec.StorageClassName {
			oldSpec.StorageClassName = newSpec.StorageClassName
		}
	}
	bound := pvc.Status.Phase == corev1.ClaimBound
	if bound {
		if newSpec.Resources.Requests != nil {
			if s, ok := oldSpec.Resources.Requests[corev1.ResourceStorage]; ok {
				newSpec.Resources.Requests[corev1.ResourceStorage] = s
			} else {
				delete(newSpec.Resources.Requests, corev1.ResourceStorage)
			}
		}
		newSpec.VolumeAttributesClassName = oldSpec.VolumeAttributesClassName
	}
	if !apiequality.Semantic.DeepEqual(*newSpec, *oldSpec) {
		changed := changedPaths(*oldSpec, *newSpec, "spec", 3)
		allErrs = append(allErrs, field.Forbidden(specPath, "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\nchanged: "+strings.Join(changed, ", ")))
	}

	// Volumes cannot shrink; a request may only go back down to what the
	// volume really has, to recover from a failed expansion.
	newSize := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	oldSize := old.Spec.Resources.Requests[corev1.ResourceStorage]
	if newSize.Cmp(oldSize) < 0 {
		statusSize, ok := old.Status.Capacity[corev1.ResourceStorage]
		if !ok || newSize.Cmp(statusSize) <= 0 {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("resources", "requests", "storage"),
				"field can not be less than status.capacity"))
		}
	}
	allErrs = append(allErrs, immutable(pvc.Spec.VolumeMode, old.Spec.VolumeMode, specPath.Child("volumeMode"))...)
	if oldVAC := old.Spec.VolumeAttributesClassName; oldVAC != nil {
		switch {
		case pvc.Spec.VolumeAttributesClassName == nil:
			allErrs = append(allErrs, field.Forbidden(specPath.Child("volumeAttributesClassName"), "update from non-nil value to nil is forbidden"))
		case *pvc.Spec.VolumeAttributesClassName == "" && *oldVAC != "":
			allErrs = append(allErrs, field.Forbidden(specPath.Child("volumeAttributesClassName"), "update from non-nil value to an empty string is forbidden"))
		}
	}
	return allErrs
}
