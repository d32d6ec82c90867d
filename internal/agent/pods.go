package agent

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/runtime"
	"github.com/marina-orchestrator/marina/internal/runtime/docker"
)

// Restart back-off, as the kubelet does it.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
	backoffReset   = 10 * time.Minute
	// pollInterval is how often a pod with running containers is looked at
	// for exits.
	pollInterval = time.Second
)

// restartDelay is how long to wait before the next attempt of a container
// whose attempt number `attempt` ran for ranFor: 10 s doubling to 5 min,
// back to 10 s after a run of 10 minutes.
func restartDelay(attempt int, ranFor time.Duration) time.Duration {
	if ranFor >= backoffReset {
		return backoffInitial
	}
	d := backoffInitial
	for i := 0; i < attempt && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

// pullBackoff spaces out retries of image pulls that failed, per
// container: 10 s doubling to 5 min, as the kubelet's ImagePullBackOff.
type pullBackoff struct {
	mu    sync.Mutex
	byKey map[string]pullState
}

type pullState struct {
	failures int
	next     time.Time
}

// waitUntil is when the next pull of key may be tried, if it failed.
func (p *pullBackoff) waitUntil(key string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.byKey[key]
	return s.next, ok
}

// failed records a failed pull and returns when to try again.
func (p *pullBackoff) failed(key string, now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.byKey[key]
	s.next = now.Add(restartDelay(s.failures, 0))
	s.failures++
	p.byKey[key] = s
	return s.next
}

func (p *pullBackoff) succeeded(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.byKey, key)
}

// shouldRestart applies the pod's restart policy to a container that exited.
func shouldRestart(policy corev1.RestartPolicy, exitCode int) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

// podManager runs the pods bound to this node.
type podManager struct {
	a          *Agent
	rts        *runtimes
	lister     listerscorev1.PodLister
	configMaps listerscorev1.ConfigMapLister
	secrets    listerscorev1.SecretLister
	synced     []cache.InformerSynced
	factories  []informers.SharedInformerFactory
	queue      workqueue.TypedRateLimitingInterface[string]
	ips        *podIPs
	hostIP     string
	probes     *probeManager
	pulls      pullBackoff
	volumes    writtenVolumes
	claims     claimPaths
	// net serves services; pods take their service variables and DNS
	// settings from it.
	net *network
}

func newPodManager(a *Agent, rts *runtimes, hostIP string) (*podManager, error) {
	podFactory := informers.NewSharedInformerFactoryWithOptions(a.client, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = "spec.nodeName=" + a.cfg.NodeName
	}))
	// ConfigMaps and Secrets feed env and volumes; a change re-syncs the
	// pods of its namespace, so mounted files follow it.
	sourceFactory := informers.NewSharedInformerFactory(a.client, 0)
	inf := podFactory.Core().V1().Pods()
	cms, secrets := sourceFactory.Core().V1().ConfigMaps(), sourceFactory.Core().V1().Secrets()
	ips, err := loadPodIPs(a.cfg.DataDir, podIPClaims())
	if err != nil {
		return nil, err
	}
	m := &podManager{
		a: a, rts: rts, lister: inf.Lister(), ips: ips, hostIP: hostIP,
		configMaps: cms.Lister(), secrets: secrets.Lister(),
		synced:    []cache.InformerSynced{inf.Informer().HasSynced, cms.Informer().HasSynced, secrets.Informer().HasSynced},
		factories: []informers.SharedInformerFactory{podFactory, sourceFactory},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "pods"}),
	}
	m.probes = newProbeManager(m)
	m.pulls.byKey = map[string]pullState{}
	m.volumes.digest = map[string][sha256.Size]byte{}
	enqueue := func(obj any) {
		if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
			m.queue.Add(key)
		}
	}
	if _, err = inf.Informer().AddEventHandler(handleAll(enqueue)); err != nil {
		return nil, err
	}
	enqueueNamespace := func(obj any) {
		if o, ok := obj.(metav1.Object); ok {
			pods, _ := m.lister.Pods(o.GetNamespace()).List(labels.Everything())
			for _, p := range pods {
				enqueue(p)
			}
		}
	}
	for _, i := range []cache.SharedIndexInformer{cms.Informer(), secrets.Informer()} {
		if _, err = i.AddEventHandler(handleAll(enqueueNamespace)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// handleAll calls f for every added, updated and deleted object.
func handleAll(f func(obj any)) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    f,
		UpdateFunc: func(_, obj any) { f(obj) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			f(obj)
		},
	}
}

