// Package engine runs the scheduler inside the server, as an ordinary API
// client: informers feed the cache (nodes and bound pods) and the queue
// (pods waiting for a node), one loop takes the next pod from the queue,
// runs the configured profile over a snapshot of the cache, assumes the
// pod onto the chosen node and binds it through pods/binding in the
// background, so the next pod is placed while the binding is in flight.
//
// A pod that fits nowhere gets a FailedScheduling event and the condition
// PodScheduled=False (reason Unschedulable) with the summary of why, may
// preempt lower-priority pods, and waits in the queue until the cluster
// changes in a way that could help: a node added or changed, a pod
// deleted or finished.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/scheduler"
	schedcache "github.com/marina-orchestrator/marina/internal/scheduler/cache"
	"github.com/marina-orchestrator/marina/internal/scheduler/config"
	"github.com/marina-orchestrator/marina/internal/scheduler/fairshare"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/noderuntime"
	"github.com/marina-orchestrator/marina/internal/scheduler/queue"
)

// bindWorkers bounds the bindings and status updates in flight.
const bindWorkers = 64

// Engine is the scheduler component.
type Engine struct {
	conf     *config.Configuration
	client   kubernetes.Interface
	log      *slog.Logger
	recorder record.EventRecorder
	alg      *scheduler.Algorithm
	preempt  *preemptor
	// nominated pods hold room on the node their preemption freed.
	nominated nominations
	cache     *schedcache.Cache
	queue     *queue.Queue
	snap      *schedcache.Snapshot
	synced    []cache.InformerSynced
	// work carries bindings and status updates to the workers.
	work chan func(context.Context)
}

// New builds the engine and registers its informer handlers on factory;
// the caller starts the factory.
func New(conf *config.Configuration, client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Engine, error) {
	profile, err := conf.ProfileWith(config.Deps{Claims: newClaims(factory)})
	if err != nil {
		return nil, fmt.Errorf("scheduler profile: %w", err)
	}
	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	e := &Engine{
		conf:     conf,
		client:   client,
		log:      log.With("component", "scheduler"),
		recorder: broadcaster.NewRecorder(api.Scheme, corev1.EventSource{Component: conf.SchedulerName}),
		alg:      &scheduler.Algorithm{Profile: profile, Rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))},
		cache:    schedcache.New(),
		snap:     schedcache.NewSnapshot(),
		work:     make(chan func(context.Context), 4*bindWorkers),
	}
	var share queue.ShareFunc
	if conf.FairSharing.On() {
		share = e.cache.Share
	}
	e.queue = queue.New(share, nil)
	e.queue.SetBackoff(conf.Backoff())
	if conf.Preemption.On() {
		e.preempt = newPreemptor(profile)
	}

	pods := factory.Core().V1().Pods().Informer()
	nodes := factory.Core().V1().Nodes().Informer()
	namespaces := factory.Core().V1().Namespaces().Informer()
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{pods, cache.ResourceEventHandlerFuncs{AddFunc: e.podAdded, UpdateFunc: e.podUpdated, DeleteFunc: e.podDeleted}},
		{nodes, cache.ResourceEventHandlerFuncs{AddFunc: e.nodeAdded, UpdateFunc: e.nodeUpdated, DeleteFunc: e.nodeDeleted}},
		{namespaces, cache.ResourceEventHandlerFuncs{AddFunc: e.namespaceChanged, UpdateFunc: func(_, obj any) { e.namespaceChanged(obj) }}},
		// A claim or volume appearing or binding may let a pod waiting
		// for it in.
		{factory.Core().V1().PersistentVolumeClaims().Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: e.volumesChanged, UpdateFunc: func(_, obj any) { e.volumesChanged(obj) }}},
		{factory.Core().V1().PersistentVolumes().Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: e.volumesChanged, UpdateFunc: func(_, obj any) { e.volumesChanged(obj) }}},
		{factory.Storage().V1().StorageClasses().Informer(), cache.ResourceEventHandlerFuncs{AddFunc: e.volumesChanged}},
	} {
		// No periodic resync: the scheduler reacts to changes only.
		if _, err := reg.inf.AddEventHandlerWithResyncPeriod(reg.h, 0); err != nil {
			return nil, fmt.Errorf("scheduler informer handler: %w", err)
		}
		e.synced = append(e.synced, reg.inf.HasSynced)
	}
	return e, nil
}

