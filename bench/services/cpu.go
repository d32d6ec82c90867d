package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTicks = 100

// cpuMeter returns the CPU time a server has used so far, all its
// threads and processes.
type cpuMeter func() time.Duration

// processCPU meters one process.
func processCPU(pid int) cpuMeter {
	return func() time.Duration {
		_, cpu, _ := readStat(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		return cpu
	}
}

// groupCPU meters every process of a process group (nginx's master and
// workers).
func groupCPU(pgid int) cpuMeter {
	return func() time.Duration {
		entries, _ := os.ReadDir("/proc")
		var sum time.Duration
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			if pg, cpu, ok := readStat(filepath.Join("/proc", e.Name(), "stat")); ok && pg == pgid {
				sum += cpu
			}
		}
		return sum
	}
}

// readStat reads a process's group and CPU time (user and system) from
// /proc/PID/stat.
func readStat(path string) (pgid int, cpu time.Duration, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, false
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing one (state is field 3 of proc(5)).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, false
	}
	pgid, _ = strconv.Atoi(f[2])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return pgid, time.Duration(utime+stime) * time.Second / clockTicks, true
}

// measureCPU runs f and returns the cores meter's processes used on
// average meanwhile; 0 without a meter.
func measureCPU(meter cpuMeter, f func() error) (float64, error) {
	if meter == nil {
		return 0, f()
	}
	t0, c0 := time.Now(), meter()
	err := f()
	return float64(meter()-c0) / float64(time.Since(t0)), err
}
