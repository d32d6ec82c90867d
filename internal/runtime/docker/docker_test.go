package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// dockerClient connects to Docker. Without Docker the test is skipped,
// except under CI=true, where it fails.
func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	cli, err := Connect(context.Background())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker: %v", err)
		}
		t.Skipf("docker: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// buildTestbin compiles testdata/testbin, static unless cgo.
func buildTestbin(t *testing.T, cgo bool) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "testbin")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/testbin")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if cgo {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build testbin: %v\n%s", err, b)
	}
	return out
}

// removeImageAtEnd removes the image when the test ends, with the
// containers still using it.
func removeImageAtEnd(t *testing.T, cli client.APIClient, ref string) {
	t.Cleanup(func() {
		_, err := cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove image %s: %v", ref, err)
		}
	})
}

// removeImageAtEndIfPresent removes the image when the test ends, if it
// is still there.
func removeImageAtEndIfPresent(t *testing.T, cli client.APIClient, ref string) {
	t.Cleanup(func() { _, _ = cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true}) })
}

// removePodAtEnd force-removes every container of the pod when the test
// ends, whatever the runtime under test did.
func removePodAtEnd(t *testing.T, cli client.APIClient, podUID string) {
	t.Cleanup(func() {
		ctx := context.Background()
		list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", labelPodUID+"="+podUID))})
		if err != nil {
			t.Errorf("list the pod's containers: %v", err)
			return
		}
		for _, c := range list {
			if err := cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
				t.Errorf("remove container %s: %v", c.Names, err)
			}
		}
	})
}

func newRuntime(t *testing.T, root, sandboxImage string) *Runtime {
	t.Helper()
	r, err := New(context.Background(), root, sandboxImage, "docker-test-"+filepath.Base(root), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// eventually retries f for up to 10 seconds until it returns nil.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = f(); err == nil {
			return
		}
	}
	t.Fatalf("%s: %v", what, err)
}