// Run schedules until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), e.synced...) {
		return
	}
	e.log.Info("scheduler started", "schedulerName", e.conf.SchedulerName, "fairSharing", e.conf.FairSharing.On(), "preemption", e.conf.Preemption.On())
	for range bindWorkers {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case f := <-e.work:
					f(ctx)
				}
			}
		}()
	}
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				e.queue.Close()
				return
			case <-t.C:
				e.queue.Tick()
			}
		}
	}()
	for {
		pod := e.queue.Pop()
		if pod == nil {
			return
		}
		e.scheduleOne(ctx, pod)
	}
}

// responsible reports whether the pod is this scheduler's to place.
func (e *Engine) responsible(pod *corev1.Pod) bool {
	name := pod.Spec.SchedulerName
	return name == e.conf.SchedulerName || (name == "" && e.conf.SchedulerName == config.DefaultSchedulerName)
}

// waiting reports whether an unbound pod still needs a node.
func waiting(pod *corev1.Pod) bool {
	return pod.Spec.NodeName == "" && pod.DeletionTimestamp == nil &&
		pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

func (e *Engine) podAdded(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.Spec.NodeName != "" {
		e.queue.Delete(pod)
		e.nominated.set(pod, "")
		e.cache.AddPod(pod)
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			e.queue.MoveAll() // its resources are free
		}
		return
	}
	if waiting(pod) && e.responsible(pod) {
		if pod.Status.NominatedNodeName != "" {
			e.nominated.set(pod, pod.Status.NominatedNodeName)
		}
		e.queue.Add(pod)
		return
	}
	e.nominated.set(pod, "")
	e.queue.Delete(pod)
}

// podUpdated handles a changed pod. A waiting pod whose update changed
// only its status (say, the scheduler's own PodScheduled=False) keeps its
// place and back-off; any other change is treated as a fix by the user.
func (e *Engine) podUpdated(oldObj, obj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	pod, ok2 := obj.(*corev1.Pod)
	if ok1 && ok2 && waiting(old) && waiting(pod) && e.responsible(pod) && sameSpecAndMeta(old, pod) {
		e.queue.Refresh(pod)
		return
	}
	e.podAdded(obj)
}

// sameSpecAndMeta reports whether two versions of a pod differ at most in
// their status.
func sameSpecAndMeta(a, b *corev1.Pod) bool {
	return equality.Semantic.DeepEqual(a.Spec, b.Spec) && equalStrings(a.Labels, b.Labels) && equalStrings(a.Annotations, b.Annotations)
}

func (e *Engine) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	e.queue.Delete(pod)
	e.nominated.set(pod, "")
	if e.cache.Has(pod.UID) {
		e.cache.RemovePod(pod)
		e.queue.MoveAll()
	}
}

func (e *Engine) nodeAdded(obj any) {
	if node, ok := obj.(*corev1.Node); ok {
		e.cache.AddNode(node)
		e.queue.MoveAll()
	}
}

func (e *Engine) nodeUpdated(oldObj, obj any) {
	old, _ := oldObj.(*corev1.Node)
	node, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	e.cache.AddNode(node)
	if old == nil || schedulingChanged(old, node) {
		e.queue.MoveAll()
	}
}

// schedulingChanged reports whether a node update could let a waiting pod
// fit: not every heartbeat of its status.
func schedulingChanged(old, node *corev1.Node) bool {
	if old.Spec.Unschedulable != node.Spec.Unschedulable || !equalStrings(old.Labels, node.Labels) ||
		!equality.Semantic.DeepEqual(old.Spec.Taints, node.Spec.Taints) ||
		!equality.Semantic.DeepEqual(old.Status.Allocatable, node.Status.Allocatable) ||
		len(old.Status.Conditions) != len(node.Status.Conditions) {
		return true
	}
	for i, c := range node.Status.Conditions {
		if o := old.Status.Conditions[i]; o.Type != c.Type || o.Status != c.Status {
			return true
		}
	}
	return false
}

func equalStrings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func (e *Engine) nodeDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if node, ok := obj.(*corev1.Node); ok {
		e.cache.RemoveNode(node.Name)
	}
}

func (e *Engine) namespaceChanged(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		e.cache.SetNamespaceWeight(ns.Name, fairshare.Weight(ns))
	}
}

