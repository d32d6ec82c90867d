// Package apiserver assembles Marina's Kubernetes API server from
// k8s.io/apiserver's generic server: HTTPS with Marina's own CA, client
// certificate and token authentication, the resources of package registry
// over the backend of package storage, OpenAPI from package openapi, and
// post-start hooks that create the default objects and start the
// controllers that belong to the API (garbage collection, namespace
// deletion).
package apiserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	basecompatibility "k8s.io/component-base/compatibility"

	"github.com/marina-orchestrator/marina/internal/admission/defaultclass"
	"github.com/marina-orchestrator/marina/internal/admission/priority"
	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/controller/nodelifecycle"
	"github.com/marina-orchestrator/marina/internal/openapi"
	"github.com/marina-orchestrator/marina/internal/pki"
	"github.com/marina-orchestrator/marina/internal/registry"
	schedconfig "github.com/marina-orchestrator/marina/internal/scheduler/config"
	"github.com/marina-orchestrator/marina/internal/storage"
	"github.com/marina-orchestrator/marina/internal/version"
)

// Config is the API server's configuration.
type Config struct {
	// DataDir holds the credentials, the kubeconfig and the bolt file.
	DataDir string
	// Listen is the HTTPS address, host:port. Default 127.0.0.1:6443.
	Listen string
	// Storage selects the backend; its DataDir defaults to DataDir.
	Storage storage.Config
	// Nodes tunes how fast dead nodes are noticed and their pods evicted.
	Nodes nodelifecycle.Config
	// Controllers chooses the controllers to run (see ParseControllers);
	// empty runs them all.
	Controllers []string
	// Scheduler configures the scheduler; nil is config.Default().
	Scheduler *schedconfig.Configuration
	// ServiceCIDR is where services' cluster IPs come from. Default
	// DefaultServiceCIDR.
	ServiceCIDR netip.Prefix
	// Logger is the server's logger. Default slog.Default().
	Logger *slog.Logger
}

// Validate checks the configuration, naming the bad flag.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("--data-dir: required")
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("--listen %q: want host:port: %w", c.Listen, err)
	}
	if host != "" && net.ParseIP(host) == nil {
		return fmt.Errorf("--listen %q: host must be an IP address", c.Listen)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("--listen %q: port must be a number from 0 to 65535", c.Listen)
	}
	if _, err := ParseControllers(c.Controllers); err != nil {
		return err
	}
	if bits := c.ServiceCIDR.Addr().BitLen() - c.ServiceCIDR.Bits(); !c.ServiceCIDR.IsValid() || bits < 4 || bits > 20 {
		return fmt.Errorf("--service-cidr %q: want an IPv4 or IPv6 network with 4 to 20 host bits (a /12 to a /28 of IPv4)", c.ServiceCIDR)
	}
	return c.Storage.Validate()
}

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:6443"
	}
	if c.Storage.DataDir == "" {
		c.Storage.DataDir = c.DataDir
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Scheduler == nil {
		c.Scheduler = schedconfig.Default()
	}
	if !c.ServiceCIDR.IsValid() {
		c.ServiceCIDR = DefaultServiceCIDR
	}
}

// DefaultServiceCIDR is k3s's service network. The API service takes its
// first address and the cluster DNS its tenth (10.43.0.10).
var DefaultServiceCIDR = netip.MustParsePrefix("10.43.0.0/16")

// The node ports' range, Kubernetes' default.
const (
	FirstNodePort = 30000
	LastNodePort  = 32767
)

// Server is a prepared API server.
type Server struct {
	cfg      Config
	generic  *genericapiserver.GenericAPIServer
	backend  *storage.Backend
	material *pki.Material
	// Loopback is a client config with full access, for in-process clients.
	Loopback *rest.Config
}

// New creates the credentials if needed, opens storage and assembles the
// server. Nothing listens until Run.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "apiserver")
	host, portStr, _ := net.SplitHostPort(cfg.Listen)
	port, _ := strconv.Atoi(portStr)
	material, err := pki.Ensure(cfg.DataDir, servingHosts(host), time.Now())
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	backend, err := storage.Open(cfg.Storage, api.Codecs, api.StorageVersions)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	s := &Server{cfg: cfg, backend: backend, material: material}
	if err := s.build(host, port, log); err != nil {
		backend.Close()
		return nil, err
	}
	return s, nil
}

// servingHosts are the names the serving certificate covers besides
// localhost: the listen address and, when it listens on all addresses, the
// machine's own.
func servingHosts(host string) []string {
	hosts := []string{host}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					hosts = append(hosts, n.IP.String())
				}
			}
		}
	}
	return hosts
}

