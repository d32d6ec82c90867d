// Package nodelifecycle notices dead nodes and moves their pods off them.
//
//	every Interval, for each node:
//	  lease renewed within GracePeriod? ── yes ─► Ready reported by its agent; drop the
//	  │                                          unreachable taint if the node has it
//	  no
//	  ▼
//	  conditions Unknown (NodeStatusUnknown) + taint node.kubernetes.io/unreachable:NoExecute
//	  ▼
//	  each pod on it: evicted (deleted at once: its agent is gone) when the taint is older
//	  than the pod's toleration of it (DefaultTolerationSeconds when it has none)
//
// The decisions are pure functions of the node, its lease, the pod and the
// time (health, tolerationFor, evictAt); Controller only reads and writes.
package nodelifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	listerscoordinationv1 "k8s.io/client-go/listers/coordination/v1"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	"github.com/marina-orchestrator/marina/internal/api"
)

// Config tunes how fast a dead node's pods move.
type Config struct {
	// GracePeriod is how long a node's lease may go unrenewed before the
	// node is Unknown. Default 15 s.
	GracePeriod time.Duration
	// DefaultTolerationSeconds is how long a pod stays on an unreachable
	// node when it does not say (Kubernetes' admission default is 300 s).
	// Default 15.
	DefaultTolerationSeconds int64
	// Interval is how often nodes are checked. Default 1 s.
	Interval time.Duration
	// OrphanQuarantine is how long a pod's node must have been missing
	// before the pod is deleted: a node being registered, or deleted
	// and registered again, keeps its pods. Default 40 s, Kubernetes'
	// pod garbage collector's.
	OrphanQuarantine time.Duration
}

func (c *Config) setDefaults() {
	if c.GracePeriod <= 0 {
		c.GracePeriod = 15 * time.Second
	}
	if c.DefaultTolerationSeconds <= 0 {
		c.DefaultTolerationSeconds = 15
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.OrphanQuarantine <= 0 {
		c.OrphanQuarantine = 40 * time.Second
	}
}

// LeaseNamespace holds the nodes' leases.
const LeaseNamespace = "kube-node-lease"

// UnreachableTaint is put on nodes whose agent stopped reporting.
var UnreachableTaint = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}

// Controller watches nodes' leases and evicts pods from dead nodes.
type Controller struct {
	cfg      Config
	client   kubernetes.Interface
	nodes    listerscorev1.NodeLister
	leases   listerscoordinationv1.LeaseLister
	pods     cache.Indexer
	synced   []cache.InformerSynced
	recorder record.EventRecorder
	log      *slog.Logger
	now      func() time.Time
	// missing records since when each node that pods are bound to has
	// been missing (sync runs in one goroutine).
	missing map[string]time.Time
}

const podsByNode = "spec.nodeName"

// New builds the controller over shared informers; Run starts it.
func New(cfg Config, client kubernetes.Interface, factory, leaseFactory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	cfg.setDefaults()
	podInformer := factory.Core().V1().Pods().Informer()
	if err := podInformer.AddIndexers(cache.Indexers{podsByNode: func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}, nil
		}
		return nil, nil
	}}); err != nil {
		return nil, err
	}
	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	nodeInformer := factory.Core().V1().Nodes()
	leaseInformer := leaseFactory.Coordination().V1().Leases()
	return &Controller{
		cfg:      cfg,
		client:   client,
		nodes:    nodeInformer.Lister(),
		leases:   leaseInformer.Lister(),
		pods:     podInformer.GetIndexer(),
		synced:   []cache.InformerSynced{nodeInformer.Informer().HasSynced, leaseInformer.Informer().HasSynced, podInformer.HasSynced},
		recorder: broadcaster.NewRecorder(api.Scheme, corev1.EventSource{Component: "node-lifecycle-controller"}),
		log:      log.With("controller", "nodelifecycle"),
		now:      time.Now,
	}, nil
}

// Run checks nodes every Interval until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	defer utilruntime.HandleCrash()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	wait.UntilWithContext(ctx, c.sync, c.cfg.Interval)
}

