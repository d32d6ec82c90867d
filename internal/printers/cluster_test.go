package printers

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestClusterCells(t *testing.T) {
	preempt := corev1.PreemptLowerPriority
	never := corev1.PreemptNever
	tests := []struct {
		name string
		gr   schema.GroupResource
		obj  runtime.Object
		want []interface{}
	}{
		{
			name: "active namespace",
			gr:   schema.GroupResource{Resource: "namespaces"},
			obj:  &corev1.Namespace{ObjectMeta: objMeta("team-a", 10*24*time.Hour), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
			want: []interface{}{"team-a", "Active", "10d"},
		},
		{
			name: "terminating namespace",
			gr:   schema.GroupResource{Resource: "namespaces"},
			obj:  &corev1.Namespace{ObjectMeta: objMeta("old", time.Hour), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
			want: []interface{}{"old", "Terminating", "60m"},
		},
		{
			name: "held lease",
			gr:   schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"},
			obj: &coordinationv1.Lease{
				ObjectMeta: objMeta("kube-scheduler", 2*time.Hour),
				Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr("cp-1_1234")},
			},
			want: []interface{}{"kube-scheduler", "cp-1_1234", "120m"},
		},
		{
			name: "free lease",
			gr:   schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"},
			obj:  &coordinationv1.Lease{ObjectMeta: objMeta("free", time.Minute)},
			want: []interface{}{"free", "", "60s"},
		},
		{
			name: "runtime class",
			gr:   schema.GroupResource{Group: "node.k8s.io", Resource: "runtimeclasses"},
			obj:  &nodev1.RuntimeClass{ObjectMeta: objMeta("gvisor", time.Hour), Handler: "runsc"},
			want: []interface{}{"gvisor", "runsc", "60m"},
		},
		{
			name: "global default priority class",
			gr:   schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"},
			obj: &schedulingv1.PriorityClass{
				ObjectMeta: objMeta("normal", time.Hour), Value: 1000, GlobalDefault: true, PreemptionPolicy: &preempt,
			},
			want: []interface{}{"normal", int64(1000), true, "60m", "PreemptLowerPriority"},
		},
		{
			name: "non-preempting priority class",
			gr:   schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"},
			obj: &schedulingv1.PriorityClass{
				ObjectMeta: objMeta("batch", time.Hour), Value: -10, PreemptionPolicy: &never,
			},
			want: []interface{}{"batch", int64(-10), false, "60m", "Never"},
		},
		{
			name: "priority class without policy",
			gr:   schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"},
			obj:  &schedulingv1.PriorityClass{ObjectMeta: objMeta("system-critical", time.Hour), Value: 2000000000},
			want: []interface{}{"system-critical", int64(2000000000), false, "60m", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, tt.gr, tt.obj, tt.want)
		})
	}
}
