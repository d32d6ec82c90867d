// Package agent is Marina's node agent, its kubelet: it registers the
// machine as a Node, keeps the Node's status true and renews its Lease in
// kube-node-lease as a heartbeat, so the control plane can tell when the
// node dies.
//
// Running pods (the runtimes, probes, logs and exec) is being built on top
// of this; see docs/architecture.md.
package agent

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/api"
	containers "github.com/marina-orchestrator/marina/internal/runtime"
	"github.com/marina-orchestrator/marina/internal/runtime/docker"
	"github.com/marina-orchestrator/marina/internal/runtime/process"
)

// podWorkers is how many pods the agent syncs at once. Starting a pod
// mostly waits on its runtime (Docker creating and starting two
// containers), so more pods than cores start side by side.
const podWorkers = 16

// DefaultPort is the agent API's port, the kubelet's.
const DefaultPort = 10250

// NodeLeaseNamespace holds the nodes' heartbeat leases.
const NodeLeaseNamespace = "kube-node-lease"

// Config is the agent's configuration.
type Config struct {
	// ServerURL is the API server, https://host:port.
	ServerURL string
	// TokenFile holds the join token the server wrote (DATA_DIR/node-token).
	TokenFile string
	// CAFile is the server's CA; default ca.crt beside TokenFile.
	CAFile string
	// NodeName names the Node; default the hostname.
	NodeName string
	// DataDir holds the agent's state.
	DataDir string
	// Runtimes are the runtimes to offer (docker is offered only when its
	// daemon answers). Default: docker and process.
	Runtimes []string
	// Port is where the agent's API listens (DefaultPort, as the
	// kubelet's); 0 picks a free port.
	Port int
	// HeartbeatInterval is how often the Lease is renewed. Default 5 s, a
	// third of the control plane's default 15 s grace period.
	HeartbeatInterval time.Duration
	// ClusterDomain is the DNS domain of services and pods. Default
	// cluster.local.
	ClusterDomain string
	// ResolvConf is the node's resolver configuration: the cluster DNS
	// forwards other names to its nameservers, and pods with dnsPolicy
	// Default get it. Default /etc/resolv.conf.
	ResolvConf string
	// IngressHTTPPort and IngressHTTPSPort are where the node serves
	// Ingresses; 0 turns one off.
	IngressHTTPPort, IngressHTTPSPort int
	// MaxPods is the node's pods capacity. Default MaxPods (110), as the
	// kubelet's --max-pods.
	MaxPods int
	// StatusInterval is how often the node's status is recomputed; it is
	// sent when it changed, and at least every StatusReportInterval.
	StatusInterval       time.Duration
	StatusReportInterval time.Duration
	Logger               *slog.Logger
}