func (m *podManager) run(ctx context.Context, workers int) {
	defer m.queue.ShutDown()
	for _, f := range m.factories {
		f.Start(ctx.Done())
	}
	if !cache.WaitForCacheSync(ctx.Done(), m.synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, m.worker, time.Second)
	}
	wait.UntilWithContext(ctx, m.cleanup, 5*time.Second)
}

func (m *podManager) worker(ctx context.Context) {
	for {
		key, quit := m.queue.Get()
		if quit {
			return
		}
		after, err := m.sync(ctx, key)
		switch {
		case err != nil:
			if !apierrors.IsConflict(err) {
				m.a.log.Warn("sync pod", "pod", key, "err", err)
			}
			m.queue.AddRateLimited(key)
		case after > 0:
			m.queue.Forget(key)
			m.queue.AddAfter(key, after)
		default:
			m.queue.Forget(key)
		}
		m.queue.Done(key)
	}
}

// attempts groups the containers of one pod by container name, newest
// attempt first.
func (m *podManager) attempts(ctx context.Context, uid string) (map[string][]runtime.ContainerStatus, error) {
	all, err := m.rts.list(ctx, uid)
	if err != nil {
		return nil, err
	}
	out := map[string][]runtime.ContainerStatus{}
	for _, c := range all {
		out[c.Name] = append(out[c.Name], c)
	}
	for _, list := range out {
		sort.Slice(list, func(i, j int) bool { return list[i].Attempt > list[j].Attempt })
	}
	return out, nil
}

// sync makes one pod's containers match its spec and reports its status.
// It returns when to look again.
func (m *podManager) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	pod, err := m.lister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil // its containers go in cleanup
	}
	if err != nil {
		return 0, err
	}
	uid := string(pod.UID)
	if pod.DeletionTimestamp != nil {
		return 0, m.terminate(ctx, pod)
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0, nil // finished pods stay as they are
	}
	attempts, err := m.attempts(ctx, uid)
	if err != nil {
		return 0, err
	}
	w := &podSync{m: m, ctx: ctx, pod: pod, now: m.a.now()}
	runtimeName, rt, offered := m.rts.forPod(pod)
	w.runtime, w.rt = runtimeName, rt
	if !offered {
		w.notOffered = fmt.Sprintf("node %s does not offer the %s runtime (it offers %s)%s",
			m.a.cfg.NodeName, runtimeName, strings.Join(m.rts.names(), ", "), runtimeHint(runtimeName))
		if pod.Status.Phase == "" || pod.Status.Phase == corev1.PodPending {
			m.a.event(pod, corev1.EventTypeWarning, "RuntimeNotOffered", w.notOffered)
		}
	} else {
		// The pod's IP as last reported; the sandbox is looked at (and
		// made, or restarted) only before a container starts, not on every
		// sync of a running pod.
		w.ip = pod.Status.PodIP
		if w.ip == "" {
			if err := w.prepareSandbox(); err != nil {
				return 0, err
			}
		}
		if w.volumes, w.volumeErr = m.setupVolumes(pod); w.volumeErr != nil {
			// Running containers go on with what they have; new ones wait.
			m.a.event(pod, corev1.EventTypeWarning, "FailedMount", w.volumeErr.Error())
			w.after(2 * time.Second)
		}
	}
	// Init containers run one at a time, in order, each to success,
	// before any regular container starts. Once a regular container has
	// run (say before an agent restart), they are not run again.
	initialized := len(pod.Spec.InitContainers) == 0
	for _, c := range pod.Spec.Containers {
		if len(attempts[c.Name]) > 0 {
			initialized = true
		}
	}
	var initViews []containerView
	blocked := false
	for _, c := range pod.Spec.InitContainers {
		list := attempts[c.Name]
		switch {
		case initialized:
			v := containerView{spec: c}
			if len(list) > 0 {
				v.latest = &list[0]
			}
			initViews = append(initViews, v)
		case blocked:
			initViews = append(initViews, containerView{spec: c, waiting: "PodInitializing"})
		default:
			policy := pod.Spec.RestartPolicy
			if policy == corev1.RestartPolicyAlways {
				policy = corev1.RestartPolicyOnFailure // an init container runs to success
			}
			v := w.step(c, list, policy)
			initViews = append(initViews, v)
			if v.latest == nil || v.latest.State != runtime.Exited || v.latest.ExitCode != 0 {
				blocked = true
			}
		}
	}
	if !initialized && !blocked {
		initialized = true
	}
	var views []containerView
	for _, c := range pod.Spec.Containers {
		if !initialized {
			views = append(views, containerView{spec: c, waiting: "PodInitializing"})
			continue
		}
		views = append(views, w.step(c, attempts[c.Name], pod.Spec.RestartPolicy))
	}
	st := podStatus(pod, initViews, views, w.ip, m.hostIP, w.now)
	return w.requeue, m.reportPodStatus(ctx, pod, st)
}

