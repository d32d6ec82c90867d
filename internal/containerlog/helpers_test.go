package containerlog

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

// stepClock returns a clock that starts at t0 and advances by step on
// each reading.
func stepClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := t0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := now
		now = now.Add(step)
		return t
	}
}

// newTestWriter is NewWriter with a clock that advances a second a record.
func newTestWriter(t *testing.T, path string, maxSize int64, maxFiles int) *Writer {
	t.Helper()
	w, err := NewWriter(path, maxSize, maxFiles)
	if err != nil {
		t.Fatal(err)
	}
	w.now = stepClock(time.Second)
	t.Cleanup(func() { w.Close() })
	return w
}

// fileRecords returns the records in a file as "stream tag content",
// failing the test on a line that is not a record.
func fileRecords(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end with a newline", path)
	}
	var recs []string
	for line := range strings.SplitSeq(string(data[:len(data)-1]), "\n") {
		r, ok := parseRecord([]byte(line))
		if !ok {
			t.Fatalf("%s: not a record: %q", path, line)
		}
		tag := "F"
		if r.partial {
			tag = "P"
		}
		recs = append(recs, fmt.Sprintf("%s %s %s", r.stream, tag, r.content))
	}
	return recs
}

// logFiles returns the rotated files of path, oldest first, then path.
func logFiles(t *testing.T, path string) []string {
	t.Helper()
	files, err := rotatedPaths(path)
	if err != nil {
		t.Fatal(err)
	}
	return append(files, path)
}

// syncBuffer is an io.Writer and http.Flusher safe to read while Read
// writes to it.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	flushes int
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushes++
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond until it holds, failing the test after 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