func (c *Config) setDefaults() {
	if c.CAFile == "" && c.TokenFile != "" {
		c.CAFile = filepath.Join(filepath.Dir(c.TokenFile), "ca.crt")
	}
	if c.NodeName == "" {
		c.NodeName, _ = os.Hostname()
		c.NodeName = strings.ToLower(c.NodeName)
	}
	if len(c.Runtimes) == 0 {
		c.Runtimes = []string{docker.Name, process.Name}
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 5 * time.Second
	}
	if c.MaxPods <= 0 {
		c.MaxPods = MaxPods
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = api.DefaultClusterDomain
	}
	if c.ResolvConf == "" {
		c.ResolvConf = "/etc/resolv.conf"
	}
	if c.StatusInterval <= 0 {
		c.StatusInterval = 10 * time.Second
	}
	if c.StatusReportInterval <= 0 {
		c.StatusReportInterval = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate checks the configuration, naming the bad flag.
func (c *Config) Validate() error {
	if !strings.HasPrefix(c.ServerURL, "https://") {
		return fmt.Errorf("--server %q: must be an https:// URL", c.ServerURL)
	}
	if c.TokenFile == "" {
		return errors.New("--token-file: required")
	}
	if c.DataDir == "" {
		return errors.New("--data-dir: required")
	}
	for _, r := range c.Runtimes {
		if r != docker.Name && r != process.Name {
			return fmt.Errorf("--runtimes %q: unknown runtime; Marina's are docker and process", r)
		}
	}
	for _, p := range []struct {
		flag string
		port int
	}{{"--port", c.Port}, {"--ingress-http-port", c.IngressHTTPPort}, {"--ingress-https-port", c.IngressHTTPSPort}} {
		if p.port < 0 || p.port > 65535 {
			return fmt.Errorf("%s %d: must be between 0 and 65535", p.flag, p.port)
		}
	}
	if errs := validation.IsDNS1123Subdomain(c.ClusterDomain); c.ClusterDomain != "" && len(errs) > 0 {
		return fmt.Errorf("--cluster-domain %q: %s", c.ClusterDomain, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1123Subdomain(c.NodeName); len(errs) > 0 {
		return fmt.Errorf("--node-name %q: %s", c.NodeName, strings.Join(errs, "; "))
	}
	return nil
}

// Agent runs one node.
type Agent struct {
	cfg        Config
	listener   net.Listener // the agent's API
	port       int32
	certSHA256 string
	client     kubernetes.Interface
	log        *slog.Logger
	now        func() time.Time
	registered chan struct{}
	rts        *runtimes
	// allocatable is the node's allocatable resources as last reported.
	allocatable atomic.Pointer[corev1.ResourceList]
	recorder    record.EventRecorder
}

// event records an event about obj from this node's agent.
func (a *Agent) event(obj runtime.Object, eventType, reason, message string) {
	a.recorder.Event(obj, eventType, reason, message)
}

// Registered is closed once the node is registered and reported Ready.
func (a *Agent) Registered() <-chan struct{} { return a.registered }

// New checks the configuration and builds the agent's API client.
func New(cfg Config) (*Agent, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	token, err := os.ReadFile(cfg.TokenFile)
	if err != nil {
		return nil, fmt.Errorf("--token-file: %w", err)
	}
	if _, err := os.Stat(cfg.CAFile); err != nil {
		return nil, fmt.Errorf("--ca-file: %w (copy the server's ca.crt next to the token)", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("--data-dir: %w", err)
	}
	rc := &rest.Config{
		Host:            cfg.ServerURL,
		BearerToken:     strings.TrimSpace(string(token)),
		TLSClientConfig: rest.TLSClientConfig{CAFile: cfg.CAFile},
		UserAgent:       "marina-agent/" + cfg.NodeName,
		QPS:             50,
		Burst:           100,
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("API client: %w", err)
	}
	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	return &Agent{
		cfg:        cfg,
		client:     client,
		log:        cfg.Logger.With("component", "agent", "node", cfg.NodeName),
		now:        time.Now,
		registered: make(chan struct{}),
		recorder:   broadcaster.NewRecorder(api.Scheme, corev1.EventSource{Component: "marina-agent", Host: cfg.NodeName}),
	}, nil
}

// Run registers the node and keeps its heartbeat and status current until
// ctx ends. While the server is unreachable it keeps trying.
func (a *Agent) Run(ctx context.Context) error {
	ln, fingerprint, err := listenAgentAPI(a.cfg, a.cfg.Port)
	if err != nil {
		return err
	}
	defer ln.Close()
	a.listener, a.certSHA256 = ln, fingerprint
	a.port = int32(ln.Addr().(*net.TCPAddr).Port)
	rts, err := a.openRuntimes(ctx)
	if err != nil {
		return err
	}
	a.rts = rts
	var node *corev1.Node
	err = wait.ExponentialBackoffWithContext(ctx, wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Cap: 5 * time.Second, Steps: 1 << 30},
		func(ctx context.Context) (bool, error) {
			var err error
			node, err = a.register(ctx)
			if err != nil {
				a.log.Warn("register node; will retry", "err", err)
				return false, nil
			}
			return true, nil
		})
	if err != nil {
		return ctx.Err()
	}
	a.log.Info("node registered", "runtimes", rts.names())
	pods, err := newPodManager(a, rts, internalIP())
	if err != nil {
		return fmt.Errorf("pod manager: %w", err)
	}
	// The network shares the pod manager's cluster-wide informers, so it
	// must be built before they start.
	if pods.net, err = newNetwork(a, pods.factories[1]); err != nil {
		return fmt.Errorf("services: %w", err)
	}
	go pods.net.run(ctx)
	go pods.run(ctx, podWorkers)
	agentAPI := &http.Server{
		Handler:           (&server{pods: pods, log: a.log}).handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
	}
	go func() { _ = agentAPI.Serve(ln) }()
	defer agentAPI.Close()
	close(a.registered)
	// Starting (the API server's and libraries' setup, building the
	// sandbox image) leaves garbage the Go runtime would hand back to the
	// system only slowly: hand it back now, once.
	go func() {
		time.Sleep(2 * time.Second)
		debug.FreeOSMemory()
	}()
	go wait.UntilWithContext(ctx, func(ctx context.Context) { a.renewLease(ctx, node) }, a.cfg.HeartbeatInterval)
	lastReport := a.now()
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		reported, err := a.reportStatus(ctx, lastReport)
		if err != nil {
			a.log.Warn("report node status", "err", err)
			return
		}
		if reported {
			lastReport = a.now()
		}
	}, a.cfg.StatusInterval)
	return nil
}

// register creates the Node or brings an existing one's labels and status
// up to date.
func (a *Agent) register(ctx context.Context) (*corev1.Node, error) {
	nodes := a.client.CoreV1().Nodes()
	labels := NodeLabels(a.cfg.NodeName, a.rts.names())
	// The server's local volume provisioner makes volumes under the
	// storage directory each node announces.
	annotations := map[string]string{api.AgentCertAnnotation: a.certSHA256, api.StorageDirAnnotation: a.storageDir()}
	node, err := nodes.Get(ctx, a.cfg.NodeName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		node, err = nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{
			Name: a.cfg.NodeName, Labels: labels, Annotations: annotations,
		}}, metav1.CreateOptions{})
		if err != nil {
			return nil, fmt.Errorf("create node: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("get node: %w", err)
	default:
		changed := false
		for k, v := range labels {
			if node.Labels[k] != v {
				if node.Labels == nil {
					node.Labels = map[string]string{}
				}
				node.Labels[k] = v
				changed = true
			}
		}
		for k, v := range annotations {
			if node.Annotations[k] != v {
				if node.Annotations == nil {
					node.Annotations = map[string]string{}
				}
				node.Annotations[k] = v
				changed = true
			}
		}
		if changed {
			if node, err = nodes.Update(ctx, node, metav1.UpdateOptions{}); err != nil {
				return nil, fmt.Errorf("update node labels and annotations: %w", err)
			}
		}
	}
	node.Status = NodeStatus(ReadHost(ctx, a.cfg.DataDir), a.rts.names(), a.cfg.MaxPods, a.port, &node.Status, metav1.NewTime(a.now()))
	a.allocatable.Store(&node.Status.Allocatable)
	node, err = nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update node status: %w", err)
	}
	return node, nil
}

// reportStatus recomputes the status and sends it when it differs from
// what the server holds (apart from heartbeat times: the control plane may
// have marked the node Unknown meanwhile) or when the last report is
// getting old.
func (a *Agent) reportStatus(ctx context.Context, lastReport time.Time) (bool, error) {
	now := a.now()
	node, err := a.client.CoreV1().Nodes().Get(ctx, a.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return false, err
	}
	st := NodeStatus(ReadHost(ctx, a.cfg.DataDir), a.rts.names(), a.cfg.MaxPods, a.port, &node.Status, metav1.NewTime(now))
	a.allocatable.Store(&st.Allocatable)
	if sameStatus(st, node.Status) && now.Sub(lastReport) < a.cfg.StatusReportInterval {
		return false, nil
	}
	node.Status = st
	if _, err := a.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return false, err
	}
	return true, nil
}

