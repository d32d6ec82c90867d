package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
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
		cmd := exec.Command(marinaBin, "agent",
			"--server", "https://"+s.Listen,
			"--token-file", filepath.Join(s.DataDir, "node-token"),
			"--node-name", name,
			"--data-dir", t.TempDir())
		cmd.Stdout, cmd.Stderr = s.log, s.log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
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
		"--token-file", filepath.Join(dir, "node-token"), "--node-name", "intruder", "--data-dir", t.TempDir()).CombinedOutput()
	if _, err := s.Client.CoreV1().Nodes().Get(context.Background(), "intruder", metav1.GetOptions{}); err == nil {
		t.Errorf("an agent with a wrong token registered its node; its output:\n%s", out)
	}
}
