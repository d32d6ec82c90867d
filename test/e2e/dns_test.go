package e2e

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// dnsApps are what the DNS test asks about: a ClusterIP service with a
// named port, a headless service governing a StatefulSet of two, and an
// ExternalName service.
const dnsApps = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      runtimeClassName: process
      containers:
      - name: db
        image: none
        command: ["python3", "-m", "http.server", "--bind", "$(POD_IP)", "5432"]
        ports: [{name: pg, containerPort: 5432}]
        readinessProbe: {tcpSocket: {port: 5432}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: db.example.org
`

// upstreamDNS is a stand-in for the node's resolver: it answers
// example.org names, on port 53 of addr (resolv.conf has no ports).
func upstreamDNS(t *testing.T, addr string) {
	t.Helper()
	mux := dns.NewServeMux()
	mux.HandleFunc("example.org.", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if q := r.Question[0]; q.Qtype == dns.TypeA {
			rr, _ := dns.NewRR(q.Name + " 60 IN A 192.0.2.55")
			m.Answer = append(m.Answer, rr)
		}
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", net.JoinHostPort(addr, "53"))
	if err != nil {
		t.Fatalf("upstream DNS: %v", err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
}

// query asks the cluster DNS one question over UDP.
func query(t *testing.T, server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, net.JoinHostPort(server, "53"))
	if err != nil {
		t.Fatalf("query %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return r
}

// answers renders a reply's answer section as "TYPE data" strings.
func answers(r *dns.Msg) []string {
	var out []string
	for _, rr := range r.Answer {
		f := strings.Fields(rr.String())
		out = append(out, strings.Join(f[3:], " "))
	}
	slices.Sort(out)
	return out
}

// TestClusterDNS is acceptance 3 of services, with real queries to the
// agent's DNS at the kube-dns address: A, SRV, headless, StatefulSet pod
// names, PTR, ExternalName, NXDOMAIN with SOA, and forwarding of an
// outside name to the node's resolver; a pod resolves services by their
// short names through the search path it was given.
func TestClusterDNS(t *testing.T) {
	requireCommands(t, "python3")
	upstream := "127.53.0.1"
	upstreamDNS(t, upstream)
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	if err := writeFile(resolv, "nameserver "+upstream+"\nsearch corp.example\n"); err != nil {
		t.Fatal(err)
	}
	s := StartUp(t, "--resolv-conf", resolv)
	path := filepath.Join(t.TempDir(), "apps.yaml")
	if err := writeFile(path, dnsApps); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	ctx := context.Background()
	kubeDNS, err := s.Client.CoreV1().Services("kube-system").Get(ctx, "kube-dns", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns := kubeDNS.Spec.ClusterIP
	web, err := s.Client.CoreV1().Services("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() error {
		if ready, _ := endpointCounts(t, s, "db"); ready != 2 {
			return fmt.Errorf("db has %d ready endpoints", ready)
		}
		return nil
	})
	podIP := map[string]string{}
	for _, name := range []string{"db-0", "db-1"} {
		p, err := s.Client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		podIP[name] = p.Status.PodIP
	}
	check := func(name string, qtype uint16, rcode int, want ...string) {
		t.Helper()
		eventually(t, 5*time.Second, func() error {
			r := query(t, ns, name, qtype)
			if r.Rcode != rcode || !slices.Equal(answers(r), want) {
				return fmt.Errorf("%s %s: %s %v, want %s %v", name, dns.TypeToString[qtype], dns.RcodeToString[r.Rcode], answers(r), dns.RcodeToString[rcode], want)
			}
			return nil
		})
	}
	check("web.default.svc.cluster.local", dns.TypeA, dns.RcodeSuccess, "A "+web.Spec.ClusterIP)
	check("_http._tcp.web.default.svc.cluster.local", dns.TypeSRV, dns.RcodeSuccess, "SRV 0 100 80 web.default.svc.cluster.local.")
	check("db.default.svc.cluster.local", dns.TypeA, dns.RcodeSuccess, sorted("A "+podIP["db-0"], "A "+podIP["db-1"])...)
	check("db-1.db.default.svc.cluster.local", dns.TypeA, dns.RcodeSuccess, "A "+podIP["db-1"])
	check("_pg._tcp.db.default.svc.cluster.local", dns.TypeSRV, dns.RcodeSuccess,
		sorted("SRV 0 50 5432 db-0.db.default.svc.cluster.local.", "SRV 0 50 5432 db-1.db.default.svc.cluster.local.")...)
	arpa := func(ip string) string { name, _ := dns.ReverseAddr(ip); return name }
	check(arpa(web.Spec.ClusterIP), dns.TypePTR, dns.RcodeSuccess, "PTR web.default.svc.cluster.local.")
	check(arpa(podIP["db-0"]), dns.TypePTR, dns.RcodeSuccess, "PTR db-0.db.default.svc.cluster.local.")
	check("kubernetes.default.svc.cluster.local", dns.TypeA, dns.RcodeSuccess, "A 10.43.0.1")
	// ExternalName: the CNAME, followed upstream to the address.
	check("ext.default.svc.cluster.local", dns.TypeA, dns.RcodeSuccess, "A 192.0.2.55", "CNAME db.example.org.")
	// Unknown names in the cluster domain: NXDOMAIN with the zone's SOA.
	r := query(t, ns, "nope.default.svc.cluster.local", dns.TypeA)
	if r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("unknown service: %s, authority %v", dns.RcodeToString[r.Rcode], r.Ns)
	}
	// Outside names go to the node's resolver.
	check("www.example.org", dns.TypeA, dns.RcodeSuccess, "A 192.0.2.55")

	// A new service resolves as soon as it exists (from the watch).
	s.MustKubectl("create", "service", "clusterip", "late", "--tcp=8080:8080")
	late, err := s.Client.CoreV1().Services("default").Get(ctx, "late", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("late.default.svc.cluster.local", dns.TypeA, dns.RcodeSuccess, "A "+late.Spec.ClusterIP)

	// A process pod resolves short names through its search path: its
	// resolv.conf names the cluster DNS, as Kubernetes writes it.
	pod := processPod("lookup", "", corev1.RestartPolicyNever,
		`cat /etc/resolv.conf; python3 -c 'import socket; print("web", socket.gethostbyname("web")); print("db-0", socket.gethostbyname("db-0.db"))'; sleep 3600`)
	if _, err := s.Client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		out, _, err := s.Kubectl("logs", "lookup")
		if err != nil {
			return err
		}
		for _, want := range []string{"nameserver " + ns, "search default.svc.cluster.local svc.cluster.local cluster.local corp.example",
			"options ndots:5", "web " + web.Spec.ClusterIP, "db-0 " + podIP["db-0"]} {
			if !strings.Contains(out, want) {
				return fmt.Errorf("pod output lacks %q:\n%s", want, out)
			}
		}
		return nil
	})
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}