// sameStatus compares two statuses ignoring heartbeat times and the
// quickly changing free memory and disk, which only matter through the
// pressure conditions.
func sameStatus(a, b corev1.NodeStatus) bool {
	strip := func(s corev1.NodeStatus) corev1.NodeStatus {
		s = *s.DeepCopy()
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = metav1.Time{}
		}
		return s
	}
	return equality.Semantic.DeepEqual(strip(a), strip(b))
}

// renewLease creates or renews the node's Lease, owned by the Node so it
// goes when the Node does.
func (a *Agent) renewLease(ctx context.Context, node *corev1.Node) {
	leases := a.client.CoordinationV1().Leases(NodeLeaseNamespace)
	now := metav1.NewMicroTime(a.now())
	duration := int32((3 * a.cfg.HeartbeatInterval).Seconds())
	lease, err := leases.Get(ctx, a.cfg.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Name: a.cfg.NodeName,
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID,
				}},
			},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &a.cfg.NodeName, LeaseDurationSeconds: &duration, RenewTime: &now},
		}, metav1.CreateOptions{})
	} else if err == nil {
		lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds, lease.Spec.RenewTime = &a.cfg.NodeName, &duration, &now
		_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	}
	if err != nil && ctx.Err() == nil {
		a.log.Warn("renew node lease", "err", err)
	}
}

// openRuntimes opens the runtimes this node is configured to offer:
// process, and docker when a Docker daemon answers.
func (a *Agent) openRuntimes(ctx context.Context) (*runtimes, error) {
	var rts []containers.Runtime
	for _, name := range a.cfg.Runtimes {
		switch name {
		case process.Name:
			proc, err := process.New(filepath.Join(a.cfg.DataDir, "containers"))
			if err != nil {
				return nil, fmt.Errorf("process runtime: %w", err)
			}
			rts = append(rts, proc)
		case docker.Name:
			rt, err := a.openDocker(ctx)
			if err != nil {
				a.log.Info("the docker runtime is not offered", "reason", err)
				continue
			}
			rts = append(rts, rt)
		}
	}
	return newRuntimes(rts), nil
}

// openDocker connects to Docker and builds the pod sandbox image from this
// binary when it is missing.
func (a *Agent) openDocker(ctx context.Context) (*docker.Runtime, error) {
	cli, err := docker.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	image, err := docker.EnsureSandboxImage(ctx, cli, self)
	if err != nil {
		return nil, fmt.Errorf("sandbox image: %w", err)
	}
	// The containers are this agent's: its node and its data dir.
	dir, err := filepath.Abs(a.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(dir))
	owner := fmt.Sprintf("%s.%x", a.cfg.NodeName, sum[:6])
	return docker.New(ctx, filepath.Join(a.cfg.DataDir, "docker"), image, owner, a.log)
}