// podSync is one pass of sync over one pod.
type podSync struct {
	m            *podManager
	ctx          context.Context
	pod          *corev1.Pod
	runtime      string          // the pod's runtime
	rt           runtime.Runtime // nil when the node does not offer it
	ip           string
	sandboxReady bool // prepareSandbox ran in this sync
	now          time.Time
	notOffered   string // why this node cannot run the pod's runtime
	volumes      map[string]string
	volumeErr    error // why the pod's volumes are not ready
	// requeue is when to look at the pod again; 0 for never.
	requeue time.Duration
}

// prepareSandbox makes sure the pod's sandbox runs (once per sync) and
// takes the pod's IP from it, or from the agent's loopback addresses for
// a runtime without sandboxes.
func (w *podSync) prepareSandbox() error {
	if w.sandboxReady {
		return nil
	}
	ip, err := w.rt.PrepareSandbox(w.ctx, sandboxConfig(w.pod))
	if err != nil {
		w.m.a.event(w.pod, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: "+err.Error())
		return fmt.Errorf("pod sandbox: %w", err)
	}
	if ip == "" {
		if ip, err = w.m.ips.get(string(w.pod.UID)); err != nil {
			return err
		}
	}
	w.ip, w.sandboxReady = ip, true
	return nil
}

// after asks to look at the pod again within d.
func (w *podSync) after(d time.Duration) {
	if w.requeue == 0 || d < w.requeue {
		w.requeue = d
	}
}

// step moves one container towards running under policy: it starts the
// first attempt, restarts an exited one after its back-off, and reports
// what the container is doing. list holds its attempts, newest first.
func (w *podSync) step(c corev1.Container, list []runtime.ContainerStatus, policy corev1.RestartPolicy) containerView {
	v := containerView{spec: c, runtime: w.runtime}
	if len(list) > 0 {
		v.latest = &list[0]
	}
	if len(list) > 1 {
		v.previous = &list[1]
	}
	start := -1
	switch {
	case w.notOffered != "":
		v.waiting, v.message = "RuntimeNotOffered", w.notOffered
	case v.latest == nil:
		start = 0
	case v.latest.State == runtime.Running:
		w.after(pollInterval)
		v.ready, v.started = w.m.probes.observe(w.pod, c, *v.latest, w.ip)
		if kind, why, ok := w.m.probes.mustRestart(v.latest.ID); ok {
			w.m.a.event(w.pod, corev1.EventTypeNormal, "Killing", fmt.Sprintf("Container %s failed %s probe, will be restarted", c.Name, strings.ToLower(string(kind))))
			w.m.log(w.pod).Info("restarting a container that failed a probe", "container", c.Name, "probe", kind, "failure", why)
			if err := w.m.stopContainer(w.ctx, w.pod, c, *v.latest, w.pod.Spec.TerminationGracePeriodSeconds); err != nil {
				w.m.log(w.pod).Warn("stop container", "container", c.Name, "err", err)
			}
			w.after(time.Millisecond)
		}
	case shouldRestart(policy, v.latest.ExitCode):
		next := v.latest.FinishedAt.Add(restartDelay(v.latest.Attempt, v.latest.FinishedAt.Sub(v.latest.StartedAt)))
		if w.now.Before(next) {
			v.waiting = "CrashLoopBackOff"
			v.message = fmt.Sprintf("back-off %s restarting failed container=%s pod=%s", next.Sub(v.latest.FinishedAt).Round(time.Second), c.Name, w.pod.Name)
			w.after(next.Sub(w.now))
		} else {
			start = v.latest.Attempt + 1
		}
	}
	if start < 0 {
		return v
	}
	if w.volumeErr != nil {
		v.waiting, v.message = "ContainerCreating", w.volumeErr.Error()
		return v
	}
	if err := w.prepareSandbox(); err != nil {
		v.waiting, v.message = "ContainerCreating", err.Error()
		w.after(backoffInitial)
		return v
	}
	cfg, err := w.m.containerConfig(w.pod, c, start, w.ip, w.volumes)
	if err == nil && (w.runtime == docker.Name || os.Geteuid() == 0) {
		// The pod's resolver: Docker containers always get it; process
		// pods get it in their own mount namespace, which needs root.
		var path string
		if path, err = w.m.writeResolvConf(w.pod); err == nil {
			cfg.Mounts = append(cfg.Mounts, runtime.Mount{HostPath: path, ContainerPath: "/etc/resolv.conf"})
		}
	}
	if err != nil {
		v.waiting, v.message = "CreateContainerConfigError", err.Error()
		w.after(2 * time.Second)
		w.m.a.event(w.pod, corev1.EventTypeWarning, "Failed", "Error: "+err.Error())
		return v
	}
	pullKey := string(w.pod.UID) + "/" + c.Name
	if next, ok := w.m.pulls.waitUntil(pullKey); ok && w.now.Before(next) {
		v.waiting, v.message = "ImagePullBackOff", fmt.Sprintf("Back-off pulling image %q", c.Image)
		w.after(next.Sub(w.now))
		return v
	}
	st, err := w.m.rts.start(w.ctx, w.rt, cfg)
	var pullErr *runtime.ImagePullError
	if errors.As(err, &pullErr) {
		next := w.m.pulls.failed(pullKey, w.now)
		v.waiting, v.message = "ErrImagePull", pullErr.Error()
		w.after(next.Sub(w.now))
		w.m.a.event(w.pod, corev1.EventTypeWarning, "Failed", fmt.Sprintf("Failed to pull image %q: %v", c.Image, pullErr.Err))
		return v
	}
	w.m.pulls.succeeded(pullKey)
	if err != nil {
		v.waiting, v.message = "CreateContainerError", err.Error()
		w.after(backoffInitial)
		w.m.a.event(w.pod, corev1.EventTypeWarning, "Failed", fmt.Sprintf("Error: %v", err))
		return v
	}
	if v.latest != nil {
		v.previous = v.latest
	}
	v.latest = &st
	v.ready, v.started = w.m.probes.observe(w.pod, c, st, w.ip)
	w.after(pollInterval)
	w.m.a.event(w.pod, corev1.EventTypeNormal, "Started", "Started container "+c.Name)
	w.m.gcAttempts(w.ctx, list)
	return v
}

func (m *podManager) reportPodStatus(ctx context.Context, pod *corev1.Pod, st corev1.PodStatus) error {
	if equality.Semantic.DeepEqual(pod.Status, st) {
		return nil
	}
	p := pod.DeepCopy()
	p.Status = st
	_, err := m.a.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	return err
}

// terminate stops a deleted pod's containers within its grace period,
// running their preStop hooks, and then removes the pod object.
func (m *podManager) terminate(ctx context.Context, pod *corev1.Pod) error {
	attempts, err := m.attempts(ctx, string(pod.UID))
	if err != nil {
		return err
	}
	specs := map[string]corev1.Container{}
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		specs[c.Name] = c
	}
	var all []runtime.ContainerStatus
	for _, list := range attempts {
		all = append(all, list...)
	}
	err = m.stopAll(ctx, all, func(c runtime.ContainerStatus) error {
		return m.stopContainer(ctx, pod, specs[c.Name], c, pod.DeletionGracePeriodSeconds)
	})
	if err != nil {
		return err
	}
	if err := m.forgetPod(ctx, string(pod.UID)); err != nil {
		return err
	}
	zero := int64(0)
	err = m.a.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// stopAll stops (with stop) and removes containers in parallel.
func (m *podManager) stopAll(ctx context.Context, containers []runtime.ContainerStatus, stop func(runtime.ContainerStatus) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(containers))
	for _, c := range containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := stop(c); err != nil {
				errs <- err
				return
			}
			if err := m.rts.remove(ctx, c.ID); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// cleanup stops containers whose pod is gone: deleted while the agent was
// away, or evicted from this node by the control plane.
func (m *podManager) cleanup(ctx context.Context) {
	pods, err := m.lister.List(labels.Everything())
	if err != nil {
		return
	}
	live := map[string]bool{}
	for _, p := range pods {
		live[string(p.UID)] = true
	}
	all, err := m.rts.list(ctx, "")
	if err != nil {
		m.a.log.Warn("list containers", "err", err)
		return
	}
	orphans := map[string][]runtime.ContainerStatus{}
	for _, c := range all {
		if !live[c.PodUID] {
			orphans[c.PodUID] = append(orphans[c.PodUID], c)
		}
	}
	for uid, list := range orphans {
		m.a.log.Info("stopping the containers of a pod that no longer exists", "podUID", uid)
		err := m.stopAll(ctx, list, func(c runtime.ContainerStatus) error {
			m.probes.forget(c.ID)
			return m.rts.stop(ctx, c.ID, 2*time.Second)
		})
		if err != nil {
			m.a.log.Warn("stop orphaned containers", "podUID", uid, "err", err)
			continue
		}
		if err := m.forgetPod(ctx, uid); err != nil {
			m.a.log.Warn("remove a gone pod's sandbox", "podUID", uid, "err", err)
		}
	}
	// Pods whose containers were gone already still have their volumes.
	// The directories are read before the pods are listed again, so a
	// pod that is new since the first listing keeps its own.
	entries, _ := os.ReadDir(filepath.Join(m.a.cfg.DataDir, "pods"))
	if pods, err = m.lister.List(labels.Everything()); err != nil {
		return
	}
	for _, p := range pods {
		live[string(p.UID)] = true
	}
	for _, e := range entries {
		if !live[e.Name()] && orphans[e.Name()] == nil {
			_ = m.forgetPod(ctx, e.Name())
		}
	}
}

// forgetPod releases what the agent kept for a pod that has gone, once
// its containers are removed: its sandbox, its IP and its volumes (not
// hostPath volumes, which are the node's).
func (m *podManager) forgetPod(ctx context.Context, uid string) error {
	if err := m.rts.removeSandboxes(ctx, uid); err != nil {
		return err
	}
	m.ips.release(uid)
	m.volumes.forget(m.podDir(uid))
	m.forgetClaims(uid)
	if err := os.RemoveAll(m.podDir(uid)); err != nil {
		m.a.log.Warn("remove the volumes of a pod that has gone", "podUID", uid, "err", err)
	}
	return nil
}

// sandboxConfig describes the pod's sandbox for its runtime.
func sandboxConfig(pod *corev1.Pod) runtime.SandboxConfig {
	cfg := runtime.SandboxConfig{PodUID: string(pod.UID), PodNamespace: pod.Namespace, PodName: pod.Name, Hostname: pod.Name}
	if pod.Spec.Hostname != "" {
		cfg.Hostname = pod.Spec.Hostname
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			cfg.Ports = append(cfg.Ports, runtime.Port{ContainerPort: p.ContainerPort, HostPort: p.HostPort, Protocol: string(p.Protocol), HostIP: p.HostIP})
		}
	}
	return cfg
}

