package dns

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Defaults, as the CoreDNS kubernetes plugin's.
const (
	// DefaultDomain is the cluster domain.
	DefaultDomain = "cluster.local"
	// DefaultTTL is the TTL of cluster answers, in seconds.
	DefaultTTL uint32 = 5
	// DefaultUpstreamPort is the port of an upstream given without one.
	DefaultUpstreamPort = "53"
)

// Config configures a Server. The zero value is usable: cluster.local, TTL
// 5, no upstreams.
type Config struct {
	// Domain is the cluster domain (default "cluster.local"), with or
	// without the trailing dot; names are compared case-insensitively.
	Domain string
	// Upstreams are the resolvers asked for names outside the cluster
	// domain, in order: usually the nameservers of the node's resolv.conf
	// (ReadResolvConf). Each is host:port, or a bare host or IP for port 53.
	// None: names outside the cluster domain get SERVFAIL.
	Upstreams []string
	// TTL is the TTL of cluster answers and the SOA minimum (default 5).
	TTL uint32
	// Logger is named "dns" by New (default slog.Default()).
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Domain == "" {
		c.Domain = DefaultDomain
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate checks the configuration after defaults are applied, naming the
// bad field.
func (c Config) Validate() error {
	c.setDefaults()
	var errs []error
	origin := dns.CanonicalName(c.Domain)
	if _, ok := dns.IsDomainName(origin); !ok || origin == "." || strings.HasSuffix(origin, ".arpa.") {
		errs = append(errs, fmt.Errorf("domain %q: not a valid cluster domain", c.Domain))
	}
	for i, u := range c.Upstreams {
		if _, err := upstreamAddr(u); err != nil {
			errs = append(errs, fmt.Errorf("upstreams[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// upstreamAddr turns "10.0.0.1", "::1", "10.0.0.1:53" or "[::1]:5353" into
// host:port.
func upstreamAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// No port: a bare IPv4 address, IPv6 address or host name.
		host, port = strings.Trim(s, "[]"), DefaultUpstreamPort
	}
	if host == "" {
		return "", fmt.Errorf("%q: no host", s)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return "", fmt.Errorf("%q: bad port %q", s, port)
	}
	return net.JoinHostPort(host, port), nil
}
