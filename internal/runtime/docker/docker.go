package docker

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// Name is the RuntimeClass handler of this runtime.
const Name = "docker"

// Labels on the containers the runtime creates; see the package doc.
const (
	labelType         = "io.marina.type"
	labelOwner        = "io.marina.owner" // the agent that made it; see New
	labelPodUID       = "io.marina.pod.uid"
	labelPodNamespace = "io.marina.pod.namespace"
	labelPodName      = "io.marina.pod.name"
	labelID           = "io.marina.container.id"
	labelName         = "io.marina.container.name"
	labelAttempt      = "io.marina.container.attempt"

	typeSandbox   = "sandbox"
	typeContainer = "container"
)

// Runtime is the docker runtime. Its methods may be called concurrently.
type Runtime struct {
	cli          client.APIClient
	root         string // <root>/<ID>/container.log
	sandboxImage string
	owner        string // value of labelOwner on what this runtime creates
	log          *slog.Logger

	ctx       context.Context // the followers' life, ended by Close
	cancel    context.CancelFunc
	mu        sync.Mutex
	followers map[string]*follower // by container ID
}

var _ runtime.Runtime = (*Runtime)(nil)

// Connect returns a client of the Docker daemon named by the DOCKER_HOST
// family of variables (the local socket by default), speaking the newest
// API version both sides know, once the daemon has answered a ping. The
// caller closes it.
func Connect(ctx context.Context) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("docker does not answer: %w", err)
	}
	return cli, nil
}

// New connects to Docker and returns the runtime, or an error if Docker
// does not answer (the agent then does not offer the runtime). Pods'
// sandboxes run sandboxImage, usually from EnsureSandboxImage. root holds
// the containers' CRI-format logs. New re-adopts the containers a previous
// runtime created: it resumes following their logs. Close stops that.
//
// owner names the agent: containers carry it, and the runtime lists, and
// so re-adopts and cleans up, only its own, so several agents (or several
// Marinas) can share one Docker daemon.
func New(ctx context.Context, root, sandboxImage, owner string, log *slog.Logger) (*Runtime, error) {
	cli, err := Connect(ctx)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		cli.Close()
		return nil, err
	}
	r := &Runtime{cli: cli, root: root, sandboxImage: sandboxImage, owner: owner, log: log, followers: map[string]*follower{}}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	if err := r.adopt(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("re-adopt docker containers: %w", err)
	}
	return r, nil
}

// Close stops following the containers' logs and closes the client. The
// containers keep running; a new Runtime re-adopts them.
func (r *Runtime) Close() error {
	r.cancel()
	r.mu.Lock()
	followers := make([]*follower, 0, len(r.followers))
	for _, f := range r.followers {
		followers = append(followers, f)
	}
	r.mu.Unlock()
	for _, f := range followers {
		<-f.done
	}
	return r.cli.Close()
}

func (r *Runtime) Name() string { return Name }

// validID is what a Docker container name allows after "marina_".
var validID = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// containerName is the Docker name of the container with Marina's ID id.
func containerName(id string) string { return "marina_" + id }

func (r *Runtime) logPath(id string) string { return filepath.Join(r.root, id, "container.log") }

// Start pulls the image as cfg.PullPolicy says, makes sure the pod's
// sandbox runs (PrepareSandbox with the pod's name as hostname and no
// ports, if the agent has not prepared it), then creates and starts the
// container in the sandbox's namespaces and starts following its log. If
// the container was created but could not start, it stays, reported as
// exited with Docker's error, and Start returns that status and the error.
func (r *Runtime) Start(ctx context.Context, cfg runtime.ContainerConfig) (runtime.ContainerStatus, error) {
	if !validID.MatchString(cfg.ID) {
		return runtime.ContainerStatus{}, fmt.Errorf("container ID %q cannot be part of a Docker container name", cfg.ID)
	}
	if err := r.ensureImage(ctx, cfg.Image, cfg.PullPolicy); err != nil {
		return runtime.ContainerStatus{}, err
	}
	sandboxID, _, err := r.prepareSandbox(ctx, runtime.SandboxConfig{
		PodUID: cfg.PodUID, PodNamespace: cfg.PodNamespace, PodName: cfg.PodName, Hostname: cfg.PodName,
	})
	if err != nil {
		return runtime.ContainerStatus{}, err
	}
	config, host, err := containerConfig(cfg, sandboxID, r.owner)
	if err != nil {
		return runtime.ContainerStatus{}, err
	}
	// Docker refuses a second container with the ID's name before the
	// log of the first one is touched.
	created, err := r.cli.ContainerCreate(ctx, config, host, nil, nil, containerName(cfg.ID))
	if err != nil {
		return runtime.ContainerStatus{}, fmt.Errorf("create container: %w", err)
	}
	w, err := r.openLog(cfg.ID, cfg.LogMaxSize, cfg.LogMaxFiles)
	if err != nil {
		_ = r.cli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true})
		return runtime.ContainerStatus{}, err
	}
	if err := r.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		w.Close()
		st, _ := r.Status(ctx, cfg.ID)
		return st, fmt.Errorf("start container: %w", err)
	}
	r.follow(cfg.ID, w)
	return r.Status(ctx, cfg.ID)
}

