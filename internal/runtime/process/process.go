// Package process runs containers as plain processes on the node. Each
// container runs under a shim: the marina binary re-executed in its own
// session (`marina shim --dir DIR`), which starts the command in its own
// process group, writes its PID and, when it ends, its exit status into
// DIR. The shim, not the agent, is the command's parent, so containers
// outlive an agent restart and a restarted agent re-adopts them by reading
// the directories.
//
//	DIR/config.json   what to run           (written by the agent)
//	DIR/state.json    pid and start time     (written by the shim)
//	DIR/exit.json     exit code and end time (written by the shim)
//	DIR/container.log stdout and stderr
package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// Name is the RuntimeClass handler of this runtime.
const Name = "process"

// Runtime is the process runtime.
type Runtime struct {
	// Root holds one directory per container.
	Root string
	// Shim is the command that starts a shim; the marina binary and its
	// "shim" subcommand.
	Shim []string
}

var _ runtime.Runtime = (*Runtime)(nil)

// New returns a runtime keeping its containers under root.
func New(root string) (*Runtime, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the marina binary for the shim: %w", err)
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, err
	}
	return &Runtime{Root: root, Shim: []string{self, "shim"}}, nil
}

func (r *Runtime) Name() string { return Name }

// PrepareSandbox does nothing: process pods share the node's network, and
// the agent gives each its own loopback address.
func (r *Runtime) PrepareSandbox(context.Context, runtime.SandboxConfig) (string, error) {
	return "", nil
}

// RemoveSandbox does nothing; see PrepareSandbox.
func (r *Runtime) RemoveSandbox(context.Context, string) error { return nil }

type config struct {
	runtime.ContainerConfig
}

type state struct {
	PID int `json:"pid"`
	// ShimPID is the shim's: while it lives, the container has not ended
	// unseen (its command may have exited, with exit.json on the way).
	ShimPID   int       `json:"shimPid,omitempty"`
	StartedAt time.Time `json:"startedAt"`
}

type exit struct {
	ExitCode   int       `json:"exitCode"`
	Signal     string    `json:"signal,omitempty"`
	FinishedAt time.Time `json:"finishedAt"`
	// Error is set when the command could not be started at all.
	Error string `json:"error,omitempty"`
	// OOMKilled: the kernel killed a process of the container for using
	// more memory than its limit.
	OOMKilled bool `json:"oomKilled,omitempty"`
}

func (r *Runtime) dir(id string) string { return filepath.Join(r.Root, id) }

