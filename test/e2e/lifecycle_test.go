package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// TestProbesInitContainersAndHooks: a readiness probe holds a pod unready
// until its server answers; a failing liveness probe restarts a container
// with events that say why; init containers run in order before the
// main one (and a failed one fails a pod that never restarts); a preStop
// hook runs before the container is stopped.
func TestProbesInitContainersAndHooks(t *testing.T) {
	s := StartUp(t, "--node-name", "n1")
	ctx := context.Background()
	pods := s.Client.CoreV1().Pods("default")
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "n1") })
	dir := t.TempDir()
	create := func(p *corev1.Pod) {
		t.Helper()
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// Readiness: the server starts only once the test says so; until it
	// answers, the pod runs but is not ready.
	serve := filepath.Join(dir, "serve")
	web := processPod("web", "n1", corev1.RestartPolicyAlways,
		`while [ ! -e `+serve+` ]; do sleep 0.1; done; exec python3 -m http.server --bind "$POD_IP" 8080`)
	web.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
	web.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}},
		PeriodSeconds: 1,
	}
	create(web)

	// Liveness: healthy while the file exists.
	flag := filepath.Join(dir, "alive")
	live := processPod("live", "n1", corev1.RestartPolicyAlways, "touch "+flag+"; exec sleep 600")
	live.Spec.Containers[0].LivenessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"test", "-f", flag}}},
		PeriodSeconds: 1, FailureThreshold: 2,
	}
	create(live)

	// Init containers, in order, then the main container.
	order := filepath.Join(dir, "order")
	initPod := processPod("init", "n1", corev1.RestartPolicyAlways, "cat "+order+"; echo; exec sleep 600")
	initPod.Spec.InitContainers = []corev1.Container{
		{Name: "first", Image: "local", Command: []string{"sh", "-c", "sleep 1; echo -n 1 >> " + order}},
		{Name: "second", Image: "local", Command: []string{"sh", "-c", "echo -n 2 >> " + order}},
	}
	create(initPod)
	failing := processPod("init-fails", "n1", corev1.RestartPolicyNever, "echo never")
	failing.Spec.InitContainers = []corev1.Container{{Name: "bad", Image: "local", Command: []string{"sh", "-c", "exit 4"}}}
	create(failing)

	// preStop leaves a trace before SIGTERM.
	hooked := filepath.Join(dir, "prestop")
	hook := processPod("hooked", "n1", corev1.RestartPolicyAlways, "exec sleep 600")
	hook.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
		Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "echo stopping > " + hooked}},
	}}
	create(hook)

	// web: running and not ready while its server waits, then ready.
	eventually(t, 20*time.Second, func() error {
		p, err := pods.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) != 1 {
			return fmt.Errorf("web: %s", p.Status.Phase)
		}
		if p.Status.ContainerStatuses[0].Ready {
			t.Fatal("web was ready before its server could answer")
		}
		return nil
	})
	if err := os.WriteFile(serve, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error { _, err := podRunning(s, "web"); return err })
	if out := s.MustKubectl("get", "pod", "web"); !strings.Contains(out, "1/1") {
		t.Errorf("kubectl get pod web:\n%s", out)
	}

	// live: remove the file; the probe fails twice and the container is
	// restarted, with events saying why.
	eventually(t, 20*time.Second, func() error { _, err := podRunning(s, "live"); return err })
	if err := os.Remove(flag); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		p, err := pods.Get(ctx, "live", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].RestartCount < 1 {
			return fmt.Errorf("live not restarted: %+v", cs)
		}
		return nil
	})
	eventually(t, 10*time.Second, func() error {
		return hasEvents(s, "live", "Unhealthy: Liveness probe failed", "Killing: Container main failed liveness probe, will be restarted")
	})

	// init: both init containers ran, in order, and completed.
	eventually(t, 30*time.Second, func() error { _, err := podRunning(s, "init"); return err })
	if out := s.MustKubectl("logs", "init"); out != "12\n" {
		t.Errorf("main container saw %q, want the init containers' 12", out)
	}
	p, err := pods.Get(ctx, "init", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range p.Status.InitContainerStatuses {
		if cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" {
			t.Errorf("init container %s: %+v", cs.Name, cs.State)
		}
	}
	eventually(t, 30*time.Second, func() error {
		p, err := pods.Get(ctx, "init-fails", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodFailed {
			return fmt.Errorf("init-fails: phase %s", p.Status.Phase)
		}
		if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Waiting == nil || cs[0].State.Waiting.Reason != "PodInitializing" {
			return fmt.Errorf("init-fails: the main container should never have started: %+v", cs)
		}
		return nil
	})

	// A pod asking for a runtime this node does not offer (the harness
	// runs `up --runtimes process`) waits, saying how to get it.
	noDocker := processPod("wants-docker", "n1", corev1.RestartPolicyAlways, "exec sleep 600")
	noDocker.Spec.RuntimeClassName = ptr.To("docker")
	create(noDocker)
	eventually(t, 20*time.Second, func() error {
		p, err := pods.Get(ctx, "wants-docker", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodPending || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Waiting == nil ||
			p.Status.ContainerStatuses[0].State.Waiting.Reason != "RuntimeNotOffered" {
			return fmt.Errorf("wants-docker: %s %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		return hasEvents(s, "wants-docker", "RuntimeNotOffered: node n1 does not offer the docker runtime (it offers process): install and start Docker")
	})

	// hooked: deleting runs the preStop hook first.
	eventually(t, 20*time.Second, func() error { _, err := podRunning(s, "hooked"); return err })
	deletePodAndWait(t, s, "hooked")
	if b, err := os.ReadFile(hooked); err != nil || string(b) != "stopping\n" {
		t.Errorf("preStop hook left %q (%v)", b, err)
	}
}

// hasEvents checks that the pod has events whose "Reason: message" start
// with each of want.
func hasEvents(s *Server, pod string, want ...string) error {
	events, err := s.Client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("involvedObject.name", pod).String(),
	})
	if err != nil {
		return err
	}
	var got []string
	for _, e := range events.Items {
		got = append(got, e.Reason+": "+e.Message)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			return fmt.Errorf("no event %q among %q", w, got)
		}
	}
	return nil
}
