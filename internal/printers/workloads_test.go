package printers

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func template(labels map[string]string, names ...string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: containers(names...)},
	}
}

func TestWorkloadCells(t *testing.T) {
	app := map[string]string{"app": "web"}
	selector := &metav1.LabelSelector{MatchLabels: app}
	tests := []struct {
		name string
		gr   schema.GroupResource
		obj  runtime.Object
		want []interface{}
	}{
		{
			name: "deployment rolling out",
			gr:   schema.GroupResource{Group: "apps", Resource: "deployments"},
			obj: &appsv1.Deployment{
				ObjectMeta: objMeta("web", 3*24*time.Hour),
				Spec:       appsv1.DeploymentSpec{Replicas: ptr(int32(3)), Selector: selector, Template: template(app, "nginx", "sidecar")},
				Status:     appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 1, AvailableReplicas: 2},
			},
			want: []interface{}{"web", "2/3", int64(1), int64(2), "3d", "nginx,sidecar", "nginx:1,sidecar:1", "app=web"},
		},
		{
			name: "deployment with expression selector and default replicas",
			gr:   schema.GroupResource{Group: "apps", Resource: "deployments"},
			obj: &appsv1.Deployment{
				ObjectMeta: objMeta("api", time.Hour),
				Spec: appsv1.DeploymentSpec{
					Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"api", "web"}}}},
					Template: template(nil, "api"),
				},
			},
			want: []interface{}{"api", "0/1", int64(0), int64(0), "60m", "api", "api:1", "tier in (api,web)"},
		},
		{
			name: "replica set",
			gr:   schema.GroupResource{Group: "apps", Resource: "replicasets"},
			obj: &appsv1.ReplicaSet{
				ObjectMeta: objMeta("web-5d4f8", 3*24*time.Hour),
				Spec:       appsv1.ReplicaSetSpec{Replicas: ptr(int32(3)), Selector: selector, Template: template(app, "nginx")},
				Status:     appsv1.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 2},
			},
			want: []interface{}{"web-5d4f8", int64(3), int64(3), int64(2), "3d", "nginx", "nginx:1", "app=web"},
		},
		{
			name: "replication controller",
			gr:   schema.GroupResource{Resource: "replicationcontrollers"},
			obj: &corev1.ReplicationController{
				ObjectMeta: objMeta("legacy", 10*time.Minute),
				Spec:       corev1.ReplicationControllerSpec{Replicas: ptr(int32(2)), Selector: app, Template: ptr(template(app, "nginx"))},
				Status:     corev1.ReplicationControllerStatus{Replicas: 2, ReadyReplicas: 1},
			},
			want: []interface{}{"legacy", int64(2), int64(2), int64(1), "10m", "nginx", "nginx:1", "app=web"},
		},
		{
			name: "replication controller without template or selector",
			gr:   schema.GroupResource{Resource: "replicationcontrollers"},
			obj: &corev1.ReplicationController{
				ObjectMeta: objMeta("bare", 10*time.Minute),
				Spec:       corev1.ReplicationControllerSpec{Replicas: ptr(int32(0))},
			},
			want: []interface{}{"bare", int64(0), int64(0), int64(0), "10m", "", "", "<none>"},
		},
		{
			name: "stateful set",
			gr:   schema.GroupResource{Group: "apps", Resource: "statefulsets"},
			obj: &appsv1.StatefulSet{
				ObjectMeta: objMeta("db", 90*time.Second),
				Spec:       appsv1.StatefulSetSpec{Replicas: ptr(int32(3)), Selector: selector, Template: template(app, "postgres")},
				Status:     appsv1.StatefulSetStatus{Replicas: 2, ReadyReplicas: 1},
			},
			want: []interface{}{"db", "1/3", "90s", "postgres", "postgres:1"},
		},
		{
			name: "daemon set with node selector",
			gr:   schema.GroupResource{Group: "apps", Resource: "daemonsets"},
			obj: &appsv1.DaemonSet{
				ObjectMeta: objMeta("agent", 7*time.Hour),
				Spec: appsv1.DaemonSetSpec{
					Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
					Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
						Containers:   containers("agent"),
						NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
					}},
				},
				Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 5, CurrentNumberScheduled: 5, NumberReady: 4, UpdatedNumberScheduled: 3, NumberAvailable: 4},
			},
			want: []interface{}{"agent", int64(5), int64(5), int64(4), int64(3), int64(4), "kubernetes.io/os=linux", "7h", "agent", "agent:1", "app=agent"},
		},
		{
			name: "daemon set without node selector",
			gr:   schema.GroupResource{Group: "apps", Resource: "daemonsets"},
			obj: &appsv1.DaemonSet{
				ObjectMeta: objMeta("proxy", 7*time.Hour),
				Spec:       appsv1.DaemonSetSpec{Selector: selector, Template: template(app, "proxy")},
			},
			want: []interface{}{"proxy", int64(0), int64(0), int64(0), int64(0), int64(0), "<none>", "7h", "proxy", "proxy:1", "app=web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, tt.gr, tt.obj, tt.want)
		})
	}
}

func TestControllerRevisionCells(t *testing.T) {
	gr := schema.GroupResource{Group: "apps", Resource: "controllerrevisions"}
	owned := func(apiVersion, kind, name string, controller bool) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, Controller: ptr(controller)}}
	}
	tests := []struct {
		name string
		cr   *appsv1.ControllerRevision
		want []interface{}
	}{
		{
			name: "owned by a daemon set",
			cr: &appsv1.ControllerRevision{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("agent-7c9d", time.Hour)
					m.OwnerReferences = owned("apps/v1", "DaemonSet", "agent", true)
					return m
				}(),
				Revision: 4,
			},
			want: []interface{}{"agent-7c9d", "daemonset.apps/agent", int64(4), "60m"},
		},
		{
			name: "owned by a core-group controller",
			cr: &appsv1.ControllerRevision{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("thing-1", time.Hour)
					m.OwnerReferences = owned("v1", "Thing", "thing", true)
					return m
				}(),
				Revision: 1,
			},
			want: []interface{}{"thing-1", "thing/thing", int64(1), "60m"},
		},
		{
			name: "no controller",
			cr: &appsv1.ControllerRevision{
				ObjectMeta: func() metav1.ObjectMeta {
					m := objMeta("orphan", time.Hour)
					m.OwnerReferences = owned("apps/v1", "StatefulSet", "db", false)
					return m
				}(),
				Revision: 2,
			},
			want: []interface{}{"orphan", "<none>", int64(2), "60m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.cr, tt.want)
		})
	}
}
