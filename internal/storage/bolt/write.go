package bolt

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrClosed is returned by operations on a closed DB.
var ErrClosed = errors.New("storage is closed")

// AnyRevision, as the expected revision of a write, skips the check.
const AnyRevision int64 = -1

// writeReq is one conditional put or delete waiting for the writer.
type writeReq struct {
	delete      bool
	key         string
	value       []byte
	expectedRev int64 // 0: the key must not exist; AnyRevision: no check
	ttl         time.Duration

	res  WriteResult
	err  error
	done chan struct{}
}

// WriteResult tells what a conditional write did.
type WriteResult struct {
	// Succeeded is false when the key's revision did not match (or, for a
	// delete, the key did not exist); nothing was written then.
	Succeeded bool
	// Revision is the revision of the write, or the store's revision when it
	// did not succeed.
	Revision int64
	// Current is the key's current version when the write did not succeed,
	// nil when the key does not exist.
	Current *KeyValue
}

// KeyValue is one version of a key.
type KeyValue struct {
	Key      string
	Value    []byte
	ModRev   int64
	ExpireAt time.Time // zero when the key never expires
}

// Put writes value at key if the key's current modification revision equals
// expectedRev (0 for "must not exist", AnyRevision for no check). A ttl > 0
// makes the key expire. It returns once the write is durable on disk.
func (db *DB) Put(ctx context.Context, key string, value []byte, expectedRev int64, ttl time.Duration) (WriteResult, error) {
	return db.submit(ctx, &writeReq{key: key, value: value, expectedRev: expectedRev, ttl: ttl})
}

// Delete removes key if its modification revision equals expectedRev
// (AnyRevision for no check). It returns once the delete is durable on disk.
func (db *DB) Delete(ctx context.Context, key string, expectedRev int64) (WriteResult, error) {
	return db.submit(ctx, &writeReq{delete: true, key: key, expectedRev: expectedRev})
}

func (db *DB) submit(ctx context.Context, req *writeReq) (WriteResult, error) {
	req.done = make(chan struct{})
	select {
	case db.writes <- req:
	case <-db.stop:
		return WriteResult{}, ErrClosed
	case <-ctx.Done():
		return WriteResult{}, ctx.Err()
	}
	// Once queued the write may commit, so wait for the outcome even if the
	// caller gives up: reporting failure for a committed write would lie.
	<-req.done
	return req.res, req.err
}

// writer commits queued writes in batches until the DB stops.
func (db *DB) writer() {
	defer db.done.Done()
	batch := make([]*writeReq, 0, db.opts.MaxBatch)
	for {
		var first *writeReq
		select {
		case first = <-db.writes:
		case <-db.stop:
			// Drain what was queued before Close so no caller hangs.
			for {
				select {
				case req := <-db.writes:
					db.commit([]*writeReq{req})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < db.opts.MaxBatch {
			select {
			case req := <-db.writes:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		db.commit(batch)
	}
}

// commit applies a batch in one transaction, publishes its events and
// answers its writers. A failed transaction fails every write in it and
// publishes nothing, so in-memory state never runs ahead of the disk.
func (db *DB) commit(batch []*writeReq) {
	var events []event
	var rev int64
	now := db.opts.Now()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		events = events[:0]
		meta := tx.Bucket(bucketMeta)
		rev = getInt(meta.Get(metaRev))
		for _, req := range batch {
			ev, ok, err := apply(tx, req, rev+1, now)
			if err != nil {
				return err
			}
			if ok {
				rev++
				events = append(events, ev)
			}
		}
		return meta.Put(metaRev, putInt(rev))
	})
	if err != nil {
		err = fmt.Errorf("commit %d writes: %w", len(batch), err)
		for _, req := range batch {
			req.err = err
			close(req.done)
		}
		return
	}
	db.publish(rev, events)
	for _, req := range batch {
		close(req.done)
	}
}

// apply performs one write inside tx at revision rev. It fills req.res and
// reports whether the write happened.
func apply(tx *bolt.Tx, req *writeReq, rev int64, now time.Time) (event, bool, error) {
	keys := tx.Bucket(bucketKeys)
	var cur *record
	if b := keys.Get([]byte(req.key)); b != nil {
		r, err := decodeRecord(b)
		if err != nil {
			return event{}, false, fmt.Errorf("key %q: %w", req.key, err)
		}
		cur = &r
	}
	var curRev int64
	if cur != nil {
		curRev = cur.modRev
	}
	mismatch := req.expectedRev != AnyRevision && curRev != req.expectedRev
	if mismatch || (req.delete && cur == nil) {
		req.res = WriteResult{Revision: rev - 1}
		if cur != nil {
			req.res.Current = cur.keyValue(req.key)
		}
		return event{}, false, nil
	}

	ev := event{rev: rev, key: req.key}
	if cur != nil {
		ev.prevValue = cur.value
		if cur.expireAt != 0 {
			if err := tx.Bucket(bucketTTL).Delete(ttlKey(cur.expireAt, req.key)); err != nil {
				return event{}, false, err
			}
		}
	}
	hist := tx.Bucket(bucketHist)
	logb := tx.Bucket(bucketLog)
	logb.FillPercent = 1 // revisions only ever append
	if req.delete {
		ev.deleted = true
		if err := keys.Delete([]byte(req.key)); err != nil {
			return event{}, false, err
		}
		if err := hist.Put(histKey(req.key, rev), []byte{versionTombstone}); err != nil {
			return event{}, false, err
		}
		if err := logb.Put(putInt(rev), append([]byte{entryDelete}, req.key...)); err != nil {
			return event{}, false, err
		}
	} else {
		ev.value = req.value
		ev.created = cur == nil
		r := record{modRev: rev, value: req.value}
		if req.ttl > 0 {
			r.expireAt = now.Add(req.ttl).Unix()
			if err := tx.Bucket(bucketTTL).Put(ttlKey(r.expireAt, req.key), nil); err != nil {
				return event{}, false, err
			}
		}
		if err := keys.Put([]byte(req.key), encodeRecord(r)); err != nil {
			return event{}, false, err
		}
		if err := hist.Put(histKey(req.key, rev), append([]byte{versionValue}, req.value...)); err != nil {
			return event{}, false, err
		}
		if err := logb.Put(putInt(rev), append([]byte{entryPut}, req.key...)); err != nil {
			return event{}, false, err
		}
	}
	req.res = WriteResult{Succeeded: true, Revision: rev}
	return ev, true, nil
}

func (r *record) keyValue(key string) *KeyValue {
	kv := &KeyValue{Key: key, Value: r.value, ModRev: r.modRev}
	if r.expireAt != 0 {
		kv.ExpireAt = time.Unix(r.expireAt, 0)
	}
	return kv
}
