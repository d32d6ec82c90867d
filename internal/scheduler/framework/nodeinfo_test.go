package framework

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func requests(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem),
	}}
}

func TestPodRequests(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Resources: requests("500m", "100Mi")}, {Resources: requests("250m", "50Mi")}},
		// The larger init container wins over the containers' sum for
		// memory; the sidecar adds to the sum.
		InitContainers: []corev1.Container{
			{Resources: requests("100m", "1Gi")},
			{Resources: requests("50m", "10Mi"), RestartPolicy: &always},
		},
		Overhead: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")},
	}}
	pod.Spec.Containers[0].Resources.Requests["nvidia.com/gpu"] = resource.MustParse("2")
	got := PodRequests(pod)
	if got.MilliCPU != 810 || got.Memory != 1<<30 || got.Pods != 1 || got.Scalar["nvidia.com/gpu"] != 2 {
		t.Errorf("PodRequests = %+v; want 810m cpu (500+250+50 sidecar+10 overhead), 1Gi memory, 1 pod, 2 GPUs", got)
	}
	// Pod-level requests replace the containers' for what they give.
	pod.Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}
	if got := PodRequests(pod); got.MilliCPU != 2010 || got.Memory != 1<<30 {
		t.Errorf("with a pod-level cpu request of 2: %+v; want 2010m cpu (with overhead), memory from the containers", got)
	}
}

func TestNodeInfoAddRemove(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi"), corev1.ResourcePods: resource.MustParse("110"),
	}}}
	p1 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "1"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Resources: requests("1", "1Gi"), Ports: []corev1.ContainerPort{{HostPort: 80, ContainerPort: 8080}},
	}}}}
	p2 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "2"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: requests("500m", "1Gi")}}}}
	n := NewNodeInfo(node, p1, p2)
	if n.Allocatable.MilliCPU != 2000 || n.Allocatable.Pods != 110 || n.Requested.MilliCPU != 1500 || n.Requested.Pods != 2 {
		t.Errorf("after adding two pods: %+v", n)
	}
	if !n.UsedPorts[HostPort{Protocol: corev1.ProtocolTCP, Port: 80}] {
		t.Errorf("host port 80/TCP should be used: %v", n.UsedPorts)
	}
	c := n.Clone()
	if !n.RemovePod(p1) || n.RemovePod(p1) {
		t.Error("RemovePod should remove p1 once")
	}
	if n.Requested.MilliCPU != 500 || len(n.Pods) != 1 || len(n.UsedPorts) != 0 {
		t.Errorf("after removing p1: %+v", n)
	}
	if c.Requested.MilliCPU != 1500 || len(c.Pods) != 2 || len(c.UsedPorts) != 1 {
		t.Errorf("the clone changed with the original: %+v", c)
	}
}

func TestDefaultNormalizeScore(t *testing.T) {
	s := []int64{10, 20, 40}
	DefaultNormalizeScore(MaxNodeScore, false, s)
	if s[0] != 25 || s[1] != 50 || s[2] != 100 {
		t.Errorf("normalized %v", s)
	}
	r := []int64{0, 1, 4}
	DefaultNormalizeScore(MaxNodeScore, true, r)
	if r[0] != 100 || r[1] != 75 || r[2] != 0 {
		t.Errorf("reversed %v", r)
	}
	z := []int64{0, 0}
	DefaultNormalizeScore(MaxNodeScore, true, z)
	if z[0] != 100 || z[1] != 100 {
		t.Errorf("reversed zeros %v", z)
	}
}

func TestNodeInfoAffinityLists(t *testing.T) {
	anti := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "anti"}, Spec: corev1.PodSpec{Affinity: &corev1.Affinity{
		PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: "kubernetes.io/hostname"}}},
	}}}
	pref := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "pref"}, Spec: corev1.PodSpec{Affinity: &corev1.Affinity{
		PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1}}},
	}}}
	plain := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "plain"}}
	n := NewNodeInfo(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, anti, pref, plain)
	if len(n.PodsWithAffinity) != 2 || len(n.PodsWithRequiredAntiAffinity) != 1 {
		t.Fatalf("with affinity %d, with required anti-affinity %d; want 2 and 1", len(n.PodsWithAffinity), len(n.PodsWithRequiredAntiAffinity))
	}
	c := n.Clone()
	n.RemovePod(anti)
	if len(n.PodsWithAffinity) != 1 || len(n.PodsWithRequiredAntiAffinity) != 0 {
		t.Errorf("after removing the anti-affinity pod: %d and %d; want 1 and 0", len(n.PodsWithAffinity), len(n.PodsWithRequiredAntiAffinity))
	}
	if len(c.PodsWithAffinity) != 2 || c.PodsWithAffinity[0].UID != "anti" {
		t.Errorf("the clone changed with the original: %v", c.PodsWithAffinity)
	}
	snap := NewSnapshot([]*NodeInfo{n, NewNodeInfo(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2"}}, plain)})
	if len(snap.HavePodsWithAffinity) != 1 || len(snap.HavePodsWithRequiredAntiAffinity) != 0 || snap.Get("n2") == nil {
		t.Errorf("snapshot lists: %d with affinity, %d with required anti-affinity", len(snap.HavePodsWithAffinity), len(snap.HavePodsWithRequiredAntiAffinity))
	}
}

func TestNodeInfoCounts(t *testing.T) {
	yes := true
	owned := func(uid, owner string, labels map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: types.UID(uid), Namespace: "ns", Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{UID: types.UID(owner), Controller: &yes}}}}
	}
	a := owned("a", "rs1", map[string]string{"app": "web"})
	b := owned("b", "rs1", map[string]string{"app": "web", "tier": "front"})
	gone := owned("c", "rs1", map[string]string{"app": "web"})
	now := metav1.Now()
	gone.DeletionTimestamp = &now
	n := NewNodeInfo(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, a, b, gone)
	if got := n.LabelCounts[LabelCountKey("ns", "app", "web")]; got != 2 {
		t.Errorf("app=web counts %d, want 2 (the terminating pod does not count)", got)
	}
	if got := n.OwnerCounts["rs1"]; got != 2 {
		t.Errorf("owner rs1 counts %d, want 2", got)
	}
	c := n.Clone()
	n.RemovePod(b)
	n.RemovePod(gone)
	if n.LabelCounts[LabelCountKey("ns", "app", "web")] != 1 || n.OwnerCounts["rs1"] != 1 || len(n.LabelCounts) != 1 {
		t.Errorf("after removing b: %v %v", n.LabelCounts, n.OwnerCounts)
	}
	if c.LabelCounts[LabelCountKey("ns", "tier", "front")] != 1 {
		t.Errorf("the clone changed with the original: %v", c.LabelCounts)
	}
}