// Start writes the container's config and starts its shim, which returns
// once the command runs.
func (r *Runtime) Start(ctx context.Context, cfg runtime.ContainerConfig) (runtime.ContainerStatus, error) {
	if len(cfg.Argv()) == 0 {
		return runtime.ContainerStatus{}, errors.New("the process runtime runs a container's command and args; this container has none")
	}
	if isolated(cfg) && os.Geteuid() != 0 {
		return runtime.ContainerStatus{}, ErrNeedsRoot
	}
	dir := r.dir(cfg.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return runtime.ContainerStatus{}, err
	}
	if err := writeJSON(filepath.Join(dir, "config.json"), config{cfg}); err != nil {
		return runtime.ContainerStatus{}, err
	}
	cmd := exec.Command(r.Shim[0], append(r.Shim[1:], "--dir", dir)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	shimLog, err := os.OpenFile(filepath.Join(dir, "shim.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return runtime.ContainerStatus{}, err
	}
	cmd.Stdout, cmd.Stderr = shimLog, shimLog
	if err := cmd.Start(); err != nil {
		shimLog.Close()
		return runtime.ContainerStatus{}, fmt.Errorf("start shim: %w", err)
	}
	shimLog.Close()
	// Reap the shim when it ends while this agent still runs.
	go func() { _ = cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, err := r.Status(ctx, cfg.ID)
		if err == nil {
			var e exit
			if readJSON(filepath.Join(dir, "exit.json"), &e) == nil && e.Error != "" {
				return st, errors.New(e.Error)
			}
			return st, nil
		}
		select {
		case <-ctx.Done():
			return runtime.ContainerStatus{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return runtime.ContainerStatus{}, fmt.Errorf("the shim of %s did not start the command within 10s; see %s", cfg.ID, filepath.Join(dir, "shim.log"))
}

// Status reads what the shim recorded.
func (r *Runtime) Status(_ context.Context, id string) (runtime.ContainerStatus, error) {
	dir := r.dir(id)
	var c config
	if err := readJSON(filepath.Join(dir, "config.json"), &c); err != nil {
		return runtime.ContainerStatus{}, runtime.ErrNotFound
	}
	st := runtime.ContainerStatus{
		ID: id, PodUID: c.PodUID, Name: c.Name, Attempt: c.Attempt,
		LogPath: filepath.Join(dir, "container.log"),
	}
	var e exit
	if readJSON(filepath.Join(dir, "exit.json"), &e) == nil {
		var s state
		_ = readJSON(filepath.Join(dir, "state.json"), &s)
		st.State, st.ExitCode, st.FinishedAt, st.StartedAt, st.PID = runtime.Exited, e.ExitCode, e.FinishedAt, s.StartedAt, s.PID
		if e.Signal != "" {
			st.Reason = e.Signal
		}
		if e.OOMKilled {
			st.Reason = "OOMKilled"
		}
		return st, nil
	}
	var s state
	if err := readJSON(filepath.Join(dir, "state.json"), &s); err != nil {
		return runtime.ContainerStatus{}, runtime.ErrNotFound // not started yet
	}
	st.PID, st.StartedAt = s.PID, s.StartedAt
	st.State = runtime.Running
	alive := s.PID
	if s.ShimPID != 0 {
		alive = s.ShimPID
	}
	if syscall.Kill(alive, 0) != nil && !exists(filepath.Join(dir, "exit.json")) {
		// The shim is gone and did not record how the command ended (it
		// was killed): report the container as killed.
		st.State, st.ExitCode, st.Reason, st.FinishedAt = runtime.Exited, 137, "Killed", modTime(filepath.Join(dir, "state.json"))
	}
	return st, nil
}

// Stop signals the container's process group: SIGTERM, then SIGKILL after
// grace.
func (r *Runtime) Stop(ctx context.Context, id string, grace time.Duration) error {
	st, err := r.Status(ctx, id)
	if errors.Is(err, runtime.ErrNotFound) || (err == nil && st.State == runtime.Exited) {
		return nil
	}
	if err != nil {
		return err
	}
	_ = syscall.Kill(-st.PID, syscall.SIGTERM)
	if r.waitExited(ctx, id, grace) {
		return nil
	}
	_ = syscall.Kill(-st.PID, syscall.SIGKILL)
	if r.waitExited(ctx, id, 10*time.Second) {
		return nil
	}
	return fmt.Errorf("container %s did not stop after SIGKILL", id)
}

func (r *Runtime) waitExited(ctx context.Context, id string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if st, err := r.Status(ctx, id); err != nil || st.State == runtime.Exited {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Remove deletes the container's directory; it must have stopped.
func (r *Runtime) Remove(ctx context.Context, id string) error {
	if st, err := r.Status(ctx, id); err == nil && st.State == runtime.Running {
		return fmt.Errorf("container %s is still running", id)
	}
	removeCgroup(cgroupVersion(), id) // in case its shim was killed
	return os.RemoveAll(r.dir(id))
}

// List reads every container directory.
func (r *Runtime) List(ctx context.Context, podUID string) ([]runtime.ContainerStatus, error) {
	entries, err := os.ReadDir(r.Root)
	if err != nil {
		return nil, err
	}
	var out []runtime.ContainerStatus
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if podUID != "" && !strings.HasPrefix(e.Name(), podUID+"_") {
			continue // container directories are <podUID>_<name>_<attempt>
		}
		st, err := r.Status(ctx, e.Name())
		if err != nil {
			continue // being created or removed
		}
		out = append(out, st)
	}
	return out, nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func modTime(path string) time.Time {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}
