package validation

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateDeployment validates a Deployment on create.
func ValidateDeployment(d *appsv1.Deployment) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &d.Spec
	allErrs := validateObjectMeta(&d.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateNonnegativePtr(spec.Replicas, specPath.Child("replicas"))...)
	allErrs = append(allErrs, validateWorkloadSelector(spec.Selector, spec.Template.Labels, "deployment", specPath)...)
	allErrs = append(allErrs, validateControllerTemplate(&spec.Template, "Deployment", specPath.Child("template"))...)
	allErrs = append(allErrs, validateDeploymentStrategy(&spec.Strategy, specPath.Child("strategy"))...)
	allErrs = append(allErrs, validateNonnegative(int64(spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)
	if pds := spec.ProgressDeadlineSeconds; pds != nil {
		allErrs = append(allErrs, validateNonnegative(int64(*pds), specPath.Child("progressDeadlineSeconds"))...)
		// Progress is only judged after pods have been ready minReadySeconds,
		// so a shorter deadline would always fire.
		if *pds <= spec.MinReadySeconds {
			allErrs = append(allErrs, field.Invalid(specPath.Child("progressDeadlineSeconds"), *pds, "must be greater than minReadySeconds"))
		}
	}
	return allErrs
}

func validateDeploymentStrategy(s *appsv1.DeploymentStrategy, fldPath *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(fldPath.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	case "", appsv1.RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			return nil
		}
		ru := s.RollingUpdate
		p := fldPath.Child("rollingUpdate")
		allErrs := validatePositiveIntOrPercent(ru.MaxUnavailable, p.Child("maxUnavailable"))
		allErrs = append(allErrs, validatePositiveIntOrPercent(ru.MaxSurge, p.Child("maxSurge"))...)
		// Unset values default to 25%, so only two explicit zeros stall a
		// rollout: nothing may go down and nothing may be added.
		if intOrPercentValue(ru.MaxUnavailable) == 0 && intOrPercentValue(ru.MaxSurge) == 0 {
			allErrs = append(allErrs, field.Invalid(p.Child("maxUnavailable"), ru.MaxUnavailable.String(), "may not be 0 when `maxSurge` is 0"))
		}
		allErrs = append(allErrs, validateNotMoreThan100Percent(ru.MaxUnavailable, p.Child("maxUnavailable"))...)
		return allErrs
	}
	return field.ErrorList{field.NotSupported(fldPath.Child("type"), s.Type,
		[]appsv1.DeploymentStrategyType{appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType})}
}

