package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeReady reports whether a node exists and says Ready=True.
func nodeReady(s *Server, name string) error {
	node, err := s.Client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			return nil
		}
	}
	return fmt.Errorf("node %s is not Ready: %v", name, node.Status.Conditions)
}

// TestUpRegistersItsNode: `marina up` runs an agent that registers its
// Node with the kubelet's labels, capacity and conditions, and renews a
// Lease in kube-node-lease as its heartbeat.
func TestUpRegistersItsNode(t *testing.T) {
	s := StartUp(t, "--node-name", "node-1")
	ctx := context.Background()
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "node-1") })
	node, err := s.Client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{corev1.LabelHostname, corev1.LabelOSStable, corev1.LabelArchStable} {
		if node.Labels[l] == "" {
			t.Errorf("node has no label %s: %v", l, node.Labels)
		}
	}
	if node.Status.Capacity.Pods().Value() != 110 || node.Status.Capacity.Cpu().IsZero() || node.Status.Capacity.Memory().IsZero() {
		t.Errorf("capacity %v", node.Status.Capacity)
	}
	if node.Status.Allocatable.Memory().Cmp(*node.Status.Capacity.Memory()) >= 0 {
		t.Errorf("allocatable memory %v should be below capacity %v", node.Status.Allocatable.Memory(), node.Status.Capacity.Memory())
	}
	for _, c := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		found := false
		for _, nc := range node.Status.Conditions {
			found = found || nc.Type == c
		}
		if !found {
			t.Errorf("no %s condition", c)
		}
	}
	if node.Status.NodeInfo.KubeletVersion == "" || node.Status.NodeInfo.OSImage == "" || len(node.Status.Addresses) == 0 {
		t.Errorf("node info %+v addresses %v", node.Status.NodeInfo, node.Status.Addresses)
	}

	leases := s.Client.CoordinationV1().Leases("kube-node-lease")
	var first time.Time
	eventually(t, 20*time.Second, func() error {
		l, err := leases.Get(ctx, "node-1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(l.OwnerReferences) != 1 || l.OwnerReferences[0].UID != node.UID {
			return fmt.Errorf("lease owners %v, want the node", l.OwnerReferences)
		}
		first = l.Spec.RenewTime.Time
		return nil
	})
	eventually(t, 20*time.Second, func() error {
		l, err := leases.Get(ctx, "node-1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !l.Spec.RenewTime.After(first) {
			return fmt.Errorf("lease not renewed since %v", first)
		}
		return nil
	})

	out := s.MustKubectl("get", "nodes")
	if tbl := parseKubectlTable(t, out); tbl.row("NAME", "node-1")["STATUS"] != "Ready" {
		t.Errorf("kubectl get nodes:\n%s", out)
	}
}

// TestAgentsJoinAServer runs two agents with their own names and data dirs
// on this machine against one server, as two nodes.
func TestAgentsJoinAServer(t *testing.T) {
	s := StartServer(t, "bolt")
	for _, name := range []string{"worker-a", "worker-b"} {
		s.StartAgent(name)
	}
	for _, name := range []string{"worker-a", "worker-b"} {
		eventually(t, 30*time.Second, func() error { return nodeReady(s, name) })
	}
}

// TestAgentRejectsABadToken: an agent with a wrong join token cannot
// register.
func TestAgentRejectsABadToken(t *testing.T) {
	s := StartServer(t, "bolt")
	dir := t.TempDir()
	if err := writeFile(filepath.Join(dir, "node-token"), "not-the-token\n"); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(filepath.Join(s.DataDir, "ca.crt"), filepath.Join(dir, "ca.crt")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, marinaBin, "agent", "--server", "https://"+s.Listen,
		"--token-file", filepath.Join(dir, "node-token"), "--node-name", "intruder", "--data-dir", t.TempDir(), "--port", "0", "--runtimes", "process").CombinedOutput()
	if _, err := s.Client.CoreV1().Nodes().Get(context.Background(), "intruder", metav1.GetOptions{}); err == nil {
		t.Errorf("an agent with a wrong token registered its node; its output:\n%s", out)
	}
}

