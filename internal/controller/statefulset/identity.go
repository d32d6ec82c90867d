package statefulset

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/controller/claim"
	"github.com/marina-orchestrator/marina/internal/controller/history"
)

// Labels Kubernetes puts on a stateful set's pods.
const (
	PodNameLabel  = appsv1.StatefulSetPodNameLabel // statefulset.kubernetes.io/pod-name
	PodIndexLabel = appsv1.PodIndexLabel           // apps.kubernetes.io/pod-index
)

// podName is the stable name of the pod at ordinal.
func podName(set *appsv1.StatefulSet, ordinal int) string {
	return fmt.Sprintf("%s-%d", set.Name, ordinal)
}

// ordinalOf reads a pod's ordinal from its name; -1 if it is not one of
// the set's names.
func ordinalOf(set *appsv1.StatefulSet, pod *corev1.Pod) int {
	rest, ok := strings.CutPrefix(pod.Name, set.Name+"-")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || strconv.Itoa(n) != rest {
		return -1
	}
	return n
}

// startOrdinal is the first ordinal (spec.ordinals.start, default 0).
func startOrdinal(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

func replicas(set *appsv1.StatefulSet) int {
	if set.Spec.Replicas == nil {
		return 1
	}
	return int(*set.Spec.Replicas)
}

// claimName is the name of the claim from template t for the pod.
func claimName(t *corev1.PersistentVolumeClaim, pod string) string { return t.Name + "-" + pod }

// newClaims are the claims the pod at ordinal needs, one per
// volumeClaimTemplate, labelled with the set's selector. They have no
// owner: they outlive the pod and the set (the Retain policy).
func newClaims(set *appsv1.StatefulSet, ordinal int) []*corev1.PersistentVolumeClaim {
	var out []*corev1.PersistentVolumeClaim
	for i := range set.Spec.VolumeClaimTemplates {
		t := &set.Spec.VolumeClaimTemplates[i]
		labels := maps.Clone(t.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		if set.Spec.Selector != nil {
			maps.Copy(labels, set.Spec.Selector.MatchLabels)
		}
		out = append(out, &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{
				Name: claimName(t, podName(set, ordinal)), Namespace: set.Namespace,
				Labels: labels, Annotations: maps.Clone(t.Annotations),
			},
			Spec: *t.Spec.DeepCopy(),
		})
	}
	return out
}

// templateOf reads the pod template back out of a revision's data.
func templateOf(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var data struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &data); err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev.Name, err)
	}
	return &data.Spec.Template, nil
}

// newPod is the pod at ordinal from template t of revision rev: its
// stable name and hostname, the governing service's subdomain, and a
// volume for each claim template.
func newPod(set *appsv1.StatefulSet, t *corev1.PodTemplateSpec, rev *appsv1.ControllerRevision, ordinal int) *corev1.Pod {
	name := podName(set, ordinal)
	ref := claim.ControllerRef(appsv1.SchemeGroupVersion.String(), "StatefulSet", set.Name, set.UID)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: set.Namespace,
			Labels: maps.Clone(t.Labels), Annotations: maps.Clone(t.Annotations),
			OwnerReferences: []metav1.OwnerReference{ref},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[PodNameLabel] = name
	pod.Labels[PodIndexLabel] = strconv.Itoa(ordinal)
	// As in Kubernetes, a stateful set's pods carry their revision's
	// name, where a daemon set's carry the hash.
	pod.Labels[history.HashLabel] = rev.Name
	pod.Spec.Hostname = name
	pod.Spec.Subdomain = set.Spec.ServiceName
	for i := range set.Spec.VolumeClaimTemplates {
		ct := &set.Spec.VolumeClaimTemplates[i]
		v := corev1.Volume{Name: ct.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(ct, name)}}}
		replaced := false
		for j := range pod.Spec.Volumes {
			if pod.Spec.Volumes[j].Name == ct.Name {
				pod.Spec.Volumes[j], replaced = v, true
			}
		}
		if !replaced {
			pod.Spec.Volumes = append(pod.Spec.Volumes, v)
		}
	}
	return pod
}