// logRecords counts the CRI records "<stream> F <content>" in the log.
func logRecords(t *testing.T, path, stream, content string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT[0-9:.]+Z ` + stream + ` F ` + regexp.QuoteMeta(content) + `$`)
	return len(re.FindAll(b, -1))
}

func waitLog(t *testing.T, path, stream, content string) {
	t.Helper()
	eventually(t, fmt.Sprintf("log %s %q", stream, content), func() error {
		if logRecords(t, path, stream, content) == 0 {
			b, _ := os.ReadFile(path)
			return fmt.Errorf("not in the log:\n%s", b)
		}
		return nil
	})
}

func freePort(t *testing.T) int32 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return int32(l.Addr().(*net.TCPAddr).Port)
}

func httpGet(url string) (string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func exitedWith(t *testing.T, r *Runtime, id string, code int) runtime.ContainerStatus {
	t.Helper()
	var st runtime.ContainerStatus
	eventually(t, "container "+id+" exits", func() error {
		var err error
		if st, err = r.Status(context.Background(), id); err != nil {
			return err
		}
		if st.State != runtime.Exited || st.ExitCode != code {
			return fmt.Errorf("state %s, exit code %d, want exited with %d", st.State, st.ExitCode, code)
		}
		return nil
	})
	return st
}

// TestPodLifecycle runs a pod through the docker runtime: sandbox, a
// server reached on the pod's IP, logs, exec, exits, an agent restart,
// stop, removal.
func TestPodLifecycle(t *testing.T) {
	ctx := context.Background()
	cli := dockerClient(t)
	bin := buildTestbin(t, false)

	sandboxImage, err := EnsureSandboxImage(ctx, cli, bin)
	if err != nil {
		t.Fatal(err)
	}
	removeImageAtEnd(t, cli, sandboxImage)
	if again, err := EnsureSandboxImage(ctx, cli, bin); err != nil || again != sandboxImage {
		t.Fatalf("EnsureSandboxImage again = %q, %v; want %q", again, err, sandboxImage)
	}
	suffix := fmt.Sprint(time.Now().UnixNano())
	appImage := "marina-test/app:" + suffix
	if err := buildImage(ctx, cli, appImage, map[string]string{"/app": bin}, []string{"/app", "serve", ":8080"}); err != nil {
		t.Fatal(err)
	}
	removeImageAtEnd(t, cli, appImage)

	root := t.TempDir()
	r := newRuntime(t, root, sandboxImage)
	defer func() { r.Close() }()
	podUID := "pod-" + suffix
	removePodAtEnd(t, cli, podUID)
	hostPort := freePort(t)
	pod := runtime.SandboxConfig{
		PodUID: podUID, PodNamespace: "default", PodName: "web", Hostname: "web",
		Ports: []runtime.Port{{ContainerPort: 8080, HostPort: hostPort, Protocol: "TCP"}, {ContainerPort: 9090}},
	}
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "file"), []byte("mounted"), 0o644); err != nil {
		t.Fatal(err)
	}
	uid, gid := int64(1234), int64(5678)
	config := func(name string, attempt int, command ...string) runtime.ContainerConfig {
		return runtime.ContainerConfig{
			ID: fmt.Sprintf("%s_%s_%d", podUID, name, attempt), PodUID: podUID, PodNamespace: "default", PodName: "web",
			Name: name, Attempt: attempt, Image: appImage, PullPolicy: "IfNotPresent", Command: command,
			Env:       []string{"GREETING=hello"},
			Resources: runtime.Resources{CPURequestMilli: 100, CPULimitMilli: 500, MemoryLimitBytes: 64 << 20},
		}
	}

	ip, err := r.PrepareSandbox(ctx, pod)
	if err != nil || ip == "" {
		t.Fatalf("PrepareSandbox = %q, %v", ip, err)
	}
	if again, err := r.PrepareSandbox(ctx, pod); err != nil || again != ip {
		t.Fatalf("PrepareSandbox again = %q, %v; want %q", again, err, ip)
	}

	// A server in the sandbox answers on the pod's IP.
	server := config("server", 0)
	server.Mounts = []runtime.Mount{{HostPath: data, ContainerPath: "/data", ReadOnly: true}}
	server.User, server.Group, server.Groups = &uid, &gid, []int64{42}
	st, err := r.Start(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != runtime.Running || st.PID == 0 || st.ID != server.ID || st.Name != "server" || st.PodUID != podUID || st.ImageID == "" || st.StartedAt.IsZero() {
		t.Fatalf("Start = %+v", st)
	}
	var body string
	eventually(t, "GET the server", func() (err error) {
		body, err = httpGet("http://" + ip + ":8080/hello")
		return err
	})
	if body != "hello from web\n" {
		t.Errorf("server says %q, want %q", body, "hello from web\n")
	}
	if body, err := httpGet(fmt.Sprintf("http://127.0.0.1:%d/published", hostPort)); err != nil || body != "hello from web\n" {
		t.Errorf("GET the published port: %q, %v", body, err)
	}
	if stats, err := r.Stats(ctx, server.ID); err != nil || stats.MemoryBytes <= 0 || stats.CPU <= 0 || stats.Time.IsZero() {
		t.Errorf("stats of the running server: %+v, %v", stats, err)
	}
	dockerID, err := r.DockerID(ctx, server.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cli.ContainerInspect(ctx, dockerID)
	if err != nil {
		t.Fatal(err)
	}
	if res := c.HostConfig.Resources; res.CPUShares != 102 || res.CPUQuota != 50_000 || res.CPUPeriod != 100_000 || res.Memory != 64<<20 {
		t.Errorf("resources: shares %d, quota %d/%d, memory %d", res.CPUShares, res.CPUQuota, res.CPUPeriod, res.Memory)
	}
	if c.Name != "/marina_"+server.ID || c.Config.Labels[labelPodName] != "web" || c.Config.Labels[labelPodNamespace] != "default" {
		t.Errorf("name %s, labels %v", c.Name, c.Config.Labels)
	}
	waitLog(t, st.LogPath, "stdout", "listening on :8080")
	waitLog(t, st.LogPath, "stderr", "a line on stderr")
	waitLog(t, st.LogPath, "stdout", "GET /hello")

	t.Run("Exec", func(t *testing.T) {
		tests := []struct {
			name     string
			req      runtime.ExecRequest
			code     int
			stdout   string
			contains bool
		}{
			{name: "echo", req: runtime.ExecRequest{Command: []string{"/app", "echo", "a", "b"}}, stdout: "a b\n"},
			{name: "exit code", req: runtime.ExecRequest{Command: []string{"/app", "exit", "3"}}, code: 3},
			{name: "stdin", req: runtime.ExecRequest{Command: []string{"/app", "cat"}, Stdin: strings.NewReader("from stdin")}, stdout: "from stdin"},
			{name: "bind mount", req: runtime.ExecRequest{Command: []string{"/app", "read", "/data/file"}}, stdout: "mounted"},
			{name: "user", req: runtime.ExecRequest{Command: []string{"/app", "id"}}, stdout: "1234 5678 [42 5678]\n"},
			{name: "tty", req: runtime.ExecRequest{Command: []string{"/app", "echo", "on a tty"}, TTY: true, Resize: make(chan runtime.TerminalSize)}, stdout: "on a tty", contains: true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var out bytes.Buffer
				tc.req.Stdout = &out
				code, err := r.Exec(ctx, server.ID, tc.req)
				if err != nil || code != tc.code {
					t.Fatalf("Exec = %d, %v; want %d", code, err, tc.code)
				}
				if tc.contains && !strings.Contains(out.String(), tc.stdout) || !tc.contains && out.String() != tc.stdout {
					t.Errorf("stdout %q, want %q", out.String(), tc.stdout)
				}
			})
		}
		t.Run("cancel", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			if _, err := r.Exec(ctx, server.ID, runtime.ExecRequest{Command: []string{"/app", "hang"}}); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Exec until ctx ends: %v, want DeadlineExceeded", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Exec returned %v after ctx ended", took)
			}
		})
		if _, err := r.Exec(ctx, podUID+"_nothing_0", runtime.ExecRequest{Command: []string{"/app"}}); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("Exec in a missing container: %v, want ErrNotFound", err)
		}
	})

	// A container that exits reports how.
	exiter := config("exiter", 0, "/app", "exit", "7")
	if _, err := r.Start(ctx, exiter); err != nil {
		t.Fatal(err)
	}
	est := exitedWith(t, r, exiter.ID, 7)
	if est.FinishedAt.Before(est.StartedAt) || est.FinishedAt.IsZero() {
		t.Errorf("exited container: started %v, finished %v", est.StartedAt, est.FinishedAt)
	}
	waitLog(t, est.LogPath, "stderr", "exiting 7")

	// A container that ignores SIGTERM is killed after its grace period.
	hanger := config("hanger", 0, "/app", "hang")
	if _, err := r.Start(ctx, hanger); err != nil {
		t.Fatal(err)
	}
	waitLog(t, r.logPath(hanger.ID), "stdout", "hanging")
	start := time.Now()
	if err := r.Stop(ctx, hanger.ID, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("Stop with 0.5s grace took %v; want the grace rounded up to 1s", took)
	}
	exitedWith(t, r, hanger.ID, 137)

	// A container that cannot start stays, as exited with Docker's error.
	broken := config("broken", 0, "/not-there")
	if _, err := r.Start(ctx, broken); err == nil {
		t.Error("Start of a missing command succeeded")
	}
	if bst, err := r.Status(ctx, broken.ID); err != nil || bst.State != runtime.Exited || bst.ExitCode == 0 || bst.Reason == "" || bst.FinishedAt.IsZero() {
		t.Errorf("Status of a container that could not start = %+v, %v", bst, err)
	}

	// An image that is not there, with pull policy Never.
	missing := config("missing", 0)
	missing.Image, missing.PullPolicy = "marina-test/missing:"+suffix, "Never"
	var pullErr *runtime.ImagePullError
	if _, err := r.Start(ctx, missing); !errors.As(err, &pullErr) || pullErr.Image != missing.Image {
		t.Errorf("Start with a missing image and pull policy Never: %v, want an ImagePullError", err)
	}

	// The agent restarts: a new runtime finds the containers and follows
	// the logs on from where they were.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := httpGet("http://" + ip + ":8080/while-away"); err != nil {
		t.Fatal(err)
	}
	r = newRuntime(t, root, sandboxImage)
	list, err := r.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]runtime.ContainerStatus{}
	for _, c := range list {
		found[c.ID] = c
	}
	if c := found[server.ID]; c.State != runtime.Running || c.Attempt != 0 || c.Name != "server" {
		t.Errorf("List after a restart: server %+v", c)
	}
	if c := found[exiter.ID]; c.State != runtime.Exited || c.ExitCode != 7 {
		t.Errorf("List after a restart: exiter %+v", c)
	}
	if _, err := httpGet("http://" + ip + ":8080/after"); err != nil {
		t.Fatal(err)
	}
	waitLog(t, st.LogPath, "stdout", "GET /after")
	for _, line := range []string{"listening on :8080", "GET /hello", "GET /while-away"} {
		if n := logRecords(t, st.LogPath, "stdout", line); n != 1 {
			t.Errorf("%q is %d times in the log, want once", line, n)
		}
	}

	// Stop with grace: the server ends on SIGTERM.
	if err := r.Stop(ctx, server.ID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	exitedWith(t, r, server.ID, 0)
	if n := logRecords(t, st.LogPath, "stdout", "terminating"); n != 1 {
		t.Errorf("the log has %q %d times after Stop, want once", "terminating", n)
	}
	for _, id := range []string{server.ID, podUID + "_nothing_0"} {
		if err := r.Stop(ctx, id, time.Second); err != nil {
			t.Errorf("Stop(%s) of a stopped or missing container: %v", id, err)
		}
	}

	for _, c := range []runtime.ContainerConfig{server, exiter, hanger, broken} {
		if err := r.Remove(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Status(ctx, c.ID); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("Status after Remove: %v, want ErrNotFound", err)
		}
		if _, err := os.Stat(filepath.Dir(r.logPath(c.ID))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("log dir after Remove: %v", err)
		}
	}

	// A stopped sandbox (a reboot) is started again.
	if err := cli.ContainerStop(ctx, sandboxName(podUID), container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	if ip, err := r.PrepareSandbox(ctx, pod); err != nil || ip == "" {
		t.Fatalf("PrepareSandbox of a stopped sandbox = %q, %v", ip, err)
	}
	for range 2 {
		if err := r.RemoveSandbox(ctx, podUID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cli.ContainerInspect(ctx, sandboxName(podUID)); !cerrdefs.IsNotFound(err) {
		t.Errorf("sandbox after RemoveSandbox: %v", err)
	}
}

// TestDynamicSandboxBinary builds the sandbox image from a binary linked
// with cgo, as the marina binary may be, and runs it.
func TestDynamicSandboxBinary(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no C compiler for cgo")
	}
	ctx := context.Background()
	cli := dockerClient(t)
	bin := buildTestbin(t, true)
	if libs, err := sharedLibraries(bin); err != nil || len(libs) == 0 {
		t.Skipf("testbin built with cgo is static (%v)", err)
	}
	sandboxImage, err := EnsureSandboxImage(ctx, cli, bin)
	if err != nil {
		t.Fatal(err)
	}
	removeImageAtEnd(t, cli, sandboxImage)
	r := newRuntime(t, t.TempDir(), sandboxImage)
	defer r.Close()
	podUID := fmt.Sprint("pod-", time.Now().UnixNano())
	removePodAtEnd(t, cli, podUID)
	if ip, err := r.PrepareSandbox(ctx, runtime.SandboxConfig{PodUID: podUID, Hostname: "dyn"}); err != nil || ip == "" {
		t.Fatalf("PrepareSandbox = %q, %v", ip, err)
	}
	time.Sleep(300 * time.Millisecond)
	c, err := cli.ContainerInspect(ctx, sandboxName(podUID))
	if err != nil {
		t.Fatal(err)
	}
	if !c.State.Running {
		t.Fatalf("sandbox of a dynamic binary: %+v", c.State)
	}
	if err := r.RemoveSandbox(ctx, podUID); err != nil {
		t.Fatal(err)
	}
}

// TestRemoveOldImages: of a repository's images, all but the one to keep
// go, unless younger than the minimum age.
func TestRemoveOldImages(t *testing.T) {
	cli := dockerClient(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := fmt.Sprintf("marina-test/gc-%d", time.Now().UnixNano())
	var tags []string
	for i := range 3 {
		tag := fmt.Sprintf("%s:v%d", repo, i)
		// Different content, different images.
		if err := os.WriteFile(file, []byte(tag), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := buildImage(ctx, cli, tag, map[string]string{"/f": file}, []string{"/f"}); err != nil {
			t.Fatal(err)
		}
		removeImageAtEndIfPresent(t, cli, tag)
		tags = append(tags, tag)
	}
	present := func(tag string) bool {
		_, err := cli.ImageInspect(ctx, tag)
		return err == nil
	}
	removeOldImages(ctx, cli, repo, tags[2], time.Hour)
	for _, tag := range tags {
		if !present(tag) {
			t.Fatalf("%s was removed although younger than the minimum age", tag)
		}
	}
	removeOldImages(ctx, cli, repo, tags[2], 0)
	if present(tags[0]) || present(tags[1]) || !present(tags[2]) {
		t.Errorf("after removing all but %s: present %v %v %v", tags[2], present(tags[0]), present(tags[1]), present(tags[2]))
	}
}
