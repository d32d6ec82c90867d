package bolt

import (
	"context"
	"errors"
	"strings"
	"time"
)

// event is one committed change, or (progress) a marker saying that every
// change up to rev has been delivered.
type event struct {
	rev       int64
	key       string
	value     []byte // nil for deletes
	prevValue []byte // nil when the key did not exist before
	created   bool
	deleted   bool
	progress  bool
}

// Event is one change seen by a watcher.
type Event struct {
	// Revision of the change. For a progress notification, every change up
	// to and including Revision has been delivered.
	Revision int64
	Key      string
	Value    []byte // nil for deletes
	// PrevValue is the value before the change, nil if the key was created.
	PrevValue []byte
	Created   bool
	Deleted   bool
	// Progress marks a progress notification, which carries no change.
	Progress bool
}

// subBuffer is how many batches a subscription holds before it is marked
// lagging and left to catch up from the log.
const subBuffer = 128

// subscription feeds the events under one prefix to one watcher.
type subscription struct {
	db        *DB
	prefix    string
	exact     bool // only the key equal to prefix
	progress  bool // wants progress notifications
	ch        chan []event
	wake      chan struct{}
	done      chan struct{}
	closeOnce bool

	// Guarded by db.mu.
	lastRev         int64 // every event up to here is in ch or delivered
	lagging         bool  // publish skips it; it reads the log instead
	progressPending bool
}

func (s *subscription) matches(key string) bool {
	if s.exact {
		return key == s.prefix
	}
	return strings.HasPrefix(key, s.prefix)
}

func (s *subscription) closeLocked() {
	if !s.closeOnce {
		s.closeOnce = true
		close(s.done)
	}
}

// publish hands the events of one commit (up to rev) to the subscriptions.
// It never blocks: a subscription whose buffer is full becomes lagging.
func (db *DB) publish(rev int64, events []event) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.rev = rev
	close(db.published)
	db.published = make(chan struct{})
	for s := range db.subs {
		if s.lagging {
			continue
		}
		var batch []event
		for _, ev := range events {
			if s.matches(ev.key) {
				batch = append(batch, ev)
			}
		}
		if len(batch) == 0 {
			s.lastRev = rev
			continue
		}
		select {
		case s.ch <- batch:
			s.lastRev = rev
		default:
			s.markLaggingLocked()
		}
	}
}

func (s *subscription) markLaggingLocked() {
	s.lagging = true
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RequestProgress asks every subscription that wants progress notifications
// to report the revision it has delivered everything up to.
func (db *DB) RequestProgress() {
	db.mu.Lock()
	defer db.mu.Unlock()
	for s := range db.subs {
		if !s.progress {
			continue
		}
		if s.lagging {
			s.progressPending = true
			continue
		}
		select {
		case s.ch <- []event{{rev: db.rev, progress: true}}:
			s.lastRev = db.rev
		default:
			s.progressPending = true
			s.markLaggingLocked()
		}
	}
}

// notifier sends the periodic progress notifications.
func (db *DB) notifier() {
	defer db.done.Done()
	tick := time.NewTicker(db.opts.ProgressInterval)
	defer tick.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
			db.RequestProgress()
		}
	}
}

// WatchOptions selects what a watcher sees.
type WatchOptions struct {
	// Key is the prefix (or, with Exact, the key) to watch.
	Key   string
	Exact bool
	// After is the revision the watcher has seen: events after it are sent.
	After int64
	// ProgressNotify asks for progress notifications on RequestProgress.
	ProgressNotify bool
}

// Watch streams the events under opts.Key after opts.After, in revision
// order, without gaps or duplicates, until ctx ends. The channel is closed
// when the watch ends; if it ends because history was compacted past
// opts.After (or the DB closed), the returned error function reports why.
func (db *DB) Watch(ctx context.Context, opts WatchOptions) (<-chan Event, func() error) {
	out := make(chan Event, 64)
	s := &subscription{
		db:       db,
		prefix:   opts.Key,
		exact:    opts.Exact,
		progress: opts.ProgressNotify,
		ch:       make(chan []event, subBuffer),
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		lastRev:  opts.After,
		lagging:  true, // start by catching up from the log
	}
	var failure error
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		close(out)
		return out, func() error { return ErrClosed }
	}
	db.subs[s] = struct{}{}
	s.wake <- struct{}{}
	db.mu.Unlock()

	go func() {
		defer close(out)
		defer func() {
			db.mu.Lock()
			delete(db.subs, s)
			s.closeLocked()
			db.mu.Unlock()
		}()
		failure = s.run(ctx, opts.After, out)
	}()
	return out, func() error { return failure }
}

// run delivers events until ctx ends or the subscription fails.
func (s *subscription) run(ctx context.Context, after int64, out chan<- Event) error {
	send := func(evs []event) bool {
		for _, ev := range evs {
			if !ev.progress && ev.rev <= after {
				continue // published before the start position was reached
			}
			select {
			case out <- ev.export():
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.done:
			return ErrClosed
		case batch := <-s.ch:
			if !send(batch) {
				return nil
			}
		case <-s.wake:
			if err := s.catchUp(send); err != nil {
				if errors.Is(err, errStopped) {
					return nil
				}
				return err
			}
		}
	}
}

var errStopped = errors.New("stopped")

// catchUp delivers what is still buffered, then reads the log until it has
// reached the published revision, and only then rejoins the live feed.
func (s *subscription) catchUp(send func([]event) bool) error {
	for {
		for drained := false; !drained; {
			select {
			case batch := <-s.ch:
				if !send(batch) {
					return errStopped
				}
			default:
				drained = true
			}
		}
		s.db.mu.Lock()
		from, to := s.lastRev, s.db.rev
		if from >= to {
			s.lagging = false
			progress := s.progressPending
			s.progressPending = false
			s.db.mu.Unlock()
			if progress && !send([]event{{rev: to, progress: true}}) {
				return errStopped
			}
			return nil
		}
		s.db.mu.Unlock()

		events, err := s.db.readLog(from, to)
		if err != nil {
			return err
		}
		var mine []event
		for _, ev := range events {
			if s.matches(ev.key) {
				mine = append(mine, ev)
			}
		}
		if !send(mine) {
			return errStopped
		}
		s.db.mu.Lock()
		s.lastRev = to
		s.db.mu.Unlock()
	}
}

func (ev event) export() Event {
	return Event{
		Revision:  ev.rev,
		Key:       ev.key,
		Value:     ev.value,
		PrevValue: ev.prevValue,
		Created:   ev.created,
		Deleted:   ev.deleted,
		Progress:  ev.progress,
	}
}
