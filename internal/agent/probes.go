package agent

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/marina-orchestrator/marina/internal/probe"
	"github.com/marina-orchestrator/marina/internal/runtime"
)

// probeManager runs the probes of running containers: one goroutine per
// container attempt that has probes, which sleeps until a probe is due,
// runs it, records events, and enqueues the pod whenever the verdict
// (started, ready, must restart) changes. Pod workers read the verdicts.
type probeManager struct {
	m *podManager

	mu   sync.Mutex
	byID map[string]*probed // by container (attempt) ID
}

// probed is the verdict on one container attempt, written by its probe
// goroutine.
type probed struct {
	cancel context.CancelFunc

	mu             sync.Mutex
	ready, started bool
	restart        probe.Kind // the probe that says it must be restarted
	why            string     // its last failure
}

func newProbeManager(m *podManager) *probeManager {
	return &probeManager{m: m, byID: map[string]*probed{}}
}

// observe starts probing a running container attempt, once, and returns
// its verdict so far. A container without probes is ready and started.
func (p *probeManager) observe(pod *corev1.Pod, spec corev1.Container, st runtime.ContainerStatus, podIP string) (ready, started bool) {
	if spec.LivenessProbe == nil && spec.ReadinessProbe == nil && spec.StartupProbe == nil {
		return true, true
	}
	p.mu.Lock()
	pr, ok := p.byID[st.ID]
	if !ok {
		c := probe.NewContainer(&spec, st.StartedAt)
		ctx, cancel := context.WithCancel(context.Background())
		pr = &probed{cancel: cancel, started: c.Started(), ready: c.Ready()}
		p.byID[st.ID] = pr
		key, _ := cache.MetaNamespaceKeyFunc(pod)
		go p.run(ctx, pod.DeepCopy(), spec, st.ID, podIP, key, c, pr)
	}
	p.mu.Unlock()
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.ready, pr.started
}

// mustRestart reports whether a container failed its liveness (or
// startup) probe and must be restarted: which probe, and its failure.
func (p *probeManager) mustRestart(id string) (probe.Kind, string, bool) {
	p.mu.Lock()
	pr, ok := p.byID[id]
	p.mu.Unlock()
	if !ok {
		return "", "", false
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.restart, pr.why, pr.restart != ""
}

// forget stops probing a container attempt.
func (p *probeManager) forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pr, ok := p.byID[id]; ok {
		pr.cancel()
		delete(p.byID, id)
	}
}

// run probes one container attempt until it is forgotten or no probe is
// due any more (its liveness probe failed).
func (p *probeManager) run(ctx context.Context, pod *corev1.Pod, spec corev1.Container, id, podIP, key string, c *probe.Container, pr *probed) {
	target := p.m.target(spec, id, podIP)
	for {
		wait, ok := c.Next(time.Now())
		if !ok {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		for _, k := range c.Due(time.Now()) {
			ranAt := time.Now()
			res := probe.Run(ctx, c.Worker(k).Probe(), target)
			if ctx.Err() != nil {
				return
			}
			o := c.Observe(k, ranAt, res)
			if o.Event != nil {
				p.m.a.event(pod, o.Event.Type, o.Event.Reason, o.Event.Message)
			}
			if !o.Changed {
				continue
			}
			pr.mu.Lock()
			pr.ready, pr.started = c.Ready(), c.Started()
			if kind, ok := c.RestartNeeded(); ok {
				pr.restart, pr.why = kind, res.Message
			}
			pr.mu.Unlock()
			p.m.queue.Add(key)
		}
	}
}
