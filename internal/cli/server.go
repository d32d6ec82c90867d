package cli

import (
	"github.com/spf13/cobra"

	"github.com/marina-orchestrator/marina/internal/apiserver"
	"github.com/marina-orchestrator/marina/internal/storage"
)

func newServerCommand(use, short string) *cobra.Command {
	var (
		dataDir, listen, datastore, etcd, logLevel string
	)
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			srv, err := apiserver.New(apiserver.Config{
				DataDir: dataDir,
				Listen:  listen,
				Storage: storage.Config{
					Backend:       datastore,
					EtcdEndpoints: splitList(etcd),
					Logger:        logger,
				},
				Logger: logger,
			})
			if err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			logger.Info("marina is starting", "listen", listen, "dataDir", dataDir, "datastore", datastore)
			return srv.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", defaultDataDir(), "directory for the database, credentials and kubeconfig.yaml (env "+DataDirEnv+")")
	f.StringVar(&listen, "listen", "127.0.0.1:6443", "HTTPS address of the Kubernetes API, host:port")
	f.StringVar(&datastore, "datastore", storage.Bolt, "storage backend: bolt (embedded) or etcd")
	f.StringVar(&etcd, "etcd-endpoints", "", "comma-separated etcd client URLs, with --datastore etcd")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}
