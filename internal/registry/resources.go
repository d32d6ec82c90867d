package registry

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/marina-orchestrator/marina/internal/validation"
)

// Resources returns the description of every served resource.
func Resources() []*Resource {
	coreEvents := schema.GroupResource{Resource: "events"}
	return []*Resource{
		// core
		typed(&Resource{Resource: "namespaces", Kind: "Namespace", ShortNames: []string{"ns"}, Status: true,
			PrepareForCreate: prepareNamespaceCreate, PrepareForUpdate: prepareNamespaceUpdate,
			Fields: func(o runtime.Object) fields.Set {
				return fields.Set{"status.phase": string(o.(*corev1.Namespace).Status.Phase)}
			},
			WrapStore:    func(s *Store) rest.Storage { return &namespaceREST{s} },
			Subresources: namespaceSubresources,
		}, validation.ValidateNamespace, validation.ValidateNamespaceUpdate),
		typed(&Resource{Resource: "nodes", Kind: "Node", ShortNames: []string{"no"}, Status: true,
			Fields: func(o runtime.Object) fields.Set {
				return fields.Set{"spec.unschedulable": strconv.FormatBool(o.(*corev1.Node).Spec.Unschedulable)}
			},
		}, validation.ValidateNode, validation.ValidateNodeUpdate),
		typed(&Resource{Resource: "pods", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"}, Categories: all, Status: true,
			PrepareForCreate: preparePodCreate, Fields: podFields, GracefulDelete: podGracefulDelete,
			Subresources: podSubresources,
			ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
				return validation.ValidatePodStatusUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
			},
		}, validation.ValidatePod, validation.ValidatePodUpdate),
		typed(&Resource{Resource: "services", Kind: "Service", Namespaced: true, ShortNames: []string{"svc"}, Categories: all, Status: true,
			PrepareForUpdate: prepareServiceUpdate,
			Hooks: func(s *genericregistry.Store, deps Deps) {
				if deps.Services != nil {
					deps.Services.hooks(s)
				}
			},
		},
			validation.ValidateService, validation.ValidateServiceUpdate),
		typed(&Resource{Resource: "endpoints", Kind: "Endpoints", Namespaced: true, ShortNames: []string{"ep"}, AllowCreateOnUpdate: true},
			validation.ValidateEndpoints, validation.ValidateEndpointsUpdate),
		typed(&Resource{Resource: "configmaps", Kind: "ConfigMap", Namespaced: true, ShortNames: []string{"cm"}},
			validation.ValidateConfigMap, validation.ValidateConfigMapUpdate),
		typed(&Resource{Resource: "secrets", Kind: "Secret", Namespaced: true,
			Fields:           func(o runtime.Object) fields.Set { return fields.Set{"type": string(o.(*corev1.Secret).Type)} },
			PrepareForCreate: mergeStringData,
			PrepareForUpdate: func(obj, _ runtime.Object) { mergeStringData(obj) },
		}, validation.ValidateSecret, validation.ValidateSecretUpdate),
		typed(&Resource{Resource: "events", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}, AllowCreateOnUpdate: true,
			Fields: eventFields, TTL: eventTTL,
		}, validation.ValidateEvent, validation.ValidateEventUpdate),
		typed(&Resource{Resource: "replicationcontrollers", Kind: "ReplicationController", Namespaced: true, ShortNames: []string{"rc"}, Categories: all, Status: true,
			Fields: func(o runtime.Object) fields.Set {
				return fields.Set{"status.replicas": strconv.Itoa(int(o.(*corev1.ReplicationController).Status.Replicas))}
			},
			Scale: &Scale{
				Get: func(o runtime.Object) (int32, int32, string) {
					rc := o.(*corev1.ReplicationController)
					return deref(rc.Spec.Replicas), rc.Status.Replicas, labels.SelectorFromSet(rc.Spec.Selector).String()
				},
				Set: func(o runtime.Object, n int32) { o.(*corev1.ReplicationController).Spec.Replicas = &n },
			},
		}, validation.ValidateReplicationController, validation.ValidateReplicationControllerUpdate),
		typed(&Resource{Resource: "resourcequotas", Kind: "ResourceQuota", Namespaced: true, ShortNames: []string{"quota"}, Status: true},
			validation.ValidateResourceQuota, validation.ValidateResourceQuotaUpdate),
		typed(&Resource{Resource: "limitranges", Kind: "LimitRange", Namespaced: true, ShortNames: []string{"limits"}},
			validation.ValidateLimitRange, validation.ValidateLimitRangeUpdate),
		typed(&Resource{Resource: "serviceaccounts", Kind: "ServiceAccount", Namespaced: true, ShortNames: []string{"sa"}},
			validation.ValidateServiceAccount, validation.ValidateServiceAccountUpdate),
		typed(&Resource{Resource: "persistentvolumes", Kind: "PersistentVolume", ShortNames: []string{"pv"}, Status: true,
			Fields: func(o runtime.Object) fields.Set {
				return fields.Set{"status.phase": string(o.(*corev1.PersistentVolume).Status.Phase)}
			},
		}, validation.ValidatePersistentVolume, validation.ValidatePersistentVolumeUpdate),
		typed(&Resource{Resource: "persistentvolumeclaims", Kind: "PersistentVolumeClaim", Namespaced: true, ShortNames: []string{"pvc"}, Status: true,
			Fields: func(o runtime.Object) fields.Set {
				return fields.Set{"status.phase": string(o.(*corev1.PersistentVolumeClaim).Status.Phase)}
			},
		}, validation.ValidatePersistentVolumeClaim, validation.ValidatePersistentVolumeClaimUpdate),

		// apps
		typed(&Resource{Group: "apps", Resource: "deployments", Kind: "Deployment", Namespaced: true, ShortNames: []string{"deploy"}, Categories: all, Status: true,
			Scale: &Scale{
				Get: func(o runtime.Object) (int32, int32, string) {
					d := o.(*appsv1.Deployment)
					return deref(d.Spec.Replicas), d.Status.Replicas, selectorString(d.Spec.Selector)
				},
				Set: func(o runtime.Object, n int32) { o.(*appsv1.Deployment).Spec.Replicas = &n },
			},
		}, validation.ValidateDeployment, validation.ValidateDeploymentUpdate),
		typed(&Resource{Group: "apps", Resource: "replicasets", Kind: "ReplicaSet", Namespaced: true, ShortNames: []string{"rs"}, Categories: all, Status: true,
			Fields: func(o runtime.Object) fields.Set {
				return fields.Set{"status.replicas": strconv.Itoa(int(o.(*appsv1.ReplicaSet).Status.Replicas))}
			},
			Scale: &Scale{
				Get: func(o runtime.Object) (int32, int32, string) {
					rs := o.(*appsv1.ReplicaSet)
					return deref(rs.Spec.Replicas), rs.Status.Replicas, selectorString(rs.Spec.Selector)
				},
				Set: func(o runtime.Object, n int32) { o.(*appsv1.ReplicaSet).Spec.Replicas = &n },
			},
		}, validation.ValidateReplicaSet, validation.ValidateReplicaSetUpdate),
		typed(&Resource{Group: "apps", Resource: "statefulsets", Kind: "StatefulSet", Namespaced: true, ShortNames: []string{"sts"}, Categories: all, Status: true,
			Scale: &Scale{
				Get: func(o runtime.Object) (int32, int32, string) {
					ss := o.(*appsv1.StatefulSet)
					return deref(ss.Spec.Replicas), ss.Status.Replicas, selectorString(ss.Spec.Selector)
				},
				Set: func(o runtime.Object, n int32) { o.(*appsv1.StatefulSet).Spec.Replicas = &n },
			},
		}, validation.ValidateStatefulSet, validation.ValidateStatefulSetUpdate),
		typed(&Resource{Group: "apps", Resource: "daemonsets", Kind: "DaemonSet", Namespaced: true, ShortNames: []string{"ds"}, Categories: all, Status: true},
			validation.ValidateDaemonSet, validation.ValidateDaemonSetUpdate),
		typed(&Resource{Group: "apps", Resource: "controllerrevisions", Kind: "ControllerRevision", Namespaced: true},
			validation.ValidateControllerRevision, validation.ValidateControllerRevisionUpdate),

		// batch
		typed(&Resource{Group: "batch", Resource: "jobs", Kind: "Job", Namespaced: true, Categories: all, Status: true,
			PrepareForCreate: func(o runtime.Object) { generateJobSelector(o.(*batchv1.Job)) },
			Fields: func(o runtime.Object) fields.Set {
				return fields.Set{"status.successful": strconv.Itoa(int(o.(*batchv1.Job).Status.Succeeded))}
			},
		}, validation.ValidateJob, validation.ValidateJobUpdate),
		typed(&Resource{Group: "batch", Resource: "cronjobs", Kind: "CronJob", Namespaced: true, ShortNames: []string{"cj"}, Categories: all, Status: true},
			validation.ValidateCronJob, validation.ValidateCronJobUpdate),

		// autoscaling: served as v2 and v1, stored as v2.
		typed(&Resource{Group: "autoscaling", Versions: []string{"v2", "v1"}, Resource: "horizontalpodautoscalers", Kind: "HorizontalPodAutoscaler",
			Namespaced: true, ShortNames: []string{"hpa"}, Categories: all, Status: true},
			validation.ValidateHorizontalPodAutoscaler, validation.ValidateHorizontalPodAutoscalerUpdate),

		// networking.k8s.io
		typed(&Resource{Group: "networking.k8s.io", Resource: "ingresses", Kind: "Ingress", Namespaced: true, ShortNames: []string{"ing"}, Status: true},
			validation.ValidateIngress, validation.ValidateIngressUpdate),
		typed(&Resource{Group: "networking.k8s.io", Resource: "ingressclasses", Kind: "IngressClass"},
			validation.ValidateIngressClass, validation.ValidateIngressClassUpdate),

		// coordination.k8s.io, discovery.k8s.io, node.k8s.io, storage.k8s.io,
		// scheduling.k8s.io
		typed(&Resource{Group: "coordination.k8s.io", Resource: "leases", Kind: "Lease", Namespaced: true, AllowCreateOnUpdate: true},
			validation.ValidateLease, validation.ValidateLeaseUpdate),
		typed(&Resource{Group: "discovery.k8s.io", Resource: "endpointslices", Kind: "EndpointSlice", Namespaced: true},
			validation.ValidateEndpointSlice, validation.ValidateEndpointSliceUpdate),
		typed(&Resource{Group: "node.k8s.io", Resource: "runtimeclasses", Kind: "RuntimeClass"},
			validation.ValidateRuntimeClass, validation.ValidateRuntimeClassUpdate),
		typed(&Resource{Group: "storage.k8s.io", Resource: "storageclasses", Kind: "StorageClass", ShortNames: []string{"sc"}},
			validation.ValidateStorageClass, validation.ValidateStorageClassUpdate),
		typed(&Resource{Group: "scheduling.k8s.io", Resource: "priorityclasses", Kind: "PriorityClass", ShortNames: []string{"pc"}},
			validation.ValidatePriorityClass, validation.ValidatePriorityClassUpdate),

		// events.k8s.io: the same objects as core events, in the newer shape.
		typed(&Resource{Group: "events.k8s.io", Resource: "events", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"},
			AllowCreateOnUpdate: true, StorageResource: &coreEvents, Fields: eventFields, TTL: eventTTL,
		}, validation.ValidateEvent, validation.ValidateEventUpdate),
	}
}

