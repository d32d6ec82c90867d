package validation

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateNamespace(t *testing.T) {
	cases := []struct {
		name string
		ns   corev1.Namespace
		want []want
	}{
		{name: "valid", ns: corev1.Namespace{ObjectMeta: clusterMeta("team-a"), Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}}}},
		{name: "qualified finalizer", ns: corev1.Namespace{ObjectMeta: clusterMeta("team-a"), Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"example.com/cleanup"}}}},
		{name: "name must be a DNS label", ns: corev1.Namespace{ObjectMeta: clusterMeta("team.a")}, want: []want{errInvalid("metadata.name")}},
		{name: "name too long", ns: corev1.Namespace{ObjectMeta: clusterMeta(strings.Repeat("a", 64))}, want: []want{errInvalid("metadata.name")}},
		{name: "namespaces have no namespace", ns: corev1.Namespace{ObjectMeta: meta("team-a")}, want: []want{errForbidden("metadata.namespace")}},
		{name: "unqualified custom finalizer", ns: corev1.Namespace{ObjectMeta: clusterMeta("team-a"), Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"cleanup"}}},
			want: []want{errInvalid("spec.finalizers[0]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateNamespace(&tc.ns), tc.want...)
		})
	}
}

func TestValidateNamespaceUpdate(t *testing.T) {
	old := &corev1.Namespace{ObjectMeta: clusterMeta("team-a")}
	ns := &corev1.Namespace{ObjectMeta: withRV(clusterMeta("team-a"))}
	ns.Labels = map[string]string{"env": "prod"}
	expectErrors(t, ValidateNamespaceUpdate(ns, old))

	ns.Name = "team-b"
	expectErrors(t, ValidateNamespaceUpdate(ns, old), errInvalid("metadata.name"))
}

func validNode() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: clusterMeta("worker-1.example.com"),
		Spec: corev1.NodeSpec{
			PodCIDR:  "10.244.1.0/24",
			PodCIDRs: []string{"10.244.1.0/24", "fd00:10:244:1::/64"},
			Taints:   []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}},
		},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: q("8"), corev1.ResourceMemory: q("32Gi"), corev1.ResourcePods: q("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: q("7500m"), corev1.ResourceMemory: q("30Gi")},
			Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}},
		},
	}
}

func TestValidateNode(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Node)
		want   []want
	}{
		{name: "valid node", mutate: func(*corev1.Node) {}},
		{name: "bad name", mutate: func(n *corev1.Node) { n.Name = "Worker_1" }, want: []want{errInvalid("metadata.name")}},
		{name: "nodes are cluster scoped", mutate: func(n *corev1.Node) { n.Namespace = "default" }, want: []want{errForbidden("metadata.namespace")}},
		{name: "taint without effect", mutate: func(n *corev1.Node) { n.Spec.Taints[0].Effect = "" },
			want: []want{errRequired("spec.taints[0].effect")}},
		{name: "duplicate taint", mutate: func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, n.Spec.Taints[0]) },
			want: []want{errDuplicate("spec.taints[1]")}},
		{name: "invalid CIDR", mutate: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24", "nonsense"} },
			want: []want{errInvalid("spec.podCIDRs[1]")}},
		{name: "two CIDRs of one family", mutate: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24", "10.245.1.0/24"} },
			want: []want{errInvalid("spec.podCIDRs")}},
		{name: "negative capacity", mutate: func(n *corev1.Node) { n.Status.Capacity[corev1.ResourceCPU] = q("-1") },
			want: []want{errInvalid("status.capacity[cpu]")}},
		{name: "fractional pod count", mutate: func(n *corev1.Node) { n.Status.Capacity[corev1.ResourcePods] = q("1.5") },
			want: []want{errInvalid("status.capacity[pods]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := validNode()
			tc.mutate(n)
			expectErrors(t, ValidateNode(n), tc.want...)
		})
	}
}

func TestValidateNodeUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Node)
		want   []want
	}{
		{name: "cordon and retaint", mutate: func(n *corev1.Node) {
			n.Spec.Unschedulable = true
			n.Spec.Taints = nil
		}},
		{name: "changing pod CIDRs", mutate: func(n *corev1.Node) {
			n.Spec.PodCIDR = "10.244.2.0/24"
			n.Spec.PodCIDRs = []string{"10.244.2.0/24", "fd00:10:244:1::/64"}
		}, want: []want{errForbidden("spec.podCIDR"), errForbidden("spec.podCIDRs")}},
		{name: "changing provider ID", mutate: func(n *corev1.Node) { n.Spec.ProviderID = "aws:///i-2" },
			want: []want{errForbidden("spec.providerID")}},
		{name: "duplicate addresses", mutate: func(n *corev1.Node) {
			n.Status.Addresses = append(n.Status.Addresses, n.Status.Addresses[0])
		}, want: []want{errDuplicate("status.addresses[1]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := validNode()
			old.Spec.ProviderID = "aws:///i-1"
			n := validNode()
			n.Spec.ProviderID = "aws:///i-1"
			n.ObjectMeta = withRV(n.ObjectMeta)
			tc.mutate(n)
			expectErrors(t, ValidateNodeUpdate(n, old), tc.want...)
		})
	}

	t.Run("setting a CIDR for the first time", func(t *testing.T) {
		old := validNode()
		old.Spec.PodCIDR, old.Spec.PodCIDRs = "", nil
		n := validNode()
		n.ObjectMeta = withRV(n.ObjectMeta)
		expectErrors(t, ValidateNodeUpdate(n, old))
	})
}

func TestValidateEvent(t *testing.T) {
	legacy := func() *corev1.Event {
		return &corev1.Event{
			ObjectMeta:     meta("web.17a2b3c4d5e6f708"),
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web"},
			Reason:         "Started",
			Message:        "Started container app",
			Type:           corev1.EventTypeNormal,
		}
	}
	newer := func() *corev1.Event {
		e := legacy()
		e.EventTime = metav1.NewMicroTime(time.Unix(1700000000, 0))
		e.ReportingController = "kubelet"
		e.ReportingInstance = "kubelet-node-1"
		e.Action = "Started"
		return e
	}
	cases := []struct {
		name  string
		event *corev1.Event
		want  []want
	}{
		{name: "legacy event", event: legacy()},
		{name: "event with eventTime", event: newer()},
		{name: "name need not be a DNS name", event: func() *corev1.Event { e := legacy(); e.Name = "Web_Pod.Started"; return e }()},
		{name: "name may not contain a slash", event: func() *corev1.Event { e := legacy(); e.Name = "a/b"; return e }(),
			want: []want{errInvalid("metadata.name")}},
		{name: "namespace mismatch", event: func() *corev1.Event { e := legacy(); e.InvolvedObject.Namespace = "other"; return e }(),
			want: []want{errInvalid("involvedObject.namespace")}},
		{name: "cluster-scoped object's event outside default", event: func() *corev1.Event {
			e := legacy()
			e.Namespace = "team-a"
			e.InvolvedObject = corev1.ObjectReference{Kind: "Node", Name: "node-1"}
			return e
		}(), want: []want{errInvalid("involvedObject.namespace")}},
		{name: "newer event missing reporting fields", event: func() *corev1.Event {
			e := newer()
			e.ReportingController, e.ReportingInstance, e.Action = "", "", ""
			return e
		}(), want: []want{errRequired("reportingComponent"), errRequired("reportingInstance"), errRequired("action")}},
		{name: "newer event with an overlong message", event: func() *corev1.Event {
			e := newer()
			e.Message = strings.Repeat("x", eventMessageMax+1)
			return e
		}(), want: []want{errInvalid("message")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateEvent(tc.event), tc.want...)
		})
	}

	t.Run("update", func(t *testing.T) {
		old := legacy()
		e := legacy()
		e.ObjectMeta = withRV(e.ObjectMeta)
		e.Count = 5
		expectErrors(t, ValidateEventUpdate(e, old))
		e.Namespace = "other"
		e.InvolvedObject.Namespace = "other"
		expectErrors(t, ValidateEventUpdate(e, old), errInvalid("metadata.namespace"))
	})
}
