package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func processPod(name, node string, policy corev1.RestartPolicy, script string) *corev1.Pod {
	process := "process"
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			NodeName: node, RuntimeClassName: &process, RestartPolicy: policy,
			Containers: []corev1.Container{{Name: "main", Image: "local", Command: []string{"sh", "-c", script}}},
		},
	}
}

func podRunning(s *Server, name string) (*corev1.Pod, error) {
	p, err := s.Client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) != 1 || !p.Status.ContainerStatuses[0].Ready || p.Status.PodIP == "" {
		return p, fmt.Errorf("pod %s: phase %s, statuses %+v", name, p.Status.Phase, p.Status.ContainerStatuses)
	}
	return p, nil
}

// deletePodAndWait deletes a pod of the default namespace and waits until
// its agent has stopped it and the object is gone.
func deletePodAndWait(t *testing.T, s *Server, name string) {
	t.Helper()
	pods := s.Client.CoreV1().Pods("default")
	if err := pods.Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		if _, err := pods.Get(context.Background(), name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("%s still there (%v)", name, err)
		}
		return nil
	})
}

// containerPID reads the PID the shim recorded for a pod's running attempt.
func containerPID(t *testing.T, s *Server, pod *corev1.Pod) int {
	t.Helper()
	return agentContainerPID(t, filepath.Join(s.DataDir, "agent"), pod)
}

