package validation

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestEmptyObjectsAreRejectedWithoutPanicking feeds every validator a zero
// object, as a client sending "{}" would. Each must return errors (at least
// the missing name), never panic.
func TestEmptyObjectsAreRejectedWithoutPanicking(t *testing.T) {
	checks := map[string]func() field.ErrorList{
		"Namespace":             func() field.ErrorList { return ValidateNamespace(&corev1.Namespace{}) },
		"NamespaceUpdate":       func() field.ErrorList { return ValidateNamespaceUpdate(&corev1.Namespace{}, &corev1.Namespace{}) },
		"Node":                  func() field.ErrorList { return ValidateNode(&corev1.Node{}) },
		"NodeUpdate":            func() field.ErrorList { return ValidateNodeUpdate(&corev1.Node{}, &corev1.Node{}) },
		"Pod":                   func() field.ErrorList { return ValidatePod(&corev1.Pod{}) },
		"PodUpdate":             func() field.ErrorList { return ValidatePodUpdate(&corev1.Pod{}, &corev1.Pod{}) },
		"PodStatusUpdate":       func() field.ErrorList { return ValidatePodStatusUpdate(&corev1.Pod{}, &corev1.Pod{}) },
		"PodBinding":            func() field.ErrorList { return ValidatePodBinding(&corev1.Binding{}) },
		"Service":               func() field.ErrorList { return ValidateService(&corev1.Service{}) },
		"ServiceUpdate":         func() field.ErrorList { return ValidateServiceUpdate(&corev1.Service{}, &corev1.Service{}) },
		"Endpoints":             func() field.ErrorList { return ValidateEndpoints(&corev1.Endpoints{}) },
		"EndpointsUpdate":       func() field.ErrorList { return ValidateEndpointsUpdate(&corev1.Endpoints{}, &corev1.Endpoints{}) },
		"ConfigMap":             func() field.ErrorList { return ValidateConfigMap(&corev1.ConfigMap{}) },
		"ConfigMapUpdate":       func() field.ErrorList { return ValidateConfigMapUpdate(&corev1.ConfigMap{}, &corev1.ConfigMap{}) },
		"Secret":                func() field.ErrorList { return ValidateSecret(&corev1.Secret{}) },
		"SecretUpdate":          func() field.ErrorList { return ValidateSecretUpdate(&corev1.Secret{}, &corev1.Secret{}) },
		"Event":                 func() field.ErrorList { return ValidateEvent(&corev1.Event{}) },
		"EventUpdate":           func() field.ErrorList { return ValidateEventUpdate(&corev1.Event{}, &corev1.Event{}) },
		"ReplicationController": func() field.ErrorList { return ValidateReplicationController(&corev1.ReplicationController{}) },
		"ReplicationControllerUp": func() field.ErrorList {
			return ValidateReplicationControllerUpdate(&corev1.ReplicationController{}, &corev1.ReplicationController{})
		},
		"ResourceQuota": func() field.ErrorList { return ValidateResourceQuota(&corev1.ResourceQuota{}) },
		"ResourceQuotaUpdate": func() field.ErrorList {
			return ValidateResourceQuotaUpdate(&corev1.ResourceQuota{}, &corev1.ResourceQuota{})
		},
		"LimitRange":       func() field.ErrorList { return ValidateLimitRange(&corev1.LimitRange{}) },
		"LimitRangeUpdate": func() field.ErrorList { return ValidateLimitRangeUpdate(&corev1.LimitRange{}, &corev1.LimitRange{}) },
		"ServiceAccount":   func() field.ErrorList { return ValidateServiceAccount(&corev1.ServiceAccount{}) },
		"ServiceAccountUpdate": func() field.ErrorList {
			return ValidateServiceAccountUpdate(&corev1.ServiceAccount{}, &corev1.ServiceAccount{})
		},
		"PersistentVolume": func() field.ErrorList { return ValidatePersistentVolume(&corev1.PersistentVolume{}) },
		"PersistentVolumeUpdate": func() field.ErrorList {
			return ValidatePersistentVolumeUpdate(&corev1.PersistentVolume{}, &corev1.PersistentVolume{})
		},
		"PVC": func() field.ErrorList { return ValidatePersistentVolumeClaim(&corev1.PersistentVolumeClaim{}) },
		"PVCUpdate": func() field.ErrorList {
			return ValidatePersistentVolumeClaimUpdate(&corev1.PersistentVolumeClaim{}, &corev1.PersistentVolumeClaim{})
		},
		"PodTemplateSpec": func() field.ErrorList {
			return ValidatePodTemplateSpec(&corev1.PodTemplateSpec{}, field.NewPath("template"))
		},
		"PodSpec":            func() field.ErrorList { return ValidatePodSpec(&corev1.PodSpec{}, nil, field.NewPath("spec")) },
		"Deployment":         func() field.ErrorList { return ValidateDeployment(&appsv1.Deployment{}) },
		"DeploymentUpdate":   func() field.ErrorList { return ValidateDeploymentUpdate(&appsv1.Deployment{}, &appsv1.Deployment{}) },
		"ReplicaSet":         func() field.ErrorList { return ValidateReplicaSet(&appsv1.ReplicaSet{}) },
		"ReplicaSetUpdate":   func() field.ErrorList { return ValidateReplicaSetUpdate(&appsv1.ReplicaSet{}, &appsv1.ReplicaSet{}) },
		"StatefulSet":        func() field.ErrorList { return ValidateStatefulSet(&appsv1.StatefulSet{}) },
		"StatefulSetUpdate":  func() field.ErrorList { return ValidateStatefulSetUpdate(&appsv1.StatefulSet{}, &appsv1.StatefulSet{}) },
		"DaemonSet":          func() field.ErrorList { return ValidateDaemonSet(&appsv1.DaemonSet{}) },
		"DaemonSetUpdate":    func() field.ErrorList { return ValidateDaemonSetUpdate(&appsv1.DaemonSet{}, &appsv1.DaemonSet{}) },
		"ControllerRevision": func() field.ErrorList { return ValidateControllerRevision(&appsv1.ControllerRevision{}) },
		"ControllerRevisionUpdate": func() field.ErrorList {
			return ValidateControllerRevisionUpdate(&appsv1.ControllerRevision{}, &appsv1.ControllerRevision{})
		},
		"Job":           func() field.ErrorList { return ValidateJob(&batchv1.Job{}) },
		"JobUpdate":     func() field.ErrorList { return ValidateJobUpdate(&batchv1.Job{}, &batchv1.Job{}) },
		"CronJob":       func() field.ErrorList { return ValidateCronJob(&batchv1.CronJob{}) },
		"CronJobUpdate": func() field.ErrorList { return ValidateCronJobUpdate(&batchv1.CronJob{}, &batchv1.CronJob{}) },
		"HPA": func() field.ErrorList {
			return ValidateHorizontalPodAutoscaler(&autoscalingv2.HorizontalPodAutoscaler{})
		},
		"HPAUpdate": func() field.ErrorList {
			return ValidateHorizontalPodAutoscalerUpdate(&autoscalingv2.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscaler{})
		},
		"Ingress":       func() field.ErrorList { return ValidateIngress(&networkingv1.Ingress{}) },
		"IngressUpdate": func() field.ErrorList { return ValidateIngressUpdate(&networkingv1.Ingress{}, &networkingv1.Ingress{}) },
		"IngressClass":  func() field.ErrorList { return ValidateIngressClass(&networkingv1.IngressClass{}) },
		"IngressClassUpdate": func() field.ErrorList {
			return ValidateIngressClassUpdate(&networkingv1.IngressClass{}, &networkingv1.IngressClass{})
		},
		"Lease":         func() field.ErrorList { return ValidateLease(&coordinationv1.Lease{}) },
		"LeaseUpdate":   func() field.ErrorList { return ValidateLeaseUpdate(&coordinationv1.Lease{}, &coordinationv1.Lease{}) },
		"EndpointSlice": func() field.ErrorList { return ValidateEndpointSlice(&discoveryv1.EndpointSlice{}) },
		"EndpointSliceUpdate": func() field.ErrorList {
			return ValidateEndpointSliceUpdate(&discoveryv1.EndpointSlice{}, &discoveryv1.EndpointSlice{})
		},
		"RuntimeClass": func() field.ErrorList { return ValidateRuntimeClass(&nodev1.RuntimeClass{}) },
		"RuntimeClassUpdate": func() field.ErrorList {
			return ValidateRuntimeClassUpdate(&nodev1.RuntimeClass{}, &nodev1.RuntimeClass{})
		},
		"PriorityClass": func() field.ErrorList { return ValidatePriorityClass(&schedulingv1.PriorityClass{}) },
		"PriorityClassUpdate": func() field.ErrorList {
			return ValidatePriorityClassUpdate(&schedulingv1.PriorityClass{}, &schedulingv1.PriorityClass{})
		},
		"Eviction": func() field.ErrorList { return ValidateEviction(&policyv1.Eviction{}) },
	}
	for name, check := range checks {
		t.Run(name, func(t *testing.T) {
			if errs := check(); len(errs) == 0 {
				t.Errorf("expected errors for an empty object")
			}
		})
	}
}
