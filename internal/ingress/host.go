package ingress

import "strings"

// canonicalHost turns a Host header or SNI server name into the form
// rules are keyed by: without port, lower case, without a trailing dot.
func canonicalHost(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[1:i] // "[::1]:8080"
		}
	} else if i := strings.IndexByte(host, ':'); i >= 0 && strings.IndexByte(host[i+1:], ':') < 0 {
		host = host[:i] // "example.com:8080"; a bare IPv6 address has more colons
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// wildcardParent returns the key under which wildcard rules that match
// host are kept: "foo.example.com" is matched by "*.example.com", kept
// under "example.com". A wildcard matches exactly one label, so the
// parent is what follows the first dot. ok is false for a host without
// a dot, which no wildcard matches.
func wildcardParent(host string) (parent string, ok bool) {
	i := strings.IndexByte(host, '.')
	if i <= 0 || i == len(host)-1 {
		return "", false
	}
	return host[i+1:], true
}

// hostPattern classifies a rule's or TLS entry's host: "" matches any
// host, "*.example.com" is a wildcard kept under "example.com", anything
// else an exact host.
type hostPattern struct {
	any      bool
	wildcard bool
	key      string
}

func parseHostPattern(h string) hostPattern {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	switch {
	case h == "":
		return hostPattern{any: true}
	case strings.HasPrefix(h, "*."):
		return hostPattern{wildcard: true, key: h[2:]}
	default:
		return hostPattern{key: h}
	}
}
