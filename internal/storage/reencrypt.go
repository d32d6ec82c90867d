package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	apistorage "k8s.io/apiserver/pkg/storage"

	"github.com/marina-orchestrator/marina/internal/storage/encryption"
)

// ReencryptSecrets rewrites every secret with the current primary key and
// records the result in the data dir. It returns how many were rewritten.
// A rewrite is a no-op update, which storage turns into a write because
// the transformer reports data under an older key as stale.
func (b *Backend) ReencryptSecrets(ctx context.Context) (int, error) {
	gr := corev1.Resource("secrets")
	opts, err := b.GetRESTOptions(gr, &corev1.Secret{})
	if err != nil {
		return 0, err
	}
	newFunc := func() runtime.Object { return &corev1.Secret{} }
	newList := func() runtime.Object { return &corev1.SecretList{} }
	prefix := opts.ResourcePrefix
	raw, destroy, err := b.rawStorage(opts.StorageConfig, prefix, newFunc, newList)
	if err != nil {
		return 0, fmt.Errorf("open secrets storage: %w", err)
	}
	defer destroy()

	list := &corev1.SecretList{}
	if err := raw.GetList(ctx, prefix+"/", apistorage.ListOptions{Recursive: true, Predicate: apistorage.Everything}, list); err != nil {
		return 0, fmt.Errorf("list secrets: %w", err)
	}
	n := 0
	for i := range list.Items {
		s := &list.Items[i]
		key := prefix + "/" + s.Namespace + "/" + s.Name
		err := raw.GuaranteedUpdate(ctx, key, &corev1.Secret{}, true, nil,
			func(obj runtime.Object, _ apistorage.ResponseMeta) (runtime.Object, *uint64, error) {
				return obj, nil, nil
			}, nil)
		if err != nil {
			return n, fmt.Errorf("re-encrypt secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		n++
	}
	status := encryption.Status{Primary: b.secrets.Primary(), Reencrypted: n, At: time.Now()}
	return n, encryption.WriteStatus(b.cfg.DataDir, status)
}

// WatchKeys reloads the encryption keys when their file changes and then
// re-encrypts every secret, until ctx ends. This is how
// `marina secrets rotate-key` reaches a running server.
func (b *Backend) WatchKeys(ctx context.Context, interval time.Duration) {
	path := filepath.Join(b.cfg.DataDir, encryption.KeyFileName)
	log := b.cfg.Logger.With("component", "encryption")
	last := modTime(path)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		mt := modTime(path)
		if mt.Equal(last) {
			continue
		}
		last = mt
		keys, err := encryption.Load(path)
		if err != nil {
			log.Error("encryption keys changed but cannot be loaded; keeping the old ones", "err", err)
			continue
		}
		if keys.Keys[0].Name == b.secrets.Primary() {
			continue
		}
		if err := b.secrets.Load(keys); err != nil {
			log.Error("load encryption keys", "err", err)
			continue
		}
		n, err := b.ReencryptSecrets(ctx)
		if err != nil {
			log.Error("re-encrypt secrets", "err", err)
			continue
		}
		log.Info("secrets re-encrypted with the new key", "key", keys.Keys[0].Name, "secrets", n)
	}
}

func modTime(path string) time.Time {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}
