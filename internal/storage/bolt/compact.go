package bolt

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// compactChunk bounds the work of one compaction transaction so writers
// are never held up for long.
const compactChunk = 10_000

// compactor drops history older than the revision seen one interval ago,
// and earlier when the history outgrows MaxHistory.
func (db *DB) compactor() {
	defer db.done.Done()
	tick := time.NewTicker(db.opts.CompactInterval)
	defer tick.Stop()
	// Check the size bound more often than the age bound.
	sizeTick := time.NewTicker(db.opts.CompactInterval / 10)
	defer sizeTick.Stop()
	previous := db.Revision()
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
			target := previous
			previous = db.Revision()
			if err := db.Compact(target); err != nil {
				db.opts.Logger.Error("compact storage history", "revision", target, "err", err)
			}
		case <-sizeTick.C:
			rev := db.Revision()
			if target := rev - db.opts.MaxHistory; target > db.CompactedRevision() {
				if err := db.Compact(target); err != nil {
					db.opts.Logger.Error("compact storage history", "revision", target, "err", err)
				}
			}
		}
	}
}

// Compact removes the history before revision rev, as etcd does: reads at
// rev and later, and watches from rev on, keep working. The newest version
// of each key before rev is kept (unless it is a delete), because reads at
// rev and the previous value of a change at rev still need it.
func (db *DB) Compact(rev int64) error {
	if rev <= db.CompactedRevision() {
		return nil
	}
	if cur := db.Revision(); rev > cur {
		return fmt.Errorf("compact to %d: %w (current %d)", rev, ErrFutureRevision, cur)
	}
	// Mark first: from now on reads and watches before rev fail with
	// ErrCompacted instead of seeing partially removed history.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(metaCompacted, putInt(rev))
	})
	if err != nil {
		return fmt.Errorf("mark compaction at %d: %w", rev, err)
	}
	db.mu.Lock()
	db.compacted = rev
	db.mu.Unlock()

	for done := false; !done; {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			var err error
			done, err = compactLogChunk(tx, rev-1)
			return err
		})
		if err != nil {
			return fmt.Errorf("compact log to %d: %w", rev, err)
		}
	}
	var from []byte
	for done := false; !done; {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			var err error
			from, done, err = compactHistChunk(tx, from, rev-1)
			return err
		})
		if err != nil {
			return fmt.Errorf("compact history to %d: %w", rev, err)
		}
	}
	return nil
}

// compactLogChunk removes log entries up to and including rev.
func compactLogChunk(tx *bolt.Tx, rev int64) (bool, error) {
	c := tx.Bucket(bucketLog).Cursor()
	n := 0
	for k, _ := c.First(); k != nil && getInt(k) <= rev; k, _ = c.First() {
		if n == compactChunk {
			return false, nil
		}
		if err := c.Delete(); err != nil {
			return false, err
		}
		n++
	}
	return true, nil
}

// compactHistChunk removes, for the keys from `from` on, every version at
// or before rev except the newest non-deleted one. It returns where the next
// chunk starts.
func compactHistChunk(tx *bolt.Tx, from []byte, rev int64) ([]byte, bool, error) {
	c := tx.Bucket(bucketHist).Cursor()
	var k, v []byte
	if from == nil {
		k, v = c.First()
	} else {
		k, v = c.Seek(from)
	}
	var doomed [][]byte
	// prev is the newest version <= rev seen so far for the current key; it
	// is doomed as soon as a newer version <= rev of the same key turns up.
	var prevKey string
	var prev []byte
	var prevTomb bool
	finishKey := func() {
		if prev != nil && prevTomb {
			doomed = append(doomed, prev)
		}
		prev = nil
	}
	scanned := 0
	for ; k != nil; k, v = c.Next() {
		key, r, ok := splitHistKey(k)
		if !ok {
			return nil, false, fmt.Errorf("corrupt history key %q", k)
		}
		if key != prevKey {
			finishKey()
			prevKey = key
			if scanned >= compactChunk {
				from = bytes.Clone(k)
				break
			}
		}
		scanned++
		if r > rev {
			continue
		}
		if prev != nil {
			doomed = append(doomed, prev)
		}
		prev = bytes.Clone(k)
		prevTomb = len(v) > 0 && v[0] == versionTombstone
	}
	if k == nil {
		finishKey()
		from = nil
	}
	b := tx.Bucket(bucketHist)
	for _, d := range doomed {
		if err := b.Delete(d); err != nil {
			return nil, false, err
		}
	}
	return from, from == nil, nil
}

// reaper deletes keys whose TTL has passed.
func (db *DB) reaper() {
	defer db.done.Done()
	tick := time.NewTicker(db.opts.TTLInterval)
	defer tick.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
			if err := db.expire(); err != nil {
				db.opts.Logger.Error("expire keys", "err", err)
			}
		}
	}
}

type expiring struct {
	key    string
	modRev int64
}

// expire deletes every key whose expiry has passed, unless it was rewritten
// since (the conditional delete then simply does not apply).
func (db *DB) expire() error {
	now := db.opts.Now().Unix()
	var due []expiring
	err := db.bolt.View(func(tx *bolt.Tx) error {
		keys := tx.Bucket(bucketKeys)
		c := tx.Bucket(bucketTTL).Cursor()
		for k, _ := c.First(); k != nil && getInt(k[:8]) <= now; k, _ = c.Next() {
			key := string(k[8:])
			if b := keys.Get([]byte(key)); b != nil {
				r, err := decodeRecord(b)
				if err != nil {
					return err
				}
				due = append(due, expiring{key: key, modRev: r.modRev})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range due {
		if _, err := db.Delete(context.Background(), e.key, e.modRev); err != nil {
			return fmt.Errorf("delete expired %q: %w", e.key, err)
		}
	}
	return nil
}
