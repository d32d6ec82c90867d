package containerlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Defaults of NewWriter, the kubelet's defaults for containerLogMaxSize and
// containerLogMaxFiles.
const (
	DefaultMaxSize  = 10 << 20
	DefaultMaxFiles = 5
)

// Writer writes a container's stdout and stderr to path in CRI format and
// rotates it. One process writes a container's log (the shim), so Writer
// takes no lock on the file; within the process it is safe for concurrent
// use.
type Writer struct {
	path     string
	maxSize  int64
	maxFiles int
	now      func() time.Time // record timestamps and rotated names; tests replace it

	mu           sync.Mutex
	f            *os.File // nil once closed
	size         int64
	lastRotation time.Time // time in the newest rotated file's name
	rotateErr    error     // the first rotation that failed, for Close
	streams      []*stream
	buf          []byte // the record being written
}

// NewWriter opens (or creates) the log file at path for appending. maxSize
// is the size in bytes the file is rotated at, DefaultMaxSize when 0;
// maxFiles is how many files to keep, rotated ones and the current one,
// DefaultMaxFiles when 0.
//
// If the file does not end with a newline (a crash in the middle of a
// record, or plain text from an older Marina), a newline is added so that
// the first new record starts a line of its own.
func NewWriter(path string, maxSize int64, maxFiles int) (*Writer, error) {
	if maxSize == 0 {
		maxSize = DefaultMaxSize
	}
	if maxFiles == 0 {
		maxFiles = DefaultMaxFiles
	}
	if maxSize < 0 || maxFiles < 0 {
		return nil, fmt.Errorf("container log %s: maxSize %d and maxFiles %d must not be negative", path, maxSize, maxFiles)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open container log: %w", err)
	}
	w := &Writer{path: path, maxSize: maxSize, maxFiles: maxFiles, now: time.Now, f: f}
	if err := w.init(); err != nil {
		f.Close()
		return nil, fmt.Errorf("open container log: %w", err)
	}
	return w, nil
}

func (w *Writer) init() error {
	fi, err := w.f.Stat()
	if err != nil {
		return err
	}
	w.size = fi.Size()
	if w.size > 0 {
		var last [1]byte
		if _, err := w.f.ReadAt(last[:], w.size-1); err != nil {
			return err
		}
		if last[0] != '\n' {
			n, err := w.f.Write([]byte{'\n'})
			w.size += int64(n)
			if err != nil {
				return err
			}
		}
	}
	rotated, err := listRotated(w.path)
	if err != nil {
		return err
	}
	if len(rotated) > 0 {
		w.lastRotation = rotated[len(rotated)-1].t
	}
	return nil
}

// Stream returns the writer for one of the container's streams, Stdout or
// Stderr; it panics on any other name. Each stream buffers its current line
// and writes it as a record when the line's newline arrives, or as P records
// of 16 KiB while it is longer than that. Closing a stream writes the line
// it holds as a P record. Stream may be called from any goroutine, and each
// stream may be used concurrently with the others.
func (w *Writer) Stream(name string) io.WriteCloser {
	if name != Stdout && name != Stderr {
		panic(fmt.Sprintf("containerlog: unknown stream %q", name))
	}
	s := &stream{w: w, name: name}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.streams = append(w.streams, s)
	return s
}

// Close closes every stream (writing the lines they hold as P records) and
// the file. Its error includes the first rotation that failed, if any: a
// failed rotation loses no output, the file just grows past maxSize.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	var errs []error
	for _, s := range w.streams {
		errs = append(errs, s.closeLocked())
	}
	errs = append(errs, w.rotateErr)
	if err := w.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close container log: %w", err))
	}
	w.f = nil
	return errors.Join(errs...)
}

// writeRecord writes one record, rotating first if the record would take
// the file past maxSize. w.mu is held.
func (w *Writer) writeRecord(stream string, partial bool, content []byte) error {
	now := w.now()
	w.buf = appendRecord(w.buf[:0], now, stream, partial, content)
	if w.size > 0 && w.size+int64(len(w.buf)) > w.maxSize {
		if err := w.rotate(now); err != nil && w.rotateErr == nil {
			w.rotateErr = err
		}
	}
	// One write per record: with O_APPEND a reader sees whole records
	// appear, and a crash leaves at most one torn record.
	n, err := w.f.Write(w.buf)
	w.size += int64(n)
	if err != nil {
		return fmt.Errorf("write container log: %w", err)
	}
	return nil
}

// stream is one of a container's output streams. Its state is guarded by
// w.mu, so the two streams' records never interleave within a record.
type stream struct {
	w      *Writer
	name   string
	line   []byte // the current line, at most maxLineSize
	closed bool
}

var _ io.WriteCloser = (*stream)(nil)

func (s *stream) Write(p []byte) (int, error) {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if s.closed || s.w.f == nil {
		return 0, os.ErrClosed
	}
	n := 0
	for n < len(p) {
		rest := p[n:]
		// A full buffer becomes a P record only once more of the line
		// arrives, so a line of exactly maxLineSize is one F record.
		if len(s.line) == maxLineSize && rest[0] != '\n' {
			if err := s.w.writeRecord(s.name, true, s.line); err != nil {
				return n, err
			}
			s.line = s.line[:0]
		}
		end := bytes.IndexByte(rest, '\n')
		newline := end >= 0
		if !newline {
			end = len(rest)
		}
		take := min(end, maxLineSize-len(s.line))
		s.line = append(s.line, rest[:take]...)
		n += take
		if take == end && newline {
			if err := s.w.writeRecord(s.name, false, s.line); err != nil {
				return n, err
			}
			s.line = s.line[:0]
			n++
		}
	}
	return n, nil
}

func (s *stream) Close() error {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.closeLocked()
}

func (s *stream) closeLocked() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if len(s.line) == 0 || s.w.f == nil {
		return nil
	}
	err := s.w.writeRecord(s.name, true, s.line)
	s.line = nil
	return err
}
