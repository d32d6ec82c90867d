package containerlog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
)

// maxPhysicalLine bounds how much of one line of a file is held while
// waiting for its newline. A CRI record is at most maxLineSize plus a short
// header; only plain text from an older Marina is longer, and it is passed
// on in pieces.
const maxPhysicalLine = 64 * 1024

// source reads one log file incrementally, line by line, from where it
// stopped the last time: the file may still be growing.
type source struct {
	f    *os.File
	info os.FileInfo // identifies the file across renames
	off  int64       // how far the file has been read
	buf  []byte
	rem  []byte // bytes after the last newline read: the start of a line
}

func openSource(name string) (*source, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &source{f: f, info: info}, nil
}

// rewind makes the next read start at the beginning of the file.
func (s *source) rewind() {
	s.off, s.rem = 0, s.rem[:0]
}

func (s *source) close() {
	s.f.Close()
}

// ending says what read does with the bytes after a file's last newline.
type ending int

const (
	// moreToCome keeps them for the next read: the file may grow.
	moreToCome ending = iota
	// endOfLogs passes them as an incomplete line: the logs end there,
	// as output that ended without a newline.
	endOfLogs
	// endOfFile passes them as a line: the file has been rotated away and
	// the logs go on in the next one.
	endOfFile
)

// read passes fn each complete line the file holds beyond what was read
// before, without its newline, then deals with the rest as end says. The
// slice fn gets is valid only during the call.
func (s *source) read(ctx context.Context, end ending, fn func(line []byte, complete bool) error) error {
	if s.buf == nil {
		s.buf = make([]byte, 32*1024)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := s.f.ReadAt(s.buf, s.off)
		s.off += int64(n)
		if perr := s.split(s.buf[:n], fn); perr != nil {
			return perr
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read container log: %w", err)
		}
	}
	if end != moreToCome && len(s.rem) > 0 {
		err := fn(s.rem, end == endOfFile)
		s.rem = s.rem[:0]
		return err
	}
	return nil
}

func (s *source) split(data []byte, fn func(line []byte, complete bool) error) error {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			s.rem = append(s.rem, data...)
			if len(s.rem) < maxPhysicalLine {
				return nil
			}
			err := fn(s.rem, false)
			s.rem = s.rem[:0]
			return err
		}
		line := data[:i]
		if len(s.rem) > 0 {
			s.rem = append(s.rem, line...)
			line = s.rem
		}
		if err := fn(line, true); err != nil {
			return err
		}
		s.rem = s.rem[:0]
		data = data[i+1:]
	}
	return nil
}
