package encryption

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/storage/value"
)

func TestKeysValidate(t *testing.T) {
	good, err := NewKey(time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		keys    Keys
		wantErr string
	}{
		{"one key", Keys{Keys: []Key{good}}, ""},
		{"no key", Keys{}, "lists no key"},
		{"short secret", Keys{Keys: []Key{{Name: "k", Secret: []byte("short")}}}, "keys[0].secret has 5 bytes"},
		{"unnamed", Keys{Keys: []Key{{Secret: good.Secret}}}, "keys[0].name is empty"},
		{"same name twice", Keys{Keys: []Key{good, good}}, "is used twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.keys.Validate()
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// Data written under an older key stays readable after a rotation, and is
// reported stale so that storage rewrites it under the new key.
func TestRotationKeepsOldDataReadable(t *testing.T) {
	dir := t.TempDir()
	keys, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReloadable(keys)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dc := value.DefaultContext("/registry/secrets/default/db")
	plain := []byte(`{"data":{"password":"hunter2"}}`)
	old, err := r.TransformToStorage(ctx, plain, dc)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(old, []byte("hunter2")) {
		t.Fatal("encrypted data contains the plaintext")
	}

	k2, err := NewKey(time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	keys.Keys = append([]Key{k2}, keys.Keys...)
	if err := Save(filepath.Join(dir, KeyFileName), keys); err != nil {
		t.Fatal(err)
	}
	reloaded, err := Load(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Load(reloaded); err != nil {
		t.Fatal(err)
	}
	if r.Primary() != k2.Name {
		t.Fatalf("primary %s, want %s", r.Primary(), k2.Name)
	}
	got, stale, err := r.TransformFromStorage(ctx, old, dc)
	if err != nil || !bytes.Equal(got, plain) || !stale {
		t.Fatalf("reading old data: %q stale=%v err=%v, want the plaintext, stale", got, stale, err)
	}
	fresh, err := r.TransformToStorage(ctx, plain, dc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(fresh, prefix(k2.Name)) {
		t.Errorf("new data not under the new key: %.40q", fresh)
	}
	if _, stale, err := r.TransformFromStorage(ctx, fresh, dc); err != nil || stale {
		t.Errorf("reading new data: stale=%v err=%v", stale, err)
	}
	// Encrypted data is bound to its key: moved to another key it fails.
	if _, _, err := r.TransformFromStorage(ctx, fresh, value.DefaultContext("/registry/secrets/default/other")); err == nil {
		t.Error("data decrypted under another key path")
	}
}
