package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's times;
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// shimMemory is the memory of the process runtime's shims.
type shimMemory struct {
	count int
	total benchutil.Memory // summed RSS and anonymous RSS
	pss   int64            // summed PSS: shared pages of the binary counted once
}

// shims finds the process runtime's shims of the marina whose data
// directory is dataDir: the marina binary re-executed as
// `marina shim --dir DATA_DIR/agent/...`.
func shims(dataDir string) []int {
	var pids []int
	for _, pid := range allPIDs() {
		args := cmdline(pid)
		if len(args) > 1 && args[1] == "shim" && strings.Contains(strings.Join(args, " "), dataDir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func measureShims(dataDir string) shimMemory {
	var s shimMemory
	for _, pid := range shims(dataDir) {
		m := benchutil.RSS(pid)
		if m.RSS < 0 {
			continue
		}
		s.count++
		s.total.RSS += m.RSS
		s.total.Anon += m.Anon
		s.pss += benchutil.PSS(pid)
	}
	return s
}

// killShims kills the shims of dataDir that are left and, first, the
// process group of each one's container (a shim starts its command in a
// process group of its own).
func killShims(dataDir string) int {
	pids := shims(dataDir)
	if len(pids) == 0 {
		return 0
	}
	isShim := map[int]bool{}
	for _, pid := range pids {
		isShim[pid] = true
	}
	for _, pid := range allPIDs() {
		if isShim[parent(pid)] {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return len(pids)
}

// cpuUse is CPU time over a period, in percent of one core.
type cpuUse struct{ marina, dockerd float64 }

// measureCPU measures the CPU used by pid and by dockerd over d.
func measureCPU(pid int, d time.Duration) cpuUse {
	dockerd := -1
	for _, p := range allPIDs() {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p)); strings.TrimSpace(string(b)) == "dockerd" {
			dockerd = p
		}
	}
	m0, d0 := cpuTicks(pid), cpuTicks(dockerd)
	time.Sleep(d)
	m1, d1 := cpuTicks(pid), cpuTicks(dockerd)
	pct := func(t0, t1 int64) float64 {
		if t0 < 0 || t1 < 0 {
			return -1
		}
		return float64(t1-t0) / clockTicks / d.Seconds() * 100
	}
	return cpuUse{marina: pct(m0, m1), dockerd: pct(d0, d1)}
}

// cpuTicks is a process's user and system time, in clock ticks; -1 if it
// is gone.
func cpuTicks(pid int) int64 {
	f := statFields(pid)
	if len(f) < 15 {
		return -1
	}
	utime, _ := strconv.ParseInt(f[13], 10, 64)
	stime, _ := strconv.ParseInt(f[14], 10, 64)
	return utime + stime
}

// parent is a process's parent PID; 0 if it is gone.
func parent(pid int) int {
	f := statFields(pid)
	if len(f) < 4 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[3])
	return ppid
}

// statFields splits /proc/PID/stat; the command name, which may hold
// spaces, is one field.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp {
		return nil
	}
	return append([]string{strings.TrimSpace(s[:lp]), s[lp+1 : rp]}, strings.Fields(s[rp+1:])...)
}

func cmdline(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

func allPIDs() []int {
	entries, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(filepath.Base(e)); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}
