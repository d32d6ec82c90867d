package e2e

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// bookDeployment is the book's web tier as a Deployment whose rolling
// update keeps 5 pods available and never makes more than 6: maxSurge 1,
// maxUnavailable 0. Its pods are processes that report ready through an
// exec probe; VERSION tells the templates apart.
const bookDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hpe-myweb
spec:
  replicas: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {app: hpe-myweb}
  template:
    metadata:
      labels: {app: hpe-myweb}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: local
          command: ["sleep", "3600"]
          env: [{name: VERSION, value: v1}]
          readinessProbe:
            exec: {command: ["true"]}
            periodSeconds: 1
`

// podCensus watches an app's pods and runs a check after every change
// it sees; what the check reports are violations.
type podCensus struct {
	mu         sync.Mutex
	pods       map[string]*corev1.Pod
	check      func(pods map[string]*corev1.Pod) string
	violations []string
	stop       context.CancelFunc
	done       chan struct{}
}

func watchPods(t *testing.T, s *Server, app string, check func(pods map[string]*corev1.Pod) string) *podCensus {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &podCensus{pods: map[string]*corev1.Pod{}, check: check, stop: cancel, done: make(chan struct{})}
	pods := s.Client.CoreV1().Pods("default")
	sel := metav1.ListOptions{LabelSelector: "app=" + app}
	list, err := pods.List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		c.pods[list.Items[i].Name] = &list.Items[i]
	}
	c.record("the start")
	w, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = sel.LabelSelector
			return pods.Watch(ctx, o)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.done)
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				p, ok := ev.Object.(*corev1.Pod)
				if !ok {
					continue
				}
				c.mu.Lock()
				if ev.Type == watch.Deleted {
					delete(c.pods, p.Name)
				} else {
					c.pods[p.Name] = p
				}
				c.mu.Unlock()
				c.record(fmt.Sprintf("%s %s", ev.Type, p.Name))
			}
		}
	}()
	return c
}

func (c *podCensus) record(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v := c.check(c.pods); v != "" {
		c.violations = append(c.violations, "after "+what+": "+v)
	}
}

// finish stops the watch and fails the test if a check failed.
func (c *podCensus) finish(t *testing.T, what string) {
	t.Helper()
	c.stop()
	<-c.done
	if len(c.violations) > 0 {
		t.Errorf("%s broke the invariant:\n%s", what, strings.Join(c.violations, "\n"))
	}
}

// surgeBounds is the rolling update's invariant: at most maxPods pods
// exist (not counting those already terminating, which Kubernetes does
// not count either) and at least minAvailable are ready. It also records
// the most pods seen.
func surgeBounds(maxPods, minAvailable int, most *int) func(map[string]*corev1.Pod) string {
	return func(pods map[string]*corev1.Pod) string {
		exist, avail := 0, 0
		for _, p := range pods {
			if p.DeletionTimestamp != nil {
				continue
			}
			exist++
			if podReady(p) {
				avail++
			}
		}
		*most = max(*most, exist)
		if exist > maxPods || avail < minAvailable {
			return fmt.Sprintf("%d pods, %d available", exist, avail)
		}
		return ""
	}
}

// oneTemplate is Recreate's invariant: never pods of two templates at
// once, counting terminating ones (they may still serve).
func oneTemplate(pods map[string]*corev1.Pod) string {
	hashes := map[string]bool{}
	for _, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			hashes[p.Labels["pod-template-hash"]] = true
		}
	}
	if len(hashes) > 1 {
		return fmt.Sprintf("pods of templates %v", slices.Sorted(maps.Keys(hashes)))
	}
	return ""
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podVersions counts the deployment's live pods by their VERSION.
func podVersions(t *testing.T, s *Server, app string) map[string]int {
	t.Helper()
	list, err := s.Client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, p := range list.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		v := "?"
		for _, e := range p.Spec.Containers[0].Env {
			if e.Name == "VERSION" {
				v = e.Value
			}
		}
		if p.Status.Phase == corev1.PodRunning && podReady(&p) {
			out[v]++
		} else {
			out[v+" not ready"]++
		}
	}
	return out
}

// waitVersions waits until exactly the wanted pods are live and ready.
func waitVersions(t *testing.T, s *Server, app string, want map[string]int) {
	t.Helper()
	eventually(t, 60*time.Second, func() error {
		got := podVersions(t, s, app)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("pods by version %v, want %v", got, want)
		}
		return nil
	})
}

// rolloutStatus runs `kubectl rollout status` and fails the test unless
// the rollout finishes.
func rolloutStatus(t *testing.T, s *Server, deploy string) {
	t.Helper()
	out, errOut, err := s.Kubectl("rollout", "status", "deployment/"+deploy, "--timeout=120s")
	if err != nil || !strings.Contains(out, "successfully rolled out") {
		t.Fatalf("rollout status: %v\n%s%s", err, out, errOut)
	}
}

// historyRevisions is the REVISION column of `kubectl rollout history`.
func historyRevisions(t *testing.T, s *Server, deploy string) []string {
	t.Helper()
	var revs []string
	for _, line := range strings.Split(s.MustKubectl("rollout", "history", "deployment/"+deploy), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] != "REVISION" && !strings.Contains(f[0], "/") {
			revs = append(revs, f[0])
		}
	}
	return revs
}

// TestDeploymentRollingUpdateBookInvariant is the book's rolling update
// as a Deployment: a watcher checks at every pod change that 5 stay
// available and no more than 6 exist, through an update, a `rollout
// undo`, and a broken rollout that stalls with ProgressDeadlineExceeded
// while the old pods keep serving.
func TestDeploymentRollingUpdateBookInvariant(t *testing.T) {
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "deploy.yaml")
	if err := writeFile(path, bookDeployment); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	rolloutStatus(t, s, "hpe-myweb")
	waitVersions(t, s, "hpe-myweb", map[string]int{"v1": 5})

	most := 0
	census := watchPods(t, s, "hpe-myweb", surgeBounds(6, 5, &most))
	s.MustKubectl("set", "env", "deployment/hpe-myweb", "VERSION=v2")
	rolloutStatus(t, s, "hpe-myweb")
	waitVersions(t, s, "hpe-myweb", map[string]int{"v2": 5})
	census.finish(t, "the rollout to v2")
	if most != 6 {
		t.Errorf("at most %d pods during the rollout: the surge of 1 was not used", most)
	}
	if got := historyRevisions(t, s, "hpe-myweb"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("rollout history revisions %v, want [1 2]", got)
	}

	census = watchPods(t, s, "hpe-myweb", surgeBounds(6, 5, &most))
	s.MustKubectl("rollout", "undo", "deployment/hpe-myweb")
	rolloutStatus(t, s, "hpe-myweb")
	waitVersions(t, s, "hpe-myweb", map[string]int{"v1": 5})
	census.finish(t, "the rollback to v1")
	if got := historyRevisions(t, s, "hpe-myweb"); !slices.Equal(got, []string{"2", "3"}) {
		t.Errorf("after undo, rollout history revisions %v, want [2 3] (revision 1 became 3)", got)
	}
	rss, err := s.Client.AppsV1().ReplicaSets("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=hpe-myweb"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rss.Items) != 2 {
		t.Errorf("%d replica sets, want 2: the rollback reuses the first", len(rss.Items))
	}
	for _, rs := range rss.Items {
		if rs.Annotations["deployment.kubernetes.io/revision"] == "3" && rs.Annotations["deployment.kubernetes.io/revision-history"] != "1" {
			t.Errorf("replica set %s at revision 3 has revision-history %q, want 1", rs.Name, rs.Annotations["deployment.kubernetes.io/revision-history"])
		}
	}

	// A rollout to a command that cannot start stalls: the old pods keep
	// serving, one new pod (the surge) fails, and after the deadline the
	// Progressing condition and `rollout status` say so.
	census = watchPods(t, s, "hpe-myweb", surgeBounds(6, 5, &most))
	s.MustKubectl("patch", "deployment/hpe-myweb", "-p",
		`{"spec":{"progressDeadlineSeconds":8,"template":{"spec":{"containers":[{"name":"web","command":["/nonexistent/web"],"env":[{"name":"VERSION","value":"broken"}]}]}}}}`)
	out, errOut, err := s.Kubectl("rollout", "status", "deployment/hpe-myweb", "--timeout=90s")
	if err == nil || !strings.Contains(errOut, `deployment "hpe-myweb" exceeded its progress deadline`) {
		t.Errorf("rollout status of a broken rollout: err %v\n%s%s", err, out, errOut)
	}
	d, err := s.Client.AppsV1().Deployments("default").Get(context.Background(), "hpe-myweb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var progressing *appsv1.DeploymentCondition
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == appsv1.DeploymentProgressing {
			progressing = &d.Status.Conditions[i]
		}
	}
	if progressing == nil || progressing.Status != corev1.ConditionFalse || progressing.Reason != "ProgressDeadlineExceeded" {
		t.Errorf("Progressing condition %+v, want False ProgressDeadlineExceeded", progressing)
	}
	if got := podVersions(t, s, "hpe-myweb"); got["v1"] != 5 || got["broken not ready"] != 1 {
		t.Errorf("pods of the stalled rollout %v, want the 5 old ones ready and 1 broken one", got)
	}
	census.finish(t, "the broken rollout")
	if evs := s.MustKubectl("get", "events", "--field-selector", "involvedObject.kind=Deployment,reason=ProgressDeadlineExceeded"); !strings.Contains(evs, "has timed out progressing") {
		t.Errorf("no ProgressDeadlineExceeded event:\n%s", evs)
	}

	// Undo recovers from it.
	s.MustKubectl("rollout", "undo", "deployment/hpe-myweb")
	rolloutStatus(t, s, "hpe-myweb")
	waitVersions(t, s, "hpe-myweb", map[string]int{"v1": 5})
}

