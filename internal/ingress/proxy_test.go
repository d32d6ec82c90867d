package ingress

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
)

func TestProxyRoutesHostsAndPaths(t *testing.T) {
	p := startProxy(t)
	api, web, docs, other := startUpstream(t, "api", "127.60.0.1"), startUpstream(t, "web", "127.60.0.2"),
		startUpstream(t, "docs", "127.60.0.3"), startUpstream(t, "other", "127.60.0.4")
	var c cluster
	c.addService("shop", "api", api)
	c.addService("shop", "web", web)
	c.addService("shop", "docs", docs)
	c.addService("blog", "other", other)
	c.ingresses = []*networkingv1.Ingress{
		ingress("shop", "shop", 0, rule("a.example.com",
			prefix("/api", "api"), prefix("/web", "web"), prefix("/docs", "docs"), exact("/api/exact", "docs"))),
		ingress("blog", "blog", 0, rule("b.example.com", prefix("/", "other"))),
	}
	c.sync(t, p)

	tests := []struct {
		url    string
		status int
		want   string
	}{
		{"http://a.example.com/api", 200, "api"},
		{"http://a.example.com/api/v1", 200, "api"},
		{"http://a.example.com/apiv1", 404, ""},
		{"http://a.example.com/web/index.html", 200, "web"},
		{"http://a.example.com/docs", 200, "docs"},
		{"http://a.example.com/api/exact", 200, "docs"},
		{"http://a.example.com/api/exact/more", 200, "api"},
		{"http://a.example.com/", 404, ""},
		{"http://b.example.com/anything", 200, "other"},
		{"http://B.Example.com:8080/", 200, "other"},
		{"http://unknown.example.com/api", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			status, r, _ := get(t, p, tc.url, nil)
			if status != tc.status || r.Backend != tc.want {
				t.Errorf("got %d from %q, want %d from %q", status, r.Backend, tc.status, tc.want)
			}
			if u, _ := url.Parse(tc.url); status == 200 && r.Path != u.Path {
				t.Errorf("upstream saw path %q, want %q", r.Path, u.Path)
			}
		})
	}
}

func TestProxyRoundRobinReadyEndpoints(t *testing.T) {
	p := startProxy(t)
	one, two, notReady := startUpstream(t, "one", "127.61.0.1"), startUpstream(t, "two", "127.61.0.2"),
		startUpstream(t, "not-ready", "127.61.0.3")
	var c cluster
	c.addService("ns", "web", one, two)
	c.addEndpoint("ns", "web", "web-unready", notReady, ptr(false))
	c.addService("ns", "idle")
	c.ingresses = []*networkingv1.Ingress{
		ingress("ns", "i", 0, rule("rr.test", prefix("/", "web"), prefix("/idle", "idle"))),
	}
	c.sync(t, p)

	seen := map[string]int{}
	for range 10 {
		status, r, _ := get(t, p, "http://rr.test/", nil)
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		seen[r.Backend]++
	}
	if seen["one"] != 5 || seen["two"] != 5 || seen["not-ready"] != 0 {
		t.Errorf("requests per upstream = %v, want 5 each on one and two, none on not-ready", seen)
	}

	if status, _, _ := get(t, p, "http://rr.test/idle", nil); status != http.StatusServiceUnavailable {
		t.Errorf("service without endpoints: status %d, want 503", status)
	}
}

