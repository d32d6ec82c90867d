package bolt

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"

	"github.com/marina-orchestrator/marina/internal/storage/storagetest"
)

func openTestDB(t *testing.T, opts Options) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "marina.db"), opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Backend{
		Name: "bolt",
		New: func(t *testing.T, cfg storagetest.Config) storagetest.Instance {
			db := openTestDB(t, Options{TTLInterval: 100 * time.Millisecond, ProgressInterval: 100 * time.Millisecond})
			s, err := NewStore(db, StoreConfig{
				Codec:          cfg.Codec,
				Transformer:    cfg.Transformer,
				Prefix:         cfg.Prefix,
				ResourcePrefix: cfg.ResourcePrefix,
				GroupResource:  schema.GroupResource{Resource: "pods"},
				NewFunc:        cfg.NewFunc,
				NewListFunc:    cfg.NewListFunc,
			})
			if err != nil {
				t.Fatal(err)
			}
			return storagetest.Instance{
				Store: s,
				Compact: func(ctx context.Context, t *testing.T, resourceVersion string) {
					rv, err := storage.APIObjectVersioner{}.ParseResourceVersion(resourceVersion)
					if err != nil {
						t.Fatal(err)
					}
					if err := db.Compact(int64(rv)); err != nil {
						t.Fatal(err)
					}
					// etcd records a compaction with a write, and the suite's
					// expected revisions count it.
					if _, err := db.Put(ctx, "/compact_rev_key", nil, AnyRevision, 0); err != nil {
						t.Fatal(err)
					}
				},
				IncreaseRV: func(ctx context.Context, t *testing.T) int64 {
					res, err := db.Put(ctx, "/increaseRV", []byte("ok"), AnyRevision, 0)
					if err != nil {
						t.Fatal(err)
					}
					return res.Revision
				},
			}
		},
	})
}
