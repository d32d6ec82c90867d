package encryption

import (
	"context"
	"sync"

	"k8s.io/apiserver/pkg/storage/value"
)

// Reloadable is a transformer whose keys can be replaced while storage
// uses it, so a running server picks up a rotated key.
type Reloadable struct {
	mu      sync.RWMutex
	t       value.Transformer
	primary string
}

var _ value.Transformer = (*Reloadable)(nil)

// NewReloadable returns a transformer using keys.
func NewReloadable(keys Keys) (*Reloadable, error) {
	r := &Reloadable{}
	return r, r.Load(keys)
}

// Load replaces the keys.
func (r *Reloadable) Load(keys Keys) error {
	t, err := keys.Transformer()
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.t, r.primary = t, keys.Keys[0].Name
	r.mu.Unlock()
	return nil
}

// Primary names the key that encrypts.
func (r *Reloadable) Primary() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.primary
}

func (r *Reloadable) current() value.Transformer {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.t
}

func (r *Reloadable) TransformFromStorage(ctx context.Context, data []byte, dataCtx value.Context) ([]byte, bool, error) {
	return r.current().TransformFromStorage(ctx, data, dataCtx)
}

func (r *Reloadable) TransformToStorage(ctx context.Context, data []byte, dataCtx value.Context) ([]byte, error) {
	return r.current().TransformToStorage(ctx, data, dataCtx)
}