// ValidateDeploymentUpdate validates an update of a Deployment. The selector
// is immutable in apps/v1: changing it would orphan the existing ReplicaSets.
func ValidateDeploymentUpdate(d, old *appsv1.Deployment) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&d.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateDeployment(d)...)
	allErrs = append(allErrs, immutable(d.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
	return allErrs
}

// ValidateReplicaSet validates a ReplicaSet on create.
func ValidateReplicaSet(rs *appsv1.ReplicaSet) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &rs.Spec
	allErrs := validateObjectMeta(&rs.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateNonnegativePtr(spec.Replicas, specPath.Child("replicas"))...)
	allErrs = append(allErrs, validateNonnegative(int64(spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	allErrs = append(allErrs, validateWorkloadSelector(spec.Selector, spec.Template.Labels, "replicaset", specPath)...)
	allErrs = append(allErrs, validateControllerTemplate(&spec.Template, "ReplicaSet", specPath.Child("template"))...)
	return allErrs
}

// ValidateReplicaSetUpdate validates an update of a ReplicaSet; the selector
// is immutable in apps/v1.
func ValidateReplicaSetUpdate(rs, old *appsv1.ReplicaSet) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&rs.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateReplicaSet(rs)...)
	allErrs = append(allErrs, immutable(rs.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
	return allErrs
}

// ValidateStatefulSet validates a StatefulSet on create.
func ValidateStatefulSet(ss *appsv1.StatefulSet) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &ss.Spec
	allErrs := validateObjectMeta(&ss.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))

	switch spec.PodManagementPolicy {
	case "", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		allErrs = append(allErrs, field.Invalid(specPath.Child("podManagementPolicy"), spec.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	allErrs = append(allErrs, validateStatefulSetUpdateStrategy(&spec.UpdateStrategy, specPath.Child("updateStrategy"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.Replicas, specPath.Child("replicas"))...)
	allErrs = append(allErrs, validateNonnegative(int64(spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)
	if spec.Ordinals != nil {
		allErrs = append(allErrs, validateNonnegative(int64(spec.Ordinals.Start), specPath.Child("ordinals", "start"))...)
	}
	// The governing service's name becomes the pods' DNS subdomain.
	if spec.ServiceName != "" {
		allErrs = append(allErrs, validateDNS1123Label(spec.ServiceName, specPath.Child("serviceName"))...)
	}
	if rp := spec.PersistentVolumeClaimRetentionPolicy; rp != nil {
		for _, f := range []struct {
			name string
			v    appsv1.PersistentVolumeClaimRetentionPolicyType
		}{{"whenDeleted", rp.WhenDeleted}, {"whenScaled", rp.WhenScaled}} {
			switch f.v {
			case "", appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
			default:
				allErrs = append(allErrs, field.NotSupported(specPath.Child("persistentVolumeClaimRetentionPolicy", f.name), f.v,
					[]appsv1.PersistentVolumeClaimRetentionPolicyType{appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType}))
			}
		}
	}
	allErrs = append(allErrs, validateWorkloadSelector(spec.Selector, spec.Template.Labels, "statefulset", specPath)...)

	// Containers may mount the per-pod claims by the claim template's name,
	// so check the template as if those volumes were declared in it.
	claimsPath := specPath.Child("volumeClaimTemplates")
	tmpl := spec.Template.DeepCopy()
	declared := map[string]bool{}
	for _, v := range tmpl.Spec.Volumes {
		declared[v.Name] = true
	}
	for i := range spec.VolumeClaimTemplates {
		claim := &spec.VolumeClaimTemplates[i]
		p := claimsPath.Index(i)
		if claim.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("metadata", "name"), ""))
		} else {
			allErrs = append(allErrs, validateDNS1123Label(claim.Name, p.Child("metadata", "name"))...)
		}
		allErrs = append(allErrs, validateLabels(claim.Labels, p.Child("metadata", "labels"))...)
		allErrs = append(allErrs, validateAnnotations(claim.Annotations, p.Child("metadata", "annotations"))...)
		allErrs = append(allErrs, validatePVCSpec(&claim.Spec, p.Child("spec"))...)
		if claim.Name != "" && !declared[claim.Name] {
			tmpl.Spec.Volumes = append(tmpl.Spec.Volumes, corev1.Volume{Name: claim.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim.Name},
			}})
			declared[claim.Name] = true
		}
	}
	allErrs = append(allErrs, validateControllerTemplate(tmpl, "StatefulSet", specPath.Child("template"))...)
	return allErrs
}

func validateStatefulSetUpdateStrategy(s *appsv1.StatefulSetUpdateStrategy, fldPath *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(fldPath.Child("rollingUpdate"), s.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType))}
		}
		return nil
	case "", appsv1.RollingUpdateStatefulSetStrategyType:
		ru := s.RollingUpdate
		if ru == nil {
			return nil
		}
		p := fldPath.Child("rollingUpdate")
		allErrs := validateNonnegativePtr(ru.Partition, p.Child("partition"))
		if ru.MaxUnavailable != nil {
			allErrs = append(allErrs, validatePositiveIntOrPercent(ru.MaxUnavailable, p.Child("maxUnavailable"))...)
			if intOrPercentValue(ru.MaxUnavailable) == 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("maxUnavailable"), ru.MaxUnavailable.String(), "cannot be 0"))
			}
			allErrs = append(allErrs, validateNotMoreThan100Percent(ru.MaxUnavailable, p.Child("maxUnavailable"))...)
		}
		return allErrs
	}
	return field.ErrorList{field.Invalid(fldPath.Child("type"), s.Type,
		fmt.Sprintf("must be '%s' or '%s'", appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType))}
}

// ValidateStatefulSetUpdate validates an update of a StatefulSet. Only the
// fields the controller can roll out safely may change; the identity of the
// pods (selector, service name, claim templates, management policy) is
// fixed.
func ValidateStatefulSetUpdate(ss, old *appsv1.StatefulSet) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&ss.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateStatefulSet(ss)...)

	masked := ss.Spec.DeepCopy()
	masked.Replicas = old.Spec.Replicas
	masked.Ordinals = old.Spec.Ordinals
	masked.Template = old.Spec.Template
	masked.UpdateStrategy = old.Spec.UpdateStrategy
	masked.RevisionHistoryLimit = old.Spec.RevisionHistoryLimit
	masked.PersistentVolumeClaimRetentionPolicy = old.Spec.PersistentVolumeClaimRetentionPolicy
	masked.MinReadySeconds = old.Spec.MinReadySeconds
	if !apiequality.Semantic.DeepEqual(*masked, old.Spec) {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec"),
			"updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
	}
	return allErrs
}

