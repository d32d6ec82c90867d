package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// File is one file of a volume: its content and mode.
type File struct {
	Data []byte
	// Mode is the file's permission bits, 0 to 0777.
	Mode int32
}

const (
	dataLink    = "..data"     // symlink to the current version
	newDataLink = "..data_tmp" // the next ..data, renamed over it
	// tsLayout names a version's directory; ".." keeps it out of the
	// user-visible namespace.
	tsLayout = "..2006_01_02_15_04_05.000000000"

	maxPathLen = 4096
	maxNameLen = 255
)

// Write makes dir hold exactly files (paths relative, may contain
// subdirectories), atomically: the data goes into a new timestamped
// directory `..2026_11_22_01_02_03.123456789`, the symlink `..data` is
// switched to it with rename, and each top-level entry of the payload is a
// symlink `name -> ..data/name`. Old timestamped directories and
// user-visible symlinks no longer in the payload are removed; the version
// just replaced is kept a few seconds (until a later Write) so that readers
// caught mid-open still find it. See the package documentation for the
// layout and why.
//
// It returns whether anything changed: when the files and modes on disk
// already match files, nothing is written. dir is created if missing. An
// error from tidying up after the switch (removing old names or versions)
// comes with changed=true: the new content is already live, and the next
// Write retries the tidying.
//
// Write is called by the agent's pod sync, possibly on every sync. It does
// not lock: callers must not run two Writes on the same dir at once. Readers
// need no coordination: a reader that opened dir/key keeps its content, and
// one that re-opens it sees the new version.
func Write(dir string, files map[string]File) (changed bool, err error) {
	return write(dir, files, time.Now)
}

// write is Write with a clock, which names versions and decides when the
// replaced version may go.
func write(dir string, files map[string]File, now func() time.Time) (changed bool, err error) {
	payload, err := cleanPayload(files)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("volume dir: %w", err)
	}

	current, err := os.Readlink(filepath.Join(dir, dataLink))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read %s: %w", dataLink, err)
	}
	tops := topLevel(payload)
	if current != "" {
		same, err := sameContent(filepath.Join(dir, current), payload)
		if err != nil {
			return false, err
		}
		if same {
			ok, err := linksMatch(dir, tops)
			if err != nil {
				return false, err
			}
			if ok {
				// Also clears the replaced version once its grace is over,
				// and versions left by a Write that died half-way.
				return false, removeOldVersions(dir, current, now())
			}
		}
	}

	ts, err := newVersionDir(dir, current, now())
	if err != nil {
		return false, err
	}
	if err := writeVersion(filepath.Join(dir, ts), payload); err != nil {
		os.RemoveAll(filepath.Join(dir, ts))
		return false, err
	}
	// New names dangle until ..data moves; they did not exist before, so a
	// reader sees "not there yet", which is the old version's truth.
	if err := createLinks(dir, tops); err != nil {
		os.RemoveAll(filepath.Join(dir, ts))
		return false, err
	}
	tmp := filepath.Join(dir, newDataLink)
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		os.RemoveAll(filepath.Join(dir, ts))
		return false, fmt.Errorf("remove stale %s: %w", newDataLink, err)
	}
	if err := os.Symlink(ts, tmp); err != nil {
		os.RemoveAll(filepath.Join(dir, ts))
		return false, fmt.Errorf("link new version: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, dataLink)); err != nil {
		os.Remove(tmp)
		os.RemoveAll(filepath.Join(dir, ts))
		return false, fmt.Errorf("switch %s: %w", dataLink, err)
	}

	// The new version is live; what follows only tidies up, and a failure
	// is retried by the next Write.
	if err := removeStaleLinks(dir, tops); err != nil {
		return true, err
	}
	return true, removeOldVersions(dir, ts, now())
}

