package containerlog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// rotatedLayout is the time suffix of a rotated file's name, in UTC. It is
// fixed-width, so names sort in time order.
const rotatedLayout = "20060102-150405.000"

// rotatedFile is a file that Writer rotated away from path.
type rotatedFile struct {
	path string
	t    time.Time // from the name: when it was rotated
}

func rotatedName(path string, t time.Time) string {
	return path + "." + t.UTC().Format(rotatedLayout)
}

// listRotated returns the rotated files of path, oldest first. Files whose
// suffix is not a rotation time are not Writer's and are left out.
func listRotated(path string) ([]rotatedFile, error) {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(cmpOr(dir, "."))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list rotated logs: %w", err)
	}
	var files []rotatedFile
	for _, e := range entries {
		suffix, ok := strings.CutPrefix(e.Name(), base+".")
		if !ok || e.IsDir() {
			continue
		}
		t, err := time.Parse(rotatedLayout, suffix)
		if err != nil {
			continue
		}
		files = append(files, rotatedFile{path: filepath.Join(dir, e.Name()), t: t})
	}
	slices.SortFunc(files, func(a, b rotatedFile) int { return a.t.Compare(b.t) })
	return files, nil
}

// rotatedPaths is listRotated without the times.
func rotatedPaths(path string) ([]string, error) {
	files, err := listRotated(path)
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	return paths, err
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// rotate renames the current file to a rotated name, starts a new one and
// prunes the oldest rotated files. w.mu is held. If the new file cannot be
// created the old one is put back, so output is never lost to a failed
// rotation.
func (w *Writer) rotate(now time.Time) error {
	// Names must stay unique and increasing even if the clock stands still
	// or steps back.
	t := now.UTC().Truncate(time.Millisecond)
	if !t.After(w.lastRotation) {
		t = w.lastRotation.Add(time.Millisecond)
	}
	name := rotatedName(w.path, t)
	if err := os.Rename(w.path, name); err != nil {
		return fmt.Errorf("rotate container log: %w", err)
	}
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		err = fmt.Errorf("rotate container log: %w", err)
		if rerr := os.Rename(name, w.path); rerr != nil {
			err = errors.Join(err, fmt.Errorf("restore container log: %w", rerr))
		}
		return err
	}
	old := w.f
	w.f, w.size, w.lastRotation = f, 0, t
	var errs []error
	if err := old.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close rotated container log: %w", err))
	}
	return errors.Join(append(errs, w.prune())...)
}

// prune removes the oldest rotated files so that at most maxFiles files
// remain, the current one included.
func (w *Writer) prune() error {
	rotated, err := listRotated(w.path)
	if err != nil {
		return err
	}
	var errs []error
	for ; len(rotated) > w.maxFiles-1; rotated = rotated[1:] {
		if err := os.Remove(rotated[0].path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("prune container logs: %w", err))
		}
	}
	return errors.Join(errs...)
}
