// Package etcd_test runs the storage conformance suite against the etcd
// backend: k8s.io/apiserver's etcd3 store over a real, embedded etcd.
package etcd_test

import (
	"context"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"

	"github.com/marina-orchestrator/marina/internal/storage/storagetest"
	"github.com/marina-orchestrator/marina/internal/testutil/etcdtest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Backend{
		Name: "etcd",
		New: func(t *testing.T, cfg storagetest.Config) storagetest.Instance {
			endpoint := etcdtest.Start(t)
			sc := storagebackend.NewDefaultConfig(cfg.Prefix, cfg.Codec)
			sc.Type = storagebackend.StorageTypeETCD3
			sc.Transport.ServerList = []string{endpoint}
			sc.Transformer = cfg.Transformer
			s, destroy, err := factory.Create(*sc.ForResource(schema.GroupResource{Resource: "pods"}), cfg.NewFunc, cfg.NewListFunc, cfg.ResourcePrefix)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(destroy)
			client, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { client.Close() })
			return storagetest.Instance{
				Store: s,
				Compact: func(ctx context.Context, t *testing.T, resourceVersion string) {
					rv, err := storage.APIObjectVersioner{}.ParseResourceVersion(resourceVersion)
					if err != nil {
						t.Fatal(err)
					}
					// Record the compaction with a write, as the API server's compactor does.
					if _, err := client.Put(ctx, "compact_rev_key", resourceVersion); err != nil {
						t.Fatal(err)
					}
					if _, err := client.Compact(ctx, int64(rv)); err != nil {
						t.Fatal(err)
					}
				},
				IncreaseRV: func(ctx context.Context, t *testing.T) int64 {
					resp, err := client.Put(ctx, "increaseRV", "ok")
					if err != nil {
						t.Fatal(err)
					}
					return resp.Header.Revision
				},
			}
		},
	})
}