// cleanPayload validates every path and returns the payload keyed by
// cleaned paths. A path may not be both a file and a directory.
func cleanPayload(files map[string]File) (map[string]File, error) {
	out := make(map[string]File, len(files))
	for p, f := range files {
		if err := validatePath(p); err != nil {
			return nil, err
		}
		if f.Mode < 0 || f.Mode > 0o777 {
			return nil, fmt.Errorf("path %q: mode %#o is not between 0 and 0777", p, f.Mode)
		}
		c := filepath.Clean(p)
		if _, dup := out[c]; dup {
			return nil, fmt.Errorf("duplicate path %q", c)
		}
		out[c] = f
	}
	for p := range out {
		for d := filepath.Dir(p); d != "."; d = filepath.Dir(d) {
			if _, ok := out[d]; ok {
				return nil, fmt.Errorf("path %q is a file and the directory of %q", d, p)
			}
		}
	}
	return out, nil
}

// validatePath rejects what could escape dir or collide with the writer's
// own names: empty, absolute, any ".." element, a leading "..".
func validatePath(p string) error {
	switch {
	case p == "":
		return errors.New("invalid path \"\": must not be empty")
	case filepath.IsAbs(p):
		return fmt.Errorf("invalid path %q: must be relative", p)
	case len(p) > maxPathLen:
		return fmt.Errorf("invalid path %q: longer than %d characters", p, maxPathLen)
	case strings.HasPrefix(p, ".."):
		return fmt.Errorf("invalid path %q: must not start with '..'", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." {
			return fmt.Errorf("invalid path %q: must not contain '..'", p)
		}
		if len(el) > maxNameLen {
			return fmt.Errorf("invalid path %q: a name is longer than %d characters", p, maxNameLen)
		}
	}
	if c := filepath.Clean(p); c == "." || strings.HasPrefix(c, "..") {
		return fmt.Errorf("invalid path %q: names no file", p)
	}
	return nil
}

// topLevel is the set of user-visible names: the first element of each path.
func topLevel(payload map[string]File) map[string]bool {
	tops := make(map[string]bool, len(payload))
	for p := range payload {
		top, _, _ := strings.Cut(p, "/")
		tops[top] = true
	}
	return tops
}

// sameContent reports whether the version in vdir holds exactly payload:
// the same regular files with the same bytes and permission bits.
func sameContent(vdir string, payload map[string]File) (bool, error) {
	seen := 0
	same := true
	err := filepath.WalkDir(vdir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(vdir, p)
		if err != nil {
			return err
		}
		want, ok := payload[rel]
		if !ok || !d.Type().IsRegular() {
			same = false
			return filepath.SkipAll
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != fs.FileMode(want.Mode) || info.Size() != int64(len(want.Data)) {
			same = false
			return filepath.SkipAll
		}
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrPermission) {
			// A mode without owner read, and the agent is not root:
			// rewriting is always correct.
			same = false
			return filepath.SkipAll
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(data, want.Data) {
			same = false
			return filepath.SkipAll
		}
		seen++
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		// ..data points nowhere: rewrite.
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("compare with current version: %w", err)
	}
	return same && seen == len(payload), nil
}

// linksMatch reports whether the user-visible symlinks are exactly those
// of tops.
func linksMatch(dir string, tops map[string]bool) (bool, error) {
	links, err := ownLinks(dir)
	if err != nil {
		return false, err
	}
	if len(links) != len(tops) {
		return false, nil
	}
	for name := range tops {
		if !links[name] {
			return false, nil
		}
	}
	return true, nil
}

// ownLinks is the set of user-visible names in dir that are the writer's
// symlinks (name -> ..data/name).
func ownLinks(dir string) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list volume dir: %w", err)
	}
	links := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") || e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		if target, err := os.Readlink(filepath.Join(dir, name)); err == nil && target == linkTarget(name) {
			links[name] = true
		}
	}
	return links, nil
}

func linkTarget(name string) string { return dataLink + "/" + name }

// newVersionDir creates an empty, world-readable version directory in dir
// and returns its name: the time t, or just after current if the clock
// has not moved past it, so that names sort in the order of versions.
func newVersionDir(dir, current string, t time.Time) (string, error) {
	t = t.UTC()
	if prev, err := time.Parse(tsLayout, current); err == nil && !t.After(prev) {
		t = prev.Add(time.Nanosecond)
	}
	for {
		name := t.Format(tsLayout)
		err := os.Mkdir(filepath.Join(dir, name), 0o755)
		if errors.Is(err, fs.ErrExist) {
			// Left by a Write that died half-way: take the next name.
			t = t.Add(time.Nanosecond)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create version dir: %w", err)
		}
		// 0755 whatever the umask, so any container user can traverse it.
		if err := os.Chmod(filepath.Join(dir, name), 0o755); err != nil {
			return "", fmt.Errorf("create version dir: %w", err)
		}
		return name, nil
	}
}