// all is the "all" category kubectl expands `kubectl get all` to.
var all = []string{"all"}

// typed fills in a resource's constructor (of the hub type T), default
// version and typed validation.
func typed[T any, PT interface {
	*T
	runtime.Object
}](r *Resource, create func(PT) field.ErrorList, update func(PT, PT) field.ErrorList) *Resource {
	if len(r.Versions) == 0 {
		r.Versions = []string{"v1"}
	}
	r.New = func() runtime.Object { return PT(new(T)) }
	r.Validate = func(obj runtime.Object) field.ErrorList { return create(obj.(PT)) }
	r.ValidateUpdate = func(obj, old runtime.Object) field.ErrorList { return update(obj.(PT), old.(PT)) }
	return r
}

func deref(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func selectorString(s *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return ""
	}
	return sel.String()
}

func preparePodCreate(obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: qosClass(&pod.Spec)}
}

// qosClass classifies a pod as Kubernetes does: Guaranteed when every
// container limits and requests the same cpu and memory, BestEffort when
// none asks for any, Burstable otherwise.
func qosClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	any, guaranteed := false, true
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[name]
			lim, hasLim := c.Resources.Limits[name]
			if hasReq || hasLim {
				any = true
			}
			if !hasLim || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

func podFields(o runtime.Object) fields.Set {
	pod := o.(*corev1.Pod)
	return fields.Set{
		"spec.nodeName":            pod.Spec.NodeName,
		"spec.restartPolicy":       string(pod.Spec.RestartPolicy),
		"spec.schedulerName":       pod.Spec.SchedulerName,
		"spec.serviceAccountName":  pod.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(pod.Spec.HostNetwork),
		"status.phase":             string(pod.Status.Phase),
		"status.podIP":             pod.Status.PodIP,
		"status.nominatedNodeName": pod.Status.NominatedNodeName,
	}
}

func eventFields(o runtime.Object) fields.Set {
	e := o.(*corev1.Event)
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
}

// mergeStringData folds a Secret's write-only stringData into data, as
// Kubernetes does on decoding; stringData wins for keys in both.
func mergeStringData(obj runtime.Object) {
	s := obj.(*corev1.Secret)
	if len(s.StringData) == 0 {
		return
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

// eventTTL keeps events for an hour, Kubernetes' default.
func eventTTL(runtime.Object, uint64, bool) (uint64, error) { return 3600, nil }
