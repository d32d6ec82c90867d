package agent

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Host is what the agent knows about its machine. Reading it is the only
// I/O in building a node's status; NodeStatus itself is pure.
type Host struct {
	Hostname      string
	CPUs          int
	MemoryBytes   int64 // MemTotal
	MemAvailable  int64
	DiskBytes     int64 // of the data dir's file system
	DiskFree      int64
	PIDsMax       int64
	PIDsInUse     int64
	GPUs          int
	InternalIP    string
	KernelVersion string
	OSImage       string
	MachineID     string
	BootID        string
}

// ReadHost reads the machine's facts; dataDir decides which file system
// counts as the node's ephemeral storage. Facts that cannot be read stay
// zero.
func ReadHost(ctx context.Context, dataDir string) Host {
	h := Host{CPUs: runtime.NumCPU()}
	h.Hostname, _ = os.Hostname()
	h.MemoryBytes, h.MemAvailable = readMeminfo()
	var st syscall.Statfs_t
	if syscall.Statfs(dataDir, &st) == nil {
		h.DiskBytes = int64(st.Blocks) * st.Bsize
		h.DiskFree = int64(st.Bavail) * st.Bsize
	}
	h.PIDsMax = readInt("/proc/sys/kernel/pid_max")
	if entries, err := os.ReadDir("/proc"); err == nil {
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				h.PIDsInUse++
			}
		}
	}
	h.GPUs = countGPUs(ctx)
	h.InternalIP = internalIP()
	h.KernelVersion = strings.TrimSpace(readString("/proc/sys/kernel/osrelease"))
	h.OSImage = osImage()
	h.MachineID = strings.TrimSpace(readString("/etc/machine-id"))
	h.BootID = strings.TrimSpace(readString("/proc/sys/kernel/random/boot_id"))
	return h
}

func readString(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func readInt(path string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(readString(path)), 10, 64)
	return n
}

// readMeminfo returns MemTotal and MemAvailable in bytes.
func readMeminfo() (total, available int64) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "MemTotal:":
			total = kb * 1024
		case "MemAvailable:":
			available = kb * 1024
		}
	}
	return total, available
}

// countGPUs asks nvidia-smi, when there is one, how many GPUs it sees.
func countGPUs(ctx context.Context) int {
	path, err := exec.LookPath("nvidia-smi")
	if err != nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "-L").Output()
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range bytes.Split(out, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("GPU ")) {
			n++
		}
	}
	return n
}

// internalIP is the first non-loopback IPv4 address, else loopback.
func internalIP() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				return n.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

func osImage() string {
	for _, line := range strings.Split(readString("/etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}
