package proxy

import (
	"log/slog"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	defaultUDPIdleTimeout = 30 * time.Second
	defaultDialTimeout    = 2 * time.Second
)

// Config configures a [Proxy]. The zero value is usable: it serves
// ClusterIPs and NodePorts, no LoadBalancer addresses, and logs nowhere.
// Zero or negative durations take their defaults.
type Config struct {
	// NodeIPs are the node's addresses; LoadBalancer service ports listen on
	// each of them (k3s ServiceLB style: the service's port on the node's
	// addresses). NodePorts listen on all addresses (0.0.0.0).
	NodeIPs []netip.Addr
	// Skip, when set, leaves out services the agent serves itself (the
	// cluster DNS service).
	Skip func(*corev1.Service) bool
	// UDPIdleTimeout ends a UDP flow after this long without packets
	// (default 30s).
	UDPIdleTimeout time.Duration
	// DialTimeout bounds a connection attempt to one backend (default 2s)
	// before the next backend is tried.
	DialTimeout time.Duration
	// Logger receives the proxy's logs (default: discarded).
	Logger *slog.Logger
}

// withDefaults returns cfg with its zero fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.UDPIdleTimeout <= 0 {
		cfg.UDPIdleTimeout = defaultUDPIdleTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = defaultDialTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}
