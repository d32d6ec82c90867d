package defaults

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestCoreDefaults(t *testing.T) {
	runDefaultingCases(t, []defaultingCase{
		{
			name: "namespace is active and labelled with its name",
			in:   &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"env": "prod"}}},
			check: on(func(t *testing.T, ns *corev1.Namespace) {
				eq(t, "status.phase", ns.Status.Phase, corev1.NamespaceActive)
				eq(t, "labels", ns.Labels, map[string]string{"env": "prod", "kubernetes.io/metadata.name": "team-a"})
				eq(t, "spec.finalizers", ns.Spec.Finalizers, []corev1.FinalizerName(nil))
			}),
		},
		{
			name: "namespace name label cannot be spoofed",
			in: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
				Name: "team-a", Labels: map[string]string{"kubernetes.io/metadata.name": "kube-system"},
			}},
			check: on(func(t *testing.T, ns *corev1.Namespace) {
				eq(t, "name label", ns.Labels["kubernetes.io/metadata.name"], "team-a")
			}),
		},
		{
			name: "namespace without a name yet gets no label",
			in:   &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tmp-"}},
			check: on(func(t *testing.T, ns *corev1.Namespace) {
				eq(t, "labels", ns.Labels, map[string]string(nil))
			}),
		},
		{
			name: "terminating namespace keeps its phase",
			in:   &corev1.Namespace{Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
			check: on(func(t *testing.T, ns *corev1.Namespace) {
				eq(t, "status.phase", ns.Status.Phase, corev1.NamespaceTerminating)
			}),
		},
		{
			name: "node allocatable defaults to a copy of capacity",
			in: &corev1.Node{Status: corev1.NodeStatus{Capacity: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourcePods: resource.MustParse("110"),
			}}},
			check: on(func(t *testing.T, n *corev1.Node) {
				eq(t, "allocatable", n.Status.Allocatable, n.Status.Capacity)
				n.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("3")
				if n.Status.Capacity.Cpu().String() != "4" {
					t.Error("allocatable shares its map with capacity")
				}
			}),
		},
		{
			name: "empty node stays empty",
			in:   &corev1.Node{},
			check: on(func(t *testing.T, n *corev1.Node) {
				eq(t, "status", n.Status, corev1.NodeStatus{})
			}),
		},
		{
			name: "secret is Opaque",
			in:   &corev1.Secret{},
			check: on(func(t *testing.T, s *corev1.Secret) {
				eq(t, "type", s.Type, corev1.SecretTypeOpaque)
			}),
		},
		{
			name: "secret keeps its type",
			in:   &corev1.Secret{Type: corev1.SecretTypeTLS},
			check: on(func(t *testing.T, s *corev1.Secret) {
				eq(t, "type", s.Type, corev1.SecretTypeTLS)
			}),
		},
		{
			name: "configmap gets a data map",
			in:   &corev1.ConfigMap{},
			check: on(func(t *testing.T, cm *corev1.ConfigMap) {
				eq(t, "data", cm.Data, map[string]string{})
			}),
		},
		{
			name: "endpoints ports are TCP",
			in: &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{Ports: []corev1.EndpointPort{
				{Port: 80}, {Port: 53, Protocol: corev1.ProtocolUDP},
			}}}},
			check: on(func(t *testing.T, e *corev1.Endpoints) {
				eq(t, "ports[0].protocol", e.Subsets[0].Ports[0].Protocol, corev1.ProtocolTCP)
				eq(t, "ports[1].protocol", e.Subsets[0].Ports[1].Protocol, corev1.ProtocolUDP)
			}),
		},
		{
			name: "persistent volume is pending, retained, filesystem",
			in: &corev1.PersistentVolume{Spec: corev1.PersistentVolumeSpec{
				PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}},
			}},
			check: on(func(t *testing.T, pv *corev1.PersistentVolume) {
				eq(t, "status.phase", pv.Status.Phase, corev1.VolumePending)
				eq(t, "reclaimPolicy", pv.Spec.PersistentVolumeReclaimPolicy, corev1.PersistentVolumeReclaimRetain)
				eq(t, "volumeMode", pv.Spec.VolumeMode, ptr.To(corev1.PersistentVolumeFilesystem))
				eq(t, "hostPath.type", pv.Spec.HostPath.Type, ptr.To(corev1.HostPathUnset))
			}),
		},
		{
			name: "persistent volume keeps what was set",
			in: &corev1.PersistentVolume{
				Spec: corev1.PersistentVolumeSpec{
					PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
					VolumeMode:                    ptr.To(corev1.PersistentVolumeBlock),
				},
				Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound},
			},
			check: on(func(t *testing.T, pv *corev1.PersistentVolume) {
				eq(t, "status.phase", pv.Status.Phase, corev1.VolumeBound)
				eq(t, "reclaimPolicy", pv.Spec.PersistentVolumeReclaimPolicy, corev1.PersistentVolumeReclaimDelete)
				eq(t, "volumeMode", pv.Spec.VolumeMode, ptr.To(corev1.PersistentVolumeBlock))
			}),
		},
		{
			name: "persistent volume claim is pending, filesystem",
			in:   &corev1.PersistentVolumeClaim{},
			check: on(func(t *testing.T, pvc *corev1.PersistentVolumeClaim) {
				eq(t, "status.phase", pvc.Status.Phase, corev1.ClaimPending)
				eq(t, "volumeMode", pvc.Spec.VolumeMode, ptr.To(corev1.PersistentVolumeFilesystem))
			}),
		},
		{
			name: "limit range defaults limits from max and requests from defaults and min",
			in: &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{
				{
					Type:    corev1.LimitTypeContainer,
					Max:     corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")},
					Min:     corev1.ResourceList{corev1.ResourceEphemeralStorage: resource.MustParse("1Mi")},
					Default: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
				},
				{
					Type: corev1.LimitTypePod,
					Max:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")},
				},
			}}},
			check: on(func(t *testing.T, lr *corev1.LimitRange) {
				c := lr.Spec.Limits[0]
				eq(t, "container.default", c.Default, corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("512Mi"),
				})
				eq(t, "container.defaultRequest", c.DefaultRequest, corev1.ResourceList{
					corev1.ResourceCPU:              resource.MustParse("2"),
					corev1.ResourceMemory:           resource.MustParse("512Mi"),
					corev1.ResourceEphemeralStorage: resource.MustParse("1Mi"),
				})
				eq(t, "pod.default", lr.Spec.Limits[1].Default, corev1.ResourceList(nil))
			}),
		},
		{
			name: "resource quota quantities are rounded",
			in: &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("0.0005"),
			}}},
			check: on(func(t *testing.T, q *corev1.ResourceQuota) {
				if got := q.Spec.Hard.Cpu().String(); got != "1m" {
					t.Errorf("hard cpu = %s, want 1m", got)
				}
			}),
		},
		{
			name: "replication controller takes selector and labels from its template",
			in: &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{
				Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}},
			}},
			check: on(func(t *testing.T, rc *corev1.ReplicationController) {
				eq(t, "replicas", rc.Spec.Replicas, ptr.To[int32](1))
				eq(t, "selector", rc.Spec.Selector, map[string]string{"app": "web"})
				eq(t, "labels", rc.Labels, map[string]string{"app": "web"})
				eq(t, "template.spec.restartPolicy", rc.Spec.Template.Spec.RestartPolicy, corev1.RestartPolicyAlways)
				rc.Spec.Selector["extra"] = "x"
				if _, shared := rc.Spec.Template.Labels["extra"]; shared {
					t.Error("selector shares its map with the template labels")
				}
			}),
		},
		{
			name: "replication controller keeps its own selector, labels and replicas",
			in: &corev1.ReplicationController{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"owner": "me"}},
				Spec: corev1.ReplicationControllerSpec{
					Replicas: ptr.To[int32](0),
					Selector: map[string]string{"app": "web", "tier": "front"},
					Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}}},
				},
			},
			check: on(func(t *testing.T, rc *corev1.ReplicationController) {
				eq(t, "replicas", rc.Spec.Replicas, ptr.To[int32](0))
				eq(t, "selector", rc.Spec.Selector, map[string]string{"app": "web", "tier": "front"})
				eq(t, "labels", rc.Labels, map[string]string{"owner": "me"})
			}),
		},
		{
			name: "replication controller without template",
			in:   &corev1.ReplicationController{},
			check: on(func(t *testing.T, rc *corev1.ReplicationController) {
				eq(t, "replicas", rc.Spec.Replicas, ptr.To[int32](1))
				eq(t, "selector", rc.Spec.Selector, map[string]string(nil))
			}),
		},
	})
}