func (s *Server) build(host string, port int, log *slog.Logger) error {
	gc := genericapiserver.NewConfig(api.Codecs)
	gc.EffectiveVersion = basecompatibility.NewEffectiveVersionFromString(version.KubernetesVersion, "", "")
	gc.FlowControl = nil
	gc.LongRunningFunc = genericfilters.BasicLongRunningRequestCheck(
		sets.NewString("watch", "proxy"),
		sets.NewString("attach", "exec", "proxy", "log", "portforward"),
	)
	gc.MaxRequestBodyBytes = 3 * 1024 * 1024
	// On SIGTERM, end open watches (clients re-watch elsewhere or after the
	// restart) instead of waiting out the request timeout for them.
	gc.ShutdownWatchTerminationGracePeriod = 2 * time.Second
	// Requests that arrive while shutting down get 429 with Retry-After,
	// which clients retry, rather than an error that makes client-go's
	// informers re-list and merge changes they would otherwise see one by one.
	gc.ShutdownSendRetryAfter = true

	secure := genericoptions.NewSecureServingOptions().WithLoopback()
	secure.BindAddress = net.ParseIP(host)
	if secure.BindAddress == nil {
		secure.BindAddress = net.IPv4zero
	}
	secure.BindPort = port
	secure.ServerCert.CertKey = genericoptions.CertKey{
		CertFile: s.material.Dir + "/" + pki.ServerCert,
		KeyFile:  s.material.Dir + "/" + pki.ServerKey,
	}
	if err := secure.ApplyTo(&gc.SecureServing, &gc.LoopbackClientConfig); err != nil {
		return fmt.Errorf("--listen %s: %w", s.cfg.Listen, err)
	}
	// Ask TLS clients for a certificate signed by Marina's CA.
	clientCA, err := dynamiccertificates.NewStaticCAContent("marina-ca", s.material.CAPEM)
	if err != nil {
		return fmt.Errorf("client CA: %w", err)
	}
	gc.SecureServing.ClientCA = clientCA
	gc.Authentication.Authenticator = newAuthenticator(s.material)
	gc.Authorization.Authorizer = authorizerfactory.NewAlwaysAllowAuthorizer()
	genericapiserver.AuthorizeClientBearerToken(gc.LoopbackClientConfig, &gc.Authentication, &gc.Authorization)
	s.Loopback = rest.CopyConfig(gc.LoopbackClientConfig)

	namer := openapinamer.NewDefinitionNamer(api.Scheme)
	gc.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openapi.GetOpenAPIDefinitions, namer)
	gc.OpenAPIConfig.Info.Title = "Marina"
	gc.OpenAPIConfig.Info.Version = version.KubernetesVersion
	gc.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, namer)
	gc.OpenAPIV3Config.Info.Title = "Marina"
	gc.OpenAPIV3Config.Info.Version = version.KubernetesVersion
	gc.RESTOptionsGetter = s.backend

	client, err := kubernetes.NewForConfig(s.Loopback)
	if err != nil {
		return fmt.Errorf("loopback client: %w", err)
	}
	informerFactory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	nsLifecycle, err := lifecycle.NewLifecycle(sets.New("default", "kube-system", "kube-public"))
	if err != nil {
		return err
	}
	nsLifecycle.SetExternalKubeInformerFactory(informerFactory)
	nsLifecycle.SetExternalKubeClientSet(client)
	if err := nsLifecycle.ValidateInitialization(); err != nil {
		return fmt.Errorf("namespace admission: %w", err)
	}
	gc.AdmissionControl = admission.NewChainHandler(nsLifecycle, priority.New(informerFactory), defaultclass.New(informerFactory))

	gc.AddPostStartHookOrDie("marina-informers", func(ctx genericapiserver.PostStartHookContext) error {
		informerFactory.Start(ctx.Done())
		return nil
	})
	gc.AddPostStartHookOrDie("marina-bootstrap", func(ctx genericapiserver.PostStartHookContext) error {
		net, err := s.network()
		if err != nil {
			return err
		}
		return bootstrap(ctx, client, net, log)
	})
	gc.AddPostStartHookOrDie("marina-controllers", func(ctx genericapiserver.PostStartHookContext) error {
		return startControllers(ctx, s.Loopback, s.cfg, log)
	})

	generic, err := gc.Complete(nil).New("marina-apiserver", genericapiserver.NewEmptyDelegateWithCustomHandler(notFound()))
	if err != nil {
		return fmt.Errorf("api server: %w", err)
	}
	agents, err := newAgentConnector(s.material)
	if err != nil {
		return err
	}
	services, err := registry.NewServiceAllocator(s.cfg.ServiceCIDR, FirstNodePort, LastNodePort)
	if err != nil {
		return err
	}
	if err := installGroups(generic, s.backend, registry.Deps{Agents: agents, Services: services}); err != nil {
		return err
	}
	s.generic = generic
	return nil
}

// Run serves until ctx ends, then shuts down gracefully and closes storage.
// The kubeconfig is written once the listener is bound.
func (s *Server) Run(ctx context.Context) error {
	defer s.backend.Close()
	serverURL, err := pki.ServerURL(s.cfg.Listen)
	if err != nil {
		return err
	}
	if err := s.material.WriteKubeconfig(serverURL); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	go s.backend.WatchKeys(ctx, time.Second)
	prepared := s.generic.PrepareRun()
	return prepared.RunWithContext(ctx)
}
