package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// webServer is the test image's program: an HTTP server on :8080 that
// answers with its hostname, and for exec `echo ARGS...`, `lookup NAME`
// (the resolver's answer) and `get URL` (the body).
const webServer = `package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "echo" {
		fmt.Println(strings.Join(os.Args[2:], " "))
		return
	}
	if len(os.Args) > 2 && os.Args[1] == "lookup" {
		addrs, err := net.LookupHost(os.Args[2])
		fmt.Println(strings.Join(addrs, " "), err)
		return
	}
	if len(os.Args) > 2 && os.Args[1] == "get" {
		resp, err := http.Get(os.Args[2])
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		io.Copy(os.Stdout, resp.Body)
		return
	}
	host, _ := os.Hostname()
	fmt.Println("serving as", host)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "hello from %s\n", host) })
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
`

// requireDocker skips without a Docker daemon, except in CI, where the
// docker runtime is part of what is tested.
func requireDocker(t *testing.T) {
	t.Helper()
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Docker is not running (CI installs and starts it): %v", err)
		}
		t.Skipf("Docker is not running: %v", err)
	}
}

// buildWebImage builds a FROM scratch image holding a static Go server
// and returns its tag; it is removed when the test ends.
func buildWebImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(webServer), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module web\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", "server", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the test server: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY server /server\nENTRYPOINT [\"/server\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("marina-e2e/web:%d", time.Now().UnixNano())
	if out, err := exec.Command("docker", "build", "-q", "-t", tag, dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	return tag
}

// removeDockerPods force-removes the Docker containers of the given pods.
func removeDockerPods(uids ...string) {
	for _, uid := range uids {
		out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=io.marina.pod.uid="+uid).Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			_ = exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
		}
	}
}

// TestDockerPods runs pods with the docker runtime: two replicas of a
// FROM scratch web server with a readiness probe both serve on their own
// sandbox IPs; logs, exec and port-forward reach them; a missing image is
// ErrImagePull then ImagePullBackOff; an agent killed with SIGKILL
// re-adopts the containers; deleting a pod removes its containers.
func TestDockerPods(t *testing.T) {
	requireDocker(t)
	image := buildWebImage(t)
	s := StartUp(t, "--node-name", "n1", "--runtimes", "docker,process")
	ctx := context.Background()
	pods := s.Client.CoreV1().Pods("default")
	eventually(t, 60*time.Second, func() error { return nodeReady(s, "n1") })
	node, err := s.Client.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if node.Labels["runtime.marina.io/docker"] != "true" {
		t.Fatalf("the node does not offer docker: labels %v", node.Labels)
	}
	var uids []string
	t.Cleanup(func() {
		s.Stop() // first, or the agent would bring the sandboxes back
		removeDockerPods(uids...)
	})
	dockerPod := func(name, image string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{
				NodeName: "n1", RuntimeClassName: ptr.To("docker"),
				Containers: []corev1.Container{{
					Name: "web", Image: image, ImagePullPolicy: corev1.PullNever,
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{
						ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}},
						PeriodSeconds: 1,
					},
				}},
			},
		}
	}
	for _, p := range []*corev1.Pod{dockerPod("web-1", image), dockerPod("web-2", image), dockerPod("missing", "marina-e2e/missing:none")} {
		created, err := pods.Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, string(created.UID))
	}

	ips := map[string]bool{}
	for _, name := range []string{"web-1", "web-2"} {
		var pod *corev1.Pod
		eventually(t, 60*time.Second, func() error {
			var err error
			pod, err = podRunning(s, name)
			return err
		})
		if !strings.HasPrefix(pod.Status.ContainerStatuses[0].ContainerID, "docker://") {
			t.Errorf("%s: container ID %q", name, pod.Status.ContainerStatuses[0].ContainerID)
		}
		ips[pod.Status.PodIP] = true
		resp, err := http.Get("http://" + pod.Status.PodIP + ":8080/")
		if err != nil {
			t.Fatalf("GET %s: %v", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", name, resp.StatusCode)
		}
	}
	if len(ips) != 2 {
		t.Errorf("the two replicas share an address: %v", ips)
	}

	if out := s.MustKubectl("logs", "web-1"); out != "serving as web-1\n" {
		t.Errorf("kubectl logs web-1: %q", out)
	}
	if out := s.MustKubectl("exec", "web-1", "--", "/server", "echo", "in", "docker"); out != "in docker\n" {
		t.Errorf("kubectl exec: %q", out)
	}
	portForwardGet(t, s, "pod/web-2", 8080, "hello from web-2")

	// Services from inside a container: the pod's resolver is the
	// cluster DNS with the Kubernetes search path, so the short name
	// resolves, and the cluster IP is reached through the node.
	s.MustKubectl("expose", "pod", "web-1", "--name", "web", "--port", "80", "--target-port", "8080", "--selector", "app=web")
	svc, err := s.Client.CoreV1().Services("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() error {
		out, _, err := s.Kubectl("exec", "web-1", "--", "/server", "lookup", "web")
		if err != nil || out != svc.Spec.ClusterIP+" <nil>\n" {
			return fmt.Errorf("lookup web in a Docker pod: %q %v, want %s", out, err, svc.Spec.ClusterIP)
		}
		return nil
	})
	eventually(t, 10*time.Second, func() error {
		out, _, err := s.Kubectl("exec", "web-1", "--", "/server", "get", "http://web.default/")
		if err != nil || !strings.HasPrefix(out, "hello from web-") {
			return fmt.Errorf("GET http://web.default/ from a Docker pod: %q %v", out, err)
		}
		return nil
	})

	eventually(t, 30*time.Second, func() error {
		p, err := pods.Get(ctx, "missing", metav1.GetOptions{})
		if err != nil {
			return err
		}
		cs := p.Status.ContainerStatuses
		if len(cs) != 1 || cs[0].State.Waiting == nil || cs[0].State.Waiting.Reason != "ImagePullBackOff" {
			return fmt.Errorf("missing: %+v", cs)
		}
		return nil
	})
	if err := hasEvents(s, "missing", `Failed: Failed to pull image "marina-e2e/missing:none"`); err != nil {
		t.Error(err)
	}

	// SIGKILL the agent: the containers keep running and are re-adopted.
	before, err := podRunning(s, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	s.Kill()
	s.Start()
	if p, err := pods.Create(ctx, dockerPod("after-restart", image), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	} else {
		uids = append(uids, string(p.UID))
	}
	eventually(t, 60*time.Second, func() error { _, err := podRunning(s, "after-restart"); return err })
	after, err := podRunning(s, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	b, a := before.Status.ContainerStatuses[0], after.Status.ContainerStatuses[0]
	if a.ContainerID != b.ContainerID || a.RestartCount != b.RestartCount || after.Status.PodIP != before.Status.PodIP {
		t.Errorf("across the agent restart web-1 changed: %s/%d/%s → %s/%d/%s",
			b.ContainerID, b.RestartCount, before.Status.PodIP, a.ContainerID, a.RestartCount, after.Status.PodIP)
	}

	// Deleting a pod removes its containers and sandbox.
	deletePodAndWait(t, s, "web-2")
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=io.marina.pod.uid="+uids[1]).Output()
	if ids := strings.Fields(string(out)); len(ids) != 0 {
		t.Errorf("web-2's Docker containers are left: %v", ids)
	}
}
