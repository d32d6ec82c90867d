package defaults

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// AddToScheme registers a defaulting function for every served type that
// Kubernetes defaults, and for its List type.
//
// Types for which Kubernetes has no defaults (Lease, RuntimeClass,
// ControllerRevision, ServiceAccount, core/v1 and events.k8s.io/v1 Event,
// Ingress) get no function: scheme.Default leaves them alone, which is the
// same result.
func AddToScheme(s *runtime.Scheme) error {
	// core/v1
	register(s, SetPodDefaults, func(l *corev1.PodList) { eachItem(l.Items, SetPodDefaults) })
	register(s, SetPodTemplateDefaults, func(l *corev1.PodTemplateList) { eachItem(l.Items, SetPodTemplateDefaults) })
	register(s, SetReplicationControllerDefaults, func(l *corev1.ReplicationControllerList) {
		eachItem(l.Items, SetReplicationControllerDefaults)
	})
	register(s, SetServiceDefaults, func(l *corev1.ServiceList) { eachItem(l.Items, SetServiceDefaults) })
	register(s, SetEndpointsDefaults, func(l *corev1.EndpointsList) { eachItem(l.Items, SetEndpointsDefaults) })
	register(s, SetNamespaceDefaults, func(l *corev1.NamespaceList) { eachItem(l.Items, SetNamespaceDefaults) })
	register(s, SetNodeDefaults, func(l *corev1.NodeList) { eachItem(l.Items, SetNodeDefaults) })
	register(s, SetSecretDefaults, func(l *corev1.SecretList) { eachItem(l.Items, SetSecretDefaults) })
	register(s, SetConfigMapDefaults, func(l *corev1.ConfigMapList) { eachItem(l.Items, SetConfigMapDefaults) })
	register(s, SetPersistentVolumeDefaults, func(l *corev1.PersistentVolumeList) {
		eachItem(l.Items, SetPersistentVolumeDefaults)
	})
	register(s, SetPersistentVolumeClaimDefaults, func(l *corev1.PersistentVolumeClaimList) {
		eachItem(l.Items, SetPersistentVolumeClaimDefaults)
	})
	register(s, SetLimitRangeDefaults, func(l *corev1.LimitRangeList) { eachItem(l.Items, SetLimitRangeDefaults) })
	register(s, SetResourceQuotaDefaults, func(l *corev1.ResourceQuotaList) { eachItem(l.Items, SetResourceQuotaDefaults) })

	// apps/v1
	register(s, SetDeploymentDefaults, func(l *appsv1.DeploymentList) { eachItem(l.Items, SetDeploymentDefaults) })
	register(s, SetReplicaSetDefaults, func(l *appsv1.ReplicaSetList) { eachItem(l.Items, SetReplicaSetDefaults) })
	register(s, SetStatefulSetDefaults, func(l *appsv1.StatefulSetList) { eachItem(l.Items, SetStatefulSetDefaults) })
	register(s, SetDaemonSetDefaults, func(l *appsv1.DaemonSetList) { eachItem(l.Items, SetDaemonSetDefaults) })

	// storage.k8s.io/v1
	register(s, SetStorageClassDefaults, func(l *storagev1.StorageClassList) { eachItem(l.Items, SetStorageClassDefaults) })

	// batch/v1
	register(s, SetJobDefaults, func(l *batchv1.JobList) { eachItem(l.Items, SetJobDefaults) })
	register(s, SetCronJobDefaults, func(l *batchv1.CronJobList) { eachItem(l.Items, SetCronJobDefaults) })

	// autoscaling/v2 is the stored version; autoscaling/v1 objects are
	// defaulted before they are converted to it.
	register(s, SetHorizontalPodAutoscalerDefaults, func(l *autoscalingv2.HorizontalPodAutoscalerList) {
		eachItem(l.Items, SetHorizontalPodAutoscalerDefaults)
	})
	register(s, SetHorizontalPodAutoscalerV1Defaults, func(l *autoscalingv1.HorizontalPodAutoscalerList) {
		eachItem(l.Items, SetHorizontalPodAutoscalerV1Defaults)
	})

	// networking/v1
	register(s, SetNetworkPolicyDefaults, func(l *networkingv1.NetworkPolicyList) { eachItem(l.Items, SetNetworkPolicyDefaults) })
	register(s, SetIngressClassDefaults, func(l *networkingv1.IngressClassList) { eachItem(l.Items, SetIngressClassDefaults) })

	// discovery/v1
	register(s, SetEndpointSliceDefaults, func(l *discoveryv1.EndpointSliceList) { eachItem(l.Items, SetEndpointSliceDefaults) })

	// scheduling/v1
	register(s, SetPriorityClassDefaults, func(l *schedulingv1.PriorityClassList) { eachItem(l.Items, SetPriorityClassDefaults) })

	return nil
}

// register adds the defaulting functions for one object type and its list.
// The type parameters tie each function to the Go type it is registered
// for, so a mismatch is a compile error instead of a panic at decode time.
func register[T, L any, PT interface {
	*T
	runtime.Object
}, PL interface {
	*L
	runtime.Object
}](s *runtime.Scheme, object func(PT), list func(PL)) {
	s.AddTypeDefaultingFunc(PT(new(T)), func(obj interface{}) { object(obj.(PT)) })
	s.AddTypeDefaultingFunc(PL(new(L)), func(obj interface{}) { list(obj.(PL)) })
}

// eachItem applies fn to every element of items in place.
func eachItem[T any](items []T, fn func(*T)) {
	for i := range items {
		fn(&items[i])
	}
}
