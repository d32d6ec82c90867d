// Package e2e starts the real marina binary and drives it as users do:
// with client-go and with the built-in kubectl.
package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/marina-orchestrator/marina/internal/testutil/etcdtest"
	"github.com/marina-orchestrator/marina/internal/vip"
)

// marinaBin is the binary under test, built once by TestMain.
var marinaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "marina-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	marinaBin = filepath.Join(dir, "marina")
	build := exec.Command("go", "build", "-o", marinaBin, "../../cmd/marina")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build marina:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// backends are the storage backends every durability-sensitive test runs on.
var backends = []string{"bolt", "etcd"}

// Server is one marina process under test.
type Server struct {
	t       *testing.T
	DataDir string
	Listen  string
	Backend string
	// Mode is the marina command: "server" (default) or "up".
	Mode       string
	Extra      []string
	etcd       string
	cmd        *exec.Cmd
	done       chan error
	log        *os.File
	Kubeconfig string
	Config     *rest.Config
	Client     *kubernetes.Clientset
	// IngressHTTP and IngressHTTPS are where `marina up`'s agent serves
	// Ingresses: free ports, since tests run beside other Marinas.
	IngressHTTP, IngressHTTPS int
}

// apiOnly runs the server without the workload controllers, for tests of
// the API itself: they read an object and update it, and a controller
// writing its status in between would make the update conflict
// (correctly).
var apiOnly = []string{"--controllers", "scheduler,garbagecollector,namespace,nodelifecycle"}

// StartServer starts marina on a free port with the given backend ("bolt"
// or "etcd", for which an embedded etcd is started) and waits for /readyz.
func StartServer(t *testing.T, backend string) *Server {
	t.Helper()
	return start(t, &Server{Backend: backend, Mode: "server"})
}

// StartUp runs `marina up` (server and agent in one process) on bolt with
// extra flags.
func StartUp(t *testing.T, extra ...string) *Server {
	t.Helper()
	return start(t, &Server{Backend: "bolt", Mode: "up", Extra: extra})
}

func start(t *testing.T, s *Server) *Server {
	t.Helper()
	*s = Server{
		Mode:    s.Mode,
		Extra:   s.Extra,
		t:       t,
		DataDir: t.TempDir(),
		Listen:  fmt.Sprintf("127.0.0.1:%d", etcdtest.FreePort(t)),
		Backend: s.Backend,
	}
	if s.Backend == "etcd" {
		s.etcd = etcdtest.Start(t)
	}
	if s.Mode == "up" {
		s.IngressHTTP, s.IngressHTTPS = etcdtest.FreePort(t), etcdtest.FreePort(t)
	}
	s.Kubeconfig = filepath.Join(s.DataDir, "kubeconfig.yaml")
	s.Start()
	t.Cleanup(func() {
		s.Stop()
		killContainers(s.DataDir)
		deleteServiceDevice(s.DataDir)
	})
	return s
}

// deleteServiceDevice removes the network device on which the cluster's
// agents put its service addresses; agents leave it, as kube-proxy
// leaves its rules.
func deleteServiceDevice(dataDir string) {
	if ca, err := os.ReadFile(filepath.Join(dataDir, "ca.crt")); err == nil {
		_ = exec.Command("ip", "link", "del", vip.DeviceName(ca)).Run()
	}
}

