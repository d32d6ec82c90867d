package cli

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/marina-orchestrator/marina/internal/agent"
	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/apiserver"
	"github.com/marina-orchestrator/marina/internal/controller/nodelifecycle"
	"github.com/marina-orchestrator/marina/internal/manifests"
	"github.com/marina-orchestrator/marina/internal/pki"
	schedconfig "github.com/marina-orchestrator/marina/internal/scheduler/config"
	"github.com/marina-orchestrator/marina/internal/storage"
)

// serverFlags are the flags of `marina server` and `marina up`.
type serverFlags struct {
	dataDir, listen, datastore, etcd, logLevel string
	schedulerConfig, serviceCIDR               string
	controllers                                []string
	nodes                                      nodelifecycle.Config
}

func (f *serverFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.dataDir, "data-dir", defaultDataDir(), "directory for the database, credentials and kubeconfig.yaml (env "+DataDirEnv+")")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:6443", "HTTPS address of the Kubernetes API, host:port")
	fs.StringVar(&f.datastore, "datastore", storage.Bolt, "storage backend: bolt (embedded) or etcd")
	fs.StringVar(&f.etcd, "etcd-endpoints", "", "comma-separated etcd client URLs, with --datastore etcd")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&f.nodes.GracePeriod, "node-monitor-grace-period", 15*time.Second, "how long a node's agent may be silent before the node is NotReady and tainted unreachable")
	fs.StringSliceVar(&f.controllers, "controllers", []string{"*"}, "controllers to run: * for all, NAME to add one, -NAME to leave one out; known: "+strings.Join(apiserver.Controllers, ", "))
	fs.StringVar(&f.schedulerConfig, "scheduler-config", "", "the scheduler's configuration file (YAML, kind SchedulerConfiguration); default: the built-in defaults")
	fs.DurationVar(&f.nodes.OrphanQuarantine, "pod-gc-quarantine", 40*time.Second, "how long a pod's node must have been deleted before the pod is deleted too")
	fs.StringVar(&f.serviceCIDR, "service-cidr", apiserver.DefaultServiceCIDR.String(), "network of the services' cluster IPs; the API service takes its first address and the cluster DNS its tenth")
	fs.Int64Var(&f.nodes.DefaultTolerationSeconds, "default-unreachable-toleration-seconds", 15, "how long pods without their own toleration stay on an unreachable node")
}

func (f *serverFlags) newServer() (*apiserver.Server, *slog.Logger, error) {
	logger, err := newLogger(f.logLevel)
	if err != nil {
		return nil, nil, err
	}
	sched := schedconfig.Default()
	if f.schedulerConfig != "" {
		if sched, err = schedconfig.Load(f.schedulerConfig); err != nil {
			return nil, nil, fmt.Errorf("--scheduler-config: %w", err)
		}
	}
	cidr, err := netip.ParsePrefix(f.serviceCIDR)
	if err != nil {
		return nil, nil, fmt.Errorf("--service-cidr %q: %w", f.serviceCIDR, err)
	}
	srv, err := apiserver.New(apiserver.Config{
		ServiceCIDR: cidr,
		DataDir:     f.dataDir,
		Listen:      f.listen,
		Storage:     storage.Config{Backend: f.datastore, EtcdEndpoints: splitList(f.etcd), Logger: logger},
		Nodes:       f.nodes,
		Scheduler:   sched,
		Controllers: f.controllers,
		Logger:      logger,
	})
	return srv, logger, err
}

func newServerCommand() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the control plane: API server, storage and controllers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv, _, err := f.newServer()
			if err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			return srv.Run(ctx)
		},
	}
	f.register(cmd)
	return cmd
}

