package process

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/marina-orchestrator/marina/internal/containerlog"
	"github.com/marina-orchestrator/marina/internal/runtime"
)

// RunShim is the shim's main: it starts the container described in dir,
// records its PID, waits for it and records how it ended. It runs in its
// own session, started by Runtime.Start.
func RunShim(dir string) error {
	var c config
	if err := readJSON(filepath.Join(dir, "config.json"), &c); err != nil {
		return fmt.Errorf("read container config: %w", err)
	}
	logs, err := containerlog.NewWriter(filepath.Join(dir, "container.log"), c.LogMaxSize, c.LogMaxFiles)
	if err != nil {
		return fmt.Errorf("open container log: %w", err)
	}
	defer logs.Close()
	// The command writes into pipes the shim copies into the log, as
	// timestamped records.
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return err
	}
	copied := make(chan struct{}, 2)
	for _, p := range []struct {
		r      *os.File
		stream string
	}{{outR, containerlog.Stdout}, {errR, containerlog.Stderr}} {
		go func() {
			w := logs.Stream(p.stream)
			_, _ = io.Copy(w, p.r)
			_ = w.Close()
			copied <- struct{}{}
		}()
	}
	argv := c.Argv()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = c.Env
	cmd.Dir = c.WorkingDir
	// Its own process group, so a stop reaches everything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cgv := cgroupVersion()
	limited := cgv != 0 && c.Resources != (runtime.Resources{})
	withInit := isolated(c.ContainerConfig) || limited
	if withInit {
		// The init step joins the container's cgroup, mounts the volumes
		// and becomes the user, in a mount namespace of its own, then
		// executes the command: all it does applies from the command's
		// first instruction, and the shim stays out of the cgroup.
		self, err := os.Executable()
		if err != nil {
			return err
		}
		cmd = exec.Command(self, "shim", "--dir", dir, "--init")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Unshareflags: syscall.CLONE_NEWNS}
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	// The init step reports a failure before it executes the command
	// (a missing command, a volume it cannot mount) on a pipe that the
	// exec closes, so such a container fails to start, as one without an
	// init step does, instead of seeming to run for a moment.
	var statusR, statusW *os.File
	if withInit {
		if statusR, statusW, err = os.Pipe(); err != nil {
			return err
		}
		cmd.ExtraFiles = []*os.File{statusW} // initStatusFD in the init step
	}
	startErr := cmd.Start()
	outW.Close()
	errW.Close()
	if withInit {
		statusW.Close()
		if startErr == nil {
			if msg, _ := io.ReadAll(statusR); len(msg) > 0 {
				_ = cmd.Wait()
				startErr = errors.New(string(msg))
			}
		}
		statusR.Close()
	}
	if startErr != nil {
		fmt.Fprintf(logs.Stream(containerlog.Stderr), "marina: cannot start %q: %v\n", argv[0], startErr)
		now := time.Now()
		_ = writeJSON(filepath.Join(dir, "state.json"), state{StartedAt: now})
		return writeJSON(filepath.Join(dir, "exit.json"), exit{ExitCode: 127, FinishedAt: now, Error: fmt.Sprintf("start %q: %v", argv[0], startErr)})
	}
	if err := writeJSON(filepath.Join(dir, "state.json"), state{PID: cmd.Process.Pid, ShimPID: os.Getpid(), StartedAt: time.Now()}); err != nil {
		_ = cmd.Process.Kill()
		return err
	}
	err = cmd.Wait()
	e := exit{FinishedAt: time.Now()}
	// A container ends with its main process: what it left running goes
	// too, as when a container's PID namespace ends.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	for range 2 {
		select {
		case <-copied:
		case <-time.After(5 * time.Second): // a descendant escaped the group and holds the pipe
		}
	}
	if limited {
		e.OOMKilled = oomKilled(cgv, c.ID)
		removeCgroup(cgv, c.ID)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.ExitCode = 128 + int(ws.Signal())
			e.Signal = ws.Signal().String()
		} else {
			e.ExitCode = ee.ExitCode()
		}
	default:
		e.ExitCode = 128
		e.Error = err.Error()
	}
	return writeJSON(filepath.Join(dir, "exit.json"), e)
}
