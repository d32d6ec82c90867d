package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// Exec runs the command with Docker's exec: in the container's namespaces,
// with its environment, working directory and user. When ctx ends, the
// command is killed (Docker has no call for that: by its PID on the node).
func (r *Runtime) Exec(ctx context.Context, id string, req runtime.ExecRequest) (int, error) {
	if len(req.Command) == 0 {
		return -1, errors.New("exec: no command")
	}
	ex, err := r.cli.ContainerExecCreate(ctx, containerName(id), container.ExecOptions{
		Cmd:          req.Command,
		Tty:          req.TTY,
		AttachStdin:  req.Stdin != nil,
		AttachStdout: true,
		AttachStderr: !req.TTY,
	})
	if cerrdefs.IsNotFound(err) {
		return -1, runtime.ErrNotFound
	}
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	// Attaching starts the command.
	att, err := r.cli.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{Tty: req.TTY})
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	defer att.Close()

	done := make(chan struct{})
	defer close(done)
	if req.Resize != nil {
		go func() {
			for {
				select {
				case <-done:
					return
				case size, ok := <-req.Resize:
					if !ok {
						return
					}
					_ = r.cli.ContainerExecResize(ctx, ex.ID, container.ResizeOptions{Height: uint(size.Height), Width: uint(size.Width)})
				}
			}
		}()
	}
	if req.Stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, req.Stdin)
			_ = att.CloseWrite() // the command reads EOF
		}()
	}
	copied := make(chan error, 1)
	go func() {
		stdout, stderr := orDiscard(req.Stdout), orDiscard(req.Stderr)
		var err error
		if req.TTY {
			_, err = io.Copy(stdout, att.Reader)
		} else {
			_, err = stdcopy.StdCopy(stdout, stderr, att.Reader)
		}
		copied <- err
	}()
	select {
	case err = <-copied:
	case <-ctx.Done():
		bg := context.WithoutCancel(ctx)
		if ins, ierr := r.cli.ContainerExecInspect(bg, ex.ID); ierr == nil && ins.Running && ins.Pid > 0 {
			_ = syscall.Kill(ins.Pid, syscall.SIGKILL)
		}
		return -1, ctx.Err()
	}
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	// The output ends a moment before Docker records the exit code.
	for {
		ins, err := r.cli.ContainerExecInspect(ctx, ex.ID)
		if err != nil {
			return -1, fmt.Errorf("exec in container %s: %w", id, err)
		}
		if !ins.Running {
			return ins.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
