package agent

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// runtimes are the runtimes this node offers, by RuntimeClass handler.
// Containers are addressed by ID across all of them: each is remembered
// with the runtime that listed or started it.
type runtimes struct {
	byName map[string]runtime.Runtime
	// fallback runs pods that name no runtime: docker when the node
	// offers it, else process.
	fallback string

	mu    sync.Mutex
	owner map[string]runtime.Runtime // container ID → its runtime
}

func newRuntimes(rts []runtime.Runtime) *runtimes {
	r := &runtimes{byName: map[string]runtime.Runtime{}, owner: map[string]runtime.Runtime{}}
	for _, rt := range rts {
		r.byName[rt.Name()] = rt
	}
	for _, name := range []string{"docker", "process"} {
		if _, ok := r.byName[name]; ok && r.fallback == "" {
			r.fallback = name
		}
	}
	return r
}

// names lists the offered runtimes, sorted.
func (r *runtimes) names() []string {
	var out []string
	for name := range r.byName {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// forPod is the runtime a pod asks for (its runtimeClassName, or the
// node's default) and whether this node offers it.
func (r *runtimes) forPod(pod *corev1.Pod) (string, runtime.Runtime, bool) {
	name := r.fallback
	if pod.Spec.RuntimeClassName != nil && *pod.Spec.RuntimeClassName != "" {
		name = *pod.Spec.RuntimeClassName
	}
	rt, ok := r.byName[name]
	return name, rt, ok
}

// start starts a container with rt and remembers it.
func (r *runtimes) start(ctx context.Context, rt runtime.Runtime, cfg runtime.ContainerConfig) (runtime.ContainerStatus, error) {
	st, err := rt.Start(ctx, cfg)
	if err == nil {
		r.remember(st.ID, rt)
	}
	return st, err
}

func (r *runtimes) remember(id string, rt runtime.Runtime) {
	r.mu.Lock()
	r.owner[id] = rt
	r.mu.Unlock()
}

// list is every container of the pod with podUID (of every pod when it
// is "") in every runtime.
func (r *runtimes) list(ctx context.Context, podUID string) ([]runtime.ContainerStatus, error) {
	var all []runtime.ContainerStatus
	for _, rt := range r.byName {
		list, err := rt.List(ctx, podUID)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			r.remember(c.ID, rt)
		}
		all = append(all, list...)
	}
	return all, nil
}

// of finds the runtime holding container id.
func (r *runtimes) of(ctx context.Context, id string) (runtime.Runtime, error) {
	r.mu.Lock()
	rt, ok := r.owner[id]
	r.mu.Unlock()
	if ok {
		return rt, nil
	}
	for _, rt := range r.byName {
		if _, err := rt.Status(ctx, id); err == nil {
			r.remember(id, rt)
			return rt, nil
		} else if !errors.Is(err, runtime.ErrNotFound) {
			return nil, err
		}
	}
	return nil, runtime.ErrNotFound
}

func (r *runtimes) status(ctx context.Context, id string) (runtime.ContainerStatus, error) {
	rt, err := r.of(ctx, id)
	if err != nil {
		return runtime.ContainerStatus{}, err
	}
	return rt.Status(ctx, id)
}

func (r *runtimes) stop(ctx context.Context, id string, grace time.Duration) error {
	rt, err := r.of(ctx, id)
	if errors.Is(err, runtime.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return rt.Stop(ctx, id, grace)
}

func (r *runtimes) remove(ctx context.Context, id string) error {
	rt, err := r.of(ctx, id)
	if errors.Is(err, runtime.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := rt.Remove(ctx, id); err != nil {
		return err
	}
	r.mu.Lock()
	delete(r.owner, id)
	r.mu.Unlock()
	return nil
}

func (r *runtimes) exec(ctx context.Context, id string, req runtime.ExecRequest) (int, error) {
	rt, err := r.of(ctx, id)
	if err != nil {
		return -1, err
	}
	return rt.Exec(ctx, id, req)
}

// removeSandboxes removes a gone pod's sandbox from every runtime.
func (r *runtimes) removeSandboxes(ctx context.Context, podUID string) error {
	var errs []error
	for _, rt := range r.byName {
		errs = append(errs, rt.RemoveSandbox(ctx, podUID))
	}
	return errors.Join(errs...)
}