// TestDeploymentPauseRestartRecreateScale covers the rest of `kubectl
// rollout`: pause holds a template change back and resume rolls it out;
// restart makes a new revision of the same template. A Recreate
// deployment's old pods are all gone before a new one starts, and
// revisionHistoryLimit trims old replica sets.
func TestDeploymentPauseRestartRecreateScale(t *testing.T) {
	s := StartUp(t)
	manifest := strings.NewReplacer("replicas: 5", "replicas: 2\n  revisionHistoryLimit: 1",
		"    type: RollingUpdate\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}", "    type: Recreate").Replace(bookDeployment)
	path := filepath.Join(t.TempDir(), "deploy.yaml")
	if err := writeFile(path, manifest); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	rolloutStatus(t, s, "hpe-myweb")
	rsCount := func() int {
		rss, err := s.Client.AppsV1().ReplicaSets("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=hpe-myweb"})
		if err != nil {
			t.Fatal(err)
		}
		return len(rss.Items)
	}

	// Paused: the change waits.
	s.MustKubectl("rollout", "pause", "deployment/hpe-myweb")
	s.MustKubectl("set", "env", "deployment/hpe-myweb", "VERSION=v2")
	eventually(t, 30*time.Second, func() error {
		d, err := s.Client.AppsV1().Deployments("default").Get(context.Background(), "hpe-myweb", metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, c := range d.Status.Conditions {
			if c.Type == appsv1.DeploymentProgressing && c.Reason == "DeploymentPaused" && d.Status.ObservedGeneration == d.Generation {
				return nil
			}
		}
		return fmt.Errorf("conditions %+v at generation %d of %d", d.Status.Conditions, d.Status.ObservedGeneration, d.Generation)
	})
	if n := rsCount(); n != 1 {
		t.Errorf("%d replica sets while paused, want 1", n)
	}
	if got := podVersions(t, s, "hpe-myweb"); fmt.Sprint(got) != fmt.Sprint(map[string]int{"v1": 2}) {
		t.Errorf("pods while paused %v, want the 2 of v1", got)
	}

	// Resumed, Recreate: no v2 pod while a v1 pod is left, even one
	// terminating.
	census := watchPods(t, s, "hpe-myweb", oneTemplate)
	s.MustKubectl("rollout", "resume", "deployment/hpe-myweb")
	rolloutStatus(t, s, "hpe-myweb")
	waitVersions(t, s, "hpe-myweb", map[string]int{"v2": 2})
	census.finish(t, "the Recreate rollout")

	// Restart: a new revision of the same template; the history limit
	// of 1 leaves two replica sets.
	s.MustKubectl("rollout", "restart", "deployment/hpe-myweb")
	rolloutStatus(t, s, "hpe-myweb")
	waitVersions(t, s, "hpe-myweb", map[string]int{"v2": 2})
	eventually(t, 30*time.Second, func() error {
		if got := historyRevisions(t, s, "hpe-myweb"); !slices.Equal(got, []string{"2", "3"}) {
			return fmt.Errorf("rollout history revisions %v, want [2 3] (limit 1 trims revision 1)", got)
		}
		return nil
	})

	// Scaling follows.
	s.MustKubectl("scale", "deployment/hpe-myweb", "--replicas=4")
	rolloutStatus(t, s, "hpe-myweb")
	waitVersions(t, s, "hpe-myweb", map[string]int{"v2": 4})
	if out := s.MustKubectl("get", "deployment", "hpe-myweb"); !containsFields(out, "hpe-myweb", "4/4", "4", "4") {
		t.Errorf("kubectl get deployment:\n%s\nwant hpe-myweb 4/4 4 4", out)
	}
}

