package ingress

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

// BenchmarkIngressRequest compares a GET through the ingress with the same
// GET sent to the upstream directly; the difference is the proxy's cost.
func BenchmarkIngressRequest(b *testing.B) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	ln, err := net.Listen("tcp", "127.69.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	b.Cleanup(srv.Close)
	up := &upstream{ip: "127.69.0.1", port: int32(ln.Addr().(*net.TCPAddr).Port)}

	p := New(Config{HTTPAddr: "127.0.0.1:0"})
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close() })
	var c cluster
	c.addService("ns", "web", up)
	c.ingresses = []*networkingv1.Ingress{ingress("ns", "i", 0, rule("bench.test", prefix("/", "web")))}
	c.sync(b, p)

	run := func(b *testing.B, addr string) {
		tr := &http.Transport{MaxIdleConnsPerHost: 64}
		b.Cleanup(tr.CloseIdleConnections)
		client := &http.Client{Transport: tr}
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Host = "bench.test"
		b.ReportAllocs()
		for b.Loop() {
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	}
	b.Run("direct", func(b *testing.B) { run(b, ln.Addr().String()) })
	b.Run("ingress", func(b *testing.B) { run(b, p.HTTPAddr().String()) })
}
