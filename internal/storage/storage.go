// Package storage opens Marina's storage backend and gives the API server
// its storage for each resource.
//
// Marina's storage boundary is k8s.io/apiserver's storage.Interface (get,
// list with limit/continue, create, guaranteed update and delete with
// preconditions, watch from a revision). Two backends implement it:
//
//	bolt  the embedded default, package bolt: one file in the data dir
//	etcd  k8s.io/apiserver's etcd3 store, for HA and large clusters
//
// Either way, the API server's watch cache sits on top, and secrets pass
// through package encryption before they reach the backend.
package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/registry/generic"
	serverstorage "k8s.io/apiserver/pkg/server/storage"
	apistorage "k8s.io/apiserver/pkg/storage"
	cacherstorage "k8s.io/apiserver/pkg/storage/cacher"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"

	"github.com/marina-orchestrator/marina/internal/storage/bolt"
	"github.com/marina-orchestrator/marina/internal/storage/encryption"
)

// Backend names.
const (
	Bolt = "bolt"
	Etcd = "etcd"
)

// DBFileName is the bolt backend's file in the data directory.
const DBFileName = "marina.db"

// Prefix is the key prefix of every object, as in Kubernetes.
const Prefix = "/registry"

// Config selects and configures the backend.
type Config struct {
	// Backend is Bolt (default) or Etcd.
	Backend string
	// DataDir holds the bolt file and the encryption keys.
	DataDir string
	// EtcdEndpoints are the etcd client URLs (Etcd only).
	EtcdEndpoints []string
	// Bolt tunes the bolt backend; zero values are defaults.
	Bolt bolt.Options
	// Logger receives backend problems.
	Logger *slog.Logger
}

// Validate checks the configuration and names the bad field.
func (c *Config) Validate() error {
	switch c.Backend {
	case "", Bolt:
		if len(c.EtcdEndpoints) > 0 {
			return errors.New("--etcd-endpoints: only used with --datastore etcd")
		}
	case Etcd:
		if len(c.EtcdEndpoints) == 0 {
			return errors.New("--etcd-endpoints: required with --datastore etcd")
		}
		for _, e := range c.EtcdEndpoints {
			if !strings.HasPrefix(e, "http://") && !strings.HasPrefix(e, "https://") {
				return fmt.Errorf("--etcd-endpoints: %q is not an http:// or https:// URL", e)
			}
		}
	default:
		return fmt.Errorf("--datastore: %q is not a backend; use bolt or etcd", c.Backend)
	}
	if c.DataDir == "" {
		return errors.New("--data-dir: required")
	}
	return nil
}

// Versions tells the backend how a resource is encoded: its storage
// version and the in-memory (internal) version the API machinery uses.
type Versions func(gr schema.GroupResource) (storage, memory schema.GroupVersion, err error)

// Backend is an open storage backend.
type Backend struct {
	cfg        Config
	db         *bolt.DB // bolt only
	serializer runtime.StorageSerializer
	versions   Versions
	secrets    *encryption.Reloadable
}

// Open opens the configured backend.
func Open(cfg Config, codecs serializer.CodecFactory, versions Versions) (*Backend, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Backend == "" {
		cfg.Backend = Bolt
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	keys, err := encryption.LoadOrCreate(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	secrets, err := encryption.NewReloadable(keys)
	if err != nil {
		return nil, err
	}
	b := &Backend{cfg: cfg, serializer: codecs, versions: versions, secrets: secrets}
	if cfg.Backend == Bolt {
		opts := cfg.Bolt
		if opts.Logger == nil {
			opts.Logger = cfg.Logger.With("component", "bolt")
		}
		b.db, err = bolt.Open(filepath.Join(cfg.DataDir, DBFileName), opts)
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Close releases the backend. Stores built from it must be destroyed first.
func (b *Backend) Close() error {
	if b.db != nil {
		return b.db.Close()
	}
	return nil
}

// GetRESTOptions implements generic.RESTOptionsGetter: the storage of one
// resource.
func (b *Backend) GetRESTOptions(gr schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	storageVersion, memoryVersion, err := b.versions(gr)
	if err != nil {
		return generic.RESTOptions{}, err
	}
	cfg := storagebackend.NewDefaultConfig(Prefix, nil)
	cfg.Type = storagebackend.StorageTypeETCD3
	cfg.Transport.ServerList = b.cfg.EtcdEndpoints
	cfg.CompactionInterval = 5 * time.Minute
	codec, encodeVersioner, err := serverstorage.NewStorageCodec(serverstorage.StorageCodecConfig{
		StorageMediaType:  runtime.ContentTypeProtobuf,
		StorageSerializer: b.serializer,
		StorageVersion:    storageVersion,
		MemoryVersion:     memoryVersion,
		Config:            *cfg,
	})
	if err != nil {
		return generic.RESTOptions{}, fmt.Errorf("storage codec of %s: %w", gr, err)
	}
	cfg.Codec = codec
	cfg.EncodeVersioner = encodeVersioner
	if gr == corev1.Resource("secrets") {
		cfg.Transformer = b.secrets
	}
	opts := generic.RESTOptions{
		StorageConfig:           cfg.ForResource(gr),
		EnableGarbageCollection: true,
		DeleteCollectionWorkers: 4,
		ResourcePrefix:          "/" + gr.Resource,
		CountMetricPollPeriod:   time.Minute,
	}
	opts.Decorator = b.withCacher
	return opts, nil
}

// withCacher builds a resource's store behind the API server's watch
// cache, as the API server's StorageWithCacher does, and lets watches that
// resume from before the cache's start read the backend's history.
func (b *Backend) withCacher(
	cfg *storagebackend.ConfigForResource,
	resourcePrefix string,
	keyFunc func(obj runtime.Object) (string, error),
	newFunc func() runtime.Object,
	newListFunc func() runtime.Object,
	getAttrsFunc apistorage.AttrFunc,
	triggerFuncs apistorage.IndexerFuncs,
	indexers *cache.Indexers) (apistorage.Interface, factory.DestroyFunc, error) {
	raw, destroyRaw, err := b.rawStorage(cfg, resourcePrefix, newFunc, newListFunc)
	if err != nil {
		return nil, nil, err
	}
	cacher, err := cacherstorage.NewCacherFromConfig(cacherstorage.Config{
		Storage:             raw,
		Versioner:           apistorage.APIObjectVersioner{},
		GroupResource:       cfg.GroupResource,
		EventsHistoryWindow: cfg.EventsHistoryWindow,
		ResourcePrefix:      resourcePrefix,
		KeyFunc:             keyFunc,
		NewFunc:             newFunc,
		NewListFunc:         newListFunc,
		GetAttrsFunc:        getAttrsFunc,
		IndexerFuncs:        triggerFuncs,
		Indexers:            indexers,
		Codec:               cfg.Codec,
	})
	if err != nil {
		destroyRaw()
		return nil, nil, fmt.Errorf("watch cache of %s: %w", cfg.GroupResource, err)
	}
	delegator := cacherstorage.NewCacheDelegator(cacher, raw)
	return &resumable{Interface: delegator, raw: raw}, func() {
		delegator.Stop()
		cacher.Stop()
		destroyRaw()
	}, nil
}

// rawStorage opens one resource's store on the backend.
func (b *Backend) rawStorage(cfg *storagebackend.ConfigForResource, resourcePrefix string,
	newFunc, newListFunc func() runtime.Object) (apistorage.Interface, factory.DestroyFunc, error) {
	if b.db == nil {
		return factory.Create(*cfg, newFunc, newListFunc, resourcePrefix)
	}
	raw, err := bolt.NewStore(b.db, bolt.StoreConfig{
		Codec:          cfg.Codec,
		Transformer:    cfg.Transformer,
		Prefix:         cfg.Prefix,
		ResourcePrefix: resourcePrefix,
		GroupResource:  cfg.GroupResource,
		NewFunc:        newFunc,
		NewListFunc:    newListFunc,
		Observe:        observeStorage,
	})
	return raw, func() {}, err
}
