package defaults

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// SetReplicationControllerDefaults applies the defaults of a
// ReplicationController. Unlike the apps/v1 workloads, a replication
// controller may omit its selector and labels: both are taken from the pod
// template's labels, which is what the old "kubectl run" relied on.
func SetReplicationControllerDefaults(rc *corev1.ReplicationController) {
	if rc.Spec.Template != nil {
		if labels := rc.Spec.Template.Labels; labels != nil {
			if len(rc.Spec.Selector) == 0 {
				rc.Spec.Selector = copyLabels(labels)
			}
			if len(rc.Labels) == 0 {
				rc.Labels = copyLabels(labels)
			}
		}
		SetPodSpecDefaults(&rc.Spec.Template.Spec)
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = ptr.To[int32](1)
	}
}

// copyLabels returns a copy of labels, so that defaulting one field from
// another never leaves two fields of an object sharing a map.
func copyLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = v
	}
	return out
}