// ValidateDaemonSet validates a DaemonSet on create.
func ValidateDaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &ds.Spec
	allErrs := validateObjectMeta(&ds.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateWorkloadSelector(spec.Selector, spec.Template.Labels, "daemonset", specPath)...)
	allErrs = append(allErrs, validateControllerTemplate(&spec.Template, "DaemonSet", specPath.Child("template"))...)
	allErrs = append(allErrs, validateNonnegative(int64(spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)

	strategyPath := specPath.Child("updateStrategy")
	switch spec.UpdateStrategy.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
	case "", appsv1.RollingUpdateDaemonSetStrategyType:
		if ru := spec.UpdateStrategy.RollingUpdate; ru != nil {
			allErrs = append(allErrs, validateDaemonSetRollingUpdate(ru, strategyPath.Child("rollingUpdate"))...)
		}
	default:
		allErrs = append(allErrs, field.NotSupported(strategyPath.Child("type"), spec.UpdateStrategy.Type,
			[]appsv1.DaemonSetUpdateStrategyType{appsv1.OnDeleteDaemonSetStrategyType, appsv1.RollingUpdateDaemonSetStrategyType}))
	}
	return allErrs
}

// validateDaemonSetRollingUpdate: a daemon set either takes old pods down
// first (maxUnavailable) or starts new ones next to them (maxSurge), never
// both, and must do one of the two to make progress. An unset maxUnavailable
// defaults to 1.
func validateDaemonSetRollingUpdate(ru *appsv1.RollingUpdateDaemonSet, fldPath *field.Path) field.ErrorList {
	allErrs := validatePositiveIntOrPercent(ru.MaxUnavailable, fldPath.Child("maxUnavailable"))
	allErrs = append(allErrs, validatePositiveIntOrPercent(ru.MaxSurge, fldPath.Child("maxSurge"))...)
	allErrs = append(allErrs, validateNotMoreThan100Percent(ru.MaxUnavailable, fldPath.Child("maxUnavailable"))...)
	allErrs = append(allErrs, validateNotMoreThan100Percent(ru.MaxSurge, fldPath.Child("maxSurge"))...)
	hasUnavailable := ru.MaxUnavailable == nil || intOrPercentValue(ru.MaxUnavailable) != 0
	hasSurge := ru.MaxSurge != nil && intOrPercentValue(ru.MaxSurge) != 0
	switch {
	case hasUnavailable && hasSurge:
		allErrs = append(allErrs, field.Invalid(fldPath.Child("maxSurge"), ru.MaxSurge.String(), "may not be set when maxUnavailable is non-zero"))
	case !hasUnavailable && !hasSurge:
		allErrs = append(allErrs, field.Required(fldPath.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return allErrs
}

// ValidateDaemonSetUpdate validates an update of a DaemonSet; the selector is
// immutable in apps/v1.
func ValidateDaemonSetUpdate(ds, old *appsv1.DaemonSet) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&ds.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateDaemonSet(ds)...)
	allErrs = append(allErrs, immutable(ds.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
	return allErrs
}

// ValidateControllerRevision validates a ControllerRevision on create.
func ValidateControllerRevision(cr *appsv1.ControllerRevision) field.ErrorList {
	allErrs := validateObjectMeta(&cr.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	if cr.Data.Raw == nil && cr.Data.Object == nil {
		allErrs = append(allErrs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	allErrs = append(allErrs, validateNonnegative(cr.Revision, field.NewPath("revision"))...)
	return allErrs
}

// ValidateControllerRevisionUpdate validates an update of a
// ControllerRevision: a revision is a snapshot, so its data never changes.
func ValidateControllerRevisionUpdate(cr, old *appsv1.ControllerRevision) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&cr.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateControllerRevision(cr)...)
	allErrs = append(allErrs, immutable(cr.Data, old.Data, field.NewPath("data"))...)
	return allErrs
}
