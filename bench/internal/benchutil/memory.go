package benchutil

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Memory is a process's resident memory: all of it, and the anonymous
// part (heap, stacks: what the process itself allocated, as opposed to
// pages of its binary and of mapped files, which the kernel can drop).
type Memory struct{ RSS, Anon int64 }

func (m Memory) String() string { return fmt.Sprintf("%s (anon %s)", MiB(m.RSS), MiB(m.Anon)) }

// RSS reads a process's resident memory from /proc/PID/status; both
// figures are -1 if the process is gone.
func RSS(pid int) Memory {
	var m Memory
	if !readKB(fmt.Sprintf("/proc/%d/status", pid), map[string]*int64{"VmRSS:": &m.RSS, "RssAnon:": &m.Anon}) {
		return Memory{-1, -1}
	}
	return m
}

// PSS reads a process's proportional set size from /proc/PID/smaps_rollup:
// its resident pages, each shared page divided by the number of processes
// sharing it. Summed over processes that run one binary, it counts the
// binary's pages once, where RSS would count them for each. -1 if the
// process is gone.
func PSS(pid int) int64 {
	var pss int64
	if !readKB(fmt.Sprintf("/proc/%d/smaps_rollup", pid), map[string]*int64{"Pss:": &pss}) {
		return -1
	}
	return pss
}

// readKB reads "Name: N kB" lines of a /proc file into fields, in bytes.
func readKB(path string, fields map[string]*int64) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if p, ok := fields[f[0]]; ok {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			*p = kb * 1024
		}
	}
	return true
}
