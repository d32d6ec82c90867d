package cli

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/pki"
	"github.com/marina-orchestrator/marina/internal/storage"
	"github.com/marina-orchestrator/marina/internal/storage/encryption"
)

func newSecretsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "secrets", Short: "Manage the encryption of secrets at rest"}
	var dataDir, datastore, etcd string
	var timeout time.Duration
	rotate := &cobra.Command{
		Use:   "rotate-key",
		Short: "Make a new encryption key primary and re-encrypt every secret with it",
		Long: "Adds a new AES-GCM key in front of the data dir's key file and re-encrypts every secret.\n" +
			"A running server picks the key up and re-encrypts; without a running server this command\n" +
			"re-encrypts through the storage backend itself. Older keys stay for reading old history.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			return rotateKey(ctx, cmd, dataDir, storage.Config{Backend: datastore, DataDir: dataDir, EtcdEndpoints: splitList(etcd)}, timeout)
		},
	}
	f := rotate.Flags()
	f.StringVar(&dataDir, "data-dir", defaultDataDir(), "the server's data directory (env "+DataDirEnv+")")
	f.StringVar(&datastore, "datastore", storage.Bolt, "storage backend, as given to the server")
	f.StringVar(&etcd, "etcd-endpoints", "", "etcd client URLs, as given to the server")
	f.DurationVar(&timeout, "timeout", time.Minute, "how long to wait for a running server to re-encrypt")
	cmd.AddCommand(rotate)
	return cmd
}

func rotateKey(ctx context.Context, cmd *cobra.Command, dataDir string, scfg storage.Config, timeout time.Duration) error {
	if err := scfg.Validate(); err != nil {
		return err
	}
	path := filepath.Join(dataDir, encryption.KeyFileName)
	keys, err := encryption.Load(path)
	if err != nil {
		return fmt.Errorf("%w (has a marina server run with --data-dir %s?)", err, dataDir)
	}
	key, err := encryption.NewKey(time.Now())
	if err != nil {
		return err
	}
	keys.Keys = append([]encryption.Key{key}, keys.Keys...)
	if err := encryption.Save(path, keys); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "new primary key %s\n", key.Name)

	if serverRunning(ctx, dataDir) {
		fmt.Fprintln(out, "the server is running; waiting for it to re-encrypt the secrets")
		deadline := time.Now().Add(timeout)
		for time.Now().Before(deadline) {
			if st, err := encryption.ReadStatus(dataDir); err == nil && st.Primary == key.Name {
				fmt.Fprintf(out, "%d secrets re-encrypted with %s\n", st.Reencrypted, key.Name)
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		return fmt.Errorf("the server did not re-encrypt within %s; see its log (the new key stays in %s)", timeout, path)
	}
	backend, err := storage.Open(scfg, api.Codecs, api.StorageVersions)
	if err != nil {
		return err
	}
	defer backend.Close()
	n, err := backend.ReencryptSecrets(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d secrets re-encrypted with %s\n", n, key.Name)
	return nil
}

// serverRunning tells whether the API server of dataDir answers /readyz.
func serverRunning(ctx context.Context, dataDir string) bool {
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dataDir, pki.Kubeconfig))
	if err != nil {
		return false
	}
	cfg.Timeout = 2 * time.Second
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
