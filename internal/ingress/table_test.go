package ingress

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

func TestRoute(t *testing.T) {
	pt := networkingv1.PathTypeImplementationSpecific
	ingresses := []*networkingv1.Ingress{
		ingress("shop", "main", 0,
			rule("a.example.com",
				prefix("/api", "api"),
				prefix("/api/v2", "api-v2"),
				exact("/api/health", "health"),
				exact("/login", "login"),
				prefix("/login", "login-prefix"),
				prefix("/docs/", "docs"),
				networkingv1.HTTPIngressPath{Path: "/impl", PathType: &pt, Backend: *svcBackend("impl", 80)},
			),
			rule("*.example.com", prefix("/", "wild"), exact("/only-wild", "wild-exact")),
			rule("", prefix("/shared", "hostless")),
		),
		ingress("shop", "catchall", 1, rule("c.example.com", exact("/", "c-root")), rule("d.test", exact("/d", "d"))),
		// Same host and path as shop/main, created later: loses.
		ingress("other", "late", 5, rule("a.example.com", prefix("/api", "late-api"))),
		// Same creation time: namespace then name decide.
		ingress("ns-b", "x", 7, rule("tie.example.com", prefix("/", "tie-b"))),
		ingress("ns-a", "z", 7, rule("tie.example.com", prefix("/", "tie-a-z"))),
		ingress("ns-a", "y", 7, rule("tie.example.com", prefix("/", "tie-a-y"))),
	}
	tab := buildTable(ownIngresses(ingresses, nil), nil, nil)

	tests := []struct {
		name, host, path, want string // want "" means no match
	}{
		{"prefix", "a.example.com", "/api", "shop/api:80"},
		{"prefix sub-path", "a.example.com", "/api/v1", "shop/api:80"},
		{"prefix trailing slash", "a.example.com", "/api/", "shop/api:80"},
		{"prefix is element-wise", "a.example.com", "/apiv1", "shop/wild:80"},
		{"longest prefix", "a.example.com", "/api/v2/users", "shop/api-v2:80"},
		{"longer prefix not element match", "a.example.com", "/api/v2x", "shop/api:80"},
		{"exact", "a.example.com", "/api/health", "shop/health:80"},
		{"exact does not match below", "a.example.com", "/api/health/x", "shop/api:80"},
		{"exact beats prefix of same path", "a.example.com", "/login", "shop/login:80"},
		{"exact does not match trailing slash", "a.example.com", "/login/", "shop/login-prefix:80"},
		{"prefix with trailing slash matches without", "a.example.com", "/docs", "shop/docs:80"},
		{"prefix with trailing slash matches below", "a.example.com", "/docs/a/b", "shop/docs:80"},
		{"implementation specific is prefix", "a.example.com", "/impl/x", "shop/impl:80"},
		{"host port and case ignored", "A.Example.COM:8080", "/api", "shop/api:80"},
		{"host trailing dot ignored", "a.example.com.", "/api", "shop/api:80"},
		{"exact host falls through to wildcard", "a.example.com", "/only-wild", "shop/wild-exact:80"},
		{"exact host falls through to hostless", "d.test", "/shared/x", "shop/hostless:80"},
		{"wildcard before hostless", "c.example.com", "/shared/x", "shop/wild:80"},
		{"wildcard one label", "b.example.com", "/x", "shop/wild:80"},
		{"wildcard not two labels", "x.b.example.com", "/x", ""},
		{"wildcard not the bare domain", "example.com", "/x", ""},
		{"hostless matches any host", "unknown.test", "/shared", "shop/hostless:80"},
		{"hostless element-wise", "unknown.test", "/sharedx", ""},
		{"no host header", "", "/shared", "shop/hostless:80"},
		{"unknown host", "unknown.test", "/", ""},
		{"empty path is /", "b.example.com", "", "shop/wild:80"},
		{"older ingress wins", "a.example.com", "/api/x", "shop/api:80"},
		{"tie broken by namespace then name", "tie.example.com", "/", "ns-a/tie-a-y:80"},
		{"exact root only", "c.example.com", "/", "shop/c-root:80"},
		{"exact root and nothing else", "c.example.com", "/x", "shop/wild:80"},
		{"ipv6 host with port", "[::1]:80", "/shared", "shop/hostless:80"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if b := tab.route(tc.host, tc.path); b != nil {
				got = b.name
			}
			if got != tc.want {
				t.Errorf("route(%q, %q) = %q, want %q", tc.host, tc.path, got, tc.want)
			}
		})
	}
}

func TestRouteDefaultBackend(t *testing.T) {
	ingresses := []*networkingv1.Ingress{
		withDefault(ingress("a", "exact", 0, rule("a.example.com", prefix("/app", "app"))), "a-default"),
		withDefault(ingress("a", "wild", 1, rule("*.example.com", prefix("/wild", "wild"))), "wild-default"),
		// No rules: catches everything no rule and no host-scoped default takes.
		withDefault(ingress("z", "everything", 2), "global"),
		withDefault(ingress("b", "younger", 3), "younger-global"),
		withDefault(ingress("c", "hostless", 4, rule("", prefix("/hostless", "hostless"))), "hostless-default"),
	}
	tab := buildTable(ownIngresses(ingresses, nil), nil, nil)
	tests := []struct {
		name, host, path, want string
	}{
		{"rule first", "a.example.com", "/app", "a/app:80"},
		{"wildcard rule before exact host's default", "a.example.com", "/wild", "a/wild:80"},
		{"hostless rule before exact host's default", "a.example.com", "/hostless", "c/hostless:80"},
		{"exact host's default", "a.example.com", "/other", "a/a-default:80"},
		{"wildcard's default", "b.example.com", "/other", "a/wild-default:80"},
		{"oldest catch-all", "elsewhere.test", "/", "z/global:80"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if b := tab.route(tc.host, tc.path); b != nil {
				got = b.name
			}
			if got != tc.want {
				t.Errorf("route(%q, %q) = %q, want %q", tc.host, tc.path, got, tc.want)
			}
		})
	}
}

