// Package bolt is Marina's embedded storage backend: an MVCC key-value store
// with one global revision counter, kept in a single bbolt file, and an
// implementation of k8s.io/apiserver's storage.Interface on top of it.
//
// The file holds four buckets:
//
//	meta  "rev" → last committed revision; "compacted" → oldest readable revision
//	keys  key → record{modRev, expireAt, value}            the current state
//	hist  key 0x00 rev → version{tombstone?, value}        every version since compaction
//	log   rev → entry{put|delete, key}                     revisions in order, for watch resume
//	ttl   expireAt key → ∅                                 keys that expire (events)
//
// All writes go through one goroutine that commits whatever has queued up in
// a single bbolt transaction (group commit): one fsync acknowledges many
// writes, and revisions are handed out in commit order. After each commit the
// writer publishes the new events to watch subscriptions before it answers
// the writers, so a client that saw its write acknowledged will see it on
// any watch it opens afterwards.
//
// A subscription that cannot keep up is never waited for: it is marked
// lagging and reads the missed revisions back from the log, the same path a
// watch takes when it resumes from an older resourceVersion.
package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketMeta = []byte("meta")
	bucketKeys = []byte("keys")
	bucketHist = []byte("hist")
	bucketLog  = []byte("log")
	bucketTTL  = []byte("ttl")

	metaRev       = []byte("rev")
	metaCompacted = []byte("compacted")
)

// ErrCompacted is returned when a read or watch asks for a revision that
// compaction has already removed.
var ErrCompacted = errors.New("revision has been compacted")

// ErrFutureRevision is returned when a read asks for a revision that has not
// been written yet.
var ErrFutureRevision = errors.New("revision is newer than the store")

// Options configures a DB. The zero value of every field means its default.
type Options struct {
	// CompactInterval is how often history older than the previous tick is
	// dropped, so watchers can resume from anything within one to two
	// intervals. Default 5 minutes, as Kubernetes compacts etcd.
	CompactInterval time.Duration
	// MaxHistory bounds the number of revisions kept regardless of age, so a
	// burst of writes cannot grow the file without limit. Default 100,000.
	MaxHistory int64
	// TTLInterval is how often expired keys are deleted. Default 5 s.
	TTLInterval time.Duration
	// ProgressInterval is how often watchers that asked for progress
	// notifications get one, as etcd sends them. Default 5 s.
	ProgressInterval time.Duration
	// MaxBatch bounds how many writes share one commit. Default 256.
	MaxBatch int
	// Logger receives compaction and expiry problems. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock for TTLs. Default time.Now.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.CompactInterval <= 0 {
		o.CompactInterval = 5 * time.Minute
	}
	if o.MaxHistory <= 0 {
		o.MaxHistory = 100_000
	}
	if o.TTLInterval <= 0 {
		o.TTLInterval = 5 * time.Second
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 5 * time.Second
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// DB is the shared key-value store behind every resource's storage.Interface.
// It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	opts Options

	writes chan *writeReq
	stop   chan struct{}
	done   sync.WaitGroup

	mu  sync.Mutex
	rev int64 // last revision published to subscriptions
	// published is closed, and replaced, each time rev advances.
	published chan struct{}
	compacted int64 // revisions before compacted are gone
	subs      map[*subscription]struct{}
	closed    bool
}

// Open opens (creating if needed) the store in path and starts its writer,
// compactor and TTL reaper. Close releases it.
func Open(path string, opts Options) (*DB, error) {
	opts.setDefaults()
	b, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        2 * time.Second,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open %s: the file is locked by another process (is another marina running on this data dir?)", path)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{
		bolt:   b,
		opts:   opts,
		writes: make(chan *writeReq, opts.MaxBatch),
		stop:   make(chan struct{}),
		subs:   map[*subscription]struct{}{},

		published: make(chan struct{}),
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketKeys, bucketHist, bucketLog, bucketTTL} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		db.rev = getInt(meta.Get(metaRev))
		db.compacted = getInt(meta.Get(metaCompacted))
		if db.rev == 0 {
			// Like etcd, a new store is at revision 1: resourceVersion 0
			// means "any", so no real state may carry it.
			db.rev = 1
			return meta.Put(metaRev, putInt(db.rev))
		}
		return nil
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("initialise %s: %w", path, err)
	}
	db.done.Add(4)
	go db.writer()
	go db.compactor()
	go db.reaper()
	go db.notifier()
	return db, nil
}

// Close stops the background goroutines, ends every subscription and closes
// the file. Writes queued before Close are committed first.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	for s := range db.subs {
		s.closeLocked()
	}
	db.mu.Unlock()
	close(db.stop)
	db.done.Wait()
	return db.bolt.Close()
}

// Revision returns the last revision visible to readers and watchers.
func (db *DB) Revision() int64 {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.rev
}

// WaitRevision waits until rev is visible to watchers, or timeout passes,
// and returns the revision that is. A commit is readable a moment before
// its events are published, so a reader may hold a revision a watch
// cannot start from yet; this closes that window.
func (db *DB) WaitRevision(rev int64, timeout time.Duration) int64 {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		db.mu.Lock()
		cur, ch := db.rev, db.published
		db.mu.Unlock()
		if cur >= rev {
			return cur
		}
		select {
		case <-ch:
		case <-timer.C:
			return db.Revision()
		}
	}
}

// CompactedRevision returns the oldest revision still readable; 0 or 1
// before any compaction.
func (db *DB) CompactedRevision() int64 {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.compacted
}

func putInt(v int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(v))
	return b
}

func getInt(b []byte) int64 {
	if len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// histKey orders every version of a key by revision, and keeps all versions
// of "a" before those of "a/b" because 0x00 sorts before any key byte.
func histKey(key string, rev int64) []byte {
	b := make([]byte, len(key)+9)
	copy(b, key)
	b[len(key)] = 0
	binary.BigEndian.PutUint64(b[len(key)+1:], uint64(rev))
	return b
}

func splitHistKey(k []byte) (key string, rev int64, ok bool) {
	if len(k) < 9 || k[len(k)-9] != 0 {
		return "", 0, false
	}
	return string(k[:len(k)-9]), int64(binary.BigEndian.Uint64(k[len(k)-8:])), true
}

// record is the current version of a key.
type record struct {
	modRev   int64
	expireAt int64 // unix seconds; 0 = never
	value    []byte
}

func encodeRecord(r record) []byte {
	b := make([]byte, 16+len(r.value))
	binary.BigEndian.PutUint64(b, uint64(r.modRev))
	binary.BigEndian.PutUint64(b[8:], uint64(r.expireAt))
	copy(b[16:], r.value)
	return b
}

// decodeRecord copies out of b, which bbolt only lends for the transaction.
func decodeRecord(b []byte) (record, error) {
	if len(b) < 16 {
		return record{}, fmt.Errorf("corrupt record of %d bytes", len(b))
	}
	return record{
		modRev:   int64(binary.BigEndian.Uint64(b)),
		expireAt: int64(binary.BigEndian.Uint64(b[8:])),
		value:    append([]byte(nil), b[16:]...),
	}, nil
}

const (
	versionValue     byte = 0
	versionTombstone byte = 1

	entryPut    byte = 0
	entryDelete byte = 1
)

func ttlKey(expireAt int64, key string) []byte {
	return append(putInt(expireAt), key...)
}
