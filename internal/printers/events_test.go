package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestEventCells(t *testing.T) {
	tests := []struct {
		name  string
		event *corev1.Event
		want  []interface{}
	}{
		{
			name: "core event",
			event: &corev1.Event{
				ObjectMeta:     objMeta("web.17a", time.Hour),
				InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web", FieldPath: "spec.containers{app}"},
				Reason:         "BackOff",
				Message:        "Back-off restarting failed container\n",
				Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
				FirstTimestamp: ago(time.Hour),
				LastTimestamp:  ago(2 * time.Minute),
				Count:          12,
				Type:           corev1.EventTypeWarning,
			},
			want: []interface{}{"2m", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, node-1", "Back-off restarting failed container", "60m", int64(12), "web.17a"},
		},
		{
			name: "events.k8s.io singleton",
			event: &corev1.Event{
				ObjectMeta:          objMeta("web.17b", time.Minute),
				InvolvedObject:      corev1.ObjectReference{Kind: "Deployment", Name: "web"},
				Reason:              "ScalingReplicaSet",
				Message:             "Scaled up replica set web-5d4f8 to 3",
				EventTime:           metav1.NewMicroTime(testNow.Add(-45 * time.Second)),
				ReportingController: "deployment-controller",
				Type:                corev1.EventTypeNormal,
			},
			want: []interface{}{"45s", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller", "Scaled up replica set web-5d4f8 to 3", "45s", int64(1), "web.17b"},
		},
		{
			name: "events.k8s.io series",
			event: &corev1.Event{
				ObjectMeta:          objMeta("node.17c", time.Hour),
				InvolvedObject:      corev1.ObjectReference{Kind: "Node"},
				Reason:              "Rebooted",
				EventTime:           metav1.NewMicroTime(testNow.Add(-time.Hour)),
				Series:              &corev1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(testNow.Add(-10 * time.Second))},
				ReportingController: "kubelet",
				ReportingInstance:   "node-2",
				Type:                corev1.EventTypeWarning,
			},
			want: []interface{}{"10s", "Warning", "Rebooted", "node", "", "kubelet, node-2", "", "60m", int64(4), "node.17c"},
		},
		{
			name:  "no timestamps at all",
			event: &corev1.Event{ObjectMeta: objMeta("bare", time.Hour)},
			want:  []interface{}{"<unknown>", "", "", "", "", "", "", "<unknown>", int64(1), "bare"},
		},
	}
	for _, gr := range []schema.GroupResource{{Resource: "events"}, {Group: "events.k8s.io", Resource: "events"}} {
		for _, tt := range tests {
			t.Run(gr.String()+"/"+tt.name, func(t *testing.T) {
				checkCells(t, gr, tt.event, tt.want)
			})
		}
	}
}
