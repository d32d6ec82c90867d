package containerlog

import (
	"bytes"
	"slices"
	"time"
)

// logLine is one line as kubectl logs shows it: a stream's P records joined
// with the F record that ends them.
type logLine struct {
	ts        time.Time // of the line's first record; zero for plain text
	stream    string
	content   []byte // valid only during the call it is passed to
	noNewline bool   // the line never ended: a trailing P record
	// uncertain marks a line that may have started in a file before the
	// ones read (see assembler.partialStart).
	uncertain bool
}

// The streams records are joined within; plain text is a stream of its own.
const (
	keyStdout = iota
	keyStderr
	keyPlain
	numKeys
)

func streamKey(stream string) int {
	switch stream {
	case Stdout:
		return keyStdout
	case Stderr:
		return keyStderr
	}
	return keyPlain
}

// assembler joins records into lines, per stream, and passes each line to
// emit when its last record arrives.
type assembler struct {
	emit func(logLine) error
	// partialStart says reading began after the first file, so each
	// stream's first line may be missing P records from the file before.
	partialStart bool
	ended        [numKeys]bool // a line of this stream has ended
	pending      [numKeys]pendingLine
	seq          int
}

type pendingLine struct {
	active  bool
	ts      time.Time
	content []byte
	seq     int // orders pending lines by their first record
}

func newAssembler(emit func(logLine) error, partialStart bool) *assembler {
	return &assembler{emit: emit, partialStart: partialStart}
}

func (a *assembler) add(r record) error {
	k := streamKey(r.stream)
	p := &a.pending[k]
	if r.partial {
		if !p.active {
			*p = pendingLine{active: true, ts: r.ts, content: p.content[:0], seq: a.seq}
			a.seq++
		}
		p.content = append(p.content, r.content...)
		return nil
	}
	l := logLine{ts: r.ts, stream: r.stream, content: r.content, uncertain: a.uncertain(k)}
	a.ended[k] = true
	if p.active {
		p.active = false
		p.content = append(p.content, r.content...)
		l.ts, l.content = p.ts, p.content
	}
	return a.emit(l)
}

func (a *assembler) uncertain(k int) bool {
	return a.partialStart && !a.ended[k]
}

// pendingUncertain reports whether a line still waiting for its end may
// have started before the files read.
func (a *assembler) pendingUncertain() bool {
	for k := range a.pending {
		if a.pending[k].active && a.uncertain(k) {
			return true
		}
	}
	return false
}

// flush emits the lines that never ended, in the order they began: the
// end of the logs has been reached.
func (a *assembler) flush() error {
	var keys []int
	for k := range a.pending {
		if a.pending[k].active {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y int) int { return a.pending[x].seq - a.pending[y].seq })
	for _, k := range keys {
		p := &a.pending[k]
		p.active = false
		stream := [numKeys]string{Stdout, Stderr, ""}[k]
		l := logLine{ts: p.ts, stream: stream, content: p.content, noNewline: true, uncertain: a.uncertain(k)}
		if err := a.emit(l); err != nil {
			return err
		}
	}
	return nil
}

// ring keeps the last n lines passed to add.
type ring struct {
	n     int64
	lines []logLine
	start int // index of the oldest line once the ring is full
}

func (r *ring) add(l logLine) error {
	if r.n == 0 {
		return nil
	}
	if int64(len(r.lines)) < r.n {
		l.content = bytes.Clone(l.content)
		r.lines = append(r.lines, l)
		return nil
	}
	slot := &r.lines[r.start]
	l.content = append(slot.content[:0], l.content...)
	*slot = l
	r.start = (r.start + 1) % len(r.lines)
	return nil
}

// complete reports whether the ring holds n lines, all certain.
func (r *ring) complete() bool {
	if int64(len(r.lines)) < r.n {
		return false
	}
	return !slices.ContainsFunc(r.lines, func(l logLine) bool { return l.uncertain })
}

// ordered returns the lines, oldest first.
func (r *ring) ordered() []logLine {
	return slices.Concat(r.lines[r.start:], r.lines[:r.start])
}
