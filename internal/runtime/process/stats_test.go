package process

import (
	"os/exec"
	"syscall"
	"testing"
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
	var last int64
	for i := 0; i < 200; i++ {
		st, err := groupStats("/proc", cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if st.MemoryBytes <= 0 {
			t.Fatalf("no memory counted for the group: %+v", st)
		}
		if st.CPU > 0 {
			last = st.MemoryBytes
			break
		}
		exec.Command("sleep", "0.05").Run()
	}
	if last == 0 {
		t.Fatal("the group's CPU time stayed zero")
	}
	other, err := groupStats("/proc", cmd.Process.Pid+1_000_000) // no such group
	if err != nil || other.MemoryBytes != 0 || other.CPU != 0 {
		t.Errorf("a group with no processes: %+v %v", other, err)
	}
}
