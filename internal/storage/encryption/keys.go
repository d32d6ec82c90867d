// Package encryption encrypts secrets before they reach a storage backend:
// AES-GCM with keys kept in a file of the data directory. The first key
// encrypts; every key decrypts, so data written under an older key stays
// readable until it is rewritten (which `marina secrets rotate-key` does).
package encryption

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
)

// KeyFileName is the key file's name in the data directory.
const KeyFileName = "encryption-keys.json"

// Key is one AES-256 key.
type Key struct {
	Name   string `json:"name"`
	Secret []byte `json:"secret"` // 32 bytes; base64 in the file
}

// Keys is the content of the key file. Keys[0] is the primary key.
type Keys struct {
	Keys []Key `json:"keys"`
}

// NewKey returns a fresh random key named after the time.
func NewKey(now time.Time) (Key, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("generate key: %w", err)
	}
	return Key{Name: "key-" + now.UTC().Format("20060102T150405.000000000"), Secret: secret}, nil
}

// LoadOrCreate reads the key file in dir, creating it with one new key if
// it does not exist.
func LoadOrCreate(dir string) (Keys, error) {
	path := filepath.Join(dir, KeyFileName)
	keys, err := Load(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return keys, err
	}
	k, err := NewKey(time.Now())
	if err != nil {
		return Keys{}, err
	}
	keys = Keys{Keys: []Key{k}}
	return keys, Save(path, keys)
}

// Load reads and checks a key file.
func Load(path string) (Keys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Keys{}, fmt.Errorf("read encryption keys: %w", err)
	}
	var keys Keys
	if err := json.Unmarshal(b, &keys); err != nil {
		return Keys{}, fmt.Errorf("parse encryption keys %s: %w", path, err)
	}
	return keys, keys.Validate()
}

// Validate checks that there is a primary key and every key is usable.
func (k Keys) Validate() error {
	if len(k.Keys) == 0 {
		return errors.New("encryption keys: the file lists no key")
	}
	seen := map[string]bool{}
	for i, key := range k.Keys {
		if key.Name == "" {
			return fmt.Errorf("encryption keys: keys[%d].name is empty", i)
		}
		if seen[key.Name] {
			return fmt.Errorf("encryption keys: keys[%d].name %q is used twice", i, key.Name)
		}
		seen[key.Name] = true
		if len(key.Secret) != 32 {
			return fmt.Errorf("encryption keys: keys[%d].secret has %d bytes, want 32", i, len(key.Secret))
		}
	}
	return nil
}

// Save writes the key file atomically, readable by its owner only.
func Save(path string, keys Keys) error {
	if err := keys.Validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(keys, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write encryption keys: %w", err)
	}
	f, err := os.Open(tmp)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("sync encryption keys: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("install encryption keys: %w", err)
	}
	return nil
}

// prefix marks stored data with the key that encrypted it.
func prefix(name string) []byte { return []byte("marina:enc:aesgcm:v1:" + name + ":") }

// Transformer encrypts with the primary key and decrypts with any key;
// data read with a non-primary key is reported stale so that a write
// re-encrypts it.
func (k Keys) Transformer() (value.Transformer, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	var transformers []value.PrefixTransformer
	for _, key := range k.Keys {
		t, err := aestransformer.NewHKDFExtendedNonceGCMTransformer(key.Secret)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", key.Name, err)
		}
		transformers = append(transformers, value.PrefixTransformer{Prefix: prefix(key.Name), Transformer: t})
	}
	return value.NewPrefixTransformers(errors.New("no encryption key matches the stored data"), transformers...), nil
}
