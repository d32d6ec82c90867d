package printers

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/api"
)

var namespaceTable = newTable([]metav1.TableColumnDefinition{
	nameColumn(),
	column("Status", "string", "The status of the namespace"),
	ageColumn(),
}, func(ns *corev1.Namespace) []interface{} {
	return []interface{}{ns.Name, string(ns.Status.Phase), age(ns.CreationTimestamp)}
})

var leaseTable = newTable([]metav1.TableColumnDefinition{
	nameColumn(),
	column("Holder", "string", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]),
	ageColumn(),
}, func(l *coordinationv1.Lease) []interface{} {
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return []interface{}{l.Name, holder, age(l.CreationTimestamp)}
})

var runtimeClassTable = newTable([]metav1.TableColumnDefinition{
	nameColumn(),
	column("Handler", "string", nodev1.RuntimeClass{}.SwaggerDoc()["handler"]),
	ageColumn(),
}, func(rc *nodev1.RuntimeClass) []interface{} {
	return []interface{}{rc.Name, rc.Handler, age(rc.CreationTimestamp)}
})

var storageClassTable = newTable([]metav1.TableColumnDefinition{
	nameColumn(),
	column("Provisioner", "string", storagev1.StorageClass{}.SwaggerDoc()["provisioner"]),
	column("ReclaimPolicy", "string", storagev1.StorageClass{}.SwaggerDoc()["reclaimPolicy"]),
	column("VolumeBindingMode", "string", storagev1.StorageClass{}.SwaggerDoc()["volumeBindingMode"]),
	column("AllowVolumeExpansion", "string", storagev1.StorageClass{}.SwaggerDoc()["allowVolumeExpansion"]),
	ageColumn(),
}, func(sc *storagev1.StorageClass) []interface{} {
	// kubectl marks the default class after its name.
	name := sc.Name
	if sc.Annotations[api.DefaultStorageClassAnnotation] == "true" {
		name += " (default)"
	}
	reclaim, mode, expand := "Delete", "Immediate", "false"
	if sc.ReclaimPolicy != nil {
		reclaim = string(*sc.ReclaimPolicy)
	}
	if sc.VolumeBindingMode != nil {
		mode = string(*sc.VolumeBindingMode)
	}
	if sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion {
		expand = "true"
	}
	return []interface{}{name, sc.Provisioner, reclaim, mode, expand, age(sc.CreationTimestamp)}
})

var priorityClassTable = newTable([]metav1.TableColumnDefinition{
	nameColumn(),
	column("Value", "integer", schedulingv1.PriorityClass{}.SwaggerDoc()["value"]),
	column("Global-Default", "boolean", schedulingv1.PriorityClass{}.SwaggerDoc()["globalDefault"]),
	ageColumn(),
	column("PreemptionPolicy", "string", schedulingv1.PriorityClass{}.SwaggerDoc()["preemptionPolicy"]),
}, func(pc *schedulingv1.PriorityClass) []interface{} {
	policy := ""
	if pc.PreemptionPolicy != nil {
		policy = string(*pc.PreemptionPolicy)
	}
	return []interface{}{pc.Name, int64(pc.Value), pc.GlobalDefault, age(pc.CreationTimestamp), policy}
})
