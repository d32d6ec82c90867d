package process

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// RunShim is the shim's main: it starts the container described in dir,
// records its PID, waits for it and records how it ended. It runs in its
// own session, started by Runtime.Start.
func RunShim(dir string) error {
	var c config
	if err := readJSON(filepath.Join(dir, "config.json"), &c); err != nil {
		return fmt.Errorf("read container config: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "container.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(c.Command[0], c.Command[1:]...)
	cmd.Env = c.Env
	cmd.Dir = c.WorkingDir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so a stop reaches everything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(logFile, "marina: cannot start %q: %v\n", c.Command[0], err)
		now := time.Now()
		_ = writeJSON(filepath.Join(dir, "state.json"), state{StartedAt: now})
		return writeJSON(filepath.Join(dir, "exit.json"), exit{ExitCode: 127, FinishedAt: now, Error: fmt.Sprintf("start %q: %v", c.Command[0], err)})
	}
	if err := writeJSON(filepath.Join(dir, "state.json"), state{PID: cmd.Process.Pid, StartedAt: time.Now()}); err != nil {
		_ = cmd.Process.Kill()
		return err
	}
	err = cmd.Wait()
	e := exit{FinishedAt: time.Now()}
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
