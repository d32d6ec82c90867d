package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/marina-orchestrator/marina/internal/containerlog"
)

// follower copies one container's Docker log into its CRI-format file.
type follower struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when it has stopped and closed the file
}

// openLog opens the CRI-format log of container id for appending.
func (r *Runtime) openLog(id string, maxSize int64, maxFiles int) (*containerlog.Writer, error) {
	p := r.logPath(id)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	return containerlog.NewWriter(p, maxSize, maxFiles)
}

// adopt starts following the logs of the containers already in Docker,
// from where their files end.
func (r *Runtime) adopt(ctx context.Context) error {
	cs, err := r.inspectAll(ctx, typeContainer, "")
	if err != nil {
		return err
	}
	for _, c := range cs {
		st, ok := r.status(c)
		if !ok {
			continue
		}
		var maxSize int64
		var maxFiles int
		if c.HostConfig != nil {
			maxSize, maxFiles = logLimits(c.HostConfig.LogConfig)
		}
		w, err := r.openLog(st.ID, maxSize, maxFiles)
		if err != nil {
			return err
		}
		r.follow(st.ID, w)
	}
	return nil
}

// follow starts copying container id's log into w, which it closes when
// the container has ended or the runtime is closed.
func (r *Runtime) follow(id string, w *containerlog.Writer) {
	ctx, cancel := context.WithCancel(r.ctx)
	f := &follower{cancel: cancel, done: make(chan struct{})}
	r.mu.Lock()
	r.followers[id] = f
	r.mu.Unlock()
	go func() {
		defer close(f.done)
		defer cancel()
		err := r.copyLog(ctx, id, w)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil && r.log != nil {
			r.log.Warn("copy container log", "container", id, "err", err)
		}
	}()
}

// copyLog copies what Docker logs for container id, from the time of the
// last record in the file on, until the container ends. If the stream
// breaks while the container runs (a daemon restarted with live-restore),
// it resumes.
func (r *Runtime) copyLog(ctx context.Context, id string, w *containerlog.Writer) error {
	stdout, stderr := w.Stream(containerlog.Stdout), w.Stream(containerlog.Stderr)
	for {
		since, err := lastRecordTime(r.logPath(id))
		if err != nil {
			return err
		}
		opts := container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true}
		if !since.IsZero() {
			opts.Since = since.Format(time.RFC3339Nano)
		}
		rc, err := r.cli.ContainerLogs(ctx, containerName(id), opts)
		if cerrdefs.IsNotFound(err) || ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("follow docker log: %w", err)
		}
		_, err = stdcopy.StdCopy(stdout, stderr, rc)
		rc.Close()
		if ctx.Err() != nil {
			return nil
		}
		c, ierr := r.cli.ContainerInspect(ctx, containerName(id))
		if ierr != nil || c.State == nil || !c.State.Running {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// waitFollower waits, at most d, for container id's follower to finish.
func (r *Runtime) waitFollower(id string, d time.Duration) {
	r.mu.Lock()
	f := r.followers[id]
	r.mu.Unlock()
	if f == nil {
		return
	}
	select {
	case <-f.done:
	case <-time.After(d):
	}
}

// stopFollower stops container id's follower and forgets it.
func (r *Runtime) stopFollower(id string) {
	r.mu.Lock()
	f := r.followers[id]
	delete(r.followers, id)
	r.mu.Unlock()
	if f != nil {
		f.cancel()
		<-f.done
	}
}

// lastRecordTime is the time of the newest CRI record in the log file at
// p; zero if there is none.
func lastRecordTime(p string) (time.Time, error) {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return time.Time{}, err
	}
	// A record carries at most 16 KiB of content, so the last 64 KiB
	// hold whole records.
	off := max(0, fi.Size()-64<<10)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return time.Time{}, err
	}
	lines := bytes.Split(buf, []byte{'\n'})
	for i := len(lines) - 1; i >= 0; i-- {
		ts, _, _ := bytes.Cut(lines[i], []byte{' '})
		if t, err := time.Parse(time.RFC3339Nano, string(ts)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, nil
}