// agentContainerPID reads the PID the shim recorded for a pod's running
// attempt in the agent whose data dir is agentDir.
func agentContainerPID(t *testing.T, agentDir string, pod *corev1.Pod) int {
	t.Helper()
	id := strings.TrimPrefix(pod.Status.ContainerStatuses[0].ContainerID, "process://")
	b, err := os.ReadFile(filepath.Join(agentDir, "containers", id, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Sscanf(string(b), `{"pid":%d`, &pid); err != nil {
		t.Fatalf("state.json %s: %v", b, err)
	}
	return pid
}

// TestProcessPods runs pods with the process runtime on `marina up`'s own
// node: a web server on the pod's own loopback address (twice, on one port),
// a pod that completes, one that crash-loops, deletion, and an agent killed
// with SIGKILL that re-adopts its running pod.
func TestProcessPods(t *testing.T) {
	s := StartUp(t, "--node-name", "n1")
	ctx := context.Background()
	pods := s.Client.CoreV1().Pods("default")
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "n1") })
	for _, name := range []string{"web-1", "web-2"} {
		web := processPod(name, "n1", corev1.RestartPolicyAlways, `exec python3 -m http.server --bind "$POD_IP" 8080`)
		web.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(8080)}},
			PeriodSeconds: 1,
		}
		if _, err := pods.Create(ctx, web, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pods.Create(ctx, processPod("once", "n1", corev1.RestartPolicyNever, "echo done"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Create(ctx, processPod("crash", "n1", corev1.RestartPolicyAlways, "exit 3"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	ips := map[string]bool{}
	for _, name := range []string{"web-1", "web-2"} {
		var pod *corev1.Pod
		eventually(t, 30*time.Second, func() error {
			var err error
			pod, err = podRunning(s, name)
			return err
		})
		ips[pod.Status.PodIP] = true
		eventually(t, 30*time.Second, func() error {
			resp, err := http.Get("http://" + pod.Status.PodIP + ":8080/")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		})
	}
	if len(ips) != 2 {
		t.Errorf("the two replicas share an address: %v", ips)
	}

	eventually(t, 30*time.Second, func() error {
		p, err := pods.Get(ctx, "once", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodSucceeded || p.Status.ContainerStatuses[0].State.Terminated == nil ||
			p.Status.ContainerStatuses[0].State.Terminated.Reason != "Completed" {
			return fmt.Errorf("once: phase %s statuses %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		return nil
	})
	// The back-off grows: 10 s after the first exit, 20 s after the second.
	backoffs := map[int32]string{}
	eventually(t, 45*time.Second, func() error {
		p, err := pods.Get(ctx, "crash", metav1.GetOptions{})
		if err != nil {
			return err
		}
		cs := p.Status.ContainerStatuses
		if len(cs) == 1 && cs[0].State.Waiting != nil && cs[0].State.Waiting.Reason == "CrashLoopBackOff" {
			backoffs[cs[0].RestartCount] = cs[0].State.Waiting.Message
		}
		if len(cs) != 1 || cs[0].RestartCount < 1 || cs[0].State.Waiting == nil || cs[0].State.Waiting.Reason != "CrashLoopBackOff" ||
			cs[0].LastTerminationState.Terminated == nil || cs[0].LastTerminationState.Terminated.ExitCode != 3 {
			return fmt.Errorf("crash: %+v", cs)
		}
		return nil
	})
	if !strings.HasPrefix(backoffs[0], "back-off 10s ") || !strings.HasPrefix(backoffs[1], "back-off 20s ") {
		t.Errorf("CrashLoopBackOff should wait 10 s, then 20 s; saw %q", backoffs)
	}

	// The agent dies with SIGKILL and comes back: web-1 keeps its process
	// and its restart count.
	before, err := podRunning(s, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	pid := containerPID(t, s, before)
	s.Kill()
	s.Start()
	// Proof that the new agent syncs pods: one created now runs. Its pod
	// manager has then also looked at web-1, which was queued first.
	if _, err := pods.Create(ctx, processPod("after-restart", "n1", corev1.RestartPolicyAlways, "exec sleep 600"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error { _, err := podRunning(s, "after-restart"); return err })
	after, err := podRunning(s, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := containerPID(t, s, after); got != pid {
		t.Errorf("after the agent restart web-1 runs as pid %d, was %d", got, pid)
	}
	if after.Status.ContainerStatuses[0].RestartCount != before.Status.ContainerStatuses[0].RestartCount {
		t.Errorf("restart count changed across the agent restart: %d → %d",
			before.Status.ContainerStatuses[0].RestartCount, after.Status.ContainerStatuses[0].RestartCount)
	}

	// Deleting a running pod stops its process, then the object goes.
	deletePodAndWait(t, s, "web-2")
	if _, err := os.Stat("/proc/" + strconv.Itoa(containerPID(t, s, after)) + "/status"); err != nil {
		t.Errorf("deleting web-2 stopped web-1's process")
	}
}

// TestProcessPodEnv: the issue's own command form `--bind $(POD_IP)`
// works, a Secret reaches the process as an env var, and a pod whose
// ConfigMap is missing waits (CreateContainerConfigError) until it exists.
func TestProcessPodEnv(t *testing.T) {
	s := StartUp(t, "--node-name", "n1")
	ctx := context.Background()
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "n1") })
	pods := s.Client.CoreV1().Pods("default")
	if _, err := s.Client.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds"}, Data: map[string][]byte{"password": []byte("s3cr3t-value")},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	web := processPod("web", "n1", corev1.RestartPolicyAlways, "")
	web.Spec.Containers[0].Command = []string{"python3", "-m", "http.server", "--bind", "$(POD_IP)", "8080"}
	if _, err := pods.Create(ctx, web, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pod *corev1.Pod
	eventually(t, 30*time.Second, func() error {
		var err error
		pod, err = podRunning(s, "web")
		return err
	})
	eventually(t, 30*time.Second, func() error {
		resp, err := http.Get("http://" + pod.Status.PodIP + ":8080/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})

	envPod := processPod("env", "n1", corev1.RestartPolicyNever, `echo "password=$PASSWORD mode=$MODE"`)
	envPod.Spec.Containers[0].Env = []corev1.EnvVar{
		{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "password"}}},
		{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "mode"}}},
	}
	if _, err := pods.Create(ctx, envPod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		p, err := pods.Get(ctx, "env", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if w := p.Status.ContainerStatuses; len(w) == 1 && w[0].State.Waiting != nil && w[0].State.Waiting.Reason == "CreateContainerConfigError" &&
			strings.Contains(w[0].State.Waiting.Message, `configmap "settings" not found`) {
			return nil
		}
		return fmt.Errorf("env pod: %+v", p.Status.ContainerStatuses)
	})
	if _, err := s.Client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"mode": "fast"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		p, err := pods.Get(ctx, "env", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodSucceeded {
			return fmt.Errorf("env pod phase %s", p.Status.Phase)
		}
		return nil
	})
	if out := s.MustKubectl("logs", "env"); out != "password=s3cr3t-value mode=fast\n" {
		t.Errorf("the process printed %q", out)
	}
}
