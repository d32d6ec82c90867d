package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const nodeAgentDaemon = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: local
          command: ["sleep", "3600"]
          env: [{name: VERSION, value: v1}]
`

// daemonNodes returns the nodes that run a live pod of app, sorted, and
// fails if any node runs two.
func daemonNodes(t *testing.T, s *Server, app string) ([]string, error) {
	t.Helper()
	pods, err := runningPods(t, s, app)
	if err != nil {
		return nil, err
	}
	var nodes []string
	for _, p := range pods {
		if slices.Contains(nodes, p.Spec.NodeName) {
			return nil, fmt.Errorf("two pods on %s", p.Spec.NodeName)
		}
		nodes = append(nodes, p.Spec.NodeName)
	}
	slices.Sort(nodes)
	return nodes, nil
}

func waitDaemonNodes(t *testing.T, s *Server, app string, want ...string) {
	t.Helper()
	eventually(t, 60*time.Second, func() error {
		got, err := daemonNodes(t, s, app)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("daemon pods on %v, want %v", got, want)
		}
		return nil
	})
}

// TestDaemonSetFollowsNodes: a DaemonSet covers every node of a 3-agent
// cluster, gains a pod when a fourth joins and loses it when that node
// leaves; a template change rolls node by node and `rollout undo` brings
// the old template back from its ControllerRevision.
func TestDaemonSetFollowsNodes(t *testing.T) {
	// The pod of a deleted node goes after the pod garbage collector's
	// quarantine (40 s by default).
	s := start(t, &Server{Backend: "bolt", Mode: "server", Extra: []string{"--pod-gc-quarantine", "2s"}})
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		s.StartAgent(name)
	}
	path := filepath.Join(t.TempDir(), "ds.yaml")
	if err := writeFile(path, nodeAgentDaemon); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	waitDaemonNodes(t, s, "node-agent", "node-a", "node-b", "node-c")
	if out := s.MustKubectl("rollout", "status", "daemonset/node-agent", "--timeout=60s"); !strings.Contains(out, "successfully rolled out") {
		t.Errorf("rollout status: %s", out)
	}
	if out := s.MustKubectl("get", "daemonset", "node-agent"); !containsFields(out, "node-agent", "3", "3", "3", "3", "3") {
		t.Errorf("kubectl get daemonset:\n%s\nwant node-agent 3 3 3 3 3", out)
	}

	joiner := s.StartAgent("node-d")
	waitDaemonNodes(t, s, "node-agent", "node-a", "node-b", "node-c", "node-d")

	joiner.Stop()
	s.MustKubectl("delete", "node", "node-d")
	waitDaemonNodes(t, s, "node-agent", "node-a", "node-b", "node-c")
	eventually(t, 30*time.Second, func() error {
		ds, err := s.Client.AppsV1().DaemonSets("default").Get(context.Background(), "node-agent", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if st := ds.Status; st.DesiredNumberScheduled != 3 || st.NumberAvailable != 3 || st.NumberMisscheduled != 0 {
			return fmt.Errorf("status %+v", st)
		}
		pods, err := s.Client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=node-agent"})
		if err != nil {
			return err
		}
		if len(pods.Items) != 3 {
			return fmt.Errorf("%d pods, want 3 (the one on node-d gone)", len(pods.Items))
		}
		return nil
	})

	// A rolling update, then back.
	s.MustKubectl("set", "env", "daemonset/node-agent", "VERSION=v2")
	s.MustKubectl("rollout", "status", "daemonset/node-agent", "--timeout=90s")
	eventually(t, 60*time.Second, func() error {
		if got := podVersions(t, s, "node-agent"); fmt.Sprint(got) != "map[v2:3]" {
			return fmt.Errorf("pods by version %v", got)
		}
		return nil
	})
	s.MustKubectl("rollout", "undo", "daemonset/node-agent")
	s.MustKubectl("rollout", "status", "daemonset/node-agent", "--timeout=90s")
	eventually(t, 60*time.Second, func() error {
		if got := podVersions(t, s, "node-agent"); fmt.Sprint(got) != "map[v1:3]" {
			return fmt.Errorf("pods by version %v", got)
		}
		return nil
	})
	out := s.MustKubectl("rollout", "history", "daemonset/node-agent")
	if !containsFields(out, "2") || !containsFields(out, "3") || containsFields(out, "1") {
		t.Errorf("rollout history:\n%s\nwant revisions 2 and 3 (revision 1 became 3)", out)
	}
}
