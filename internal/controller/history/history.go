// Package history keeps the pod templates a workload has had, as
// Kubernetes' DaemonSet and StatefulSet controllers do: one
// ControllerRevision per template, named and labelled with the
// template's hash and numbered by revision. `kubectl rollout history`
// lists them and `kubectl rollout undo` applies one's data, a strategic
// merge patch that replaces spec.template, back onto the workload.
package history

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"reflect"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"
)

// HashLabel marks a revision and the pods made from it.
const HashLabel = appsv1.ControllerRevisionHashLabelKey

// Hash names a pod template. collisionCount changes it when two
// templates collide on a name.
func Hash(t *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	// encoding/json writes struct fields in order and map keys sorted, so
	// equal templates hash equally.
	b, _ := json.Marshal(t)
	h.Write(b)
	if collisionCount != nil {
		h.Write(binary.LittleEndian.AppendUint32(nil, uint32(*collisionCount)))
	}
	return rand.SafeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// Patch is a revision's data: the strategic merge patch that puts
// template back as the workload's spec.template, in the form kubectl's
// `rollout undo` applies.
func Patch(t *corev1.PodTemplateSpec) ([]byte, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	var tmpl map[string]any
	if err := json.Unmarshal(b, &tmpl); err != nil {
		return nil, err
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}

// SameData reports whether a revision holds the given patch: the same
// bytes, or failing that the same JSON.
func SameData(rev *appsv1.ControllerRevision, patch []byte) bool {
	if bytes.Equal(rev.Data.Raw, patch) {
		return true
	}
	var a, b any
	if json.Unmarshal(rev.Data.Raw, &a) != nil || json.Unmarshal(patch, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// New is the revision of a workload's template with the given patch,
// owned by the workload, labelled with its template labels and the hash.
func New(owner metav1.OwnerReference, namespace string, templateLabels map[string]string, hash string, patch []byte, revision int64) *appsv1.ControllerRevision {
	labels := maps.Clone(templateLabels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[HashLabel] = hash
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            fmt.Sprintf("%s-%s", owner.Name, hash),
			Namespace:       namespace,
			Labels:          labels,
			OwnerReferences: []metav1.OwnerReference{owner},
		},
		Data:     runtime.RawExtension{Raw: patch},
		Revision: revision,
	}
}

// Max is the highest revision number among revs.
func Max(revs []*appsv1.ControllerRevision) int64 {
	var m int64
	for _, r := range revs {
		m = max(m, r.Revision)
	}
	return m
}

// Find returns the revision holding patch, the newest if several do.
func Find(revs []*appsv1.ControllerRevision, patch []byte) *appsv1.ControllerRevision {
	var found *appsv1.ControllerRevision
	for _, r := range revs {
		if SameData(r, patch) && (found == nil || r.Revision > found.Revision) {
			found = r
		}
	}
	return found
}

// Prunable returns the revisions beyond limit, oldest first, that are
// neither current nor in use (by a live pod, say).
func Prunable(revs []*appsv1.ControllerRevision, current *appsv1.ControllerRevision, inUse func(*appsv1.ControllerRevision) bool, limit int) []*appsv1.ControllerRevision {
	var candidates []*appsv1.ControllerRevision
	for _, r := range revs {
		if r == current || inUse(r) {
			continue
		}
		candidates = append(candidates, r)
	}
	if len(candidates) <= limit {
		return nil
	}
	slices.SortFunc(candidates, func(a, b *appsv1.ControllerRevision) int { return int(a.Revision - b.Revision) })
	return candidates[:len(candidates)-limit]
}

// ErrCollision is returned by Current when another template holds the
// revision's name: the caller bumps its status.collisionCount and tries
// again.
var ErrCollision = errors.New("a revision with another template has this template's name")

// ChangeCauseAnnotation is copied from the workload to its revisions,
// for `kubectl rollout history`.
const ChangeCauseAnnotation = "kubernetes.io/change-cause"

// Current returns the revision of template among a workload's revs:
// found, or, after a rollback to an older one, renumbered as the newest,
// or created. owner is the controller reference revisions carry;
// annotations are the workload's (its change cause is copied).
func Current(ctx context.Context, client typedappsv1.ControllerRevisionInterface, owner metav1.OwnerReference, namespace string,
	template *corev1.PodTemplateSpec, collisionCount *int32, annotations map[string]string, revs []*appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	patch, err := Patch(template)
	if err != nil {
		return nil, err
	}
	top := Max(revs)
	cause := annotations[ChangeCauseAnnotation]
	hash := Hash(template, collisionCount)
	// Workloads sync on every change of their pods: the revision named by
	// the template's hash is looked at first, the others only if it does
	// not hold the template.
	found := Find(slices.DeleteFunc(slices.Clone(revs), func(r *appsv1.ControllerRevision) bool { return r.Labels[HashLabel] != hash }), patch)
	if found == nil {
		found = Find(revs, patch)
	}
	if found != nil {
		if found.Revision == top {
			return found, nil
		}
		up := found.DeepCopy()
		up.Revision = top + 1
		if cause != "" {
			if up.Annotations == nil {
				up.Annotations = map[string]string{}
			}
			up.Annotations[ChangeCauseAnnotation] = cause
		}
		return client.Update(ctx, up, metav1.UpdateOptions{})
	}
	rev := New(owner, namespace, template.Labels, hash, patch, top+1)
	if cause != "" {
		rev.Annotations = map[string]string{ChangeCauseAnnotation: cause}
	}
	created, err := client.Create(ctx, rev, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return created, err
	}
	existing, err := client.Get(ctx, rev.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if ref := metav1.GetControllerOfNoCopy(existing); ref != nil && ref.UID == owner.UID && SameData(existing, patch) {
		return existing, nil // our own, not yet in the cache
	}
	return nil, fmt.Errorf("revision %s: %w", rev.Name, ErrCollision)
}
