package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/marina-orchestrator/marina/internal/testutil/etcdtest"
)

// udpAndSticky are three replicas answering UDP datagrams and HTTP with
// their names, behind a UDP service and a ClientIP-affine TCP service.
const udpAndSticky = `
apiVersion: v1
kind: Service
metadata: {name: echo-udp}
spec:
  selector: {app: echo}
  ports: [{name: echo, port: 5353, targetPort: 9000, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  selector: {app: echo}
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 3
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      runtimeClassName: process
      containers:
      - name: echo
        image: none
        command: ["python3", "-c", "$(SERVER)"]
        env: [{name: SERVER, value: %q}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`

// udpEcho answers datagrams on 9000 and HTTP on 8080 with the pod's name.
const udpEcho = `
import http.server, os, socket, threading
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((os.environ["POD_IP"], 9000))
    while True:
        data, addr = s.recvfrom(65535)
        s.sendto(os.environ["POD_NAME"].encode() + b" " + data, addr)
threading.Thread(target=udp, daemon=True).start()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(("pod " + os.environ["POD_NAME"] + "\n").encode())
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((os.environ["POD_IP"], 8080), H).serve_forever()
`

// TestServiceUDPAndAffinity is acceptance 5 of services: datagrams
// through a ClusterIP reach the replicas and their answers come back from
// the service's address; with sessionAffinity ClientIP one client stays on
// one replica. A LoadBalancer service is exposed on the node's address, as
// k3s does it on bare metal, and its status says so.
func TestServiceUDPAndAffinity(t *testing.T) {
	requireCommands(t, "python3")
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "echo.yaml")
	if err := writeFile(path, fmt.Sprintf(udpAndSticky, udpEcho)); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	rolloutStatus(t, s, "echo")
	ctx := context.Background()
	ips := map[string]string{}
	for _, name := range []string{"echo-udp", "sticky"} {
		svc, err := s.Client.CoreV1().Services("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ips[name] = svc.Spec.ClusterIP
	}
	eventually(t, 30*time.Second, func() error {
		if ready, _ := endpointCounts(t, s, "sticky"); ready != 3 {
			return fmt.Errorf("%d ready endpoints", ready)
		}
		return nil
	})

	// UDP: each client flow gets answers, from the cluster IP.
	udpTarget := net.JoinHostPort(ips["echo-udp"], "5353")
	served := map[string]bool{}
	eventually(t, 20*time.Second, func() error {
		for i := range 6 {
			conn, err := net.Dial("udp", udpTarget)
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("ping-%d", i)
			if _, err := conn.Write([]byte(msg)); err != nil {
				conn.Close()
				return err
			}
			_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 512)
			n, err := conn.Read(buf) // a connected socket takes replies only from the cluster IP
			conn.Close()
			if err != nil {
				return fmt.Errorf("UDP through %s: %w", udpTarget, err)
			}
			pod, rest, _ := strings.Cut(string(buf[:n]), " ")
			if rest != msg || !strings.HasPrefix(pod, "echo-") {
				return fmt.Errorf("UDP answer %q", buf[:n])
			}
			served[pod] = true
		}
		if len(served) < 2 {
			return fmt.Errorf("six UDP flows all reached %v", served)
		}
		return nil
	})

	// LoadBalancer: the node's address in the status, the port open on it.
	lbPort := int32(etcdtest.FreePort(t))
	lb, err := s.Client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "lb"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": "echo"},
			Ports: []corev1.ServicePort{{Name: "http", Port: lbPort, TargetPort: intstr.FromInt32(8080)}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if lb.Spec.Ports[0].NodePort == 0 {
		t.Errorf("LoadBalancer service without a node port: %+v", lb.Spec.Ports)
	}
	var nodeIP string
	eventually(t, 30*time.Second, func() error {
		lb, err := s.Client.CoreV1().Services("default").Get(ctx, "lb", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(lb.Status.LoadBalancer.Ingress) != 1 || lb.Status.LoadBalancer.Ingress[0].IP == "" {
			return fmt.Errorf("status %+v", lb.Status.LoadBalancer)
		}
		nodeIP = lb.Status.LoadBalancer.Ingress[0].IP
		return nil
	})
	nodes, err := s.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 1 || nodes.Items[0].Status.Addresses[0].Address != nodeIP {
		t.Errorf("load balancer address %s is not the node's: %v %v", nodeIP, nodes, err)
	}
	eventually(t, 10*time.Second, func() error {
		for _, url := range []string{
			"http://" + net.JoinHostPort(nodeIP, fmt.Sprint(lbPort)) + "/",
			"http://" + net.JoinHostPort("127.0.0.1", fmt.Sprint(lb.Spec.Ports[0].NodePort)) + "/",
		} {
			if body, err := httpGet(url, ""); err != nil || !strings.HasPrefix(body, "pod echo-") {
				return fmt.Errorf("GET %s: %q %v", url, body, err)
			}
		}
		return nil
	})
	if out := s.MustKubectl("get", "svc", "lb"); !hasRow(out, "lb", "LoadBalancer", lb.Spec.ClusterIP, nodeIP) {
		t.Errorf("kubectl get svc lb:\n%s", out)
	}

	// ClientIP affinity: one client, one replica; another client (from
	// another source address) may land elsewhere but stays there too.
	url := "http://" + net.JoinHostPort(ips["sticky"], "80") + "/"
	for _, source := range []string{"127.0.0.1", "127.0.0.2"} {
		seen := map[string]int{}
		client := clientFrom(source)
		for range 15 {
			body, err := getWith(client, url)
			if err != nil {
				t.Fatalf("from %s: %v", source, err)
			}
			seen[body]++
		}
		if len(seen) != 1 {
			t.Errorf("with ClientIP affinity, client %s reached %v", source, seen)
		}
	}
}

// clientFrom is an HTTP client whose connections come from source and
// are not kept alive, so each request is a new connection.
func clientFrom(source string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

func getWith(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