// scheduleOne places one pod, or records why it cannot be placed.
func (e *Engine) scheduleOne(ctx context.Context, pod *corev1.Pod) {
	if e.cache.Has(pod.UID) {
		e.queue.Done(pod) // bound meanwhile
		return
	}
	e.cache.UpdateSnapshot(e.snap)
	restore := e.nominated.reserve(&e.snap.Snapshot, pod)
	defer restore()
	res, err := e.alg.Schedule(ctx, pod, &e.snap.Snapshot)
	if err != nil {
		e.failed(ctx, pod, err)
		return
	}
	if err := e.cache.Assume(pod, res.Node); err != nil {
		e.log.Error("assume", "pod", klogRef(pod), "err", err)
		e.queue.Retry(pod)
		return
	}
	e.queue.Done(pod)
	e.nominated.set(pod, "")
	e.submit(ctx, func(ctx context.Context) { e.bind(ctx, pod, res.Node) })
}

// submit hands f to the workers; it blocks while they are all busy, which
// holds the loop back to the API server's pace.
func (e *Engine) submit(ctx context.Context, f func(context.Context)) {
	select {
	case e.work <- f:
	case <-ctx.Done():
	}
}

// bind posts the binding; on failure the pod is forgotten and queued
// again.
func (e *Engine) bind(ctx context.Context, pod *corev1.Pod, node string) {
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	err := e.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
	if err != nil {
		e.cache.Forget(pod)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			// Deleted, recreated, or bound by someone else: the
			// informer brings whatever is true now.
			e.log.Debug("binding not needed any more", "pod", klogRef(pod), "err", err)
			return
		}
		e.log.Warn("binding failed", "pod", klogRef(pod), "node", node, "err", err)
		e.recorder.Eventf(pod, corev1.EventTypeWarning, "FailedScheduling", "Binding rejected: %v", err)
		e.queue.Add(pod)
		return
	}
	e.recorder.Eventf(pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, node)
}

// failed records why a pod was not placed and parks it.
func (e *Engine) failed(ctx context.Context, pod *corev1.Pod, err error) {
	var fitErr *scheduler.FitError
	if !errors.As(err, &fitErr) {
		e.log.Error("scheduling cycle failed", "pod", klogRef(pod), "err", err)
		e.recorder.Eventf(pod, corev1.EventTypeWarning, "FailedScheduling", "%v", err)
		e.queue.Retry(pod)
		return
	}
	msg := fitErr.Error() + hints(fitErr)
	nominated := ""
	if e.preempt != nil {
		var note string
		nominated, note = e.preempt.run(ctx, e, pod, &e.snap.Snapshot, fitErr)
		if note != "" {
			msg += " " + note
		}
		if nominated != "" {
			e.nominated.set(pod, nominated)
		}
	}
	e.queue.Unschedulable(pod)
	e.recorder.Event(pod, corev1.EventTypeWarning, "FailedScheduling", msg)
	e.submit(ctx, func(ctx context.Context) { e.setUnschedulable(ctx, pod, msg, nominated) })
}

// hints says what to do about reasons that have a remedy (a runtime no
// node offers), once each.
func hints(fitErr *scheduler.FitError) string {
	seen := map[string]bool{}
	var out strings.Builder
	for _, st := range fitErr.NodeStatus {
		for _, r := range st.Reasons {
			if h, ok := noderuntime.Hint(r); ok && !seen[h] {
				seen[h] = true
				out.WriteString(" To run it: " + h + ".")
			}
		}
	}
	return out.String()
}

// setUnschedulable sets the pod's PodScheduled condition to False with
// reason Unschedulable and msg, and its nominated node, unless they are
// already so.
func (e *Engine) setUnschedulable(ctx context.Context, pod *corev1.Pod, msg, nominated string) {
	cond := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: msg}
	for _, c := range pod.Status.Conditions {
		if c.Type == cond.Type && c.Status == cond.Status && c.Reason == cond.Reason && c.Message == cond.Message &&
			(nominated == "" || pod.Status.NominatedNodeName == nominated) {
			return
		}
	}
	cond.LastTransitionTime = metav1.Now()
	patch := map[string]any{"status": map[string]any{"conditions": []corev1.PodCondition{cond}}}
	if nominated != "" {
		patch["status"].(map[string]any)["nominatedNodeName"] = nominated
	}
	data, err := json.Marshal(patch)
	if err != nil {
		e.log.Error("status patch", "err", err)
		return
	}
	_, err = e.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, data, metav1.PatchOptions{}, "status")
	if err != nil && !apierrors.IsNotFound(err) {
		e.log.Warn("setting PodScheduled=False", "pod", klogRef(pod), "err", err)
	}
}

func klogRef(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }
