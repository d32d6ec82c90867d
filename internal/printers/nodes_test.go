package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestNodeCells(t *testing.T) {
	gr := schema.GroupResource{Resource: "nodes"}
	info := corev1.NodeSystemInfo{
		KubeletVersion:          "v1.37.2",
		OSImage:                 "Debian GNU/Linux 13",
		KernelVersion:           "6.12.0",
		ContainerRuntimeVersion: "containerd://2.1.0",
	}
	ready := func(s corev1.ConditionStatus) []corev1.NodeCondition {
		return []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			{Type: corev1.NodeReady, Status: s},
		}
	}
	tests := []struct {
		name string
		node *corev1.Node
		want []interface{}
	}{
		{
			name: "ready control plane with addresses",
			node: &corev1.Node{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("cp-1", 48*time.Hour)
					m.Labels = map[string]string{
						"node-role.kubernetes.io/control-plane": "",
						"node-role.kubernetes.io/etcd":          "",
						"kubernetes.io/hostname":                "cp-1",
					}
					return m
				}(),
				Status: corev1.NodeStatus{
					Conditions: ready(corev1.ConditionTrue),
					NodeInfo:   info,
					Addresses: []corev1.NodeAddress{
						{Type: corev1.NodeHostName, Address: "cp-1"},
						{Type: corev1.NodeInternalIP, Address: "192.168.1.10"},
						{Type: corev1.NodeExternalIP, Address: "203.0.113.10"},
					},
				},
			},
			want: []interface{}{"cp-1", "Ready", "control-plane,etcd", "2d", "v1.37.2", "192.168.1.10", "203.0.113.10", "Debian GNU/Linux 13", "6.12.0", "containerd://2.1.0"},
		},
		{
			name: "cordoned and not ready",
			node: &corev1.Node{
				ObjectMeta: objMeta("worker-1", 3*time.Hour),
				Spec:       corev1.NodeSpec{Unschedulable: true},
				Status:     corev1.NodeStatus{Conditions: ready(corev1.ConditionFalse), NodeInfo: info},
			},
			want: []interface{}{"worker-1", "NotReady,SchedulingDisabled", "<none>", "3h", "v1.37.2", "<none>", "<none>", "Debian GNU/Linux 13", "6.12.0", "containerd://2.1.0"},
		},
		{
			name: "never reported, with a legacy role label",
			node: &corev1.Node{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("fresh", 5*time.Second)
					m.Labels = map[string]string{"kubernetes.io/role": "worker"}
					return m
				}(),
			},
			want: []interface{}{"fresh", "Unknown", "worker", "5s", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"},
		},
		{
			name: "ready status unknown",
			node: &corev1.Node{
				ObjectMeta: objMeta("flaky", time.Hour),
				Status:     corev1.NodeStatus{Conditions: ready(corev1.ConditionUnknown), NodeInfo: info},
			},
			want: []interface{}{"flaky", "NotReady", "<none>", "60m", "v1.37.2", "<none>", "<none>", "Debian GNU/Linux 13", "6.12.0", "containerd://2.1.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.node, tt.want)
		})
	}
}
