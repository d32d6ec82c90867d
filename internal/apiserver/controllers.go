package apiserver

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/marina-orchestrator/marina/internal/controller/configrollout"
	"github.com/marina-orchestrator/marina/internal/controller/cronjob"
	"github.com/marina-orchestrator/marina/internal/controller/daemonset"
	"github.com/marina-orchestrator/marina/internal/controller/deployment"
	"github.com/marina-orchestrator/marina/internal/controller/endpoints"
	"github.com/marina-orchestrator/marina/internal/controller/garbagecollector"
	"github.com/marina-orchestrator/marina/internal/controller/job"
	"github.com/marina-orchestrator/marina/internal/controller/loadbalancer"
	"github.com/marina-orchestrator/marina/internal/controller/localpath"
	"github.com/marina-orchestrator/marina/internal/controller/namespace"
	"github.com/marina-orchestrator/marina/internal/controller/nodelifecycle"
	"github.com/marina-orchestrator/marina/internal/controller/replicaset"
	"github.com/marina-orchestrator/marina/internal/controller/statefulset"
	"github.com/marina-orchestrator/marina/internal/scheduler/engine"
)

// Controllers are the names `--controllers` knows, in the order they
// start.
var Controllers = append([]string{"scheduler", "garbagecollector", "namespace", "nodelifecycle"}, workloadNames()...)

// runner is a controller on the shared informers that syncs with a number
// of workers until its context ends.
type runner interface {
	Run(ctx context.Context, workers int)
}

// workloadControllers are the controllers that keep objects' desired
// state, built alike: a client, the shared informers and a logger.
var workloadControllers = []struct {
	name    string
	workers int
	build   func(kubernetes.Interface, informers.SharedInformerFactory, *slog.Logger) (runner, error)
}{
	{"replicaset", 5, build(replicaset.New)},
	{"deployment", 5, build(deployment.New)},
	{"daemonset", 2, build(daemonset.New)},
	{"statefulset", 2, build(statefulset.New)},
	{"job", 5, build(job.New)},
	{"cronjob", 2, build(cronjob.New)},
	{"localpath", 2, build(localpath.New)},
	{"configrollout", 2, build(configrollout.New)},
	{"endpoints", 5, build(endpoints.New)},
	{"loadbalancer", 2, build(loadbalancer.New)},
}

// build adapts a controller's New to the table.
func build[C runner](newFn func(kubernetes.Interface, informers.SharedInformerFactory, *slog.Logger) (C, error)) func(kubernetes.Interface, informers.SharedInformerFactory, *slog.Logger) (runner, error) {
	return func(c kubernetes.Interface, f informers.SharedInformerFactory, l *slog.Logger) (runner, error) {
		return newFn(c, f, l)
	}
}

func workloadNames() []string {
	var out []string
	for _, w := range workloadControllers {
		out = append(out, w.name)
	}
	return out
}

// ParseControllers reads a `--controllers` list as kube-controller-manager
// does: "*" is every controller, "name" adds one, "-name" leaves one out;
// an empty list is "*". It returns the set of controllers to run.
func ParseControllers(list []string) (map[string]bool, error) {
	if len(list) == 0 {
		list = []string{"*"}
	}
	on := map[string]bool{}
	for _, item := range list {
		name, off := strings.CutPrefix(item, "-")
		switch {
		case item == "*":
			for _, c := range Controllers {
				on[c] = true
			}
			continue
		case !slices.Contains(Controllers, name):
			return nil, fmt.Errorf("--controllers: unknown controller %q: known controllers: %s", name, strings.Join(Controllers, ", "))
		}
		on[name] = !off
	}
	return on, nil
}

// startControllers starts the controllers of the control plane itself:
// garbage collection, namespace deletion, node lifecycle, the workload
// controllers and the scheduler. They are ordinary API clients over the
// loopback connection, share one set of informers, and stop with ctx.
func startControllers(ctx context.Context, loopback *rest.Config, scfg Config, log *slog.Logger) error {
	run, err := ParseControllers(scfg.Controllers)
	if err != nil {
		return err
	}
	cfg := rest.CopyConfig(loopback)
	cfg.QPS, cfg.Burst = 500, 1000
	// The controllers walk every resource, deprecated ones included; the
	// deprecation warnings are for users, not for them.
	cfg.WarningHandler = rest.NoWarnings{}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("controller client: %w", err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("controller metadata client: %w", err)
	}
	// One set of informers for every controller and the scheduler, so each
	// resource is cached once in this process, without the managed
	// fields no controller reads (a third of a pod's size).
	factory := informers.NewSharedInformerFactoryWithOptions(client, 10*time.Minute, informers.WithTransform(stripManagedFields))
	var sched *engine.Engine
	if run["scheduler"] {
		if sched, err = newScheduler(loopback, scfg, factory, log); err != nil {
			return err
		}
	}
	leaseFactory := informers.NewSharedInformerFactoryWithOptions(client, 10*time.Minute, informers.WithNamespace(nodelifecycle.LeaseNamespace))
	ns := namespace.New(client, md, factory, log)
	nl, err := nodelifecycle.New(scfg.Nodes, client, factory, leaseFactory, log)
	if err != nil {
		return fmt.Errorf("node lifecycle controller: %w", err)
	}
	var workloads []func()
	for _, w := range workloadControllers {
		if !run[w.name] {
			continue
		}
		c, err := w.build(client, factory, log)
		if err != nil {
			return fmt.Errorf("%s controller: %w", w.name, err)
		}
		workloads = append(workloads, func() { go c.Run(ctx, w.workers) })
	}
	factory.Start(ctx.Done())
	leaseFactory.Start(ctx.Done())
	if sched != nil {
		go sched.Run(ctx)
	}
	if run["namespace"] {
		go ns.Run(ctx, 2)
	}
	if run["nodelifecycle"] {
		go nl.Run(ctx)
	}
	for _, start := range workloads {
		start()
	}

	if !run["garbagecollector"] {
		return nil
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(client.Discovery()))
	gc := garbagecollector.New(md, client.Discovery(), mapper, log)
	go func() {
		if err := gc.Run(ctx, 2); err != nil {
			log.Error("garbage collector stopped", "err", err)
		}
	}()
	return nil
}

// newScheduler builds the scheduler on the shared informers, with its own
// client for bindings, whose rate limit suits thousands a second.
func newScheduler(loopback *rest.Config, scfg Config, factory informers.SharedInformerFactory, log *slog.Logger) (*engine.Engine, error) {
	cfg := rest.CopyConfig(loopback)
	cfg.QPS, cfg.Burst = 10000, 10000
	cfg.UserAgent = "marina-scheduler"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("scheduler client: %w", err)
	}
	return engine.New(scfg.Scheduler, client, factory, log)
}

// stripManagedFields is the informers' transform: it drops
// metadata.managedFields before an object is cached. Updates sent from a
// cached copy leave the field out, which keeps what the server has.
func stripManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil && m.GetManagedFields() != nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
