package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/hollownode"
)

// hollowNodes registers n hollow nodes named prefix00000... with the given
// capacity (cpu, memory pairs), labels and taints per node.
func hollowNodes(t *testing.T, s *Server, prefix string, n int, capacity corev1.ResourceList,
	labels func(int) map[string]string, taints func(int) []corev1.Taint) *hollownode.Cluster {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c, err := hollownode.Start(ctx, hollownode.Config{Client: s.Client, Prefix: prefix, Count: n, Capacity: capacity,
		Labels: labels, Taints: taints, LeaseInterval: 2 * time.Second, ReportRunning: true, Workers: 4})
	if err != nil {
		cancel()
		t.Fatalf("hollow nodes: %v", err)
	}
	t.Cleanup(func() { c.Stop(); cancel() })
	return c
}

func capacity(cpu, mem string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem),
		corev1.ResourcePods: resource.MustParse("110")}
}

// schedPod is a pod for the scheduler: one container with the given cpu
// and memory requests (none when empty).
func schedPod(ns, name, cpu, mem string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](0),
			Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	req := corev1.ResourceList{}
	if cpu != "" {
		req[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if mem != "" {
		req[corev1.ResourceMemory] = resource.MustParse(mem)
	}
	if len(req) > 0 {
		p.Spec.Containers[0].Resources.Requests = req
	}
	return p
}

func createPod(t *testing.T, s *Server, p *corev1.Pod) {
	t.Helper()
	if _, err := s.Client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s: %v", p.Name, err)
	}
}

// waitBound waits for the pod to be bound and returns its node.
func waitBound(t *testing.T, s *Server, ns, name string) string {
	t.Helper()
	var node string
	eventually(t, 30*time.Second, func() error {
		p, err := s.Client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if node = p.Spec.NodeName; node == "" {
			return fmt.Errorf("pod %s not bound; conditions %+v", name, p.Status.Conditions)
		}
		return nil
	})
	return node
}

// waitUnschedulable waits for PodScheduled=False (reason Unschedulable)
// and returns its message.
func waitUnschedulable(t *testing.T, s *Server, ns, name string) string {
	t.Helper()
	var msg string
	eventually(t, 30*time.Second, func() error {
		p, err := s.Client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Spec.NodeName != "" {
			return fmt.Errorf("pod %s was bound to %s", name, p.Spec.NodeName)
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				msg = c.Message
				return nil
			}
		}
		return fmt.Errorf("pod %s has no PodScheduled=False condition: %+v", name, p.Status.Conditions)
	})
	return msg
}

// events are the reasons and messages of the events about a pod.
func events(t *testing.T, s *Server, ns, name string) []string {
	t.Helper()
	list, err := s.Client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String()})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Reason+": "+e.Message)
	}
	return out
}

func waitEvent(t *testing.T, s *Server, ns, name, prefix string) {
	t.Helper()
	eventually(t, 30*time.Second, func() error {
		evs := events(t, s, ns, name)
		if !slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, prefix) }) {
			return fmt.Errorf("no event %q for %s; have %q", prefix, name, evs)
		}
		return nil
	})
}