func TestProxyBackendUnreachable(t *testing.T) {
	p := startProxy(t)
	// An address nothing listens on: listen, note the port, close.
	ln, err := net.Listen("tcp", "127.62.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := &upstream{name: "dead", ip: "127.62.0.1", port: int32(ln.Addr().(*net.TCPAddr).Port)}
	_ = ln.Close()
	var c cluster
	c.addService("ns", "dead", dead)
	c.ingresses = []*networkingv1.Ingress{ingress("ns", "i", 0, rule("", prefix("/", "dead")))}
	c.sync(t, p)

	if status, _, _ := get(t, p, "http://dead.test/", nil); status != http.StatusBadGateway {
		t.Errorf("status %d, want 502", status)
	}
}

func TestProxyForwardedHeaders(t *testing.T) {
	p := startProxy(t)
	up := startUpstream(t, "web", "127.63.0.1")
	var c cluster
	c.addService("ns", "web", up)
	c.ingresses = []*networkingv1.Ingress{ingress("ns", "i", 0, rule("h.example.com", prefix("/", "web")))}
	c.sync(t, p)

	status, r, _ := get(t, p, "http://h.example.com:8080/x", http.Header{
		"X-Forwarded-For":   {"203.0.113.7"},
		"X-Forwarded-Proto": {"https"},        // a client's claim: replaced
		"X-Forwarded-Host":  {"evil.example"}, // replaced
		"X-Real-Ip":         {"198.51.100.1"}, // replaced
		"X-Forwarded-Port":  {"1"},            // replaced
	})
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	want := map[string]string{
		"X-Forwarded-For":   "203.0.113.7, 127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Host":  "h.example.com:8080",
		"X-Forwarded-Port":  port(p.HTTPAddr()),
		"X-Real-Ip":         "127.0.0.1",
	}
	for k, v := range want {
		if got := strings.Join(r.Header[k], ","); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if r.Host != "h.example.com:8080" {
		t.Errorf("upstream saw Host %q, want the client's", r.Host)
	}
}

func TestProxyClassSelection(t *testing.T) {
	p := startProxy(t)
	up := startUpstream(t, "web", "127.64.0.1")
	var c cluster
	c.addService("ns", "web", up)
	c.classes = []*networkingv1.IngressClass{
		newClass(ClassName, ControllerName, false),
		newClass("nginx", "k8s.io/ingress-nginx", false),
	}
	c.ingresses = []*networkingv1.Ingress{
		ingress("ns", "ours", 0, rule("ours.test", prefix("/", "web"))),
		withClass(ingress("ns", "nginx", 0, rule("nginx.test", prefix("/", "web"))), ptr("nginx"), ""),
		withClass(ingress("ns", "legacy", 0, rule("legacy.test", prefix("/", "web"))), nil, ClassName),
		withClass(ingress("ns", "classless", 0, rule("classless.test", prefix("/", "web"))), nil, ""),
	}
	c.sync(t, p)
	check := func(host string, want int) {
		t.Helper()
		if status, _, _ := get(t, p, "http://"+host+"/", nil); status != want {
			t.Errorf("%s: status %d, want %d", host, status, want)
		}
	}
	check("ours.test", 200)
	check("nginx.test", 404)
	check("legacy.test", 200)
	check("classless.test", 404)

	c.classes[0] = newClass(ClassName, ControllerName, true)
	c.sync(t, p)
	check("classless.test", 200)
	check("nginx.test", 404)
}

func TestProxyWebSocketUpgrade(t *testing.T) {
	p := startProxy(t)
	// An upstream that switches protocols and then echoes lines.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "want upgrade", http.StatusBadRequest)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = io.WriteString(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		for {
			line, err := brw.ReadString('\n')
			if err != nil {
				return
			}
			_, _ = brw.WriteString("echo " + line)
			_ = brw.Flush()
		}
	}))
	ln, err := net.Listen("tcp", "127.65.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	up := &upstream{ip: "127.65.0.1", port: int32(ln.Addr().(*net.TCPAddr).Port)}

	var c cluster
	c.addService("ns", "ws", up)
	c.ingresses = []*networkingv1.Ingress{ingress("ns", "i", 0, rule("ws.test", prefix("/", "ws")))}
	c.sync(t, p)

	conn, err := net.Dial("tcp", p.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(conn, "GET /socket HTTP/1.1\r\nHost: ws.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	for _, msg := range []string{"hello\n", "again\n"} {
		fmt.Fprint(conn, msg)
		got, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if got != "echo "+msg {
			t.Errorf("got %q, want %q", got, "echo "+msg)
		}
	}
}

// TestProxySyncDuringRequests swaps the table while requests are in flight
// (run with -race): every request is served by one table or the other.
func TestProxySyncDuringRequests(t *testing.T) {
	p := startProxy(t)
	blue, green := startUpstream(t, "blue", "127.66.0.1"), startUpstream(t, "green", "127.66.0.2")
	var c cluster
	c.addService("ns", "blue", blue)
	c.addService("ns", "green", green)
	tables := [2][]*networkingv1.Ingress{
		{ingress("ns", "i", 0, rule("swap.test", prefix("/", "blue")))},
		{ingress("ns", "i", 0, rule("swap.test", prefix("/", "green")))},
	}
	c.ingresses = tables[0]
	c.sync(t, p)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := p.Sync(tables[i%2], nil, c.services, c.slices, c.secret); err != nil {
				t.Errorf("Sync: %v", err)
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
	})
	var mu sync.Mutex
	seen := map[string]int{}
	var clientsWG sync.WaitGroup
	for range 4 {
		clientsWG.Go(func() {
			for range 50 {
				status, r, _ := get(t, p, "http://swap.test/", nil)
				mu.Lock()
				seen[fmt.Sprintf("%d %s", status, r.Backend)]++
				mu.Unlock()
			}
		})
	}
	clientsWG.Wait()
	close(stop)
	wg.Wait()
	for k := range seen {
		if k != "200 blue" && k != "200 green" {
			t.Errorf("unexpected responses: %v", seen)
		}
	}
}

func TestProxyStart(t *testing.T) {
	t.Run("agents share a port", func(t *testing.T) {
		a := startProxy(t)
		b := New(Config{HTTPAddr: a.HTTPAddr().String()})
		if err := b.Start(); err != nil {
			t.Fatalf("second proxy on %s: %v", a.HTTPAddr(), err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("failed second listener closes the first", func(t *testing.T) {
		busy, err := net.Listen("tcp", "127.0.0.1:0") // no SO_REUSEPORT: cannot be shared
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		free, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		freeAddr := free.Addr().String()
		_ = free.Close()

		p := New(Config{HTTPAddr: freeAddr, HTTPSAddr: busy.Addr().String()})
		if err := p.Start(); err == nil {
			_ = p.Close()
			t.Fatal("Start succeeded on a busy port")
		}
		if p.HTTPAddr() != nil {
			t.Error("HTTPAddr set after a failed Start")
		}
		// A plain listener cannot share a port with an open SO_REUSEPORT one.
		ln, err := net.Listen("tcp", freeAddr)
		if err != nil {
			t.Fatalf("HTTP listener left open: %v", err)
		}
		_ = ln.Close()
	})
	t.Run("config", func(t *testing.T) {
		if err := New(Config{}).Start(); err == nil {
			t.Error("Start without addresses succeeded")
		}
		if err := New(Config{HTTPAddr: "no-port"}).Start(); err == nil {
			t.Error("Start with a bad address succeeded")
		}
	})
}
