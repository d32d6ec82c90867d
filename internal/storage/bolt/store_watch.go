package bolt

import (
	"time"

	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
)

// Watch implements storage.Interface. Without a resourceVersion (or with
// sendInitialEvents) it first sends the current objects as ADDED events,
// then every change after that state.
func (s *store) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	key, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return nil, err
	}
	rev, err := s.versioner.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	sendInitial := (opts.SendInitialEvents == nil && rev == 0) || (opts.SendInitialEvents != nil && *opts.SendInitialEvents)
	pred := opts.Predicate
	if pred.Empty() {
		pred = storage.Everything
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &watchChan{
		store:    s,
		ctx:      ctx,
		cancel:   cancel,
		pred:     pred,
		result:   make(chan watch.Event, 100),
		progress: opts.ProgressNotify,
	}

	after := int64(rev)
	var initial []*KeyValue
	switch {
	case sendInitial:
		if cur := s.db.WaitRevision(int64(rev), time.Second); int64(rev) > cur {
			cancel()
			return nil, storage.NewTooLargeResourceVersionError(rev, uint64(cur), 1)
		}
		res, err := s.db.List(ListOptions{Prefix: key})
		if err != nil {
			cancel()
			return nil, err
		}
		for _, kv := range res.KVs {
			if opts.Recursive || kv.Key == key {
				initial = append(initial, kv)
			}
		}
		after = res.Revision
	case rev == 0:
		// sendInitialEvents=false without a version: changes from now on.
		after = s.db.Revision()
	}
	endBookmark := opts.SendInitialEvents != nil && *opts.SendInitialEvents && opts.Predicate.AllowWatchBookmarks

	events, failure := s.db.Watch(ctx, WatchOptions{Key: key, Exact: !opts.Recursive, After: after, ProgressNotify: opts.ProgressNotify})
	go w.run(initial, after, endBookmark, events, failure)
	utilflowcontrol.WatchInitialized(ctx)
	return w, nil
}

// watchChan turns DB events into API watch events for one watcher.
type watchChan struct {
	store    *store
	ctx      context.Context
	cancel   context.CancelFunc
	pred     storage.SelectionPredicate
	result   chan watch.Event
	progress bool
}

var _ watch.Interface = (*watchChan)(nil)

func (w *watchChan) Stop()                          { w.cancel() }
func (w *watchChan) ResultChan() <-chan watch.Event { return w.result }

func (w *watchChan) send(ev watch.Event) bool {
	select {
	case w.result <- ev:
		return true
	case <-w.ctx.Done():
		return false
	}
}

func (w *watchChan) run(initial []*KeyValue, after int64, endBookmark bool, events <-chan Event, failure func() error) {
	defer close(w.result)
	defer w.cancel()
	for _, kv := range initial {
		obj := w.store.newFunc()
		if _, _, err := w.store.decode(w.ctx, kv.Key, kv.Value, obj, kv.ModRev); err != nil {
			w.sendError(err)
			return
		}
		if !w.matches(obj) {
			continue
		}
		if !w.send(watch.Event{Type: watch.Added, Object: obj}) {
			return
		}
	}
	if endBookmark {
		obj := w.store.newFunc()
		if err := w.store.versioner.UpdateObject(obj, uint64(after)); err != nil {
			w.sendError(err)
			return
		}
		if err := storage.AnnotateInitialEventsEndBookmark(obj); err != nil {
			w.sendError(err)
			return
		}
		if !w.send(watch.Event{Type: watch.Bookmark, Object: obj}) {
			return
		}
	}
	for ev := range events {
		out, err := w.transform(ev)
		if err != nil {
			w.sendError(err)
			return
		}
		if out != nil && !w.send(*out) {
			return
		}
	}
	if err := failure(); err != nil && w.ctx.Err() == nil {
		if errors.Is(err, ErrCompacted) {
			err = apierrors.NewResourceExpired(msgWatchExpired)
		}
		w.sendError(err)
	}
}

func (w *watchChan) matches(obj runtime.Object) bool {
	ok, err := w.pred.Matches(obj)
	return err == nil && ok
}

// transform applies the predicate to both sides of a change: an object
// that starts or stops matching is ADDED or DELETED for this watcher.
func (w *watchChan) transform(ev Event) (*watch.Event, error) {
	if ev.Progress {
		if !w.progress {
			return nil, nil
		}
		obj := w.store.newFunc()
		if err := w.store.versioner.UpdateObject(obj, uint64(ev.Revision)); err != nil {
			return nil, err
		}
		return &watch.Event{Type: watch.Bookmark, Object: obj}, nil
	}
	decode := func(b []byte) (runtime.Object, error) {
		obj := w.store.newFunc()
		_, _, err := w.store.decode(w.ctx, ev.Key, b, obj, ev.Revision)
		return obj, err
	}
	if ev.Deleted {
		old, err := decode(ev.PrevValue)
		if err != nil {
			return nil, err
		}
		if !w.matches(old) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Deleted, Object: old}, nil
	}
	cur, err := decode(ev.Value)
	if err != nil {
		return nil, err
	}
	if ev.Created {
		if !w.matches(cur) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	}
	if w.pred.Empty() {
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	}
	curOK := w.matches(cur)
	oldOK := false
	var old runtime.Object
	if ev.PrevValue != nil {
		if old, err = decode(ev.PrevValue); err != nil {
			return nil, err
		}
		oldOK = w.matches(old)
	}
	switch {
	case curOK && oldOK:
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	case curOK:
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	case oldOK:
		return &watch.Event{Type: watch.Deleted, Object: old}, nil
	}
	return nil, nil
}

func (w *watchChan) sendError(err error) {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		status = apierrors.NewInternalError(err)
	}
	s := status.Status()
	w.send(watch.Event{Type: watch.Error, Object: &s})
}
