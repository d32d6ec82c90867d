package containerlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"
)

// Options is what kubectl logs asks for. The zero value reads every line
// of both streams once.
type Options struct {
	// Follow keeps reading new records after the end of the file, across
	// rotations.
	Follow bool
	// TailLines is how many of the last lines to show, nil for all. Lines
	// are counted after joining P records and applying the other filters,
	// across rotated files too.
	TailLines *int64
	// SinceTime shows only lines whose first record is at or after it.
	// Plain-text lines have no time and are left out.
	SinceTime *time.Time
	// Timestamps prefixes each line with its RFC3339Nano timestamp and a
	// space, as kubectl logs --timestamps. Plain-text lines get none.
	Timestamps bool
	// LimitBytes stops the output after this many bytes; nil means no limit.
	LimitBytes *int64
	// Stream is Stdout or Stderr to show only that stream, "" for both.
	// Plain-text lines belong to neither stream and are left out.
	Stream string
}

// Validate returns every problem with the options.
func (o Options) Validate() error {
	var errs []error
	switch o.Stream {
	case "", Stdout, Stderr:
	default:
		errs = append(errs, fmt.Errorf("stream: unsupported value %q: must be %q, %q or empty", o.Stream, Stdout, Stderr))
	}
	if o.TailLines != nil && *o.TailLines < 0 {
		errs = append(errs, fmt.Errorf("tailLines: must not be negative, got %d", *o.TailLines))
	}
	if o.LimitBytes != nil && *o.LimitBytes <= 0 {
		errs = append(errs, fmt.Errorf("limitBytes: must be positive, got %d", *o.LimitBytes))
	}
	return errors.Join(errs...)
}

// pollInterval is how often Follow looks for new records and rotations.
const pollInterval = 100 * time.Millisecond

// Read copies the logs at path (and its rotated files, oldest first) to w.
// With Follow it keeps reading new records, following rotation (the current
// file being renamed and a new one created), until ctx is done or stop()
// returns true. stop is polled before each look at the files, so when it
// returns true (say, "the container has exited") everything written before
// that is still read; then Read returns nil. A nil stop follows until ctx
// ends.
//
// If w implements http.Flusher, it is flushed after each line. Read returns
// nil once LimitBytes have been written, ctx.Err() if ctx ends first, and an
// error wrapping fs.ErrNotExist if neither path nor a rotated file exists.
//
// Rotated files removed by the writer before Read got to them are missed,
// as they are by the kubelet: a follower that keeps up misses nothing.
func Read(ctx context.Context, path string, opts Options, w io.Writer, stop func() bool) error {
	return read(ctx, path, opts, w, stop, pollInterval)
}

func read(ctx context.Context, path string, opts Options, w io.Writer, stop func() bool, poll time.Duration) error {
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("invalid log options: %w", err)
	}
	r := &reader{path: path, opts: opts, out: newOutput(w, opts)}
	defer r.close()
	err := r.run(ctx, stop, poll)
	if errors.Is(err, errLimitReached) {
		return nil
	}
	return err
}

// reader is one call of Read. Its pipeline, per line of a file:
// source → parseRecord → stream filter → assembler → since filter → sink.
type reader struct {
	path string
	opts Options
	out  *output
	asm  *assembler
	sink func(logLine) error // out.write, or a ring while tailing
	cur  *source             // the file at path; nil if there is none yet
	// seen identifies the files read or being read, so that a rotated file
	// is read once whatever name it has.
	seen []os.FileInfo
}

func (r *reader) run(ctx context.Context, stop func() bool, poll time.Duration) error {
	files, err := r.open()
	if err != nil {
		return err
	}
	err = r.readAll(ctx, files)
	for _, s := range files {
		if s != r.cur {
			s.close()
		}
	}
	if err != nil || !r.opts.Follow {
		return err
	}
	return r.follow(ctx, stop, poll)
}

func (r *reader) close() {
	if r.cur != nil {
		r.cur.close()
	}
}

// open opens the rotated files, oldest first, and the current one, last.
// It retries if a rotation changes the set of files while it opens them.
func (r *reader) open() ([]*source, error) {
	for attempt := 1; ; attempt++ {
		names, err := rotatedPaths(r.path)
		if err != nil {
			return nil, err
		}
		var files []*source
		for _, name := range names {
			s, err := openSource(name)
			if errors.Is(err, fs.ErrNotExist) {
				continue // pruned meanwhile
			}
			if err != nil {
				closeSources(files)
				return nil, fmt.Errorf("open container log: %w", err)
			}
			files = append(files, s)
		}
		cur, curErr := openSource(r.path)
		if curErr != nil && !errors.Is(curErr, fs.ErrNotExist) {
			closeSources(files)
			return nil, fmt.Errorf("open container log: %w", curErr)
		}
		if cur != nil {
			files = append(files, cur)
		}
		again, err := rotatedPaths(r.path)
		if err != nil {
			closeSources(files)
			return nil, err
		}
		if !slices.Equal(names, again) && attempt < 3 {
			closeSources(files)
			continue
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("open container log: %w", curErr)
		}
		r.cur = cur
		for _, s := range files {
			r.seen = append(r.seen, s.info)
		}
		return files, nil
	}
}

func closeSources(files []*source) {
	for _, s := range files {
		s.close()
	}
}

// readAll reads files to their end, the last n lines of them with
// TailLines. Without Follow it also ends the lines that never ended.
func (r *reader) readAll(ctx context.Context, files []*source) error {
	final := !r.opts.Follow
	readFrom := func(k int) error {
		for _, s := range files[k:] {
			s.rewind()
			end := endOfFile // rotated files are complete
			if s == r.cur {
				end = moreToCome
				if final {
					end = endOfLogs
				}
			}
			if err := s.read(ctx, end, r.physical); err != nil {
				return err
			}
		}
		if final {
			return r.asm.flush()
		}
		return nil
	}
	if r.opts.TailLines == nil {
		r.asm, r.sink = newAssembler(r.line, false), r.out.write
		return readFrom(0)
	}
	// Read only as many of the newest files as hold the last n lines. A
	// line that may have begun in an older file sends the search back one
	// more file. (A stream silent for a whole file while its line was
	// pending is not detected; neither does the kubelet join across files.)
	for k := len(files) - 1; k >= 0; k-- {
		tail := &ring{n: *r.opts.TailLines}
		r.asm, r.sink = newAssembler(r.line, k > 0), tail.add
		if err := readFrom(k); err != nil {
			return err
		}
		if k > 0 && (!tail.complete() || r.asm.pendingUncertain()) {
			continue
		}
		r.sink = r.out.write
		for _, l := range tail.ordered() {
			if err := r.out.write(l); err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

// physical takes one line of a file.
func (r *reader) physical(line []byte, complete bool) error {
	rec, ok := parseRecord(line)
	if !ok {
		rec = record{content: line} // plain text from an older Marina
	}
	if !complete {
		rec.partial = true
	}
	if r.opts.Stream != "" && rec.stream != r.opts.Stream {
		return nil
	}
	return r.asm.add(rec)
}

// line takes one joined line.
func (r *reader) line(l logLine) error {
	// Plain text has the zero time: before any SinceTime but the zero one.
	if since := r.opts.SinceTime; since != nil && l.ts.Before(*since) {
		return nil
	}
	return r.sink(l)
}
