package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// runExec runs the probe's command in the container; exit code 0 passes.
func runExec(ctx context.Context, a *corev1.ExecAction, t Target, timeout time.Duration) Result {
	if t.Exec == nil {
		return unknown(errors.New("exec probe: the container runtime cannot run commands in containers"))
	}
	if len(a.Command) == 0 {
		return unknown(errors.New("exec probe: no command"))
	}
	cmd := strings.Join(a.Command, " ")
	execCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, code, err := t.Exec(execCtx, a.Command)
	if err != nil {
		if errors.Is(execCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			// The command outlived the probe's timeout: the container's
			// fault, as the kubelet counts it.
			return failure(fmt.Sprintf("command %q timed out", cmd))
		}
		return unknown(fmt.Errorf("exec probe: run %q: %w", cmd, err))
	}
	if code != 0 {
		msg := strings.TrimSpace(string(out))
		if msg == "" {
			msg = fmt.Sprintf("command %q exited with %d", cmd, code)
		}
		return failure(msg)
	}
	return Result{Outcome: Success}
}
