package process

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// clockTicks is the unit of CPU times in /proc/<pid>/stat (USER_HZ, 100
// on Linux).
const clockTicks = 100

// Stats sums the CPU time and resident memory of the container's
// processes: its process group, which the shim made for it.
func (r *Runtime) Stats(ctx context.Context, id string) (runtime.Stats, error) {
	st, err := r.Status(ctx, id)
	if err != nil {
		return runtime.Stats{}, err
	}
	if st.State != runtime.Running {
		return runtime.Stats{}, fmt.Errorf("container %s is not running", st.Name)
	}
	return groupStats("/proc", st.PID)
}

// groupStats sums over the processes of process group pgid as procfs at
// root shows them.
func groupStats(root string, pgid int) (runtime.Stats, error) {
	out := runtime.Stats{Time: time.Now()}
	entries, err := os.ReadDir(root)
	if err != nil {
		return out, err
	}
	pageSize := int64(os.Getpagesize())
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ... ; comm may hold spaces and
		// parentheses, so fields count from the last ')'.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 22 {
			continue
		}
		if pg, _ := strconv.Atoi(f[2]); pg != pgid {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		rssPages, _ := strconv.ParseInt(f[21], 10, 64)
		out.CPU += time.Duration(utime+stime) * time.Second / clockTicks
		out.MemoryBytes += rssPages * pageSize
	}
	return out, nil
}
