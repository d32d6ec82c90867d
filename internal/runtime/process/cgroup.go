package process

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// cgroupRoot is where the node's cgroup file systems are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// cgroupParent groups the containers' cgroups.
const cgroupParent = "marina"

// cpuPeriod is the CFS period a CPU limit is a quota of, as Docker's.
const cpuPeriod = 100_000 // µs

// cgroupVersion reports how the node's cgroups are mounted: 2 for the
// unified hierarchy, 1 for per-controller hierarchies, 0 when the agent
// cannot use them (not root, or no cgroup file system).
func cgroupVersion() int {
	if os.Geteuid() != 0 {
		return 0
	}
	var st unix.Statfs_t
	if err := unix.Statfs(cgroupRoot, &st); err != nil {
		return 0
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		return 2
	}
	if _, err := os.Stat(filepath.Join(cgroupRoot, "memory")); err == nil {
		return 1
	}
	return 0
}

// cgroupPaths are the directories of container id's cgroup: one per
// controller on v1, one on v2.
func cgroupPaths(version int, id string) []string {
	switch version {
	case 1:
		return []string{
			filepath.Join(cgroupRoot, "memory", cgroupParent, id),
			filepath.Join(cgroupRoot, "cpu", cgroupParent, id),
			filepath.Join(cgroupRoot, "pids", cgroupParent, id),
		}
	case 2:
		return []string{filepath.Join(cgroupRoot, cgroupParent, id)}
	}
	return nil
}

// cgroupFiles are the limit files to write for r, relative to the
// cgroup's directory (v1: to the controller's directory, keyed by it).
// It is pure, for tests.
func cgroupFiles(version int, r runtime.Resources) map[string]string {
	shares := max(2, r.CPURequestMilli*1024/1000) // as the kubelet: 2 without a request
	files := map[string]string{}
	switch version {
	case 1:
		files["cpu/cpu.shares"] = strconv.FormatInt(shares, 10)
		if r.CPULimitMilli > 0 {
			files["cpu/cpu.cfs_period_us"] = strconv.Itoa(cpuPeriod)
			files["cpu/cpu.cfs_quota_us"] = strconv.FormatInt(max(1000, r.CPULimitMilli*cpuPeriod/1000), 10)
		}
		if r.MemoryLimitBytes > 0 {
			files["memory/memory.limit_in_bytes"] = strconv.FormatInt(r.MemoryLimitBytes, 10)
		}
	case 2:
		// The kubelet's conversion of shares (2..262144) to weight (1..10000).
		files["cpu.weight"] = strconv.FormatInt(1+((shares-2)*9999)/262142, 10)
		if r.CPULimitMilli > 0 {
			files["cpu.max"] = fmt.Sprintf("%d %d", max(1000, r.CPULimitMilli*cpuPeriod/1000), cpuPeriod)
		}
		if r.MemoryLimitBytes > 0 {
			files["memory.max"] = strconv.FormatInt(r.MemoryLimitBytes, 10)
			files["memory.swap.max"] = "0"
		}
	}
	return files
}

// joinCgroup creates container id's cgroup with r's limits and moves the
// calling process (the container's init step, before it executes the
// command) into it, so everything the command starts is in it too.
func joinCgroup(version int, id string, r runtime.Resources) error {
	paths := cgroupPaths(version, id)
	if version == 2 {
		// The parent must hand the cpu and memory controllers down.
		for _, dir := range []string{cgroupRoot, filepath.Join(cgroupRoot, cgroupParent)} {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			_ = os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+cpu +memory +pids"), 0o644)
		}
	}
	for _, p := range paths {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return fmt.Errorf("create cgroup: %w", err)
		}
	}
	for name, value := range cgroupFiles(version, r) {
		path := filepath.Join(paths[0], name)
		if version == 1 {
			controller, file, _ := strings.Cut(name, "/")
			path = filepath.Join(cgroupRoot, controller, cgroupParent, id, file)
		}
		if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
			if errors.Is(err, os.ErrNotExist) && strings.HasSuffix(name, "swap.max") {
				continue // no swap accounting on this kernel
			}
			return fmt.Errorf("cgroup limit %s=%s: %w", name, value, err)
		}
	}
	pid := []byte(strconv.Itoa(os.Getpid()))
	for _, p := range paths {
		if err := os.WriteFile(filepath.Join(p, "cgroup.procs"), pid, 0o644); err != nil {
			return fmt.Errorf("join cgroup %s: %w", p, err)
		}
	}
	return nil
}

// removeCgroup removes container id's cgroup once its processes are gone.
func removeCgroup(version int, id string) {
	for _, p := range cgroupPaths(version, id) {
		_ = os.Remove(p)
	}
}

// oomKilled reports whether the kernel killed a process of container
// id's cgroup for running out of memory.
func oomKilled(version int, id string) bool {
	paths := cgroupPaths(version, id)
	if len(paths) == 0 {
		return false
	}
	switch version {
	case 1:
		b, _ := os.ReadFile(filepath.Join(paths[0], "memory.oom_control"))
		return counter(string(b), "oom_kill") > 0
	case 2:
		b, _ := os.ReadFile(filepath.Join(paths[0], "memory.events"))
		return counter(string(b), "oom_kill") > 0
	}
	return false
}

// counter reads "name value" from a cgroup stats file.
func counter(stats, name string) int64 {
	for _, line := range strings.Split(stats, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}