// newUpCommand runs the control plane and a node agent in one process: a
// whole single-machine Marina.
func newUpCommand() *cobra.Command {
	var f serverFlags
	var nodeName string
	var agentPort, maxPods int
	var runtimes []string
	var files []string
	var netCfg agent.Config
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run Marina on this machine: the control plane and a node agent in one process",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv, logger, err := f.newServer()
			if err != nil {
				return err
			}
			serverURL, err := pki.ServerURL(f.listen)
			if err != nil {
				return err
			}
			ag, err := agent.New(agent.Config{
				ServerURL: serverURL,
				TokenFile: filepath.Join(f.dataDir, pki.JoinToken),
				NodeName:  nodeName,
				DataDir:   filepath.Join(f.dataDir, "agent"),
				Port:      agentPort,
				Runtimes:  runtimes,
				MaxPods:   maxPods,
				Logger:    logger,

				ClusterDomain:    netCfg.ClusterDomain,
				ResolvConf:       netCfg.ResolvConf,
				IngressHTTPPort:  netCfg.IngressHTTPPort,
				IngressHTTPSPort: netCfg.IngressHTTPSPort,
			})
			if err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			g, ctx := errgroup.WithContext(ctx)
			g.Go(func() error { return srv.Run(ctx) })
			g.Go(func() error { return ag.Run(ctx) })
			if len(files) > 0 {
				g.Go(func() error {
					select {
					case <-ag.Registered():
					case <-ctx.Done():
						return nil
					}
					err := manifests.Apply(ctx, filepath.Join(f.dataDir, pki.Kubeconfig), files, cmd.OutOrStdout())
					if err != nil {
						// The cluster keeps running; the manifests are the user's to fix.
						logger.Error("apply -f manifests", "err", err)
					}
					return nil
				})
			}
			return g.Wait()
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&nodeName, "node-name", "", "name of this machine's Node (default: the hostname)")
	cmd.Flags().IntVar(&maxPods, "max-pods", agent.MaxPods, "pods this machine's node may run, as the kubelet's --max-pods")
	cmd.Flags().IntVar(&agentPort, "agent-port", agent.DefaultPort, "port of the agent's API (logs, exec, port-forward), which only the API server calls; 0 picks a free one")
	cmd.Flags().StringSliceVar(&runtimes, "runtimes", []string{"docker", "process"}, "runtimes the node offers; docker only when its daemon answers")
	cmd.Flags().StringSliceVarP(&files, "filename", "f", nil, "manifest files or directories to apply once the node is Ready")
	registerNetworkFlags(cmd.Flags(), &netCfg)
	return cmd
}

// registerNetworkFlags adds the agent's service flags: its DNS and its
// ingress ports (80 and 443 as root, as an ingress controller's; 8080
// and 8443 otherwise, since low ports need root).
func registerNetworkFlags(fs *pflag.FlagSet, cfg *agent.Config) {
	httpPort, httpsPort := 80, 443
	if os.Geteuid() != 0 {
		httpPort, httpsPort = 8080, 8443
	}
	fs.StringVar(&cfg.ClusterDomain, "cluster-domain", api.DefaultClusterDomain, "DNS domain of services and pods")
	fs.StringVar(&cfg.ResolvConf, "resolv-conf", "/etc/resolv.conf", "the node's resolver configuration: the cluster DNS forwards other names to its nameservers")
	fs.IntVar(&cfg.IngressHTTPPort, "ingress-http-port", httpPort, "port where the node serves Ingresses over HTTP; 0 turns it off")
	fs.IntVar(&cfg.IngressHTTPSPort, "ingress-https-port", httpsPort, "port where the node serves Ingresses over HTTPS; 0 turns it off")
}

// newAgentCommand runs a node agent that joins a server.
func newAgentCommand() *cobra.Command {
	var cfg agent.Config
	var logLevel string
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a node agent that joins a Marina server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			ag, err := agent.New(cfg)
			if err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			return ag.Run(ctx)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.ServerURL, "server", "https://127.0.0.1:6443", "the Marina API server")
	fs.StringVar(&cfg.TokenFile, "token-file", filepath.Join(defaultDataDir(), pki.JoinToken), "join token written by the server (its DATA_DIR/node-token)")
	fs.StringVar(&cfg.CAFile, "ca-file", "", "the server's CA certificate (default: ca.crt beside the token file)")
	fs.StringVar(&cfg.NodeName, "node-name", "", "name of this machine's Node (default: the hostname)")
	fs.StringVar(&cfg.DataDir, "data-dir", filepath.Join(defaultDataDir(), "agent"), "directory for the agent's state")
	fs.StringSliceVar(&cfg.Runtimes, "runtimes", []string{"docker", "process"}, "runtimes the node offers; docker only when its daemon answers")
	fs.IntVar(&cfg.Port, "port", agent.DefaultPort, "port of the agent's API (logs, exec, port-forward), which only the API server calls; 0 picks a free one")
	fs.IntVar(&cfg.MaxPods, "max-pods", agent.MaxPods, "pods this node may run, as the kubelet's --max-pods")
	fs.DurationVar(&cfg.HeartbeatInterval, "heartbeat-interval", 5*time.Second, "how often the node's lease is renewed; keep it well under the server's --node-monitor-grace-period")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	registerNetworkFlags(fs, &cfg)
	return cmd
}
