package containerlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// summarize shortens long records for failure messages.
func summarize(recs []string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		if len(r) > 40 {
			r = fmt.Sprintf("%s…(%d bytes)", r[:20], len(r))
		}
		out[i] = r
	}
	return out
}

func TestStreamSplitsLines(t *testing.T) {
	x16 := strings.Repeat("x", maxLineSize)
	tests := []struct {
		name   string
		writes []string
		close  bool
		want   []string
	}{
		{name: "one line", writes: []string{"hello\n"}, want: []string{"stdout F hello"}},
		{name: "two lines in one write", writes: []string{"a\nb\n"}, want: []string{"stdout F a", "stdout F b"}},
		{name: "line across writes", writes: []string{"hel", "lo", "\n"}, want: []string{"stdout F hello"}},
		{name: "empty line", writes: []string{"\n"}, want: []string{"stdout F "}},
		{name: "no record before the newline", writes: []string{"pending"}},
		{name: "exactly 16KiB is one F", writes: []string{x16 + "\n"}, want: []string{"stdout F " + x16}},
		{name: "exactly 16KiB, newline in next write", writes: []string{x16, "\n"}, want: []string{"stdout F " + x16}},
		{name: "16KiB+1 is P and F", writes: []string{x16 + "y\n"}, want: []string{"stdout P " + x16, "stdout F y"}},
		{
			name:   "40KiB in small writes",
			writes: append(slices.Repeat([]string{strings.Repeat("x", 1024)}, 40), "\n"),
			want:   []string{"stdout P " + x16, "stdout P " + x16, "stdout F " + strings.Repeat("x", 8*1024)},
		},
		{name: "partial final line is P on close", writes: []string{"a\nrest"}, close: true, want: []string{"stdout F a", "stdout P rest"}},
		{name: "nothing pending on close", writes: []string{"a\n"}, close: true, want: []string{"stdout F a"}},
		{name: "long unterminated line on close", writes: []string{x16 + "tail"}, close: true, want: []string{"stdout P " + x16, "stdout P tail"}},
		{name: "carriage return is content", writes: []string{"a\r\n"}, want: []string{"stdout F a\r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "container.log")
			w := newTestWriter(t, path, 0, 0)
			s := w.Stream(Stdout)
			for _, p := range tt.writes {
				if n, err := s.Write([]byte(p)); n != len(p) || err != nil {
					t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(p))
				}
			}
			if tt.close {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if got := fileRecords(t, path); !slices.Equal(got, tt.want) {
				t.Errorf("records = %q, want %q", summarize(got), summarize(tt.want))
			}
		})
	}
}

func TestRecordTimestampIsWhenLineCompletes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w := newTestWriter(t, path, 0, 0)
	now := t0
	w.now = func() time.Time { return now }
	s := w.Stream(Stderr)
	s.Write([]byte("par"))
	now = t0.Add(5 * time.Second)
	s.Write([]byte("t\n"))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-22T10:15:05Z stderr F part\n"; string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
}

func TestStdoutStderrInterleaving(t *testing.T) {
	t.Run("records interleave, lines join per stream", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "container.log")
		w := newTestWriter(t, path, 0, 0)
		stdout, stderr := w.Stream(Stdout), w.Stream(Stderr)
		long := strings.Repeat("o", maxLineSize+10)
		stdout.Write([]byte(long))
		stderr.Write([]byte("err\n"))
		stdout.Write([]byte("end\n"))
		want := []string{"stdout P " + long[:maxLineSize], "stderr F err", "stdout F " + long[maxLineSize:] + "end"}
		if got := fileRecords(t, path); !slices.Equal(got, want) {
			t.Fatalf("records = %q, want %q", summarize(got), summarize(want))
		}
		for _, tc := range []struct{ stream, want string }{
			{"", "err\n" + long + "end\n"},
			{Stdout, long + "end\n"},
			{Stderr, "err\n"},
		} {
			var out strings.Builder
			if err := Read(t.Context(), path, Options{Stream: tc.stream}, &out, nil); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("Read(stream %q) = %d bytes %.30q, want %d bytes %.30q", tc.stream, out.Len(), out.String(), len(tc.want), tc.want)
			}
		}
	})
	t.Run("concurrent streams", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "container.log")
		w := newTestWriter(t, path, 0, 0)
		const n = 300
		var wg sync.WaitGroup
		for _, name := range []string{Stdout, Stderr} {
			s := w.Stream(name)
			wg.Go(func() {
				for i := range n {
					// Each line in two writes, so lines are assembled
					// while the other stream writes.
					fmt.Fprintf(s, "%s line", name)
					fmt.Fprintf(s, " %d\n", i)
				}
			})
		}
		wg.Wait()
		next := map[string]int{}
		for _, r := range fileRecords(t, path) {
			stream, _, _ := strings.Cut(r, " ")
			if want := fmt.Sprintf("%s F %s line %d", stream, stream, next[stream]); r != want {
				t.Fatalf("record %q, want %q", r, want)
			}
			next[stream]++
		}
		if next[Stdout] != n || next[Stderr] != n {
			t.Errorf("records per stream = %v, want %d each", next, n)
		}
	})
}

