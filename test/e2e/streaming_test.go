package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
)

// TestLogsExecPortForward drives kubectl logs, exec and port-forward
// through the API server to the agent of a process pod.
func TestLogsExecPortForward(t *testing.T) {
	s := StartUp(t, "--node-name", "n1")
	ctx := context.Background()
	pods := s.Client.CoreV1().Pods("default")
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "n1") })

	// A container that prints three lines and exits, again and again.
	if _, err := pods.Create(ctx, processPod("printer", "n1", corev1.RestartPolicyAlways,
		`echo "run $(cat /proc/uptime)"; echo second; echo third >&2; exit 1`), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A server that also prints a line a tick.
	if _, err := pods.Create(ctx, processPod("web", "n1", corev1.RestartPolicyAlways,
		`i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done & exec python3 -m http.server --bind "$POD_IP" 8080`), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error { _, err := podRunning(s, "web"); return err })

	// logs: the output of the latest attempt, and --previous after a
	// restart. (stdout and stderr are separate pipes, so "third" may come
	// first.)
	eventually(t, 40*time.Second, func() error {
		p, err := pods.Get(ctx, "printer", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cs := p.Status.ContainerStatuses; len(cs) == 0 || cs[0].RestartCount < 1 {
			return fmt.Errorf("printer has not restarted yet")
		}
		return nil
	})
	out := s.MustKubectl("logs", "printer")
	if !strings.Contains(out, "run ") || !strings.Contains(out, "second\n") || !strings.Contains(out, "third\n") {
		t.Errorf("kubectl logs printer:\n%s", out)
	}
	prev := s.MustKubectl("logs", "printer", "--previous")
	if !strings.Contains(prev, "run ") || prev == out {
		t.Errorf("kubectl logs --previous should show the attempt before (%q), got %q", out, prev)
	}
	if tail := s.MustKubectl("logs", "printer", "--tail", "1"); strings.Count(tail, "\n") != 1 {
		t.Errorf("--tail 1 gave %q", tail)
	}
	ts := s.MustKubectl("logs", "printer", "--timestamps")
	if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z second$`).MatchString(ts) {
		t.Errorf("--timestamps gave %q", ts)
	}
	if _, stderr, err := s.Kubectl("logs", "printer", "-c", "nope"); err == nil || !strings.Contains(stderr, "container nope is not valid for pod printer") {
		t.Errorf("logs -c nope: err %v, stderr %q", err, stderr)
	}

	// logs -f follows: new ticks keep arriving.
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	follow := exec.CommandContext(fctx, marinaBin, "kubectl", "--kubeconfig", s.Kubeconfig, "logs", "-f", "web", "--since", "1s")
	stdout, err := follow.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	seen := map[string]bool{}
	for sc.Scan() && len(seen) < 10 {
		if strings.HasPrefix(sc.Text(), "tick ") {
			seen[sc.Text()] = true
		}
	}
	cancel()
	_ = follow.Wait()
	if len(seen) < 10 {
		t.Errorf("logs -f saw %d ticks: %v", len(seen), seen)
	}

	// exec: output, the container's environment, stdin and exit codes.
	ip := s.MustKubectl("exec", "web", "--", "sh", "-c", `echo "$POD_IP"`)
	p, err := podRunning(s, "web")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(ip) != p.Status.PodIP {
		t.Errorf("exec saw POD_IP %q, pod IP is %s", ip, p.Status.PodIP)
	}
	cmd := exec.Command(marinaBin, "kubectl", "--kubeconfig", s.Kubeconfig, "exec", "-i", "web", "--", "tr", "a-z", "A-Z")
	cmd.Stdin = strings.NewReader("shout\n")
	if b, err := cmd.CombinedOutput(); err != nil || string(b) != "SHOUT\n" {
		t.Errorf("exec -i: %v %q", err, b)
	}
	_, _, err = s.Kubectl("exec", "web", "--", "sh", "-c", "exit 3")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("exec exit 3: kubectl ended with %v", err)
	}
	// With -t and no terminal, kubectl falls back to plain streams.
	if out, _, err := s.Kubectl("exec", "-t", "web", "--", "echo", "tty"); err != nil || !strings.Contains(out, "tty") {
		t.Errorf("exec -t: %v %q", err, out)
	}

	// A terminal, as `kubectl exec -it` asks for one from a terminal:
	// client-go's WebSocket executor (what kubectl uses) with TTY.
	if out := execTTY(t, s, "web", "tty"); !strings.HasPrefix(out, "/dev/pts/") {
		t.Errorf("exec with a TTY: tty printed %q", out)
	}

	// port-forward reaches the pod's port.
	portForwardGet(t, s, "pod/web", 8080, "Directory listing")
}

// execTTY runs command in pod's only container on a terminal, as
// `kubectl exec -it` does, and returns what it printed.
func execTTY(t *testing.T, s *Server, pod string, command ...string) string {
	t.Helper()
	req := s.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Command: command, Stdin: true, Stdout: true, TTY: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewWebSocketExecutor(s.Config, "GET", req.URL().String())
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: strings.NewReader(""), Stdout: &out, Tty: true}); err != nil {
		t.Fatalf("exec with a TTY: %v", err)
	}
	return strings.TrimSpace(out.String())
}

// portForwardGet runs kubectl port-forward to target's port and makes a
// few HTTP requests through it, each of which must answer 200 with want
// in the body.
func portForwardGet(t *testing.T, s *Server, target string, port int, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	pf := exec.CommandContext(ctx, marinaBin, "kubectl", "--kubeconfig", s.Kubeconfig, "port-forward", target, fmt.Sprintf(":%d", port))
	out, err := pf.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	pf.Stderr = os.Stderr
	if err := pf.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = pf.Wait() }()
	local := ""
	sc := bufio.NewScanner(out)
	re := regexp.MustCompile(fmt.Sprintf(`Forwarding from 127\.0\.0\.1:(\d+) -> %d`, port))
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			local = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if local == "" {
		t.Fatal("kubectl port-forward printed no local port")
	}
	for i := 0; i < 3; i++ { // several connections over one forward
		resp, err := http.Get("http://127.0.0.1:" + local + "/")
		if err != nil {
			t.Fatalf("GET through port-forward: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("through port-forward: %d %q", resp.StatusCode, body)
		}
	}
}