// TestDeadNodeIsNoticedAndItsPodsEvicted: of two agents, one is killed
// with SIGKILL. Its node turns Unknown and is tainted unreachable, and its
// pods are evicted after the toleration (here 2 s after a 3 s grace), apart
// from one that tolerates the taint forever; the other node's pods stay.
// When the agent comes back, the node is Ready and untainted again.
func TestDeadNodeIsNoticedAndItsPodsEvicted(t *testing.T) {
	s := start(t, &Server{Backend: "bolt", Mode: "server",
		Extra: []string{"--node-monitor-grace-period", "3s", "--default-unreachable-toleration-seconds", "2"}})
	ctx := context.Background()
	agents := map[string]*Agent{}
	for _, name := range []string{"alive", "doomed"} {
		agents[name] = s.StartAgent(name)
	}
	for name := range agents {
		eventually(t, 30*time.Second, func() error { return nodeReady(s, name) })
	}

	pods := s.Client.CoreV1().Pods("default")
	mkPod := func(name, node string, tolerations ...corev1.Toleration) {
		_, err := pods.Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{NodeName: node, Tolerations: tolerations,
				Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	mkPod("on-alive", "alive")
	mkPod("on-doomed-1", "doomed")
	mkPod("on-doomed-2", "doomed")
	mkPod("stays-forever", "doomed", corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute})

	agents["doomed"].Kill()

	eventually(t, 30*time.Second, func() error {
		node, err := s.Client.CoreV1().Nodes().Get(ctx, "doomed", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if readyOf(node) != corev1.ConditionUnknown {
			return fmt.Errorf("Ready = %s", readyOf(node))
		}
		for _, tn := range node.Spec.Taints {
			if tn.Key == corev1.TaintNodeUnreachable && tn.Effect == corev1.TaintEffectNoExecute {
				return nil
			}
		}
		return fmt.Errorf("no unreachable taint: %v", node.Spec.Taints)
	})
	eventually(t, 30*time.Second, func() error {
		for _, name := range []string{"on-doomed-1", "on-doomed-2"} {
			if _, err := pods.Get(ctx, name, metav1.GetOptions{}); err == nil {
				return fmt.Errorf("%s not evicted yet", name)
			}
		}
		return nil
	})
	for _, name := range []string{"on-alive", "stays-forever"} {
		if _, err := pods.Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("%s should still exist: %v", name, err)
		}
	}
	if err := nodeReady(s, "alive"); err != nil {
		t.Errorf("the live node: %v", err)
	}
	events, err := s.Client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "reason=TaintManagerEviction"})
	if err != nil || len(events.Items) < 2 {
		t.Errorf("eviction events: %v (%d)", err, len(events.Items))
	}

	agents["doomed"].Start()
	eventually(t, 30*time.Second, func() error {
		if err := nodeReady(s, "doomed"); err != nil {
			return err
		}
		node, err := s.Client.CoreV1().Nodes().Get(ctx, "doomed", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(node.Spec.Taints) != 0 {
			return fmt.Errorf("taints left: %v", node.Spec.Taints)
		}
		return nil
	})
}

func readyOf(node *corev1.Node) corev1.ConditionStatus {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return ""
}

// TestUpAppliesManifests: `marina up -f DIR` applies the manifests once the
// node is Ready (the quickstart then answers on its node port), again
// without harm on the next start, and a manifest the server refuses is
// reported without bringing the cluster down.
func TestUpAppliesManifests(t *testing.T) {
	dir := t.TempDir()
	if err := copyFile("../../examples/quickstart/web.yaml", filepath.Join(dir, "web.yaml")); err != nil {
		t.Fatal(err)
	}
	s := StartUp(t, "--node-name", "node-1", "-f", dir)
	ctx := context.Background()
	check := func() error {
		if _, err := s.Client.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{}); err != nil {
			return err
		}
		if _, err := s.Client.CoreV1().Services("default").Get(ctx, "web", metav1.GetOptions{}); err != nil {
			return err
		}
		_, err := s.Client.CoreV1().ConfigMaps("default").Get(ctx, "web-config", metav1.GetOptions{})
		return err
	}
	eventually(t, 30*time.Second, check)
	// The README's curl: the web tier answers on the Service's node port.
	eventually(t, 60*time.Second, func() error {
		body, err := httpGet("http://127.0.0.1:30080/", "")
		if err == nil && !strings.Contains(body, "Directory listing") {
			err = fmt.Errorf("node port 30080 answered %q", body)
		}
		return err
	})

	// A second start applies the same objects again, and a bad manifest
	// beside them is logged, not fatal.
	if err := writeFile(filepath.Join(dir, "zz-bad.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n"); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	s.Start()
	eventually(t, 30*time.Second, func() error {
		if !strings.Contains(s.Log(), "Bad_Name") {
			return fmt.Errorf("the refused manifest is not reported in the log")
		}
		return nil
	})
	if err := check(); err != nil {
		t.Errorf("after the second start: %v", err)
	}
	if err := nodeReady(s, "node-1"); err != nil {
		t.Errorf("the cluster should keep running after a bad manifest: %v", err)
	}
}