// sync brings every node's health and its pods in line with its lease.
func (c *Controller) sync(ctx context.Context) {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		c.log.Error("list nodes", "err", err)
		return
	}
	now := c.now()
	for _, node := range nodes {
		lease, err := c.leases.Leases(LeaseNamespace).Get(node.Name)
		if err != nil && !apierrors.IsNotFound(err) {
			c.log.Error("read lease", "node", node.Name, "err", err)
			continue
		}
		if err := c.syncNode(ctx, node, lease, now); err != nil && !apierrors.IsConflict(err) {
			c.log.Error("sync node", "node", node.Name, "err", err)
		}
	}
	if err := c.collectOrphans(ctx, nodes, now); err != nil {
		c.log.Error("delete pods of deleted nodes", "err", err)
	}
}

// collectOrphans deletes, at once, the pods bound to nodes that have been
// missing for the quarantine, as Kubernetes' pod garbage collector does:
// no agent is left to stop them gracefully, and their controllers make
// replacements only once they are gone. A node missing from the cache is
// looked up in the API before its pods go.
func (c *Controller) collectOrphans(ctx context.Context, nodes []*corev1.Node, now time.Time) error {
	known := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		known[n.Name] = true
	}
	missing := map[string]time.Time{}
	defer func() { c.missing = missing }()
	zero := int64(0)
	for _, name := range c.pods.ListIndexFuncValues(podsByNode) {
		if name == "" || known[name] {
			continue
		}
		since, ok := c.missing[name]
		if !ok {
			since = now
		}
		missing[name] = since
		if now.Sub(since) < c.cfg.OrphanQuarantine {
			continue
		}
		if _, err := c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			delete(missing, name)
			continue
		}
		objs, err := c.pods.ByIndex(podsByNode, name)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			pod := obj.(*corev1.Pod)
			uid := pod.UID
			err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
				GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid},
			})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				return fmt.Errorf("delete pod %s/%s of deleted node %s: %w", pod.Namespace, pod.Name, name, err)
			}
			c.log.Info("deleted pod of deleted node", "pod", pod.Namespace+"/"+pod.Name, "node", name)
		}
	}
	return nil
}

func (c *Controller) syncNode(ctx context.Context, node *corev1.Node, lease *coordinationv1.Lease, now time.Time) error {
	taint := findTaint(node, UnreachableTaint)
	if healthy(node, lease, now, c.cfg.GracePeriod) {
		if taint != nil && readyStatus(node) == corev1.ConditionTrue {
			return c.setTaint(ctx, node, false, now)
		}
		return nil
	}
	if readyStatus(node) != corev1.ConditionUnknown {
		if err := c.markUnknown(ctx, node, now); err != nil {
			return err
		}
	}
	if taint == nil {
		return c.setTaint(ctx, node, true, now)
	}
	return c.evictPods(ctx, node, taint, now)
}

// healthy: the node's lease (or, before it has one, the node itself) is
// younger than the grace period.
func healthy(node *corev1.Node, lease *coordinationv1.Lease, now time.Time, grace time.Duration) bool {
	last := node.CreationTimestamp.Time
	if lease != nil && lease.Spec.RenewTime != nil {
		last = lease.Spec.RenewTime.Time
	}
	return now.Sub(last) <= grace
}

func readyStatus(node *corev1.Node) corev1.ConditionStatus {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}

func findTaint(node *corev1.Node, t corev1.Taint) *corev1.Taint {
	for i := range node.Spec.Taints {
		if node.Spec.Taints[i].Key == t.Key && node.Spec.Taints[i].Effect == t.Effect {
			return &node.Spec.Taints[i]
		}
	}
	return nil
}

