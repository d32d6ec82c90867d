package storage

import (
	"context"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	apistorage "k8s.io/apiserver/pkg/storage"
)

// resumable serves watches from the watch cache, except one resuming from
// a resourceVersion the cache no longer (or never) held: that one is
// served from the backend's own history. The cache only holds events
// since it was filled, so without this a client resuming a watch across a
// server restart would get 410 Gone and have to re-list, although the
// backend still has every event it missed.
type resumable struct {
	apistorage.Interface                      // the cache delegator
	raw                  apistorage.Interface // the backend
}

func (r *resumable) Watch(ctx context.Context, key string, opts apistorage.ListOptions) (watch.Interface, error) {
	w, err := r.Interface.Watch(ctx, key, opts)
	if err != nil || opts.ResourceVersion == "" || opts.ResourceVersion == "0" || opts.SendInitialEvents != nil {
		return w, err
	}
	return newFallbackWatch(ctx, w, func() (watch.Interface, error) { return r.raw.Watch(ctx, key, opts) }), nil
}

// fallbackWatch forwards a watch, replacing it by another one if its first
// event is 410 Gone.
type fallbackWatch struct {
	result chan watch.Event
	stop   chan struct{}
	done   chan struct{}
}

func newFallbackWatch(ctx context.Context, first watch.Interface, fallback func() (watch.Interface, error)) *fallbackWatch {
	f := &fallbackWatch{result: make(chan watch.Event, 100), stop: make(chan struct{}), done: make(chan struct{})}
	go f.run(ctx, first, fallback)
	return f
}

func (f *fallbackWatch) run(ctx context.Context, w watch.Interface, fallback func() (watch.Interface, error)) {
	defer close(f.result)
	defer close(f.done)
	firstEvent := true
	for {
		var ev watch.Event
		var ok bool
		select {
		case ev, ok = <-w.ResultChan():
		case <-f.stop:
			w.Stop()
			return
		case <-ctx.Done():
			w.Stop()
			return
		}
		if !ok {
			return
		}
		if firstEvent && isGone(ev) {
			w.Stop()
			if nw, err := fallback(); err == nil {
				w, firstEvent = nw, false
				continue
			}
			// The backend cannot serve it either: pass the 410 on, so the
			// client re-lists.
			w = watch.NewEmptyWatch()
		}
		firstEvent = false
		select {
		case f.result <- ev:
		case <-f.stop:
			w.Stop()
			return
		case <-ctx.Done():
			w.Stop()
			return
		}
	}
}

func isGone(ev watch.Event) bool {
	if ev.Type != watch.Error {
		return false
	}
	status, ok := ev.Object.(*metav1.Status)
	return ok && status.Code == http.StatusGone
}

func (f *fallbackWatch) ResultChan() <-chan watch.Event { return f.result }

func (f *fallbackWatch) Stop() {
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
}