// TestSchedulerPlacement places pods on three hollow nodes: zones a, a
// and b; the zone-b node tainted dedicated=gpu:NoSchedule; 2 cpu each.
func TestSchedulerPlacement(t *testing.T) {
	s := StartServer(t, "bolt")
	zones := []string{"a", "a", "b"}
	hollowNodes(t, s, "n", 3, capacity("2", "4Gi"),
		func(i int) map[string]string { return map[string]string{corev1.LabelTopologyZone: zones[i]} },
		func(i int) []corev1.Taint {
			if i == 2 {
				return []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
			}
			return nil
		})
	gpu := corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu", Effect: corev1.TaintEffectNoSchedule}

	t.Run("nodeSelector", func(t *testing.T) {
		p := schedPod("default", "selector", "", "")
		p.Spec.NodeSelector = map[string]string{corev1.LabelHostname: "n00001"}
		createPod(t, s, p)
		if node := waitBound(t, s, "default", "selector"); node != "n00001" {
			t.Errorf("bound to %s, want n00001", node)
		}
		waitEvent(t, s, "default", "selector", "Scheduled: Successfully assigned default/selector to n00001")
	})

	t.Run("node affinity and tolerations", func(t *testing.T) {
		p := schedPod("default", "zone-b", "", "")
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{"b"}}}}}}}}
		untolerated := p.DeepCopy()
		untolerated.Name = "zone-b-untolerated"
		createPod(t, s, untolerated)
		msg := waitUnschedulable(t, s, "default", untolerated.Name)
		if want := "0/3 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}."; !strings.HasPrefix(msg, want) {
			t.Errorf("message %q, want it to start %q", msg, want)
		}
		waitEvent(t, s, "default", untolerated.Name, "FailedScheduling: 0/3 nodes are available")
		p.Spec.Tolerations = []corev1.Toleration{gpu}
		createPod(t, s, p)
		if node := waitBound(t, s, "default", "zone-b"); node != "n00002" {
			t.Errorf("bound to %s, want n00002 (the only zone-b node)", node)
		}
	})

	t.Run("anti-affinity on hostname", func(t *testing.T) {
		for i := range 4 {
			p := schedPod("default", fmt.Sprintf("replica-%d", i), "", "")
			p.Labels = map[string]string{"app": "replica"}
			p.Spec.Tolerations = []corev1.Toleration{gpu}
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "replica"}},
					TopologyKey:   corev1.LabelHostname}}}}
			createPod(t, s, p)
		}
		seen := map[string]bool{}
		for i := range 3 {
			seen[waitBound(t, s, "default", fmt.Sprintf("replica-%d", i))] = true
		}
		if len(seen) != 3 {
			t.Errorf("3 replicas on nodes %v, want 3 different nodes", seen)
		}
		msg := waitUnschedulable(t, s, "default", "replica-3")
		if !strings.Contains(msg, "3 node(s) didn't match pod anti-affinity rules") {
			t.Errorf("fourth replica: %q, want 3 node(s) didn't match pod anti-affinity rules", msg)
		}
	})

	t.Run("topology spread over zones", func(t *testing.T) {
		perZone := map[string]int{}
		for i := range 4 {
			p := schedPod("default", fmt.Sprintf("spread-%d", i), "", "")
			p.Labels = map[string]string{"app": "spread"}
			p.Spec.Tolerations = []corev1.Toleration{gpu}
			p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone,
				WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}}}}
			createPod(t, s, p)
			// One at a time, so each sees the ones before.
			node := waitBound(t, s, "default", p.Name)
			perZone[zones[int(node[len(node)-1]-'0')]]++
		}
		if perZone["a"] != 2 || perZone["b"] != 2 {
			t.Errorf("per zone %v, want 2 and 2", perZone)
		}
	})

	t.Run("insufficient resources, then a node is added", func(t *testing.T) {
		createPod(t, s, schedPod("default", "big", "3", ""))
		msg := waitUnschedulable(t, s, "default", "big")
		if want := "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}."; !strings.HasPrefix(msg, want) {
			t.Errorf("message %q, want it to start %q", msg, want)
		}
		hollowNodes(t, s, "big", 1, capacity("4", "8Gi"), nil, nil)
		if node := waitBound(t, s, "default", "big"); node != "big00000" {
			t.Errorf("bound to %s, want the new node big00000", node)
		}
	})

	t.Run("another scheduler's pod is left alone", func(t *testing.T) {
		p := schedPod("default", "theirs", "", "")
		p.Spec.SchedulerName = "my-scheduler"
		createPod(t, s, p)
		// The scheduler sees pods in the order they were created and
		// decides on each as it sees it: once a later pod of its own is
		// bound, it has passed over this one.
		createPod(t, s, schedPod("default", "ours-after-theirs", "", ""))
		waitBound(t, s, "default", "ours-after-theirs")
		got, err := s.Client.CoreV1().Pods("default").Get(context.Background(), "theirs", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.NodeName != "" || len(got.Status.Conditions) != 0 || len(events(t, s, "default", "theirs")) != 0 {
			t.Errorf("pod of my-scheduler touched: node %q, conditions %+v, events %q", got.Spec.NodeName, got.Status.Conditions, events(t, s, "default", "theirs"))
		}
	})
}