// TestDeploymentRolloutSurvivesServerKill kills the server (SIGKILL) in
// the middle of a rolling update and starts it again: the agent keeps the
// pods running meanwhile, and the rollout finishes with exactly the
// replicas asked for, all of the new template, within the surge bounds.
func TestDeploymentRolloutSurvivesServerKill(t *testing.T) {
	s := StartServer(t, "bolt")
	s.StartAgent("node-1")
	// minReadySeconds makes each step of the rollout take a while, so
	// the kill lands in the middle of it.
	manifest := strings.Replace(bookDeployment, "  replicas: 5\n", "  replicas: 5\n  minReadySeconds: 2\n", 1)
	path := filepath.Join(t.TempDir(), "deploy.yaml")
	if err := writeFile(path, manifest); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	rolloutStatus(t, s, "hpe-myweb")

	s.MustKubectl("set", "env", "deployment/hpe-myweb", "VERSION=v2")
	eventually(t, 60*time.Second, func() error {
		if got := podVersions(t, s, "hpe-myweb"); got["v2"] < 2 || got["v1"] < 2 {
			return fmt.Errorf("pods by version %v, want the rollout half way", got)
		}
		return nil
	})
	s.Kill()
	time.Sleep(time.Second)
	s.Start()

	most := 0
	census := watchPods(t, s, "hpe-myweb", surgeBounds(6, 5, &most))
	rolloutStatus(t, s, "hpe-myweb")
	waitVersions(t, s, "hpe-myweb", map[string]int{"v2": 5})
	census.finish(t, "the rollout after the restart")
	eventually(t, 30*time.Second, func() error {
		pods, err := s.Client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=hpe-myweb"})
		if err != nil {
			return err
		}
		if len(pods.Items) != 5 {
			return fmt.Errorf("%d pods, want exactly 5", len(pods.Items))
		}
		return nil
	})
	d, err := s.Client.AppsV1().Deployments("default").Get(context.Background(), "hpe-myweb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st := d.Status; st.Replicas != 5 || st.UpdatedReplicas != 5 || st.AvailableReplicas != 5 || st.ObservedGeneration != d.Generation {
		t.Errorf("status after the rollout %+v (generation %d)", st, d.Generation)
	}
	if got := historyRevisions(t, s, "hpe-myweb"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("rollout history revisions %v, want [1 2]", got)
	}
}