func TestRotation(t *testing.T) {
	lines := func(n int) []string {
		var l []string
		for i := range n {
			l = append(l, fmt.Sprintf("line %03d\n", i))
		}
		return l
	}
	recordsOf := func(writes []string) []string {
		var r []string
		for _, w := range writes {
			r = append(r, "stdout F "+strings.TrimSuffix(w, "\n"))
		}
		return r
	}
	big := strings.Repeat("b", 2*maxLineSize+100)
	tests := []struct {
		name      string
		maxSize   int64
		maxFiles  int
		writes    []string
		records   []string // all records written, oldest first
		wantFiles int
	}{
		{name: "keeps maxFiles", maxSize: 200, maxFiles: 3, writes: lines(50), records: recordsOf(lines(50)), wantFiles: 3},
		{name: "maxFiles 1 keeps the current file", maxSize: 200, maxFiles: 1, writes: lines(50), records: recordsOf(lines(50)), wantFiles: 1},
		{name: "default size does not rotate small logs", writes: lines(50), records: recordsOf(lines(50)), wantFiles: 1},
		{
			name: "records larger than maxSize get a file each", maxSize: 100, maxFiles: 10,
			writes:    []string{"short\n", big + "\n", "after\n"},
			records:   []string{"stdout F short", "stdout P " + big[:maxLineSize], "stdout P " + big[maxLineSize:2*maxLineSize], "stdout F " + big[2*maxLineSize:], "stdout F after"},
			wantFiles: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "container.log")
			w := newTestWriter(t, path, tt.maxSize, tt.maxFiles)
			s := w.Stream(Stdout)
			for _, p := range tt.writes {
				if _, err := s.Write([]byte(p)); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			files := logFiles(t, path)
			if len(files) != tt.wantFiles {
				t.Fatalf("files = %q, want %d", files, tt.wantFiles)
			}
			var got []string
			for _, f := range files {
				recs := fileRecords(t, f) // fails on a split record
				fi, err := os.Stat(f)
				if err != nil {
					t.Fatal(err)
				}
				if limit := cmpOr64(tt.maxSize, DefaultMaxSize); fi.Size() > limit && len(recs) != 1 {
					t.Errorf("%s: %d bytes in %d records, over maxSize %d", f, fi.Size(), len(recs), limit)
				}
				got = append(got, recs...)
			}
			if len(got) == 0 || !slices.Equal(got, tt.records[len(tt.records)-len(got):]) {
				t.Errorf("records kept = %q, want the newest of %q", summarize(got), summarize(tt.records))
			}
		})
	}
}

func cmpOr64(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

func TestRotatedNamesStayOrderedWhenClockStandsStill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w := newTestWriter(t, path, 40, 10) // one record per file
	w.now = func() time.Time { return t0 }
	s := w.Stream(Stdout)
	for i := range 5 {
		fmt.Fprintf(s, "line %d\n", i)
	}
	files := logFiles(t, path)
	want := []string{
		path + ".20261122-101500.000",
		path + ".20261122-101500.001",
		path + ".20261122-101500.002",
		path + ".20261122-101500.003",
		path,
	}
	if !slices.Equal(files, want) {
		t.Fatalf("files = %q, want %q", files, want)
	}
	for i, f := range files {
		if got, want := fileRecords(t, f), []string{fmt.Sprintf("stdout F line %d", i)}; !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
}

func TestNewWriterContinuesPlainTextFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	if err := os.WriteFile(path, []byte("legacy 1\nlegacy 2 without newline"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := newTestWriter(t, path, 0, 0)
	fmt.Fprintln(w.Stream(Stdout), "new")
	w.Close()
	var out strings.Builder
	if err := Read(t.Context(), path, Options{}, &out, nil); err != nil {
		t.Fatal(err)
	}
	if want := "legacy 1\nlegacy 2 without newline\nnew\n"; out.String() != want {
		t.Errorf("Read = %q, want %q", out.String(), want)
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewWriter(filepath.Join(dir, "a.log"), -1, 0); err == nil {
		t.Error("NewWriter with negative maxSize: no error")
	}
	if _, err := NewWriter(filepath.Join(dir, "missing", "a.log"), 0, 0); err == nil {
		t.Error("NewWriter in a missing directory: no error")
	}
	w := newTestWriter(t, filepath.Join(dir, "b.log"), 0, 0)
	s := w.Stream(Stdout)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("late\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close = %v, want os.ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Stream(\"stdin\") did not panic")
		}
	}()
	w.Stream("stdin")
}

func TestWriterCloseFlushesStreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w := newTestWriter(t, path, 0, 0)
	w.Stream(Stdout).Write([]byte("out"))
	w.Stream(Stderr).Write([]byte("err"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := fileRecords(t, path), []string{"stdout P out", "stderr P err"}; !slices.Equal(got, want) {
		t.Errorf("records = %q, want %q", got, want)
	}
}