// writeVersion writes payload into the empty directory vdir.
func writeVersion(vdir string, payload map[string]File) error {
	for p, f := range payload {
		full := filepath.Join(vdir, p)
		if err := mkdirs(vdir, filepath.Dir(p)); err != nil {
			return err
		}
		mode := fs.FileMode(f.Mode)
		if err := os.WriteFile(full, f.Data, mode); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		// WriteFile's mode passes through the umask; the pod asked for
		// exactly this one.
		if err := os.Chmod(full, mode); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}

// mkdirs creates the directories of rel under base with mode 0755
// whatever the umask.
func mkdirs(base, rel string) error {
	if rel == "." {
		return nil
	}
	cur := base
	for _, el := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, el)
		err := os.Mkdir(cur, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err == nil {
			err = os.Chmod(cur, 0o755)
		}
		if err != nil {
			return fmt.Errorf("create directory %s: %w", rel, err)
		}
	}
	return nil
}

// createLinks makes each name in tops a symlink to ..data/name. A symlink
// pointing elsewhere is replaced atomically; anything else in the way is
// an error, since removing it is not the writer's call.
func createLinks(dir string, tops map[string]bool) error {
	for name := range tops {
		path := filepath.Join(dir, name)
		info, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Symlink(linkTarget(name), path); err != nil {
				return fmt.Errorf("link %s: %w", name, err)
			}
			continue
		case err != nil:
			return fmt.Errorf("link %s: %w", name, err)
		case info.Mode()&fs.ModeSymlink == 0:
			return fmt.Errorf("link %s: %s is in the way and is not the volume's", name, path)
		}
		if target, err := os.Readlink(path); err == nil && target == linkTarget(name) {
			continue
		}
		tmp := filepath.Join(dir, "..link_tmp")
		os.Remove(tmp)
		if err := os.Symlink(linkTarget(name), tmp); err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("link %s: %w", name, err)
		}
	}
	return nil
}

// removeStaleLinks removes the writer's symlinks whose names are not in
// tops. Entries the writer did not create are left alone.
func removeStaleLinks(dir string, tops map[string]bool) error {
	links, err := ownLinks(dir)
	if err != nil {
		return err
	}
	var errs []error
	for name := range links {
		if tops[name] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove old %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// replacedGrace is how long the version a Write replaced stays on disk
// after the switch. A reader that resolved ..data to it just before the
// switch is still walking its path; removing the directory under it at
// once (as the kubelet does) makes that open fail with ENOENT, which a
// reader loop does hit. The walk takes microseconds; the grace is ample.
const replacedGrace = 5 * time.Second

// removeOldVersions removes the version directories in dir other than
// current, except the one current replaced while current is younger than
// replacedGrace. That one goes on a later Write (the agent calls Write on
// every sync of the pod).
func removeOldVersions(dir, current string, now time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list volume dir: %w", err)
	}
	keepReplaced := false
	if t, err := time.Parse(tsLayout, current); err == nil {
		keepReplaced = now.Sub(t) < replacedGrace
	}
	var old []string
	for _, e := range entries {
		if name := e.Name(); name != current && e.IsDir() && isVersionDir(name) {
			old = append(old, name)
		}
	}
	// Names sort in the order of versions; the replaced one is the newest
	// older than current.
	sort.Strings(old)
	replaced := ""
	for _, name := range old {
		if name < current {
			replaced = name
		}
	}
	var errs []error
	for _, name := range old {
		if keepReplaced && name == replaced {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			errs = append(errs, fmt.Errorf("remove old version: %w", err))
		}
	}
	return errors.Join(errs...)
}

// isVersionDir reports whether name is a timestamped version directory.
func isVersionDir(name string) bool {
	_, err := time.Parse(tsLayout, name)
	return err == nil
}
