package containerlog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func ts(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// rec is one record line at t0+sec.
func rec(sec int, stream, tag, content string) string {
	return fmt.Sprintf("%s %s %s %s\n", ts(sec).Format(time.RFC3339Nano), stream, tag, content)
}

// writeLogs writes files named path.<suffix> (path itself for "") with the
// given contents.
func writeLogs(t *testing.T, path string, files map[string]string) {
	t.Helper()
	for suffix, content := range files {
		name := path
		if suffix != "" {
			name += "." + suffix
		}
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestRead(t *testing.T) {
	// Lines, in the order they end: one two four three six eight seven
	// ten. "three" starts in the first rotated file and ends in the second;
	// "seven" is interleaved with "eight"; "ten" never ends.
	rotatedThenCurrent := map[string]string{
		"20261122-101510.000": rec(1, Stdout, "F", "one") + rec(2, Stderr, "F", "two") + rec(3, Stdout, "P", "thr"),
		"20261122-101520.000": rec(4, Stderr, "F", "four") + rec(5, Stdout, "F", "ee") + rec(6, Stdout, "F", "six"),
		"":                    rec(7, Stderr, "P", "sev") + rec(8, Stdout, "F", "eight") + rec(9, Stderr, "F", "en") + rec(10, Stdout, "P", "ten"),
	}
	plainThenCRI := map[string]string{
		"": "legacy 1\nlegacy 2\n" + rec(1, Stdout, "F", "new") + rec(2, Stderr, "F", "err"),
	}
	tests := []struct {
		name  string
		files map[string]string
		opts  Options
		want  string
	}{
		{name: "all", files: rotatedThenCurrent, want: "one\ntwo\nfour\nthree\nsix\neight\nseven\nten"},
		{name: "tail 0", files: rotatedThenCurrent, opts: Options{TailLines: ptr[int64](0)}, want: ""},
		{name: "tail 1 is the trailing partial line", files: rotatedThenCurrent, opts: Options{TailLines: ptr[int64](1)}, want: "ten"},
		{name: "tail 3 within the current file", files: rotatedThenCurrent, opts: Options{TailLines: ptr[int64](3)}, want: "eight\nseven\nten"},
		{name: "tail 5 joins a line across rotated files", files: rotatedThenCurrent, opts: Options{TailLines: ptr[int64](5)}, want: "three\nsix\neight\nseven\nten"},
		{name: "tail more than there are", files: rotatedThenCurrent, opts: Options{TailLines: ptr[int64](100)}, want: "one\ntwo\nfour\nthree\nsix\neight\nseven\nten"},
		{name: "stdout", files: rotatedThenCurrent, opts: Options{Stream: Stdout}, want: "one\nthree\nsix\neight\nten"},
		{name: "stderr", files: rotatedThenCurrent, opts: Options{Stream: Stderr}, want: "two\nfour\nseven\n"},
		{name: "stderr tail 2", files: rotatedThenCurrent, opts: Options{Stream: Stderr, TailLines: ptr[int64](2)}, want: "four\nseven\n"},
		{name: "since a line's time", files: rotatedThenCurrent, opts: Options{SinceTime: ptr(ts(6))}, want: "six\neight\nseven\nten"},
		{name: "since uses a line's first record", files: rotatedThenCurrent, opts: Options{SinceTime: ptr(ts(4))}, want: "four\nsix\neight\nseven\nten"},
		{name: "since between records", files: rotatedThenCurrent, opts: Options{SinceTime: ptr(ts(8).Add(-time.Nanosecond))}, want: "eight\nten"},
		{name: "since and tail", files: rotatedThenCurrent, opts: Options{SinceTime: ptr(ts(4)), TailLines: ptr[int64](2)}, want: "seven\nten"},
		{name: "since after the end", files: rotatedThenCurrent, opts: Options{SinceTime: ptr(ts(11))}, want: ""},
		{
			name: "timestamps", files: rotatedThenCurrent, opts: Options{Timestamps: true, TailLines: ptr[int64](2)},
			want: "2026-11-22T10:15:07Z seven\n2026-11-22T10:15:10Z ten",
		},
		{name: "limit bytes cuts a line", files: rotatedThenCurrent, opts: Options{LimitBytes: ptr[int64](10)}, want: "one\ntwo\nfo"},
		{name: "limit bytes at a line end", files: rotatedThenCurrent, opts: Options{LimitBytes: ptr[int64](8)}, want: "one\ntwo\n"},
		{name: "limit bytes counts timestamps", files: rotatedThenCurrent, opts: Options{LimitBytes: ptr[int64](25), Timestamps: true}, want: "2026-11-22T10:15:01Z one\n"},
		{name: "plain text as is", files: plainThenCRI, want: "legacy 1\nlegacy 2\nnew\nerr\n"},
		{name: "plain text without timestamps", files: plainThenCRI, opts: Options{Timestamps: true}, want: "legacy 1\nlegacy 2\n2026-11-22T10:15:01Z new\n2026-11-22T10:15:02Z err\n"},
		{name: "plain text in tail", files: plainThenCRI, opts: Options{TailLines: ptr[int64](3)}, want: "legacy 2\nnew\nerr\n"},
		{name: "plain text has no stream", files: plainThenCRI, opts: Options{Stream: Stdout}, want: "new\n"},
		{name: "plain text has no time", files: plainThenCRI, opts: Options{SinceTime: ptr(t0)}, want: "new\nerr\n"},
		{name: "plain text without final newline", files: map[string]string{"": "a\nb"}, want: "a\nb"},
		{name: "torn final record", files: map[string]string{"": rec(1, Stdout, "F", "a") + "2026-11-22T10:15:02Z stdout F b"}, want: "a\nb"},
		{
			name:  "rotated file without final newline",
			files: map[string]string{"20261122-101510.000": rec(1, Stdout, "F", "a") + "plain", "": rec(2, Stdout, "F", "b")},
			want:  "a\nplain\nb\n",
		},
		{name: "only rotated files", files: map[string]string{"20261122-101510.000": rec(1, Stdout, "F", "old")}, want: "old\n"},
		{name: "empty file", files: map[string]string{"": ""}, want: ""},
		{name: "long plain line", files: map[string]string{"": strings.Repeat("z", 3*maxPhysicalLine) + "\nnext\n"}, want: strings.Repeat("z", 3*maxPhysicalLine) + "\nnext\n"},
		{name: "other files beside the log are ignored", files: map[string]string{"": rec(1, Stdout, "F", "a"), "bak": rec(0, Stdout, "F", "no")}, want: "a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "container.log")
			writeLogs(t, path, tt.files)
			var out syncBuffer
			if err := Read(t.Context(), path, tt.opts, &out, nil); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("Read = %.200q, want %.200q", got, tt.want)
			}
			if tt.want != "" && out.flushes == 0 {
				t.Error("output was never flushed")
			}
		})
	}
}

func TestReadTailOnlyReadsNewestFilesNeeded(t *testing.T) {
	// An unreadable oldest file proves tail did not need it.
	path := filepath.Join(t.TempDir(), "container.log")
	writeLogs(t, path, map[string]string{
		"20261122-101510.000": rec(1, Stdout, "F", "one"),
		"20261122-101520.000": rec(2, Stdout, "F", "two"),
		"":                    rec(3, Stdout, "F", "three") + rec(4, Stdout, "F", "four"),
	})
	var out strings.Builder
	r := &reader{path: path, opts: Options{TailLines: ptr[int64](2)}, out: newOutput(&out, Options{})}
	files, err := r.open()
	if err != nil {
		t.Fatal(err)
	}
	defer closeSources(files)
	files[0].f.Close() // reading it would fail
	if err := r.readAll(t.Context(), files); err != nil {
		t.Fatalf("tail 2 read the oldest file: %v", err)
	}
	if want := "three\nfour\n"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	err := Read(t.Context(), filepath.Join(dir, "missing.log"), Options{}, &strings.Builder{}, nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read of a missing log = %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(dir, "container.log")
	writeLogs(t, path, map[string]string{"": rec(1, Stdout, "F", "a")})
	for _, opts := range []Options{
		{Stream: "stdin"},
		{TailLines: ptr[int64](-1)},
		{LimitBytes: ptr[int64](0)},
	} {
		if err := Read(t.Context(), path, opts, &strings.Builder{}, nil); err == nil {
			t.Errorf("Read with %+v: no error", opts)
		}
	}
	bad := Options{Stream: "stdin", TailLines: ptr[int64](-1), LimitBytes: ptr[int64](-1)}
	if err := bad.Validate(); err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("Validate = %v, want three problems", err)
	}
}

func TestSourceBoundsAnUnendedLine(t *testing.T) {
	// A plain-text line with no end in sight is passed on in pieces, not
	// held whole while the file is followed.
	path := filepath.Join(t.TempDir(), "container.log")
	writeLogs(t, path, map[string]string{"": strings.Repeat("z", 5*maxPhysicalLine)})
	s, err := openSource(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var passed int
	err = s.read(t.Context(), moreToCome, func(line []byte, complete bool) error {
		if complete {
			t.Errorf("piece of %d bytes passed as a complete line", len(line))
		}
		passed += len(line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if held := len(s.rem); held >= maxPhysicalLine || passed+held != 5*maxPhysicalLine {
		t.Errorf("passed %d bytes and held %d, want all but less than %d passed", passed, held, maxPhysicalLine)
	}
}
