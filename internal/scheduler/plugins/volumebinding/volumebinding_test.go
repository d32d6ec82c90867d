package volumebinding

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// fakeClaims is a hand-written Claims over maps.
type fakeClaims struct {
	pvcs    map[string]*corev1.PersistentVolumeClaim
	pvs     map[string]*corev1.PersistentVolume
	classes map[string]*storagev1.StorageClass
}

func notFound(what, name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: what}, name)
}

func (f *fakeClaims) Claim(_, name string) (*corev1.PersistentVolumeClaim, error) {
	if c, ok := f.pvcs[name]; ok {
		return c, nil
	}
	return nil, notFound("persistentvolumeclaims", name)
}

func (f *fakeClaims) Volume(name string) (*corev1.PersistentVolume, error) {
	if v, ok := f.pvs[name]; ok {
		return v, nil
	}
	return nil, notFound("persistentvolumes", name)
}

func (f *fakeClaims) Class(name string) (*storagev1.StorageClass, error) {
	if c, ok := f.classes[name]; ok {
		return c, nil
	}
	return nil, notFound("storageclasses", name)
}

func (f *fakeClaims) DefaultClass() *storagev1.StorageClass { return f.classes["local-path"] }

func TestVolumeBinding(t *testing.T) {
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	immediate := storagev1.VolumeBindingImmediate
	onNode1 := &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
		MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{"node-1"}}}}}}}
	claims := &fakeClaims{
		pvcs: map[string]*corev1.PersistentVolumeClaim{
			"bound":     {Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pv-1"}},
			"default":   {},
			"immediate": {Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("fast")}},
		},
		pvs: map[string]*corev1.PersistentVolume{"pv-1": {Spec: corev1.PersistentVolumeSpec{NodeAffinity: onNode1}}},
		classes: map[string]*storagev1.StorageClass{
			"local-path": {VolumeBindingMode: &wait},
			"fast":       {VolumeBindingMode: &immediate},
		},
	}
	node := func(name string) *framework.NodeInfo {
		return framework.NewNodeInfo(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}}})
	}
	pod := func(claim string) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}}}
	}
	tests := []struct {
		name                 string
		pod                  *corev1.Pod
		wantPre              framework.Code
		wantMsg              string
		wantNode1, wantNode2 framework.Code
	}{
		{name: "no claims", pod: &corev1.Pod{}, wantPre: framework.Skip},
		{name: "missing claim", pod: pod("nope"), wantPre: framework.UnschedulableAndUnresolvable, wantMsg: `persistentvolumeclaim "nope" not found`},
		{name: "bound to a node-local volume", pod: pod("bound"), wantNode2: framework.UnschedulableAndUnresolvable},
		{name: "unbound, default class binds on first use", pod: pod("default")},
		{name: "unbound, immediate class", pod: pod("immediate"), wantPre: framework.UnschedulableAndUnresolvable, wantMsg: ReasonUnbound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(claims)
			cs := framework.NewCycleState()
			st := p.PreFilter(context.Background(), cs, tc.pod, nil)
			if framework.CodeOf(st) != tc.wantPre || (tc.wantMsg != "" && st.Message() != tc.wantMsg) {
				t.Fatalf("PreFilter %v, want %v %q", st, tc.wantPre, tc.wantMsg)
			}
			if tc.wantPre != framework.Success {
				return
			}
			if got := framework.CodeOf(p.Filter(context.Background(), cs, tc.pod, node("node-1"))); got != tc.wantNode1 {
				t.Errorf("node-1: %v, want %v", got, tc.wantNode1)
			}
			if got := framework.CodeOf(p.Filter(context.Background(), cs, tc.pod, node("node-2"))); got != tc.wantNode2 {
				t.Errorf("node-2: %v, want %v", got, tc.wantNode2)
			}
		})
	}
}
