package process

import (
	"os/exec"
	"syscall"
	"testing"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// TestGroupStats counts the processes of one process group: a shell that
// burns CPU and its child.
func TestGroupStats(t *testing.T) {
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 30 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}()
	// Right after the fork the child may not have exec'ed yet and has no
	// resident memory of its own to count: poll until both show.
	var st runtime.Stats
	for i := 0; i < 200; i++ {
		var err error
		if st, err = groupStats("/proc", cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
		if st.MemoryBytes > 0 && st.CPU > 0 {
			break
		}
		exec.Command("sleep", "0.05").Run()
	}
	if st.MemoryBytes <= 0 || st.CPU <= 0 {
		t.Fatalf("the group's memory or CPU time stayed zero: %+v", st)
	}
	other, err := groupStats("/proc", cmd.Process.Pid+1_000_000) // no such group
	if err != nil || other.MemoryBytes != 0 || other.CPU != 0 {
		t.Errorf("a group with no processes: %+v %v", other, err)
	}
}