// markUnknown sets every condition the agent reports to Unknown, as the
// Kubernetes node controller does when the kubelet goes quiet.
func (c *Controller) markUnknown(ctx context.Context, node *corev1.Node, now time.Time) error {
	n := node.DeepCopy()
	t := metav1.NewTime(now)
	for _, typ := range []corev1.NodeConditionType{corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		cond := corev1.NodeCondition{Type: typ, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown",
			Message: "Marina agent stopped posting node status.", LastHeartbeatTime: t, LastTransitionTime: t}
		replaced := false
		for i := range n.Status.Conditions {
			if n.Status.Conditions[i].Type == typ {
				cond.LastHeartbeatTime = n.Status.Conditions[i].LastHeartbeatTime
				n.Status.Conditions[i] = cond
				replaced = true
			}
		}
		if !replaced {
			n.Status.Conditions = append(n.Status.Conditions, cond)
		}
	}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("mark node %s unknown: %w", node.Name, err)
	}
	c.recorder.Eventf(node, corev1.EventTypeNormal, "NodeNotReady",
		"Node %s status is now: NodeNotReady (no heartbeat for more than %s)", node.Name, c.cfg.GracePeriod)
	c.log.Warn("node stopped reporting", "node", node.Name)
	return nil
}

// setTaint adds or removes the unreachable taint.
func (c *Controller) setTaint(ctx context.Context, node *corev1.Node, add bool, now time.Time) error {
	n := node.DeepCopy()
	var taints []corev1.Taint
	for _, t := range n.Spec.Taints {
		if !(t.Key == UnreachableTaint.Key && t.Effect == UnreachableTaint.Effect) {
			taints = append(taints, t)
		}
	}
	if add {
		t := UnreachableTaint
		added := metav1.NewTime(now)
		t.TimeAdded = &added
		taints = append(taints, t)
	}
	n.Spec.Taints = taints
	if _, err := c.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("taint node %s: %w", node.Name, err)
	}
	if !add {
		c.recorder.Eventf(node, corev1.EventTypeNormal, "NodeReady", "Node %s is reachable again", node.Name)
	}
	return nil
}

// evictPods deletes the pods on an unreachable node whose toleration of
// the taint has run out. They are deleted at once: the agent that would
// stop them gracefully is gone, and it stops them itself if it returns.
func (c *Controller) evictPods(ctx context.Context, node *corev1.Node, taint *corev1.Taint, now time.Time) error {
	objs, err := c.pods.ByIndex(podsByNode, node.Name)
	if err != nil {
		return err
	}
	zero := int64(0)
	for _, obj := range objs {
		pod := obj.(*corev1.Pod)
		at, ok := evictAt(pod, taint, c.cfg.DefaultTolerationSeconds)
		if !ok || now.Before(at) {
			continue
		}
		uid := pod.UID
		err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("evict pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		c.recorder.Eventf(pod, corev1.EventTypeNormal, "TaintManagerEviction",
			"Marking for deletion Pod %s/%s: node %s is unreachable", pod.Namespace, pod.Name, node.Name)
	}
	return nil
}

// evictAt is when a pod must leave a node with taint, and false when it
// tolerates the taint forever.
func evictAt(pod *corev1.Pod, taint *corev1.Taint, defaultSeconds int64) (time.Time, bool) {
	added := time.Time{}
	if taint.TimeAdded != nil {
		added = taint.TimeAdded.Time
	}
	seconds, forever := tolerationFor(pod, taint, defaultSeconds)
	if forever {
		return time.Time{}, false
	}
	return added.Add(time.Duration(seconds) * time.Second), true
}

// tolerationFor is how long a pod tolerates a NoExecute taint: the longest
// matching toleration, forever for one without tolerationSeconds, and the
// default when none matches (where Kubernetes' admission would have added
// one).
func tolerationFor(pod *corev1.Pod, taint *corev1.Taint, defaultSeconds int64) (seconds int64, forever bool) {
	matched := false
	for i := range pod.Spec.Tolerations {
		tol := &pod.Spec.Tolerations[i]
		if !tol.ToleratesTaint(klog.Background(), taint, false) {
			continue
		}
		if tol.TolerationSeconds == nil {
			return 0, true
		}
		if !matched || *tol.TolerationSeconds > seconds {
			seconds = *tol.TolerationSeconds
		}
		matched = true
	}
	if !matched {
		return defaultSeconds, false
	}
	if seconds < 0 {
		seconds = 0
	}
	return seconds, false
}