func TestBackendResolution(t *testing.T) {
	named := service("ns", "named")
	named.Spec.Ports = append(named.Spec.Ports, corev1.ServicePort{Name: "admin", Port: 9000})
	unnamed := service("ns", "unnamed")
	unnamed.Spec.Ports[0].Name = ""
	external := service("ns", "external")
	external.Spec.Type = corev1.ServiceTypeExternalName
	services := []*corev1.Service{service("ns", "web"), named, unnamed, external, service("ns", "empty")}
	slices := []*discoveryv1.EndpointSlice{
		endpointSlice("ns", "web-1", "web", "http", 8080,
			endpoint{ip: "10.0.0.2"}, endpoint{ip: "10.0.0.1", ready: ptr(true)}, endpoint{ip: "10.0.0.3", ready: ptr(false)}),
		// A second slice repeating an address (as during a slice hand-over).
		endpointSlice("ns", "web-2", "web", "http", 8080, endpoint{ip: "10.0.0.1"}),
		// Same Service name in another namespace: not ours.
		endpointSlice("elsewhere", "web-1", "web", "http", 8080, endpoint{ip: "10.9.9.9"}),
		endpointSlice("ns", "named-1", "named", "admin", 9090, endpoint{ip: "10.0.1.1"}),
		endpointSlice("ns", "named-2", "named", "http", 8080, endpoint{ip: "10.0.1.2"}),
		endpointSlice("ns", "unnamed-1", "unnamed", "", 7070, endpoint{ip: "10.0.2.1"}),
		endpointSlice("ns", "empty-1", "empty", "http", 8080, endpoint{ip: "10.0.3.1", ready: ptr(false)}),
	}
	byName := func(svc, port string) *networkingv1.IngressBackend {
		return &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: svc, Port: networkingv1.ServiceBackendPort{Name: port},
		}}
	}
	tests := []struct {
		name      string
		backend   *networkingv1.IngressBackend
		endpoints []string
		reason    string
	}{
		{"ready nil and true, not false, de-duplicated", svcBackend("web", 80), []string{"10.0.0.1:8080", "10.0.0.2:8080"}, ""},
		{"port by name", byName("named", "admin"), []string{"10.0.1.1:9090"}, ""},
		{"port by number picks the slice port of the same name", svcBackend("named", 9000), []string{"10.0.1.1:9090"}, ""},
		{"unnamed port", svcBackend("unnamed", 80), []string{"10.0.2.1:7070"}, ""},
		{"no ready endpoints", svcBackend("empty", 80), nil, "no ready endpoints"},
		{"missing service", svcBackend("missing", 80), nil, "service not found"},
		{"missing port number", svcBackend("web", 81), nil, "service has no port 81"},
		{"missing port name", byName("web", "grpc"), nil, "service has no port grpc"},
		{"external name", svcBackend("external", 80), nil, "ExternalName services are not supported"},
		{"resource backend", &networkingv1.IngressBackend{}, nil, "resource backends are not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newResolver(services, slices).backend("ns", tc.backend)
			if !equal(b.endpoints, tc.endpoints) || b.reason != tc.reason {
				t.Errorf("got endpoints %v reason %q, want %v %q", b.endpoints, b.reason, tc.endpoints, tc.reason)
			}
		})
	}
}

func TestBackendsAreSharedForRoundRobin(t *testing.T) {
	ing := ingress("ns", "i", 0, rule("a.test", prefix("/a", "web"), prefix("/b", "web")))
	slices := []*discoveryv1.EndpointSlice{
		endpointSlice("ns", "web-1", "web", "http", 8080, endpoint{ip: "10.0.0.1"}, endpoint{ip: "10.0.0.2"}),
	}
	tab := buildTable(ownIngresses([]*networkingv1.Ingress{ing}, nil), []*corev1.Service{service("ns", "web")}, slices)
	a, b := tab.route("a.test", "/a"), tab.route("a.test", "/b")
	if a != b {
		t.Fatal("two paths to one service port got two backends")
	}
	var got []string
	for range 4 {
		ep, _ := a.pick()
		got = append(got, ep)
	}
	want := []string{"10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.1:8080", "10.0.0.2:8080"}
	if !equal(got, want) {
		t.Errorf("picks = %v, want %v", got, want)
	}
}

func TestCanonicalHost(t *testing.T) {
	for in, want := range map[string]string{
		"Example.COM":      "example.com",
		"example.com:443":  "example.com",
		"example.com.":     "example.com",
		"[2001:db8::1]:80": "2001:db8::1",
		"[2001:db8::1]":    "2001:db8::1",
		"2001:db8::1":      "2001:db8::1",
		"10.0.0.1:80":      "10.0.0.1",
		"":                 "",
	} {
		if got := canonicalHost(in); got != want {
			t.Errorf("canonicalHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
