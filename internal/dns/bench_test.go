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

// benchServices are n ClusterIP services and their names.
func benchServices(n int) ([]*corev1.Service, []string) {
	services := make([]*corev1.Service, n)
	names := make([]string, n)
	for i := range n {
		services[i] = clusterIPService("ns", fmt.Sprintf("svc-%d", i),
			[]string{fmt.Sprintf("10.96.%d.%d", i/250, i%250+1)}, port("http", corev1.ProtocolTCP, 80))
		names[i] = fmt.Sprintf("svc-%d.ns.svc.cluster.local.", i)
	}
	return services, names
}

// benchQueryA runs parallelism clients per GOMAXPROCS.
func benchQueryA(b *testing.B, parallelism int) {
	const n = 300
	services, names := benchServices(n)
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

// BenchmarkAnswerA measures the server's work for one A query, without
// the sockets: from the zone's wire form, and by the general path (parse,
// answer from the zone, pack).
func BenchmarkAnswerA(b *testing.B) {
	services, names := benchServices(300)
	s := New(Config{Logger: slog.New(slog.DiscardHandler)})
	s.Sync(services, nil)
	query, err := new(dns.Msg).SetQuestion(names[42], dns.TypeA).Pack()
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, dns.DefaultMsgSize)
	b.Run("wire", func(b *testing.B) {
		b.ReportAllocs()
		z := s.zone.Load()
		for b.Loop() {
			if _, ok := z.appendReply(buf[:0], query, &s.rotate, false); !ok {
				b.Fatal("no wire answer")
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := readQuery(query)
			m, _ := s.answerLocal(req, false)
			if _, err := m.PackBuffer(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
