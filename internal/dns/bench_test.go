package dns

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
)

// BenchmarkQueryA measures A lookups of service names over UDP against the
// running server, with 300 services in the zone. Each parallel client
// keeps one UDP socket, as a pod's stub resolver does per lookup.
//
//	go test -run '^$' -bench BenchmarkQueryA ./internal/dns/
func BenchmarkQueryA(b *testing.B) { benchQueryA(b, 1) }

// BenchmarkQueryAParallel is BenchmarkQueryA with 8 clients per CPU, each
// on its own socket: the kernel spreads their queries over the server's
// sockets, so this shows how the server uses several cores.
func BenchmarkQueryAParallel(b *testing.B) { benchQueryA(b, 8) }

// benchQueryA runs parallelism clients per GOMAXPROCS.
func benchQueryA(b *testing.B, parallelism int) {
	const n = 300
	services := make([]*corev1.Service, n)
	names := make([]string, n)
	for i := range n {
		services[i] = clusterIPService("ns", fmt.Sprintf("svc-%d", i),
			[]string{fmt.Sprintf("10.96.%d.%d", i/250, i%250+1)}, port("http", corev1.ProtocolTCP, 80))
		names[i] = fmt.Sprintf("svc-%d.ns.svc.cluster.local.", i)
	}
	s, addr := startServer(b, Config{Logger: slog.New(slog.DiscardHandler)})
	s.Sync(services, nil)

	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &dns.Client{Net: "udp", Timeout: 5 * time.Second}
		conn, err := c.Dial(addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		m := new(dns.Msg)
		i := 0
		for pb.Next() {
			m.SetQuestion(names[i%n], dns.TypeA)
			i++
			r, _, err := c.ExchangeWithConn(m, conn)
			if err != nil {
				b.Error(err)
				return
			}
			if len(r.Answer) != 1 {
				b.Errorf("%s: %d answers", names[i%n], len(r.Answer))
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