// TestPreemption: a high-priority pod evicts a low-priority one when, and
// only when, that makes it fit.
func TestPreemption(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()
	for name, value := range map[string]int32{"low": 10, "high": 1000} {
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
		if _, err := s.Client.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	never := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high-never"}, Value: 1000, PreemptionPolicy: ptr.To(corev1.PreemptNever)}
	if _, err := s.Client.SchedulingV1().PriorityClasses().Create(ctx, never, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hollowNodes(t, s, "n", 1, capacity("2", "4Gi"), nil, nil)

	low := schedPod("default", "low", "1500m", "")
	low.Spec.PriorityClassName = "low"
	createPod(t, s, low)
	waitBound(t, s, "default", "low")
	got, err := s.Client.CoreV1().Pods("default").Get(ctx, "low", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Priority == nil || *got.Spec.Priority != 10 {
		t.Fatalf("priority of the low pod = %v, want 10 from its PriorityClass", got.Spec.Priority)
	}

	// A pod that would not fit even on an empty node evicts nothing.
	huge := schedPod("default", "huge", "3", "")
	huge.Spec.PriorityClassName = "high"
	createPod(t, s, huge)
	msg := waitUnschedulable(t, s, "default", "huge")
	if !strings.Contains(msg, "preemption:") {
		t.Errorf("huge: %q, want a note on preemption", msg)
	}
	// preemptionPolicy Never: it waits instead.
	patient := schedPod("default", "patient", "1", "")
	patient.Spec.PriorityClassName = "high-never"
	createPod(t, s, patient)
	msg = waitUnschedulable(t, s, "default", "patient")
	if !strings.Contains(msg, "preemptionPolicy is Never") {
		t.Errorf("patient: %q, want it to say preemptionPolicy is Never", msg)
	}
	// An equal-priority pod evicts nothing either.
	peer := schedPod("default", "peer", "1", "")
	peer.Spec.PriorityClassName = "low"
	createPod(t, s, peer)
	waitUnschedulable(t, s, "default", "peer")
	if _, err := s.Client.CoreV1().Pods("default").Get(ctx, "low", metav1.GetOptions{}); err != nil {
		t.Fatalf("the low pod went without a preemptor that could use its room: %v", err)
	}
	for _, name := range []string{"huge", "patient", "peer"} {
		if err := s.Client.CoreV1().Pods("default").Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// The preemptor that fits once the low pod is gone evicts it.
	high := schedPod("default", "high", "1", "")
	high.Spec.PriorityClassName = "high"
	createPod(t, s, high)
	if node := waitBound(t, s, "default", "high"); node != "n00000" {
		t.Errorf("high bound to %s", node)
	}
	eventually(t, 30*time.Second, func() error {
		_, err := s.Client.CoreV1().Pods("default").Get(ctx, "low", metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("low pod still there (%v)", err)
		}
		return nil
	})
	waitEvent(t, s, "default", "low", "Preempted: Preempted by default/high on node n00000")

	// A pod naming a class that does not exist is refused.
	bad := schedPod("default", "bad", "", "")
	bad.Spec.PriorityClassName = "nope"
	_, err = s.Client.CoreV1().Pods("default").Create(ctx, bad, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "no PriorityClass with name nope was found") {
		t.Errorf("pod with an unknown class: %v", err)
	}
}

// TestFairSharing is the worked example of Dominant Resource Fairness: 9
// cpu and 18 GiB; namespace a's pods ask 1 cpu and 4 GiB, b's 3 cpu and 1
// GiB; all wait at once (the node is cordoned while they are created).
func TestFairSharing(t *testing.T) {
	cases := []struct {
		name   string
		config string // scheduler configuration, "" for the defaults
		weight string // namespace a's weight
		want   [][2]int
	}{
		{name: "equal weights", want: [][2]int{{3, 2}}},
		{name: "a has weight 2", weight: "2", want: [][2]int{{4, 1}, {3, 2}}},
		{name: "fair sharing off: arrival order", config: "fairSharing: {enabled: false}\n", want: [][2]int{{4, 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := &Server{Backend: "bolt", Mode: "server"}
			if tc.config != "" {
				path := filepath.Join(t.TempDir(), "scheduler.yaml")
				if err := writeFile(path, "apiVersion: marina.io/v1alpha1\nkind: SchedulerConfiguration\n"+tc.config); err != nil {
					t.Fatal(err)
				}
				srv.Extra = []string{"--scheduler-config", path}
			}
			s := start(t, srv)
			ctx := context.Background()
			for _, ns := range []string{"a", "b"} {
				obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
				if ns == "a" && tc.weight != "" {
					obj.Annotations = map[string]string{"marina.io/fair-share-weight": tc.weight}
				}
				if _, err := s.Client.CoreV1().Namespaces().Create(ctx, obj, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			hollowNodes(t, s, "n", 1, capacity("9", "18Gi"), nil, nil)
			cordon(t, s, "n00000", true)
			for i := range 6 {
				createPod(t, s, schedPod("a", fmt.Sprintf("a%d", i), "1", "4Gi"))
			}
			for i := range 6 {
				createPod(t, s, schedPod("b", fmt.Sprintf("b%d", i), "3", "1Gi"))
			}
			for i := range 6 {
				waitUnschedulable(t, s, "a", fmt.Sprintf("a%d", i))
				waitUnschedulable(t, s, "b", fmt.Sprintf("b%d", i))
			}
			// Each pod was tried once, at its creation, and backs off for
			// 1 s after that attempt; nothing else changed in the
			// cluster. Once those back-offs have passed, the uncordon
			// makes all twelve eligible at the same moment, and the queue
			// alone decides the order.
			time.Sleep(1500 * time.Millisecond)
			cordon(t, s, "n00000", false)
			// Done when every pod is bound or was turned down again after
			// the uncordon (for lack of room, not for the cordon).
			eventually(t, 30*time.Second, func() error {
				for _, ns := range []string{"a", "b"} {
					list, err := s.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
					if err != nil {
						return err
					}
					for _, p := range list.Items {
						if p.Spec.NodeName == "" && !retriedForRoom(&p) {
							return fmt.Errorf("pod %s/%s not yet tried on the uncordoned node: %+v", ns, p.Name, p.Status.Conditions)
						}
					}
				}
				return nil
			})
			got := [2]int{boundIn(t, s, "a"), boundIn(t, s, "b")}
			if !slices.Contains(tc.want, got) {
				t.Errorf("bound: a %d, b %d; want one of %v", got[0], got[1], tc.want)
			}
		})
	}
}

// retriedForRoom reports whether the pod's PodScheduled=False says it did
// not fit for lack of cpu or memory.
func retriedForRoom(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && strings.Contains(c.Message, "Insufficient") {
			return true
		}
	}
	return false
}

func cordon(t *testing.T, s *Server, node string, on bool) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"unschedulable":%v}}`, on)
	if _, err := s.Client.CoreV1().Nodes().Patch(context.Background(), node, "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("cordon %s=%v: %v", node, on, err)
	}
}

func boundIn(t *testing.T, s *Server, ns string) int {
	t.Helper()
	list, err := s.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{FieldSelector: "spec.nodeName!="})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// TestSchedulerWithAgent is the README's pod: created without a node, the
// scheduler places it on the agent's node, which runs it.
func TestSchedulerWithAgent(t *testing.T) {
	s := StartUp(t)
	s.MustKubectl("run", "hello", "--image=local", "--restart=Never",
		`--overrides={"spec":{"runtimeClassName":"process"}}`, "--", "sh", "-c", "echo hello from $POD_IP")
	eventually(t, 60*time.Second, func() error {
		out, _, err := s.Kubectl("logs", "hello")
		if err != nil || !strings.Contains(out, "hello from ") {
			return fmt.Errorf("logs %q, %v", out, err)
		}
		return nil
	})
	waitEvent(t, s, "default", "hello", "Scheduled: Successfully assigned default/hello to ")
}
