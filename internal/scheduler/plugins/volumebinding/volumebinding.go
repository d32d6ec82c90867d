// Package volumebinding is the scheduler's view of a pod's
// PersistentVolumeClaims, the part of Kubernetes' VolumeBinding plugin
// Marina needs: a claim that does not exist keeps the pod pending; a
// claim bound to a volume with node affinity (a node-local volume) pins
// the pod to that volume's node; an unbound claim is fine on any node if
// its class binds on first use (the provisioner then makes its volume on
// the pod's node), and keeps the pod pending otherwise.
package volumebinding

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is the plugin's name in configuration and statuses.
const Name = "VolumeBinding"

// Reasons, Kubernetes' words.
const (
	ReasonNodeConflict = "node(s) had volume node affinity conflict"
	ReasonUnbound      = "pod has unbound immediate PersistentVolumeClaims"
)

const stateKey = "PreFilter" + Name

// Claims looks up claims, volumes and classes; the scheduler's informer
// listers implement it. Lookups return NotFound errors for what does not
// exist.
type Claims interface {
	Claim(namespace, name string) (*corev1.PersistentVolumeClaim, error)
	Volume(name string) (*corev1.PersistentVolume, error)
	Class(name string) (*storagev1.StorageClass, error)
	// DefaultClass is the class of claims that name none; nil if there
	// is no default.
	DefaultClass() *storagev1.StorageClass
}

// VolumeBinding is the plugin.
type VolumeBinding struct{ claims Claims }

var (
	_ framework.PreFilterPlugin = (*VolumeBinding)(nil)
	_ framework.FilterPlugin    = (*VolumeBinding)(nil)
)

// New returns the plugin over claims.
func New(claims Claims) *VolumeBinding { return &VolumeBinding{claims: claims} }

// Name implements framework.Plugin.
func (*VolumeBinding) Name() string { return Name }

// state is, per cycle, the node affinities the pod's bound volumes
// require.
type state struct {
	affinities []nodeaffinity.RequiredNodeAffinity
}

// PreFilter resolves the pod's claims once. It returns Skip for a pod
// without claims, and UnschedulableAndUnresolvable when a claim is
// missing or cannot be bound by placing the pod.
func (p *VolumeBinding) PreFilter(_ context.Context, cs *framework.CycleState, pod *corev1.Pod, _ *framework.Snapshot) *framework.Status {
	st := &state{}
	any := false
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		any = true
		name := v.PersistentVolumeClaim.ClaimName
		pvc, err := p.claims.Claim(pod.Namespace, name)
		if apierrors.IsNotFound(err) {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q not found", name))
		}
		if err != nil {
			return framework.AsStatus(err)
		}
		if pvc.DeletionTimestamp != nil {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q is being deleted", name))
		}
		if pvc.Spec.VolumeName == "" {
			if !p.bindsOnFirstUse(pvc) {
				return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonUnbound)
			}
			continue
		}
		pv, err := p.claims.Volume(pvc.Spec.VolumeName)
		if apierrors.IsNotFound(err) {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable,
				fmt.Sprintf("persistentvolume %q of claim %q not found", pvc.Spec.VolumeName, name))
		}
		if err != nil {
			return framework.AsStatus(err)
		}
		if a := pv.Spec.NodeAffinity; a != nil && a.Required != nil {
			st.affinities = append(st.affinities, nodeaffinity.GetRequiredNodeAffinity(&corev1.Pod{Spec: corev1.PodSpec{
				Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: a.Required}}}}))
		}
	}
	if !any {
		return framework.NewStatus(framework.Skip)
	}
	cs.Write(stateKey, st)
	return nil
}

// bindsOnFirstUse reports whether an unbound claim's class waits for
// its first pod.
func (p *VolumeBinding) bindsOnFirstUse(pvc *corev1.PersistentVolumeClaim) bool {
	var class *storagev1.StorageClass
	switch name := pvc.Spec.StorageClassName; {
	case name == nil:
		class = p.claims.DefaultClass()
	case *name != "":
		class, _ = p.claims.Class(*name)
	}
	return class != nil && class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}

// Filter rejects a node that a bound volume's node affinity excludes.
func (p *VolumeBinding) Filter(_ context.Context, cs *framework.CycleState, _ *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	v, ok := cs.Read(stateKey)
	if !ok {
		return nil
	}
	for _, a := range v.(*state).affinities {
		if match, _ := a.Match(node.Node); !match {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNodeConflict)
		}
	}
	return nil
}
