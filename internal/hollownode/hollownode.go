// Package hollownode simulates nodes, in the spirit of Kubernetes'
// kubemark: a hollow node registers a Node that looks like an agent's
// (labels, capacity, a Ready condition), renews its Lease so the control
// plane keeps it Ready, and reports the pods bound to it as Running,
// without running anything. Thousands of them live in one process, with
// one shared pod watch, so benchmarks and tests can put a real server
// under a large cluster's load on one machine.
package hollownode

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/agent"
)

// Config describes a set of hollow nodes.
type Config struct {
	Client kubernetes.Interface
	// Names of the nodes: Prefix followed by a number from 0 to Count-1.
	Prefix string
	Count  int
	// Capacity of each node; default 4 cpu, 16 GiB, 110 pods.
	Capacity corev1.ResourceList
	// Labels adds labels to node i (say, a zone); may be nil.
	Labels func(i int) map[string]string
	// Taints of node i; may be nil.
	Taints func(i int) []corev1.Taint
	// LeaseInterval is how often each lease is renewed; default 10 s.
	// Renewals are spread evenly over the interval.
	LeaseInterval time.Duration
	// ReportRunning marks pods bound to the nodes Running.
	ReportRunning bool
	// Workers bound the requests in flight; default 32.
	Workers int
	Logger  *slog.Logger
}

// DefaultCapacity is a hollow node's capacity unless configured.
func DefaultCapacity() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
}

// Cluster is a running set of hollow nodes.
type Cluster struct {
	cfg     Config
	names   map[string]bool
	leases  []atomic.Pointer[coordinationv1.Lease]
	running atomic.Int64
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

// Name is the name of node i.
func (c Config) Name(i int) string { return fmt.Sprintf("%s%05d", c.Prefix, i) }

// Start registers the nodes and their leases, and keeps them alive until
// Stop or ctx ends.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Capacity == nil {
		cfg.Capacity = DefaultCapacity()
	}
	if cfg.LeaseInterval == 0 {
		cfg.LeaseInterval = 10 * time.Second
	}
	if cfg.Workers == 0 {
		cfg.Workers = 32
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Cluster{cfg: cfg, names: map[string]bool{}, leases: make([]atomic.Pointer[coordinationv1.Lease], cfg.Count)}
	for i := range cfg.Count {
		c.names[cfg.Name(i)] = true
	}
	if err := c.forEach(ctx, cfg.Count, c.register); err != nil {
		return nil, err
	}
	ctx, c.cancel = context.WithCancel(ctx)
	c.done.Add(1)
	go func() {
		defer c.done.Done()
		c.renewLeases(ctx)
	}()
	if cfg.ReportRunning {
		if err := c.watchPods(ctx); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// Stop ends the renewals and the pod watch; the Nodes stay (and turn
// NotReady when their leases run out).
func (c *Cluster) Stop() {
	c.cancel()
	c.done.Wait()
}

// Running is how many pods the nodes have reported Running.
func (c *Cluster) Running() int { return int(c.running.Load()) }

// forEach runs f(i) for i in [0, n) on cfg.Workers goroutines and returns
// the first error.
func (c *Cluster) forEach(ctx context.Context, n int, f func(context.Context, int) error) error {
	var (
		next     atomic.Int64
		firstErr error
		mu       sync.Mutex
		wg       sync.WaitGroup
	)
	for range min(c.cfg.Workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// register creates node i (or takes over an existing one), reports it
// Ready and creates its lease.
func (c *Cluster) register(ctx context.Context, i int) error {
	name := c.cfg.Name(i)
	labels := agent.NodeLabels(name, []string{"process"})
	if c.cfg.Labels != nil {
		for k, v := range c.cfg.Labels(i) {
			labels[k] = v
		}
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if c.cfg.Taints != nil {
		node.Spec.Taints = c.cfg.Taints(i)
	}
	nodes := c.cfg.Client.CoreV1().Nodes()
	created, err := nodes.Create(ctx, node, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		created, err = nodes.Get(ctx, name, metav1.GetOptions{})
	}
	if err != nil {
		return fmt.Errorf("hollow node %s: %w", name, err)
	}
	now := metav1.Now()
	created.Status = corev1.NodeStatus{
		Capacity:    c.cfg.Capacity.DeepCopy(),
		Allocatable: c.cfg.Capacity.DeepCopy(),
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "HollowNodeReady",
			Message: "hollow node: nothing runs here", LastHeartbeatTime: now, LastTransitionTime: now,
		}},
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: name}},
		NodeInfo:  corev1.NodeSystemInfo{KubeletVersion: "hollow", OperatingSystem: "linux", Architecture: "amd64"},
	}
	if _, err := nodes.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("hollow node %s status: %w", name, err)
	}
	duration := int32((3 * c.cfg.LeaseInterval).Seconds())
	renew := metav1.NewMicroTime(time.Now())
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: agent.NodeLeaseNamespace,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: name, UID: created.UID}}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &name, LeaseDurationSeconds: &duration, RenewTime: &renew},
	}
	leases := c.cfg.Client.CoordinationV1().Leases(agent.NodeLeaseNamespace)
	got, err := leases.Create(ctx, lease, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		if got, err = leases.Get(ctx, name, metav1.GetOptions{}); err == nil {
			got.Spec = lease.Spec
			got, err = leases.Update(ctx, got, metav1.UpdateOptions{})
		}
	}
	if err != nil {
		return fmt.Errorf("hollow node %s lease: %w", name, err)
	}
	c.leases[i].Store(got)
	return nil
}

