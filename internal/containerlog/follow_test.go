package containerlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testPoll = 5 * time.Millisecond

// startFollow runs read with Follow in a goroutine and returns its output
// and a channel with its result.
func startFollow(ctx context.Context, path string, opts Options, stop func() bool) (*syncBuffer, <-chan error) {
	return startFollowPolling(ctx, path, opts, stop, testPoll)
}

func startFollowPolling(ctx context.Context, path string, opts Options, stop func() bool, poll time.Duration) (*syncBuffer, <-chan error) {
	opts.Follow = true
	out := &syncBuffer{}
	errc := make(chan error, 1)
	go func() { errc <- read(ctx, path, opts, out, stop, poll) }()
	return out, errc
}

func waitErr(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Read did not return")
		return nil
	}
}

func TestFollowAcrossRotationUntilStop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w := newTestWriter(t, path, 200, 3)
	stdout := w.Stream(Stdout)
	fmt.Fprintln(stdout, "before")

	var stopped atomic.Bool
	out, errc := startFollow(t.Context(), path, Options{}, stopped.Load)
	want := "before\n"
	waitFor(t, "the existing line", func() bool { return out.String() == want })
	for i := range 30 {
		line := fmt.Sprintf("line %02d\n", i)
		stdout.Write([]byte(line))
		want += line
		waitFor(t, fmt.Sprintf("%q", line), func() bool { return out.String() == want })
	}
	if rotated, _ := rotatedPaths(path); len(rotated) != 2 {
		t.Fatalf("rotated files = %q, want 2 (the test needs rotations)", rotated)
	}
	// The container exits with output that has no newline: Read must
	// return after reading it, without adding a newline.
	stdout.Write([]byte("last words"))
	w.Close()
	stopped.Store(true)
	if err := waitErr(t, errc); err != nil {
		t.Fatalf("Read = %v, want nil after stop", err)
	}
	if want += "last words"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
	if out.flushes == 0 {
		t.Error("output was never flushed")
	}
}

func TestFollowCatchesUpWithSeveralRotationsBetweenPolls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w := newTestWriter(t, path, 100, 100) // about two records a file, none pruned
	stdout := w.Stream(Stdout)
	fmt.Fprintln(stdout, "first")
	var stopped atomic.Bool
	// A poll long enough for all the writing below to happen between two
	// polls: the follower must find the file it was reading under its
	// rotated name and read the files rotated after it.
	out, errc := startFollowPolling(t.Context(), path, Options{}, stopped.Load, 300*time.Millisecond)
	waitFor(t, "the first line", func() bool { return out.String() == "first\n" })
	var want strings.Builder
	want.WriteString("first\n")
	for i := range 200 {
		fmt.Fprintf(stdout, "line %03d\n", i)
		fmt.Fprintf(&want, "line %03d\n", i)
	}
	w.Close()
	stopped.Store(true)
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() {
		t.Errorf("output = %q, want %q", out.String(), want.String())
	}
}

func TestFollowWithTailAndStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w := newTestWriter(t, path, 0, 0)
	stdout, stderr := w.Stream(Stdout), w.Stream(Stderr)
	fmt.Fprint(stdout, "a\nb\nc\n")
	fmt.Fprint(stderr, "x\n")
	var stopped atomic.Bool
	out, errc := startFollow(t.Context(), path, Options{TailLines: ptr[int64](2), Stream: Stdout}, stopped.Load)
	waitFor(t, "the tail", func() bool { return out.String() == "b\nc\n" })
	fmt.Fprint(stderr, "y\n")
	fmt.Fprint(stdout, "d")
	fmt.Fprint(stdout, "e\n")
	waitFor(t, "the new line", func() bool { return out.String() == "b\nc\nde\n" })
	stopped.Store(true)
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
}

func TestFollowLimitBytesReturns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w := newTestWriter(t, path, 0, 0)
	out, errc := startFollow(t.Context(), path, Options{LimitBytes: ptr[int64](6)}, nil)
	fmt.Fprint(w.Stream(Stdout), "abc\ndef\nghi\n")
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
	if want := "abc\nde"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
}

func TestFollowEndsWithContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w := newTestWriter(t, path, 0, 0)
	fmt.Fprintln(w.Stream(Stdout), "hello")
	ctx, cancel := context.WithCancel(t.Context())
	out, errc := startFollow(ctx, path, Options{}, nil)
	waitFor(t, "the line", func() bool { return out.String() == "hello\n" })
	select {
	case err := <-errc:
		t.Fatalf("Read returned %v before ctx ended", err)
	case <-time.After(5 * testPoll):
	}
	cancel()
	if err := waitErr(t, errc); !errors.Is(err, context.Canceled) {
		t.Errorf("Read = %v, want context.Canceled", err)
	}
}

func TestFollowStopAlreadyTrueReadsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	writeLogs(t, path, map[string]string{
		"20261122-101510.000": rec(1, Stdout, "P", "par"),
		"":                    rec(2, Stdout, "F", "t") + rec(3, Stderr, "P", "no newline"),
	})
	out, errc := startFollow(t.Context(), path, Options{}, func() bool { return true })
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
	if want := "part\nno newline"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
}

func TestFollowWaitsForTheNewFileAfterRename(t *testing.T) {
	// Between the writer's rename and its creating the new file, path
	// does not exist; a follower must wait rather than fail.
	path := filepath.Join(t.TempDir(), "container.log")
	writeLogs(t, path, map[string]string{"20261122-101510.000": rec(1, Stdout, "F", "old")})
	var stopped atomic.Bool
	out, errc := startFollow(t.Context(), path, Options{}, stopped.Load)
	waitFor(t, "the rotated file", func() bool { return out.String() == "old\n" })
	time.Sleep(3 * testPoll)
	writeLogs(t, path, map[string]string{"": rec(2, Stdout, "F", "new")})
	waitFor(t, "the new file", func() bool { return out.String() == "old\nnew\n" })
	stopped.Store(true)
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
}

func TestFollowRenamedFileWithoutFinalNewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	writeLogs(t, path, map[string]string{"": "a\nb"}) // plain text from an older Marina
	var stopped atomic.Bool
	out, errc := startFollow(t.Context(), path, Options{}, stopped.Load)
	waitFor(t, "the first line", func() bool { return out.String() == "a\n" })
	if err := os.Rename(path, rotatedName(path, t0)); err != nil {
		t.Fatal(err)
	}
	writeLogs(t, path, map[string]string{"": rec(1, Stdout, "F", "c")})
	waitFor(t, "the new file", func() bool { return out.String() == "a\nb\nc\n" })
	stopped.Store(true)
	if err := waitErr(t, errc); err != nil {
		t.Fatal(err)
	}
}
