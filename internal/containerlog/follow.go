package containerlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"
)

// follow reads new records as they are written until ctx ends or stop
// returns true.
func (r *reader) follow(ctx context.Context, stop func() bool, poll time.Duration) error {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		done := stop != nil && stop()
		if err := r.catchUp(ctx, done); err != nil {
			return err
		}
		if done {
			return r.asm.flush()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// catchUp reads what has been written since the last call, following
// rotations. With final it also passes on a trailing incomplete line.
func (r *reader) catchUp(ctx context.Context, final bool) error {
	for {
		info, err := os.Stat(r.path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("follow container log: %w", err)
		}
		// A missing path means renamed, and the new file not there yet.
		moved := err == nil && (r.cur == nil || !os.SameFile(info, r.cur.info))
		if r.cur != nil {
			// The writer renames its file only between records and never
			// writes it again, and the rename came before the Stat above:
			// if the file has moved, this read reaches its true end.
			end := moreToCome
			switch {
			case moved:
				end = endOfFile
			case final:
				end = endOfLogs
			}
			if err := r.cur.read(ctx, end, r.physical); err != nil {
				return err
			}
		}
		if !moved {
			return nil
		}
		if r.cur != nil {
			r.cur.close()
			r.cur = nil
		}
		if err := r.switchFiles(ctx); err != nil {
			return err
		}
	}
}

// switchFiles reads the rotated files not seen yet (more than one if the
// writer rotated more than once since the last poll), oldest first, and
// then opens the new current file.
func (r *reader) switchFiles(ctx context.Context) error {
	for {
		rotated, err := rotatedPaths(r.path)
		if err != nil {
			return err
		}
		var present []os.FileInfo
		for _, name := range rotated {
			info, err := os.Stat(name)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("follow container log: %w", err)
			}
			present = append(present, info)
			if r.wasSeen(info) {
				continue
			}
			if err := r.readRotated(ctx, name); err != nil {
				return err
			}
		}
		cur, err := openSource(r.path)
		if errors.Is(err, fs.ErrNotExist) {
			r.forgetExcept(present)
			return nil
		}
		if err != nil {
			return fmt.Errorf("follow container log: %w", err)
		}
		// A rotation after the listing left a file older than cur unread.
		if again, err := rotatedPaths(r.path); err != nil || !slices.Equal(again, rotated) {
			cur.close()
			if err != nil {
				return err
			}
			continue
		}
		r.forgetExcept(append(present, cur.info))
		r.cur = cur
		return nil
	}
}

func (r *reader) readRotated(ctx context.Context, name string) error {
	s, err := openSource(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // pruned before it could be read
	}
	if err != nil {
		return fmt.Errorf("follow container log: %w", err)
	}
	defer s.close()
	r.seen = append(r.seen, s.info)
	return s.read(ctx, endOfFile, r.physical)
}

func (r *reader) wasSeen(info os.FileInfo) bool {
	return slices.ContainsFunc(r.seen, func(s os.FileInfo) bool { return os.SameFile(s, info) })
}

// forgetExcept keeps in seen only the files still present, so it does not
// grow while following and a reused inode is not mistaken for a file read.
func (r *reader) forgetExcept(present []os.FileInfo) {
	r.seen = slices.DeleteFunc(r.seen, func(s os.FileInfo) bool {
		return !slices.ContainsFunc(present, func(p os.FileInfo) bool { return os.SameFile(s, p) })
	})
	for _, p := range present {
		if !r.wasSeen(p) {
			r.seen = append(r.seen, p)
		}
	}
}
