package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// A watcher that does not read while thousands of writes commit overflows
// its buffer; it must then catch up from the log and still see every
// change exactly once, in order.
func TestWatchLaggingSubscriberCatchesUp(t *testing.T) {
	db := openTestDB(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := db.Revision()
	events, failure := db.Watch(ctx, WatchOptions{Key: "/a/", After: start})
	const n = 3000 // far beyond subBuffer batches
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if _, err := db.Put(ctx, fmt.Sprintf("/a/%05d", i), []byte("v"), AnyRevision, 0); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	seen := map[string]bool{}
	last := start
	for len(seen) < n {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("watch ended after %d events: %v", len(seen), failure())
			}
			if ev.Revision <= last {
				t.Fatalf("revision %d after %d: out of order or duplicated", ev.Revision, last)
			}
			last = ev.Revision
			if seen[ev.Key] {
				t.Fatalf("%s seen twice", ev.Key)
			}
			seen[ev.Key] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d events arrived", len(seen), n)
		}
	}
}

// Everything committed survives closing and reopening the file, and
// revisions continue from where they were.
func TestReopenKeepsDataAndRevision(t *testing.T) {
	path := filepath.Join(t.TempDir(), "marina.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := db.Put(ctx, "/k", []byte("v1"), 0, 0)
	if err != nil || !res.Succeeded {
		t.Fatalf("put: %v %+v", err, res)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kv, rev, err := db.Get("/k")
	if err != nil || kv == nil || string(kv.Value) != "v1" || kv.ModRev != res.Revision {
		t.Fatalf("after reopen: %+v rev %d err %v, want v1 at %d", kv, rev, err, res.Revision)
	}
	res2, err := db.Put(ctx, "/k", []byte("v2"), res.Revision, 0)
	if err != nil || !res2.Succeeded || res2.Revision != res.Revision+1 {
		t.Fatalf("put after reopen: %+v %v, want revision %d", res2, err, res.Revision+1)
	}
}

func TestConditionalWrites(t *testing.T) {
	db := openTestDB(t, Options{})
	ctx := context.Background()
	first, _ := db.Put(ctx, "/k", []byte("a"), 0, 0)
	tests := []struct {
		name     string
		write    func() (WriteResult, error)
		succeeds bool
	}{
		{"create of an existing key", func() (WriteResult, error) { return db.Put(ctx, "/k", []byte("b"), 0, 0) }, false},
		{"update at a stale revision", func() (WriteResult, error) { return db.Put(ctx, "/k", []byte("b"), first.Revision-1, 0) }, false},
		{"delete of a missing key", func() (WriteResult, error) { return db.Delete(ctx, "/missing", AnyRevision) }, false},
		{"update at the current revision", func() (WriteResult, error) { return db.Put(ctx, "/k", []byte("b"), first.Revision, 0) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.write()
			if err != nil {
				t.Fatal(err)
			}
			if res.Succeeded != tc.succeeds {
				t.Fatalf("succeeded = %v, want %v (%+v)", res.Succeeded, tc.succeeds, res)
			}
		})
	}
}

func TestTTLExpires(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	db := openTestDB(t, Options{TTLInterval: 10 * time.Millisecond, Now: clock})
	ctx := context.Background()
	if _, err := db.Put(ctx, "/ev", []byte("x"), 0, time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if kv, _, _ := db.Get("/ev"); kv == nil {
		t.Fatal("expired before its TTL")
	}
	mu.Lock()
	now = now.Add(time.Hour + time.Second)
	mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if kv, _, _ := db.Get("/ev"); kv == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("key still there after its TTL")
}

// After compaction, reads and watches before the compacted revision fail
// with ErrCompacted, and later ones still work.
func TestCompaction(t *testing.T) {
	db := openTestDB(t, Options{})
	ctx := context.Background()
	var revs []int64
	for i := 0; i < 5; i++ {
		res, err := db.Put(ctx, "/k", []byte{byte('a' + i)}, AnyRevision, 0)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, res.Revision)
	}
	if err := db.Compact(revs[3]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.List(ListOptions{Prefix: "/", Revision: revs[2]}); !errors.Is(err, ErrCompacted) {
		t.Errorf("read before the compaction: %v, want ErrCompacted", err)
	}
	res, err := db.List(ListOptions{Prefix: "/", Revision: revs[3]})
	if err != nil || len(res.KVs) != 1 || string(res.KVs[0].Value) != "d" {
		t.Errorf("read at the compaction revision: %+v %v, want value d", res, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, failure := db.Watch(wctx, WatchOptions{Key: "/", After: revs[1]})
	if _, ok := <-events; ok {
		t.Fatal("watch from before the compaction delivered an event")
	}
	if !errors.Is(failure(), ErrCompacted) {
		t.Errorf("watch from before the compaction failed with %v, want ErrCompacted", failure())
	}
	events, _ = db.Watch(wctx, WatchOptions{Key: "/", After: revs[3]})
	if ev := <-events; ev.Revision != revs[4] || string(ev.PrevValue) != "d" {
		t.Errorf("watch from the compaction revision: %+v, want revision %d with previous value d", ev, revs[4])
	}
}
