package ingress

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// table is an immutable routing table, built by buildTable and read by
// any number of requests at once.
type table struct {
	exact    map[string]*hostRules // by canonical host
	wildcard map[string]*hostRules // "*.example.com" under "example.com"
	any      *hostRules            // rules without host
	backends int                   // distinct backends, for the log
}

// hostRules are the paths of all Ingresses for one host pattern.
type hostRules struct {
	exact map[string]*backend // Exact paths
	// prefix holds Prefix and ImplementationSpecific paths without their
	// trailing slashes: "/" is kept as "".
	prefix map[string]*backend
	// fallback is the spec.defaultBackend of the first Ingress with a rule
	// for this host pattern (for any: with a hostless rule or no rules).
	fallback *backend
}

// buildTable builds the routing table of ingresses, which must be
// Marina's and in routing order (ownIngresses). Where two Ingresses claim
// the same host and path, the first wins. It does no I/O.
func buildTable(ingresses []*networkingv1.Ingress, services []*corev1.Service, slices []*discoveryv1.EndpointSlice) *table {
	t := &table{exact: map[string]*hostRules{}, wildcard: map[string]*hostRules{}}
	r := newResolver(services, slices)
	for _, ing := range ingresses {
		var groups []*hostRules // the host patterns this Ingress names
		for _, rule := range ing.Spec.Rules {
			g := t.group(parseHostPattern(rule.Host))
			groups = append(groups, g)
			if rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				b := r.backend(ing.Namespace, &p.Backend)
				if p.PathType != nil && *p.PathType == networkingv1.PathTypeExact {
					path := p.Path
					if path == "" {
						path = "/"
					}
					setOnce(g.exact, path, b)
				} else {
					setOnce(g.prefix, strings.TrimRight(p.Path, "/"), b)
				}
			}
		}
		if ing.Spec.DefaultBackend == nil {
			continue
		}
		if len(ing.Spec.Rules) == 0 {
			groups = append(groups, t.group(hostPattern{any: true}))
		}
		b := r.backend(ing.Namespace, ing.Spec.DefaultBackend)
		for _, g := range groups {
			if g.fallback == nil {
				g.fallback = b
			}
		}
	}
	t.backends = len(r.backends)
	return t
}

func setOnce(m map[string]*backend, k string, b *backend) {
	if _, ok := m[k]; !ok {
		m[k] = b
	}
}

// group returns the rules of a host pattern, adding them if new.
func (t *table) group(h hostPattern) *hostRules {
	var m map[string]*hostRules
	switch {
	case h.any:
		if t.any == nil {
			t.any = newHostRules()
		}
		return t.any
	case h.wildcard:
		m = t.wildcard
	default:
		m = t.exact
	}
	g, ok := m[h.key]
	if !ok {
		g = newHostRules()
		m[h.key] = g
	}
	return g
}

func newHostRules() *hostRules {
	return &hostRules{exact: map[string]*backend{}, prefix: map[string]*backend{}}
}

// route returns the backend for a request's Host header (port and case
// ignored) and URL path, or nil if nothing matches (a 404). Rules of the
// exact host come first, then those of a matching wildcard, then hostless
// ones; only if no rule matches is a default backend used, in the same
// order of hosts.
func (t *table) route(host, path string) *backend {
	host = canonicalHost(host)
	groups := [3]*hostRules{t.exact[host], nil, t.any}
	if parent, ok := wildcardParent(host); ok {
		groups[1] = t.wildcard[parent]
	}
	for _, g := range groups {
		if b := g.match(path); b != nil {
			return b
		}
	}
	for _, g := range groups {
		if g != nil && g.fallback != nil {
			return g.fallback
		}
	}
	return nil
}

// match returns the backend of the longest path matching path, an Exact
// path winning over a Prefix of the same length. A Prefix matches
// element-wise: "/api" matches "/api" and "/api/v1" but not "/apiv1".
func (g *hostRules) match(path string) *backend {
	if g == nil {
		return nil
	}
	if path == "" {
		path = "/"
	}
	if b, ok := g.exact[path]; ok {
		return b
	}
	if len(g.prefix) == 0 {
		return nil
	}
	// Try the path, then each shorter run of its elements, down to "".
	p := strings.TrimRight(path, "/")
	for {
		if b, ok := g.prefix[p]; ok {
			return b
		}
		if p == "" {
			return nil
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			i = 0
		}
		p = strings.TrimRight(p[:i], "/")
	}
}