// runtimeHint says how to get a runtime the node does not offer.
func runtimeHint(name string) string {
	switch name {
	case "docker":
		return ": install and start Docker (apt-get install docker.io; dockerd) and restart the agent, or use runtimeClassName: process"
	case "process":
		return ""
	}
	return ": Marina's runtimes are docker and process"
}

// resources are what the runtime enforces of the container's requests and
// limits.
func resources(c *corev1.Container) runtime.Resources {
	var r runtime.Resources
	if q, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
		r.CPURequestMilli = q.MilliValue()
	}
	if q, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		r.CPULimitMilli = q.MilliValue()
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		r.MemoryLimitBytes = q.Value()
	}
	return r
}

func runAsUser(pod *corev1.Pod, c *corev1.Container) *int64 {
	if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
		return c.SecurityContext.RunAsUser
	}
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.RunAsUser
	}
	return nil
}

func runAsGroup(pod *corev1.Pod, c *corev1.Container) *int64 {
	if c.SecurityContext != nil && c.SecurityContext.RunAsGroup != nil {
		return c.SecurityContext.RunAsGroup
	}
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.RunAsGroup
	}
	return nil
}

func supplementalGroups(pod *corev1.Pod) []int64 {
	if pod.Spec.SecurityContext == nil {
		return nil
	}
	groups := pod.Spec.SecurityContext.SupplementalGroups
	if g := pod.Spec.SecurityContext.FSGroup; g != nil {
		groups = append(append([]int64{}, groups...), *g)
	}
	return groups
}