// renewLeases renews every lease once per LeaseInterval, spread evenly.
func (c *Cluster) renewLeases(ctx context.Context) {
	n := len(c.leases)
	if n == 0 {
		return
	}
	tick := time.NewTicker(max(c.cfg.LeaseInterval/time.Duration(n), time.Millisecond))
	defer tick.Stop()
	sem := make(chan struct{}, c.cfg.Workers)
	for i := 0; ; i = (i + 1) % n {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		lease := c.leases[i].Load()
		go func(i int) {
			defer func() { <-sem }()
			now := metav1.NewMicroTime(time.Now())
			l := lease.DeepCopy()
			l.Spec.RenewTime = &now
			leases := c.cfg.Client.CoordinationV1().Leases(agent.NodeLeaseNamespace)
			updated, err := leases.Update(ctx, l, metav1.UpdateOptions{})
			if apierrors.IsConflict(err) {
				if l, err = leases.Get(ctx, l.Name, metav1.GetOptions{}); err == nil {
					l.Spec.RenewTime = &now
					updated, err = leases.Update(ctx, l, metav1.UpdateOptions{})
				}
			}
			if err != nil {
				if ctx.Err() == nil {
					c.cfg.Logger.Warn("hollow node lease", "node", l.Name, "err", err)
				}
				return
			}
			c.leases[i].Store(updated)
		}(i)
	}
}

// watchPods marks the pods bound to these nodes Running, and finishes
// deleting those being deleted, as an agent does once their containers
// have stopped.
func (c *Cluster) watchPods(ctx context.Context) error {
	lw := cache.NewListWatchFromClient(c.cfg.Client.CoreV1().RESTClient(), "pods", metav1.NamespaceAll,
		fields.OneTermNotEqualSelector("spec.nodeName", ""))
	inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{})
	work := make(chan *corev1.Pod, 1024)
	handle := func(obj any) {
		pod, ok := obj.(*corev1.Pod)
		if !ok || !c.names[pod.Spec.NodeName] || (pod.Status.Phase != corev1.PodPending && pod.DeletionTimestamp == nil) {
			return
		}
		select {
		case work <- pod:
		case <-ctx.Done():
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: handle, UpdateFunc: func(_, obj any) { handle(obj) },
	}); err != nil {
		return fmt.Errorf("hollow nodes' pod watch: %w", err)
	}
	for range c.cfg.Workers {
		c.done.Add(1)
		go func() {
			defer c.done.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case pod := <-work:
					if pod.DeletionTimestamp != nil {
						c.finishDeletion(ctx, pod)
						continue
					}
					c.markRunning(ctx, pod)
				}
			}
		}()
	}
	c.done.Add(1)
	go func() {
		defer c.done.Done()
		inf.Run(ctx.Done())
	}()
	return nil
}

func (c *Cluster) markRunning(ctx context.Context, pod *corev1.Pod) {
	p := pod.DeepCopy()
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.StartTime = &now
	p.Status.HostIP = "127.0.0.1"
	p.Status.Conditions = append(p.Status.Conditions,
		corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
		corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now})
	for _, ct := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: ct.Name, Image: ct.Image, Ready: true, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	_, err := c.cfg.Client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	switch {
	case err == nil:
		c.running.Add(1)
	case apierrors.IsConflict(err) || apierrors.IsNotFound(err):
		// A newer version comes through the watch, or the pod is gone.
	case ctx.Err() == nil:
		c.cfg.Logger.Warn("hollow node pod status", "pod", p.Namespace+"/"+p.Name, "err", err)
	}
}

func (c *Cluster) finishDeletion(ctx context.Context, pod *corev1.Pod) {
	zero := int64(0)
	err := c.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && ctx.Err() == nil {
		c.cfg.Logger.Warn("hollow node pod deletion", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}
