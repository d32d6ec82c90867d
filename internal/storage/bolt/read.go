package bolt

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Get returns the current version of key (nil if absent) and the store's
// revision at the time of the read.
func (db *DB) Get(key string) (*KeyValue, int64, error) {
	var kv *KeyValue
	var rev int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		rev = getInt(tx.Bucket(bucketMeta).Get(metaRev))
		b := tx.Bucket(bucketKeys).Get([]byte(key))
		if b == nil {
			return nil
		}
		r, err := decodeRecord(b)
		if err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		kv = r.keyValue(key)
		return nil
	})
	return kv, rev, err
}

// ListOptions selects a range of keys.
type ListOptions struct {
	// Prefix bounds the range: only keys starting with it are returned.
	Prefix string
	// From is the first key to return (inclusive); empty means Prefix.
	From string
	// Revision reads the range as it was at that revision; 0 means now.
	Revision int64
	// Limit stops after that many keys; 0 means no limit.
	Limit int64
}

// ListResult is one page of a range read.
type ListResult struct {
	KVs []*KeyValue
	// Revision is the revision the range was read at.
	Revision int64
	// More is true when keys remain in the range after the page.
	More bool
	// Count is the number of keys in the range from From to its end,
	// including those returned.
	Count int64
}

// List reads keys in [From, end of Prefix) in key order, now or at an
// older revision still inside the history.
func (db *DB) List(opts ListOptions) (ListResult, error) {
	var res ListResult
	from := opts.From
	if from == "" || from < opts.Prefix {
		from = opts.Prefix
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		current := getInt(meta.Get(metaRev))
		res.Revision = current
		if opts.Revision > 0 && opts.Revision != current {
			if opts.Revision > current {
				return ErrFutureRevision
			}
			if opts.Revision < getInt(meta.Get(metaCompacted)) {
				return ErrCompacted
			}
			res.Revision = opts.Revision
			return listAt(tx, from, opts, &res)
		}
		return listCurrent(tx, from, opts, &res)
	})
	return res, err
}

func listCurrent(tx *bolt.Tx, from string, opts ListOptions, res *ListResult) error {
	c := tx.Bucket(bucketKeys).Cursor()
	prefix := []byte(opts.Prefix)
	for k, v := c.Seek([]byte(from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		res.Count++
		if opts.Limit > 0 && int64(len(res.KVs)) >= opts.Limit {
			res.More = true
			continue
		}
		r, err := decodeRecord(v)
		if err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
		res.KVs = append(res.KVs, r.keyValue(string(k)))
	}
	return nil
}

// listAt walks every version in the range and keeps, per key, the newest
// version at or before the revision; history is bounded by compaction.
func listAt(tx *bolt.Tx, from string, opts ListOptions, res *ListResult) error {
	c := tx.Bucket(bucketHist).Cursor()
	var (
		curKey  string
		curVal  []byte
		curRev  int64
		haveCur bool
	)
	flush := func() {
		if !haveCur || curVal == nil {
			return
		}
		res.Count++
		if opts.Limit > 0 && int64(len(res.KVs)) >= opts.Limit {
			res.More = true
			return
		}
		res.KVs = append(res.KVs, &KeyValue{Key: curKey, Value: curVal, ModRev: curRev})
	}
	for k, v := c.Seek([]byte(from)); k != nil; k, v = c.Next() {
		key, rev, ok := splitHistKey(k)
		if !ok {
			return fmt.Errorf("corrupt history key %q", k)
		}
		if !strings.HasPrefix(key, opts.Prefix) {
			break
		}
		if key < from {
			continue
		}
		if key != curKey || !haveCur {
			flush()
			curKey, curVal, curRev, haveCur = key, nil, 0, true
		}
		if rev > res.Revision {
			continue
		}
		curRev = rev
		if len(v) > 0 && v[0] == versionValue {
			curVal = append([]byte(nil), v[1:]...)
		} else {
			curVal = nil
		}
	}
	flush()
	return nil
}

// Count returns the number of keys under prefix now.
func (db *DB) Count(prefix string) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketKeys).Cursor()
		p := []byte(prefix)
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// readLog returns the events of revisions (after, upTo] in order, with their
// values and previous values read back from the history. Like reads, a
// resume point must not be older than the compaction.
func (db *DB) readLog(after, upTo int64) ([]event, error) {
	var events []event
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if after < getInt(tx.Bucket(bucketMeta).Get(metaCompacted)) {
			return ErrCompacted
		}
		hist := tx.Bucket(bucketHist).Cursor()
		c := tx.Bucket(bucketLog).Cursor()
		for k, v := c.Seek(putInt(after + 1)); k != nil; k, v = c.Next() {
			rev := getInt(k)
			if rev > upTo {
				break
			}
			if len(v) < 1 {
				return fmt.Errorf("corrupt log entry at revision %d", rev)
			}
			ev := event{rev: rev, key: string(v[1:]), deleted: v[0] == entryDelete}
			hk, hv := hist.Seek(histKey(ev.key, rev))
			if hk == nil || !bytes.Equal(hk, histKey(ev.key, rev)) {
				return fmt.Errorf("history of %q lacks revision %d", ev.key, rev)
			}
			if !ev.deleted && len(hv) > 0 {
				ev.value = append([]byte(nil), hv[1:]...)
			}
			pk, pv := hist.Prev()
			if pk != nil {
				if key, _, ok := splitHistKey(pk); ok && key == ev.key && len(pv) > 0 && pv[0] == versionValue {
					ev.prevValue = append([]byte(nil), pv[1:]...)
				}
			}
			ev.created = !ev.deleted && ev.prevValue == nil
			events = append(events, ev)
		}
		return nil
	})
	return events, err
}
