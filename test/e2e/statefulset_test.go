package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statefulWeb is a stateful set of 3 whose pods each keep an id in their
// own volume: written on the first start, printed on every start.
const statefulWeb = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web-sts}}
  template:
    metadata: {labels: {app: web-sts}}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: local
          command: ["sh", "-c", "test -f /data/id || echo $POD_NAME-$(date +%s%N) > /data/id; cat /data/id; exec sleep 3600"]
          env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
          volumeMounts: [{name: data, mountPath: /data}]
          readinessProbe: {exec: {command: ["test", "-f", "/data/id"]}, periodSeconds: 1}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
`

// ordinal reads the ordinal of a stateful set pod's name.
func ordinal(name string) int {
	i := strings.LastIndex(name, "-")
	n, err := strconv.Atoi(name[i+1:])
	if err != nil {
		return -1
	}
	return n
}

// inOrder is OrderedReady's invariant at every change: a pod appears only
// when all lower ordinals are ready, and a pod starts terminating only
// when all higher ones are gone.
func inOrder() func(map[string]*corev1.Pod) string {
	seen, terminating := map[string]bool{}, map[string]bool{}
	return func(pods map[string]*corev1.Pod) string {
		for name, p := range pods {
			ord := ordinal(name)
			if !seen[name] {
				seen[name] = true
				for other, q := range pods {
					if ordinal(other) < ord && (!podReady(q) || q.DeletionTimestamp != nil) {
						return fmt.Sprintf("%s created while %s was not ready", name, other)
					}
				}
			}
			if p.DeletionTimestamp != nil && !terminating[name] {
				terminating[name] = true
				for other := range pods {
					if ordinal(other) > ord {
						return fmt.Sprintf("%s deleted while %s was still there", name, other)
					}
				}
			}
		}
		for name := range seen {
			if pods[name] == nil {
				delete(seen, name) // gone; a new pod of that name is new
				delete(terminating, name)
			}
		}
		return ""
	}
}

// TestStatefulSetOrderIdentityStorage: a StatefulSet of 3 starts in order
// 0, 1, 2, each with its own claim on a local volume; a deleted pod comes
// back with its name and its data; scaling down goes from the highest
// ordinal and keeps the claims.
func TestStatefulSetOrderIdentityStorage(t *testing.T) {
	s := StartUp(t)
	ctx := context.Background()
	census := watchPods(t, s, "web-sts", inOrder())
	path := filepath.Join(t.TempDir(), "sts.yaml")
	if err := writeFile(path, statefulWeb); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	s.MustKubectl("rollout", "status", "statefulset/web", "--timeout=90s")
	census.finish(t, "starting the stateful set")
	names := runningOf(t, s, "web-sts")
	slices.Sort(names)
	if fmt.Sprint(names) != "[web-0 web-1 web-2]" {
		t.Fatalf("pods %v, want web-0 web-1 web-2", names)
	}
	ids := map[string]string{}
	for _, n := range names {
		pod, err := s.Client.CoreV1().Pods("default").Get(ctx, n, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pod.Spec.Hostname != n || pod.Spec.Subdomain != "web" {
			t.Errorf("pod %s: hostname %q subdomain %q", n, pod.Spec.Hostname, pod.Spec.Subdomain)
		}
		ids[n] = strings.TrimSpace(s.MustKubectl("logs", n))
		if !strings.HasPrefix(ids[n], n+"-") {
			t.Errorf("pod %s printed %q", n, ids[n])
		}
	}
	for _, n := range names {
		pvc, err := s.Client.CoreV1().PersistentVolumeClaims("default").Get(ctx, "data-"+n, metav1.GetOptions{})
		if err != nil || pvc.Status.Phase != corev1.ClaimBound {
			t.Fatalf("claim data-%s: %v %+v", n, err, pvc)
		}
	}

	// A deleted pod comes back under its name, with its data.
	old, err := s.Client.CoreV1().Pods("default").Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("delete", "pod", "web-1")
	eventually(t, 60*time.Second, func() error {
		p, err := s.Client.CoreV1().Pods("default").Get(ctx, "web-1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.UID == old.UID || !podReady(p) {
			return fmt.Errorf("web-1 not replaced and ready yet")
		}
		return nil
	})
	if got := strings.TrimSpace(s.MustKubectl("logs", "web-1")); got != ids["web-1"] {
		t.Errorf("the new web-1 read %q from its volume, want the old pod's %q", got, ids["web-1"])
	}

	// Scale down: web-2 goes before web-1; the claims stay.
	census = watchPods(t, s, "web-sts", inOrder())
	s.MustKubectl("scale", "statefulset", "web", "--replicas=1")
	eventually(t, 60*time.Second, func() error {
		pods, err := s.Client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web-sts"})
		if err != nil {
			return err
		}
		if len(pods.Items) != 1 || pods.Items[0].Name != "web-0" {
			return fmt.Errorf("%d pods left", len(pods.Items))
		}
		return nil
	})
	census.finish(t, "scaling the stateful set down")
	for _, n := range []string{"web-0", "web-1", "web-2"} {
		if _, err := s.Client.CoreV1().PersistentVolumeClaims("default").Get(ctx, "data-"+n, metav1.GetOptions{}); err != nil {
			t.Errorf("claim data-%s after scaling down: %v", n, err)
		}
	}
	// Scaling up again finds the old data.
	s.MustKubectl("scale", "statefulset", "web", "--replicas=3")
	s.MustKubectl("rollout", "status", "statefulset/web", "--timeout=90s")
	eventually(t, 30*time.Second, func() error {
		if got := strings.TrimSpace(s.MustKubectl("logs", "web-2")); got != ids["web-2"] {
			return fmt.Errorf("web-2 read %q, want %q", got, ids["web-2"])
		}
		return nil
	})
}

// TestStatefulSetPartitionedUpdate: with a partition of 2, a template
// change updates only web-2; lowering the partition to 0 updates the
// rest from the top, and the set's revisions follow.
func TestStatefulSetPartitionedUpdate(t *testing.T) {
	s := StartUp(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sts.yaml")
	if err := writeFile(path, `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  podManagementPolicy: Parallel
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: local, command: ["sleep", "3600"], env: [{name: VERSION, value: v1}]}]
`); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	waitVersions(t, s, "db", map[string]int{"v1": 3})
	versionOf := func(name string) string {
		p, err := s.Client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		return p.Spec.Containers[0].Env[0].Value
	}

	s.MustKubectl("set", "env", "statefulset/db", "VERSION=v2")
	eventually(t, 60*time.Second, func() error {
		if got := podVersions(t, s, "db"); fmt.Sprint(got) != "map[v1:2 v2:1]" {
			return fmt.Errorf("pods by version %v", got)
		}
		return nil
	})
	if versionOf("db-2") != "v2" || versionOf("db-0") != "v1" || versionOf("db-1") != "v1" {
		t.Errorf("versions db-0 %s db-1 %s db-2 %s, want only db-2 at v2", versionOf("db-0"), versionOf("db-1"), versionOf("db-2"))
	}
	set, err := s.Client.AppsV1().StatefulSets("default").Get(ctx, "db", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st := set.Status; st.CurrentRevision == st.UpdateRevision || st.UpdatedReplicas != 1 || st.CurrentReplicas != 2 {
		t.Errorf("status with partition 2: %+v", st)
	}

	s.MustKubectl("patch", "statefulset", "db", "-p", `{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}`)
	waitVersions(t, s, "db", map[string]int{"v2": 3})
	eventually(t, 30*time.Second, func() error {
		set, err := s.Client.AppsV1().StatefulSets("default").Get(ctx, "db", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if st := set.Status; st.CurrentRevision != st.UpdateRevision || st.UpdatedReplicas != 3 || st.CurrentReplicas != 3 {
			return fmt.Errorf("status after the update: %+v", st)
		}
		return nil
	})
	if out := s.MustKubectl("rollout", "history", "statefulset/db"); !containsFields(out, "1") || !containsFields(out, "2") {
		t.Errorf("rollout history:\n%s\nwant revisions 1 and 2", out)
	}
}
