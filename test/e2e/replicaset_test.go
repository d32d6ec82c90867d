package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// bookRC is the book's hpe-myweb ReplicationController with a workload
// that runs here: a process pod that sleeps.
const bookRC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: hpe-myweb
spec:
  replicas: 5
  selector:
    app: hpe-myweb
  template:
    metadata:
      labels:
        app: hpe-myweb
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers:
        - name: hpe-myweb
          image: local
          command: ["sleep", "3600"]
          env:
            - name: MYSQL_SERVICE_HOST
              value: 'hpe-mysql'
`

// runningPods lists the pods of app that are Running and not being
// deleted.
func runningPods(t *testing.T, s *Server, app string) ([]corev1.Pod, error) {
	t.Helper()
	list, err := s.Client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(labels.Set{"app": app}).String()})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			out = append(out, p)
		}
	}
	return out, nil
}

// waitReplicas waits until exactly n pods of app run, none else of it is
// left (not even terminating), and the RC's status says n ready.
func waitReplicas(t *testing.T, s *Server, app string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	eventually(t, 60*time.Second, func() error {
		var err error
		if pods, err = runningPods(t, s, app); err != nil {
			return err
		}
		all, err := s.Client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return err
		}
		rc, err := s.Client.CoreV1().ReplicationControllers("default").Get(context.Background(), app, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(pods) != n || len(all.Items) != n || rc.Status.Replicas != int32(n) || rc.Status.ReadyReplicas != int32(n) ||
			rc.Status.ObservedGeneration != rc.Generation {
			return fmt.Errorf("%d running of %d pods; status %+v (generation %d); want %d", len(pods), len(all.Items), rc.Status, rc.Generation, n)
		}
		return nil
	})
	return pods
}

// TestReplicationControllerBookStory is the book's story: a
// ReplicationController of 5 replicas heals a deleted pod and follows
// `kubectl scale` to 3, 5 and 1.
func TestReplicationControllerBookStory(t *testing.T) {
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "rc.yaml")
	if err := writeFile(path, bookRC); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	pods := waitReplicas(t, s, "hpe-myweb", 5)
	for _, p := range pods {
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.Kind != "ReplicationController" || ref.Name != "hpe-myweb" {
			t.Errorf("pod %s controller %+v, want the RC hpe-myweb", p.Name, ref)
		}
	}

	// Self-healing: a deleted pod is replaced.
	victim := pods[0].Name
	s.MustKubectl("delete", "pod", victim)
	after := waitReplicas(t, s, "hpe-myweb", 5)
	for _, p := range after {
		if p.Name == victim {
			t.Errorf("the deleted pod %s is back", victim)
		}
	}

	for _, n := range []int{3, 5, 1} {
		s.MustKubectl("scale", "rc", "hpe-myweb", fmt.Sprintf("--replicas=%d", n))
		waitReplicas(t, s, "hpe-myweb", n)
	}
	// kubectl's columns: NAME DESIRED CURRENT READY.
	if out := s.MustKubectl("get", "rc", "hpe-myweb"); !containsFields(out, "hpe-myweb", "1", "1", "1") {
		t.Errorf("kubectl get rc:\n%s\nwant the row hpe-myweb 1 1 1", out)
	}

	// An orphan with the RC's labels is adopted, and the RC, now one pod
	// over, scales back to 1.
	orphan := processPod("orphan", "", corev1.RestartPolicyAlways, "sleep 3600")
	orphan.Labels = map[string]string{"app": "hpe-myweb"}
	orphan.Spec.TerminationGracePeriodSeconds = new(int64)
	if _, err := s.Client.CoreV1().Pods("default").Create(context.Background(), orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, s, "hpe-myweb", 1)
}

// containsFields reports whether some line of out has exactly these
// leading whitespace-separated fields.
func containsFields(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < len(fields) {
			continue
		}
		match := true
		for i := range fields {
			if f[i] != fields[i] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

const webRS = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers:
        - {name: web, image: local, command: ["sleep", "3600"]}
`

// TestReplicaSetReleaseAndScale: a pod relabelled out of a ReplicaSet's
// selector is released (and replaced); the scale subresource works.
func TestReplicaSetReleaseAndScale(t *testing.T) {
	s := StartUp(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rs.yaml")
	if err := writeFile(path, webRS); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	running := func(n int) []corev1.Pod {
		var pods []corev1.Pod
		eventually(t, 60*time.Second, func() error {
			var err error
			if pods, err = runningPods(t, s, "web"); err != nil {
				return err
			}
			rs, err := s.Client.AppsV1().ReplicaSets("default").Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if len(pods) != n || rs.Status.ReadyReplicas != int32(n) || rs.Status.AvailableReplicas != int32(n) || rs.Status.FullyLabeledReplicas != int32(n) {
				return fmt.Errorf("%d running; status %+v; want %d", len(pods), rs.Status, n)
			}
			return nil
		})
		return pods
	}
	pods := running(2)
	moved := pods[0].Name
	s.MustKubectl("label", "pod", moved, "app=debug", "--overwrite")
	running(2)
	eventually(t, 30*time.Second, func() error {
		p, err := s.Client.CoreV1().Pods("default").Get(ctx, moved, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if ref := metav1.GetControllerOf(p); ref != nil {
			return fmt.Errorf("relabelled pod still controlled by %s %s", ref.Kind, ref.Name)
		}
		return nil
	})
	s.MustKubectl("scale", "rs", "web", "--replicas=4")
	running(4)
	if out := s.MustKubectl("get", "rs", "web"); !containsFields(out, "web", "4", "4", "4") {
		t.Errorf("kubectl get rs:\n%s\nwant the row web 4 4 4", out)
	}
}
