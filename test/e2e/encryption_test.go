package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/storage/encryption"
)

// TestSecretsEncryptedAtRest reads what each backend really stored: a
// secret's value never appears in it (a config map's does, which shows the
// check can see data), and `marina secrets rotate-key` re-encrypts the
// secrets with a new key, with the server running and with it stopped.
func TestSecretsEncryptedAtRest(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			s := StartServer(t, backend)
			ctx := context.Background()
			secretValue := "secret-" + randomHex(t)
			plainValue := "plain-" + randomHex(t)
			_, err := s.Client.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "db"},
				Data:       map[string][]byte{"password": []byte(secretValue)},
			}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: "plain"},
				Data:       map[string]string{"v": plainValue},
			}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}

			raw := rawReader(t, s)
			stored := raw()
			if !bytes.Contains(stored, []byte(plainValue)) {
				t.Fatalf("the raw %s data does not contain the config map's value: the check cannot see stored data", backend)
			}
			for _, form := range []string{secretValue, base64.StdEncoding.EncodeToString([]byte(secretValue))} {
				if bytes.Contains(stored, []byte(form)) {
					t.Errorf("the raw %s data contains the secret value %q", backend, form)
				}
			}
			first := primaryKey(t, s.DataDir)
			if !bytes.Contains(stored, []byte("marina:enc:aesgcm:v1:"+first+":")) {
				t.Errorf("the raw %s data has no secret encrypted with key %s", backend, first)
			}

			// Online: the running server re-encrypts.
			out := s.rotateKey(t)
			second := primaryKey(t, s.DataDir)
			if second == first || !strings.Contains(out, "1 secrets re-encrypted with "+second) {
				t.Fatalf("rotate-key with the server running: key %s → %s, output:\n%s", first, second, out)
			}
			s.checkSecret(t, secretValue)
			if backend == "etcd" {
				// etcd holds only the current value: it must be under the new key.
				if v := etcdValue(t, s.etcd, "/registry/secrets/default/db"); !bytes.HasPrefix(v, []byte("marina:enc:aesgcm:v1:"+second+":")) {
					t.Errorf("after rotation the secret is stored as %.40q, want the prefix of key %s", v, second)
				}
			} else if !bytes.Contains(raw(), []byte("marina:enc:aesgcm:v1:"+second+":")) {
				t.Errorf("after rotation no secret is encrypted with key %s", second)
			}

			// Offline: no server, the command re-encrypts itself.
			s.Stop()
			out = s.rotateKey(t)
			third := primaryKey(t, s.DataDir)
			if !strings.Contains(out, "1 secrets re-encrypted with "+third) {
				t.Fatalf("rotate-key with the server stopped: output:\n%s", out)
			}
			s.Start()
			s.checkSecret(t, secretValue)
			if backend == "etcd" {
				if v := etcdValue(t, s.etcd, "/registry/secrets/default/db"); !bytes.HasPrefix(v, []byte("marina:enc:aesgcm:v1:"+third+":")) {
					t.Errorf("after offline rotation the secret is stored as %.40q, want key %s", v, third)
				}
			}
		})
	}
}

func (s *Server) rotateKey(t *testing.T) string {
	t.Helper()
	args := []string{"secrets", "rotate-key", "--data-dir", s.DataDir, "--datastore", s.Backend}
	if s.etcd != "" {
		args = append(args, "--etcd-endpoints", s.etcd)
	}
	out, err := exec.Command(marinaBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("marina %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *Server) checkSecret(t *testing.T, want string) {
	t.Helper()
	sec, err := s.Client.CoreV1().Secrets("default").Get(context.Background(), "db", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read the secret back: %v", err)
	}
	if got := string(sec.Data["password"]); got != want {
		t.Errorf("secret value %q, want %q", got, want)
	}
}

// rawReader returns a function that reads everything the backend stored.
func rawReader(t *testing.T, s *Server) func() []byte {
	if s.Backend == "etcd" {
		return func() []byte {
			client := etcdClient(t, s.etcd)
			resp, err := client.Get(context.Background(), "/registry/", clientv3.WithPrefix())
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			for _, kv := range resp.Kvs {
				all = append(append(all, kv.Key...), kv.Value...)
			}
			return all
		}
	}
	return func() []byte {
		b, err := os.ReadFile(filepath.Join(s.DataDir, "marina.db"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func etcdClient(t *testing.T, endpoint string) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func etcdValue(t *testing.T, endpoint, key string) []byte {
	t.Helper()
	resp, err := etcdClient(t, endpoint).Get(context.Background(), key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("read %s from etcd: %v (%d values)", key, err, len(resp.Kvs))
	}
	return resp.Kvs[0].Value
}

func primaryKey(t *testing.T, dataDir string) string {
	t.Helper()
	keys, err := encryption.Load(filepath.Join(dataDir, encryption.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	return keys.Keys[0].Name
}

func randomHex(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