// Start (re)starts the process on the same data dir and port.
func (s *Server) Start() {
	s.t.Helper()
	args := []string{s.Mode, "--data-dir", s.DataDir, "--listen", s.Listen, "--datastore", s.Backend}
	if s.etcd != "" {
		args = append(args, "--etcd-endpoints", s.etcd)
	}
	if s.Mode == "up" {
		// Tests run side by side: no fixed agent port. Only tests that
		// ask for the docker runtime get it.
		args = append(args, "--agent-port", "0")
		if !slices.Contains(s.Extra, "--runtimes") {
			args = append(args, "--runtimes", "process")
		}
		args = append(args, "--ingress-http-port", strconv.Itoa(s.IngressHTTP), "--ingress-https-port", strconv.Itoa(s.IngressHTTPS))
	}
	args = append(args, s.Extra...)
	log, err := os.OpenFile(filepath.Join(s.DataDir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	s.log = log
	s.cmd = exec.Command(marinaBin, args...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start marina: %v", err)
	}
	s.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(s.cmd, s.done)
	s.waitReady(60 * time.Second)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		s.t.Fatalf("load kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	s.Config = cfg
	s.Client = kubernetes.NewForConfigOrDie(cfg)
}

func (s *Server) waitReady(timeout time.Duration) {
	s.t.Helper()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.t.Fatalf("marina exited before it was ready: %v\n%s", err, s.Log())
		default:
		}
		resp, err := client.Get("https://" + s.Listen + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("marina not ready after %s\n%s", timeout, s.Log())
}

// Log returns what the server printed.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.DataDir, "server.log"))
	return string(b)
}

// Stop ends the process with SIGTERM, as an operator would.
func (s *Server) Stop() {
	s.signal(syscall.SIGTERM)
}

// Kill ends the process with SIGKILL: no chance to flush anything.
func (s *Server) Kill() {
	s.signal(syscall.SIGKILL)
}

func (s *Server) signal(sig syscall.Signal) {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.log.Close()
	s.cmd = nil
}

// Kubectl runs `marina kubectl args...` against the server and returns
// stdout, stderr and the error.
func (s *Server) Kubectl(args ...string) (string, string, error) {
	return s.KubectlEnv(nil, args...)
}

// KubectlEnv runs kubectl with extra environment variables.
func (s *Server) KubectlEnv(env []string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, marinaBin, append([]string{"kubectl"}, args...)...)
	cmd.Env = append(append(os.Environ(), "KUBECONFIG="+s.Kubeconfig), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// MustKubectl runs kubectl and fails the test if it fails.
func (s *Server) MustKubectl(args ...string) string {
	s.t.Helper()
	out, errOut, err := s.Kubectl(args...)
	if err != nil {
		s.t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// eventually retries check until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("condition not met after %s: %v", timeout, err)
}

func writeFile(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o600)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// killContainers ends the process-runtime containers and shims left under
// a data dir: by design they outlive the agent, so a test must end them.
func killContainers(dataDir string) {
	states, _ := filepath.Glob(filepath.Join(dataDir, "agent", "containers", "*", "state.json"))
	for _, p := range states {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var st struct {
			PID int `json:"pid"`
		}
		if json.Unmarshal(b, &st) == nil && st.PID > 0 {
			_ = syscall.Kill(-st.PID, syscall.SIGKILL)
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(dataDir)) || !bytes.Contains(b, []byte("shim")) {
			continue
		}
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(filepath.Dir(p)), "%d", &pid); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// Agent is a `marina agent` process joined to a server, running pods
// with the process runtime.
type Agent struct {
	t       *testing.T
	s       *Server
	Name    string
	DataDir string
	cmd     *exec.Cmd
}

// StartAgent runs an agent named name against s, with a heartbeat every
// 500ms and its data in a directory of its own. It is stopped, and its
// processes killed, when the test ends.
func (s *Server) StartAgent(name string) *Agent {
	s.t.Helper()
	root := s.t.TempDir()
	a := &Agent{t: s.t, s: s, Name: name, DataDir: filepath.Join(root, "agent")} // as killContainers expects
	a.Start()
	s.t.Cleanup(func() {
		a.Stop()
		killContainers(root)
	})
	return a
}

// Start (re)starts the agent on its data dir.
func (a *Agent) Start() {
	a.t.Helper()
	a.cmd = exec.Command(marinaBin, "agent", "--server", "https://"+a.s.Listen,
		"--token-file", filepath.Join(a.s.DataDir, "node-token"), "--node-name", a.Name, "--data-dir", a.DataDir,
		"--heartbeat-interval", "500ms", "--port", "0", "--runtimes", "process",
		"--ingress-http-port", "0", "--ingress-https-port", "0")
	a.cmd.Stdout, a.cmd.Stderr = a.s.log, a.s.log
	if err := a.cmd.Start(); err != nil {
		a.t.Fatalf("start agent %s: %v", a.Name, err)
	}
}

// Stop ends the agent with SIGTERM and waits for it.
func (a *Agent) Stop() { a.signal(syscall.SIGTERM) }

// Kill ends the agent with SIGKILL, as a crash would.
func (a *Agent) Kill() { a.signal(syscall.SIGKILL) }

func (a *Agent) signal(sig syscall.Signal) {
	if a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Signal(sig)
	_ = a.cmd.Wait()
	a.cmd = nil
}
