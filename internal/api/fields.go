package api

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SelectableFields lists, per kind, the field selectors Marina answers
// besides metadata.name and metadata.namespace: those kubectl, client-go
// controllers and the kubelet use. The registry's attribute functions must
// produce exactly these fields.
var SelectableFields = map[schema.GroupVersionKind][]string{
	corev1.SchemeGroupVersion.WithKind("Pod"): {
		"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
		"spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
	},
	corev1.SchemeGroupVersion.WithKind("Secret"):                {"type"},
	corev1.SchemeGroupVersion.WithKind("Namespace"):             {"status.phase"},
	corev1.SchemeGroupVersion.WithKind("Node"):                  {"spec.unschedulable"},
	corev1.SchemeGroupVersion.WithKind("ReplicationController"): {"status.replicas"},
	corev1.SchemeGroupVersion.WithKind("PersistentVolume"):      {"status.phase"},
	corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"): {"status.phase"},
	corev1.SchemeGroupVersion.WithKind("Event"): {
		"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
		"involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
		"involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
	},
	eventsv1.SchemeGroupVersion.WithKind("Event"): {
		"regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
		"regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath",
		"reason", "reportingController", "type",
	},
	appsv1.SchemeGroupVersion.WithKind("ReplicaSet"): {"status.replicas"},
	batchv1.SchemeGroupVersion.WithKind("Job"):       {"status.successful"},
}

// eventsFieldToCore maps events.k8s.io field names onto the stored core
// Event's, since both versions filter the same objects.
var eventsFieldToCore = map[string]string{
	"regarding.kind":            "involvedObject.kind",
	"regarding.namespace":       "involvedObject.namespace",
	"regarding.name":            "involvedObject.name",
	"regarding.uid":             "involvedObject.uid",
	"regarding.apiVersion":      "involvedObject.apiVersion",
	"regarding.resourceVersion": "involvedObject.resourceVersion",
	"regarding.fieldPath":       "involvedObject.fieldPath",
	"reportingController":       "reportingComponent",
}

func addFieldLabelConversions(s *runtime.Scheme) error {
	for gvk, extra := range SelectableFields {
		allowed := map[string]bool{"metadata.name": true, "metadata.namespace": true}
		for _, f := range extra {
			allowed[f] = true
		}
		isEvents := gvk.Group == eventsv1.GroupName
		err := s.AddFieldLabelConversionFunc(gvk, func(label, value string) (string, string, error) {
			if !allowed[label] {
				return "", "", fmt.Errorf("field label not supported: %s", label)
			}
			if isEvents {
				if core, ok := eventsFieldToCore[label]; ok {
					label = core
				}
			}
			return label, value, nil
		})
		if err != nil {
			return fmt.Errorf("field selectors of %s: %w", gvk, err)
		}
	}
	return nil
}