// containerConfig is what the runtime needs to start attempt n of c. An
// error is a configuration problem (a missing ConfigMap, say) that waits
// for the user to fix it.
func (m *podManager) containerConfig(pod *corev1.Pod, c corev1.Container, attempt int, ip string, volumes map[string]string) (runtime.ContainerConfig, error) {
	mounts, err := mounts(pod, &c, volumes)
	if err != nil {
		return runtime.ContainerConfig{}, err
	}
	env, err := containerEnv(pod, &c, envContext{podIP: ip, nodeName: m.a.cfg.NodeName, services: m.net.podServices(pod)}, m.lookup())
	if err != nil {
		return runtime.ContainerConfig{}, err
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	var command, args []string
	for _, arg := range c.Command {
		command = append(command, expand(arg, lookup))
	}
	for _, arg := range c.Args {
		args = append(args, expand(arg, lookup))
	}
	return runtime.ContainerConfig{
		ID:                     fmt.Sprintf("%s_%s_%d", pod.UID, c.Name, attempt),
		Image:                  c.Image,
		PullPolicy:             string(c.ImagePullPolicy),
		Resources:              resources(&c),
		ReadOnlyRootFilesystem: c.SecurityContext != nil && ptr.Deref(c.SecurityContext.ReadOnlyRootFilesystem, false),
		Privileged:             c.SecurityContext != nil && ptr.Deref(c.SecurityContext.Privileged, false),
		PodUID:                 string(pod.UID),
		PodNamespace:           pod.Namespace,
		PodName:                pod.Name,
		Name:                   c.Name,
		Attempt:                attempt,
		Command:                command,
		Args:                   args,
		Env:                    env,
		WorkingDir:             c.WorkingDir,
		Mounts:                 mounts,
		User:                   runAsUser(pod, &c),
		Group:                  runAsGroup(pod, &c),
		Groups:                 supplementalGroups(pod),
	}, nil
}

// lookup reads ConfigMaps and Secrets from the agent's caches.
func (m *podManager) lookup() lookupFunc {
	return func(kind, ns, name string) (map[string]string, bool, error) {
		switch kind {
		case kindConfigMap:
			cm, found, err := m.ConfigMap(ns, name)
			if !found {
				return nil, false, err
			}
			return cm.Data, true, nil
		case kindSecret:
			s, found, err := m.Secret(ns, name)
			if !found {
				return nil, false, err
			}
			data := map[string]string{}
			for k, v := range s.Data {
				data[k] = string(v)
			}
			return data, true, nil
		}
		return nil, false, fmt.Errorf("env cannot refer to a %s", kind)
	}
}

// ConfigMap reads a ConfigMap from the agent's cache.
func (m *podManager) ConfigMap(ns, name string) (*corev1.ConfigMap, bool, error) {
	cm, err := m.configMaps.ConfigMaps(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	return cm, err == nil, err
}

// Secret reads a Secret from the agent's cache.
func (m *podManager) Secret(ns, name string) (*corev1.Secret, bool, error) {
	s, err := m.secrets.Secrets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	return s, err == nil, err
}
