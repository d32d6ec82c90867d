// Package loop is the half of Kubernetes' controller pattern that every
// controller shares: a rate-limited work queue of keys, informer handlers
// registered against it, workers that call the controller's sync for one
// key at a time (the queue never hands a key to two workers), and the
// event recorder through which controllers explain what they did.
package loop

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/marina-orchestrator/marina/internal/api"
)

// Loop queues keys and syncs them.
type Loop struct {
	// Queue holds the keys to sync; handlers add to it.
	Queue  workqueue.TypedRateLimitingInterface[string]
	name   string
	sync   func(ctx context.Context, key string) error
	synced []cache.InformerSynced
	// Log is the controller's logger.
	Log *slog.Logger
}

// New returns a loop named name (the queue's name) whose workers call
// sync. sync is called for one key at a time; an error retries the key
// with back-off (a conflict quietly: someone wrote first, and the next
// sync reads what they wrote).
func New(name string, log *slog.Logger, sync func(ctx context.Context, key string) error) *Loop {
	return &Loop{
		Queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: name}),
		name: name,
		sync: sync,
		Log:  log,
	}
}

// Watch registers h on inf and makes Run wait for inf's cache.
func (l *Loop) Watch(inf cache.SharedIndexInformer, h cache.ResourceEventHandler) error {
	if _, err := inf.AddEventHandler(h); err != nil {
		return fmt.Errorf("%s controller handler: %w", l.name, err)
	}
	l.synced = append(l.synced, inf.HasSynced)
	return nil
}

// WaitFor makes Run wait for the caches of informers the controller
// reads but does not watch.
func (l *Loop) WaitFor(infs ...cache.SharedIndexInformer) {
	for _, inf := range infs {
		l.synced = append(l.synced, inf.HasSynced)
	}
}

// Enqueue adds an object's namespace/name key.
func (l *Loop) Enqueue(obj any) {
	if k, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		l.Queue.Add(k)
	}
}

// EnqueueAll are handlers that enqueue the object on every change.
func (l *Loop) EnqueueAll() cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{AddFunc: l.Enqueue, UpdateFunc: func(_, obj any) { l.Enqueue(obj) }, DeleteFunc: l.Enqueue}
}

// Run waits for the caches, then syncs with workers goroutines until ctx
// ends.
func (l *Loop) Run(ctx context.Context, workers int) {
	defer utilruntime.HandleCrash()
	defer l.Queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), l.synced...) {
		return
	}
	for range workers {
		go wait.UntilWithContext(ctx, l.worker, time.Second)
	}
	<-ctx.Done()
}

func (l *Loop) worker(ctx context.Context) {
	for {
		k, quit := l.Queue.Get()
		if quit {
			return
		}
		err := l.sync(ctx, k)
		switch {
		case err == nil:
			l.Queue.Forget(k)
		case apierrors.IsConflict(err):
			l.Queue.AddRateLimited(k)
		default:
			l.Log.Warn("sync", "key", k, "err", err)
			l.Queue.AddRateLimited(k)
		}
		l.Queue.Done(k)
	}
}

// Recorder returns an event recorder that writes events as component.
func Recorder(client kubernetes.Interface, component string) record.EventRecorder {
	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	return broadcaster.NewRecorder(api.Scheme, corev1.EventSource{Component: component})
}

// Unwrap returns the object inside a DeletedFinalStateUnknown tombstone,
// or obj itself.
func Unwrap(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}