// Status inspects the container.
func (r *Runtime) Status(ctx context.Context, id string) (runtime.ContainerStatus, error) {
	c, err := r.cli.ContainerInspect(ctx, containerName(id))
	if cerrdefs.IsNotFound(err) {
		return runtime.ContainerStatus{}, runtime.ErrNotFound
	}
	if err != nil {
		return runtime.ContainerStatus{}, fmt.Errorf("inspect container %s: %w", id, err)
	}
	st, ok := r.status(c)
	if !ok || st.ID != id {
		return runtime.ContainerStatus{}, runtime.ErrNotFound // not one of ours
	}
	return st, nil
}

// DockerID returns the Docker ID of the container with Marina's ID id, for
// those who look at Docker directly.
func (r *Runtime) DockerID(ctx context.Context, id string) (string, error) {
	c, err := r.cli.ContainerInspect(ctx, containerName(id))
	if cerrdefs.IsNotFound(err) {
		return "", runtime.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("inspect container %s: %w", id, err)
	}
	return c.ID, nil
}

// Stop has Docker send the container's stop signal (SIGTERM unless its
// image says otherwise) and SIGKILL after grace, rounded up to seconds. It
// returns once the container has stopped and its follower has copied the
// last of its log (or a moment has passed).
func (r *Runtime) Stop(ctx context.Context, id string, grace time.Duration) error {
	secs := max(0, int(math.Ceil(grace.Seconds())))
	name := containerName(id)
	err := r.cli.ContainerStop(ctx, name, container.StopOptions{Timeout: &secs})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stop container %s: %w", id, err)
	}
	waited, errc := r.cli.ContainerWait(ctx, name, container.WaitConditionNotRunning)
	select {
	case <-waited:
	case err := <-errc:
		if err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("wait for container %s to stop: %w", id, err)
		}
	}
	r.waitFollower(id, 2*time.Second)
	return nil
}

// Remove removes the stopped container, its anonymous volumes and its
// log. Removing a running container is an error.
func (r *Runtime) Remove(ctx context.Context, id string) error {
	err := r.cli.ContainerRemove(ctx, containerName(id), container.RemoveOptions{RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	r.stopFollower(id)
	return os.RemoveAll(filepath.Dir(r.logPath(id)))
}

// List inspects every container labelled as Marina's.
func (r *Runtime) List(ctx context.Context, podUID string) ([]runtime.ContainerStatus, error) {
	cs, err := r.inspectAll(ctx, typeContainer, podUID)
	if err != nil {
		return nil, err
	}
	var out []runtime.ContainerStatus
	for _, c := range cs {
		if st, ok := r.status(c); ok {
			out = append(out, st)
		}
	}
	return out, nil
}

// inspectAll inspects this runtime's containers of type typ: of the pod
// with podUID, or all of them when it is "".
func (r *Runtime) inspectAll(ctx context.Context, typ, podUID string) ([]container.InspectResponse, error) {
	f := filters.NewArgs(filters.Arg("label", labelType+"="+typ), filters.Arg("label", labelOwner+"="+r.owner))
	if podUID != "" {
		f.Add("label", labelPodUID+"="+podUID)
	}
	list, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list docker containers: %w", err)
	}
	out := make([]container.InspectResponse, 0, len(list))
	for _, s := range list {
		c, err := r.cli.ContainerInspect(ctx, s.ID)
		if cerrdefs.IsNotFound(err) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("inspect container %s: %w", s.ID, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// status converts Docker's view of one of Marina's containers; false if c
// is not one.
func (r *Runtime) status(c container.InspectResponse) (runtime.ContainerStatus, bool) {
	if c.ContainerJSONBase == nil || c.State == nil || c.Config == nil {
		return runtime.ContainerStatus{}, false
	}
	l := c.Config.Labels
	if l[labelType] != typeContainer || l[labelID] == "" {
		return runtime.ContainerStatus{}, false
	}
	attempt, _ := strconv.Atoi(l[labelAttempt])
	st := runtime.ContainerStatus{
		ID:         l[labelID],
		PodUID:     l[labelPodUID],
		Name:       l[labelName],
		Attempt:    attempt,
		State:      runtime.Exited,
		PID:        c.State.Pid,
		ExitCode:   c.State.ExitCode,
		Reason:     c.State.Error,
		StartedAt:  parseTime(c.State.StartedAt),
		FinishedAt: parseTime(c.State.FinishedAt),
		LogPath:    r.logPath(l[labelID]),
		ImageID:    c.Image,
	}
	if !st.FinishedAt.IsZero() && st.FinishedAt.Before(st.StartedAt) {
		// Docker records the start after the runtime reports it, which
		// can be after a quick command has already ended.
		st.StartedAt = st.FinishedAt
	}
	switch {
	case c.State.Running:
		st.State, st.Reason = runtime.Running, ""
	case c.State.OOMKilled:
		st.Reason = "OOMKilled"
	case c.State.Status == container.StateCreated:
		// Never started: it failed to, or the agent stopped in between.
		// Report it as having ended at creation, with a failure code, so
		// that restarts back off as after a crash.
		created := parseTime(c.Created)
		st.StartedAt, st.FinishedAt = created, created
		if st.ExitCode == 0 {
			st.ExitCode = 128
		}
		if st.Reason == "" {
			st.Reason = "StartError"
		}
	}
	return st, true
}

// parseTime parses Docker's RFC 3339 times; Docker's zero time
// (0001-01-01T00:00:00Z) and garbage are the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}
