package apiserver

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/marina-orchestrator/marina/internal/controller/garbagecollector"
	"github.com/marina-orchestrator/marina/internal/controller/namespace"
)

// startControllers starts the controllers that complete the API's own
// semantics: garbage collection and namespace deletion. They are ordinary
// API clients over the loopback connection and stop with ctx.
func startControllers(ctx context.Context, cfg *rest.Config, log *slog.Logger) error {
	cfg = rest.CopyConfig(cfg)
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
	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	ns := namespace.New(client, md, factory, log)
	factory.Start(ctx.Done())
	go ns.Run(ctx, 2)

	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(client.Discovery()))
	gc := garbagecollector.New(md, client.Discovery(), mapper, log)
	go func() {
		if err := gc.Run(ctx, 2); err != nil {
			log.Error("garbage collector stopped", "err", err)
		}
	}()
	return nil
}