// TestCordonAndDrain: kubectl cordon and uncordon mark an agent's node
// unschedulable and back, and the agent's own status reports do not undo
// it; kubectl drain evicts the node's pods through the eviction
// subresource and the agent stops them.
func TestCordonAndDrain(t *testing.T) {
	s := StartUp(t, "--node-name", "node-1")
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "node-1") })
	s.MustKubectl("cordon", "node-1")
	status := func() string {
		return parseKubectlTable(t, s.MustKubectl("get", "nodes")).row("NAME", "node-1")["STATUS"]
	}
	if got := status(); got != "Ready,SchedulingDisabled" {
		t.Fatalf("after cordon STATUS = %q, want Ready,SchedulingDisabled", got)
	}
	nodes, err := s.Client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{FieldSelector: "spec.unschedulable=true"})
	if err != nil || len(nodes.Items) != 1 {
		t.Errorf("field selector spec.unschedulable=true: %v %v", err, nodes)
	}
	s.MustKubectl("uncordon", "node-1")
	if got := status(); got != "Ready" {
		t.Errorf("after uncordon STATUS = %q, want Ready", got)
	}

	ctx := context.Background()
	for _, name := range []string{"drained-1", "drained-2"} {
		if _, err := s.Client.CoreV1().Pods("default").Create(ctx, processPod(name, "node-1", corev1.RestartPolicyAlways, "exec sleep 600"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() error { _, err := podRunning(s, name); return err })
	}
	// --force: these pods have no controller to bring them back.
	out := s.MustKubectl("drain", "node-1", "--force", "--grace-period", "2", "--timeout", "60s")
	for _, want := range []string{"evicting pod default/drained-1", "evicting pod default/drained-2", "node/node-1 drained"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl drain said %q, want %q in it", out, want)
		}
	}
	pods, err := s.Client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(pods.Items) != 0 {
		t.Errorf("after drain pods are left: %v %v", err, pods.Items)
	}
	if got := status(); got != "Ready,SchedulingDisabled" {
		t.Errorf("after drain STATUS = %q, want Ready,SchedulingDisabled", got)
	}
}

// TestAgentRidesOutServerDowntime: while the server is down the agent's
// pods keep running; when it is back, the agent catches up: a pod created
// after the restart runs, and deleting the old one stops its process.
func TestAgentRidesOutServerDowntime(t *testing.T) {
	s := StartServer(t, "bolt")
	dir := s.StartAgent("steady").DataDir
	ctx := context.Background()
	pods := s.Client.CoreV1().Pods("default")
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "steady") })
	if _, err := pods.Create(ctx, processPod("long", "steady", corev1.RestartPolicyAlways, "exec sleep 600"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var before *corev1.Pod
	eventually(t, 30*time.Second, func() error {
		var err error
		before, err = podRunning(s, "long")
		return err
	})
	pid := agentContainerPID(t, dir, before)

	s.Stop()
	time.Sleep(3 * time.Second) // the agent retries against a dead server
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the pod's process died while the server was down: %v", err)
	}
	s.Start()
	if _, err := pods.Create(ctx, processPod("newcomer", "steady", corev1.RestartPolicyAlways, "exec sleep 600"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error { _, err := podRunning(s, "newcomer"); return err })
	after, err := podRunning(s, "long")
	if err != nil {
		t.Fatal(err)
	}
	if after.Status.ContainerStatuses[0].RestartCount != 0 || agentContainerPID(t, dir, after) != pid {
		t.Errorf("the pod restarted across the server's downtime")
	}
	if err := pods.Delete(ctx, "long", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		if syscall.Kill(pid, 0) == nil {
			return fmt.Errorf("pid %d still runs", pid)
		}
		return nil
	})
}
