package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/creack/pty"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// Exec runs a command beside the container's process: with its
// environment and working directory.
func (r *Runtime) Exec(ctx context.Context, id string, req runtime.ExecRequest) (int, error) {
	st, err := r.Status(ctx, id)
	if err != nil {
		return -1, err
	}
	if st.State != runtime.Running {
		return -1, fmt.Errorf("container %s is not running", st.Name)
	}
	if len(req.Command) == 0 {
		return -1, errors.New("exec: no command")
	}
	var c config
	if err := readJSON(filepath.Join(r.dir(id), "config.json"), &c); err != nil {
		return -1, fmt.Errorf("read container config: %w", err)
	}
	argv := req.Command
	if isolated(c.ContainerConfig) {
		argv = nsenter(st.PID, c.ContainerConfig, argv)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = c.Env
	if !isolated(c.ContainerConfig) {
		cmd.Dir = c.WorkingDir
	}
	if req.TTY {
		return runTTY(cmd, req)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = req.Stdout, req.Stderr
	if req.Stdin != nil {
		// Copy stdin ourselves: exec.Cmd would wait for a reader that the
		// client may hold open after the command has ended.
		in, err := cmd.StdinPipe()
		if err != nil {
			return -1, err
		}
		go func() {
			_, _ = io.Copy(in, req.Stdin)
			in.Close()
		}()
	}
	return exitCode(cmd.Run())
}

// runTTY runs cmd on a new pseudo-terminal, which carries stdin and
// stdout; its size follows req.Resize.
func runTTY(cmd *exec.Cmd, req runtime.ExecRequest) (int, error) {
	tty, err := pty.Start(cmd)
	if err != nil {
		return -1, fmt.Errorf("start %q on a terminal: %w", cmd.Path, err)
	}
	defer tty.Close()
	if req.Resize != nil {
		// Ends when the caller closes Resize (the agent does when the
		// exec's context ends).
		go func() {
			for size := range req.Resize {
				_ = pty.Setsize(tty, &pty.Winsize{Rows: size.Height, Cols: size.Width})
			}
		}()
	}
	if req.Stdin != nil {
		go func() { _, _ = io.Copy(tty, req.Stdin) }()
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		if req.Stdout != nil {
			_, _ = io.Copy(req.Stdout, tty)
		} else {
			_, _ = io.Copy(io.Discard, tty)
		}
	}()
	err = cmd.Wait()
	// The terminal returns EIO once the command and its children have
	// closed it; what they wrote before is copied by then. A child left
	// in the background may hold it open: give up on it after a moment.
	select {
	case <-copied:
	case <-time.After(time.Second):
	}
	return exitCode(err)
}

func exitCode(err error) (int, error) {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, os.ErrNotExist):
		return -1, fmt.Errorf("exec: %w", err)
	}
	return -1, err
}