// TestDeploymentProportionalScalingAndUndoToRevision is Kubernetes'
// documented example: 10 replicas, maxSurge 3, maxUnavailable 2, a
// rollout stuck with 8 old and 5 new pods; scaled to 15, the 5 extra go 3
// to the old set and 2 to the new. `rollout undo --to-revision=1` then
// brings the first template back.
func TestDeploymentProportionalScalingAndUndoToRevision(t *testing.T) {
	s := StartUp(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "deploy.yaml")
	if err := writeFile(path, `apiVersion: apps/v1
kind: Deployment
metadata: {name: prop}
spec:
  replicas: 10
  strategy: {rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}
  selector: {matchLabels: {app: prop}}
  template:
    metadata: {labels: {app: prop}}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: local
          command: ["sleep", "3600"]
          env: [{name: VERSION, value: v1}]
          readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
`); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	rolloutStatus(t, s, "prop")
	// v2 never gets ready: the rollout stops at its bounds.
	s.MustKubectl("patch", "deployment", "prop", "-p",
		`{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"VERSION","value":"v2"}],"readinessProbe":{"exec":{"command":["false"]}}}]}}}}`)
	sizes := func() (old, new int32, err error) {
		rss, err := s.Client.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=prop"})
		if err != nil {
			return 0, 0, err
		}
		for _, rs := range rss.Items {
			if rs.Spec.Template.Spec.Containers[0].Env[0].Value == "v1" {
				old = *rs.Spec.Replicas
			} else {
				new = *rs.Spec.Replicas
			}
		}
		return old, new, nil
	}
	waitSizes := func(wantOld, wantNew int32) {
		t.Helper()
		eventually(t, 60*time.Second, func() error {
			old, new, err := sizes()
			if err != nil {
				return err
			}
			if old != wantOld || new != wantNew {
				return fmt.Errorf("old set %d, new set %d; want %d and %d", old, new, wantOld, wantNew)
			}
			return nil
		})
	}
	waitSizes(8, 5)
	time.Sleep(2 * time.Second) // stuck there
	waitSizes(8, 5)

	s.MustKubectl("scale", "deployment", "prop", "--replicas=15")
	waitSizes(11, 7)

	s.MustKubectl("rollout", "undo", "deployment/prop", "--to-revision=1")
	rolloutStatus(t, s, "prop")
	waitVersions(t, s, "prop", map[string]int{"v1": 15})
	waitSizes(15, 0)
}
