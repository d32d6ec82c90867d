package process

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// ErrNeedsRoot is returned by Start for a container with volumes or a
// user when the agent does not run as root: mounting in a private mount
// namespace and changing user both need it.
var ErrNeedsRoot = errors.New("the process runtime mounts volumes in a private mount namespace and switches users only when the agent runs as root")

// initStatusFD is the init step's end of the shim's status pipe (the
// first of exec.Cmd's ExtraFiles).
const initStatusFD = 3

// isolated reports whether a container needs its init step: volumes to
// mount or a user to become.
func isolated(c runtime.ContainerConfig) bool {
	return len(c.Mounts) > 0 || c.User != nil || c.Group != nil || len(c.Groups) > 0
}

// RunInit is the first process of a container with volumes, a user or
// resource limits. The shim starts it (`marina shim --dir DIR --init`) in
// a new mount namespace; it joins the container's cgroup with its limits,
// makes the namespace's mounts private, bind-mounts the volumes at their
// paths, takes the container's groups and user, and replaces itself with
// the command. On success it does not return.
func RunInit(dir string) (err error) {
	// The shim reads this pipe: nothing before the exec closes it means
	// the command started; otherwise it carries why it did not.
	status := os.NewFile(initStatusFD, "init-status")
	defer func() {
		if err != nil && status != nil {
			_, _ = status.WriteString(err.Error())
		}
	}()
	var c config
	if err := readJSON(filepath.Join(dir, "config.json"), &c); err != nil {
		return fmt.Errorf("read container config: %w", err)
	}
	if v := cgroupVersion(); v != 0 && c.Resources != (runtime.Resources{}) {
		if err := joinCgroup(v, c.ID, c.Resources); err != nil {
			return err
		}
	}
	if len(c.Mounts) > 0 {
		// Mounts made here must not propagate back to the node.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("make the container's mounts private: %w", err)
		}
		for _, m := range c.Mounts {
			if err := bindMount(m); err != nil {
				return err
			}
		}
	}
	if err := becomeUser(c.ContainerConfig); err != nil {
		return err
	}
	if c.WorkingDir != "" {
		if err := os.Chdir(c.WorkingDir); err != nil {
			return fmt.Errorf("workingDir: %w", err)
		}
	}
	argv := c.Argv()
	path, err := lookPath(argv[0], c.Env)
	if err != nil {
		return err
	}
	unix.CloseOnExec(initStatusFD)
	return syscall.Exec(path, argv, c.Env)
}

// bindMount mounts m.HostPath at m.ContainerPath, creating the mount
// point (a directory, or an empty file for a file) when it is missing.
func bindMount(m runtime.Mount) error {
	fi, err := os.Stat(m.HostPath)
	if err != nil {
		return fmt.Errorf("volume source: %w", err)
	}
	if fi.IsDir() {
		err = os.MkdirAll(m.ContainerPath, 0o755)
	} else if _, serr := os.Stat(m.ContainerPath); errors.Is(serr, os.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(m.ContainerPath), 0o755); err == nil {
			var f *os.File
			if f, err = os.OpenFile(m.ContainerPath, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				f.Close()
			}
		}
	}
	if err != nil {
		return fmt.Errorf("mount point %s: %w", m.ContainerPath, err)
	}
	if err := unix.Mount(m.HostPath, m.ContainerPath, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("mount %s at %s: %w", m.HostPath, m.ContainerPath, err)
	}
	if m.ReadOnly {
		if err := unix.Mount("", m.ContainerPath, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("make %s read-only: %w", m.ContainerPath, err)
		}
	}
	return nil
}

// becomeUser takes the container's supplementary groups, group and user:
// group defaults to the user's primary group on this node, else the
// user's ID.
func becomeUser(c runtime.ContainerConfig) error {
	if c.User == nil && c.Group == nil && len(c.Groups) == 0 {
		return nil
	}
	groups := make([]int, 0, len(c.Groups))
	for _, g := range c.Groups {
		groups = append(groups, int(g))
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("supplementalGroups: %w", err)
	}
	gid := -1
	switch {
	case c.Group != nil:
		gid = int(*c.Group)
	case c.User != nil:
		gid = primaryGroup(int(*c.User))
	}
	if gid >= 0 {
		if err := syscall.Setgid(gid); err != nil {
			return fmt.Errorf("runAsGroup %d: %w", gid, err)
		}
	}
	if c.User != nil {
		if err := syscall.Setuid(int(*c.User)); err != nil {
			return fmt.Errorf("runAsUser %d: %w", *c.User, err)
		}
	}
	return nil
}

// primaryGroup is uid's group in /etc/passwd, else uid itself.
func primaryGroup(uid int) int {
	b, _ := os.ReadFile("/etc/passwd")
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 3 && f[2] == strconv.Itoa(uid) {
			if gid, err := strconv.Atoi(f[3]); err == nil {
				return gid
			}
		}
	}
	return uid
}

// lookPath finds file in the container's PATH (not the shim's).
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, file)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q: %w in $PATH", file, exec.ErrNotFound)
}

// nsenter wraps cmd to run inside the mount namespace of the container
// whose process is pid, as its user and in its working directory: for
// exec into an isolated container.
func nsenter(pid int, c runtime.ContainerConfig, cmd []string) []string {
	args := []string{"nsenter", "--target", strconv.Itoa(pid), "--mount"}
	if c.WorkingDir != "" {
		args = append(args, "--wdns", c.WorkingDir)
	}
	gid := int64(-1)
	switch {
	case c.Group != nil:
		gid = *c.Group
	case c.User != nil:
		gid = int64(primaryGroup(int(*c.User)))
	}
	if gid >= 0 {
		args = append(args, "--setgid", strconv.FormatInt(gid, 10))
	}
	if c.User != nil {
		args = append(args, "--setuid", strconv.FormatInt(*c.User, 10))
	}
	return append(append(args, "--"), cmd...)
}
