package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestServiceAllocation: cluster IPs and node ports are unique, requested
// ones are honoured or refused with the field and the reason, deletes
// release them, updates that leave them out keep them, and what is taken
// survives a restart of the server.
func TestServiceAllocation(t *testing.T) {
	s := start(t, &Server{Backend: "bolt", Mode: "server", Extra: apiOnly})
	ctx := context.Background()
	svcs := s.Client.CoreV1().Services("default")
	svc := func(name string, mutate func(*corev1.Service)) *corev1.Service {
		out := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}},
		}}
		if mutate != nil {
			mutate(out)
		}
		return out
	}
	create := func(o *corev1.Service) (*corev1.Service, error) { return svcs.Create(ctx, o, metav1.CreateOptions{}) }
	mustCreate := func(o *corev1.Service) *corev1.Service {
		t.Helper()
		out, err := create(o)
		if err != nil {
			t.Fatalf("create service %s: %v", o.Name, err)
		}
		return out
	}
	refused := func(err error, field, reason string) {
		t.Helper()
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), field) || !strings.Contains(err.Error(), reason) {
			t.Fatalf("want 422 naming %s (%q), got %v", field, reason, err)
		}
	}
	cidr := netip.MustParsePrefix("10.43.0.0/16")

	auto := mustCreate(svc("auto", nil))
	ip, err := netip.ParseAddr(auto.Spec.ClusterIP)
	if err != nil || !cidr.Contains(ip) || !slices.Equal(auto.Spec.ClusterIPs, []string{auto.Spec.ClusterIP}) {
		t.Fatalf("allocated %q %v, want an address of %s", auto.Spec.ClusterIP, auto.Spec.ClusterIPs, cidr)
	}
	if len(auto.Spec.IPFamilies) != 1 || auto.Spec.IPFamilies[0] != corev1.IPv4Protocol {
		t.Errorf("ipFamilies %v", auto.Spec.IPFamilies)
	}
	// The well-known addresses are taken by the API and DNS services.
	refused(ptrErr(create(svc("api-clash", func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.0.10" }))), "spec.clusterIPs", "provided IP is already allocated")

	asked := mustCreate(svc("asked", func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.200.7" }))
	if asked.Spec.ClusterIP != "10.43.200.7" {
		t.Fatalf("requested 10.43.200.7, got %s", asked.Spec.ClusterIP)
	}
	refused(ptrErr(create(svc("clash", func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.200.7" }))), "spec.clusterIPs", "provided IP is already allocated")
	refused(ptrErr(create(svc("outside", func(s *corev1.Service) { s.Spec.ClusterIP = "192.168.9.9" }))), "spec.clusterIPs",
		"is not in the valid range. The range of valid IPs is 10.43.0.0/16")
	// A refused create takes nothing.
	if _, err := svcs.Get(ctx, "clash", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("refused service stored: %v", err)
	}

	np := mustCreate(svc("np", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "fixed", Port: 81, NodePort: 30001})
	}))
	if p := np.Spec.Ports[0].NodePort; p < 30000 || p > 32767 {
		t.Errorf("allocated node port %d", p)
	}
	if np.Spec.Ports[1].NodePort != 30001 {
		t.Errorf("requested node port 30001, got %d", np.Spec.Ports[1].NodePort)
	}
	refused(ptrErr(create(svc("np2", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.Ports[0].NodePort = 30001
	}))), "spec.ports[0].nodePort", "provided port is already allocated")

	headless := mustCreate(svc("headless", func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone }))
	if headless.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("headless got %q", headless.Spec.ClusterIP)
	}
	ext := mustCreate(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.org"}})
	if ext.Spec.ClusterIP != "" {
		t.Errorf("ExternalName service got an address %q", ext.Spec.ClusterIP)
	}

	// An update that leaves the address and node ports out (kubectl
	// replace of the original manifest) keeps them.
	np.Spec.ClusterIP, np.Spec.ClusterIPs = "", nil
	for i := range np.Spec.Ports {
		np.Spec.Ports[i].NodePort = 0
	}
	np.Labels = map[string]string{"edited": "yes"}
	updated, err := svcs.Update(ctx, np, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update without the allocated values: %v", err)
	}
	if updated.Spec.ClusterIP == "" || updated.Spec.Ports[1].NodePort != 30001 {
		t.Errorf("update lost the allocation: %s %v", updated.Spec.ClusterIP, updated.Spec.Ports)
	}
	// NodePort to ClusterIP gives the node ports back.
	updated.Spec.Type = corev1.ServiceTypeClusterIP
	if updated, err = svcs.Update(ctx, updated, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("NodePort to ClusterIP: %v", err)
	}
	if updated.Spec.Ports[1].NodePort != 0 {
		t.Errorf("node port kept after the type changed: %v", updated.Spec.Ports)
	}
	mustCreate(svc("np3", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.Ports[0].NodePort = 30001
	}))

	// A dry run checks but takes nothing.
	if _, err := svcs.Create(ctx, svc("dry", func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.200.8" }), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	mustCreate(svc("after-dry", func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.200.8" }))

	// Deleting releases: the address can be asked for again.
	if err := svcs.Delete(ctx, "asked", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	mustCreate(svc("asked-again", func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.200.7" }))

	// After a restart the server still knows what is taken.
	s.Stop()
	s.Start()
	svcs = s.Client.CoreV1().Services("default")
	refused(ptrErr(svcs.Create(ctx, svc("clash2", func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.200.7" }), metav1.CreateOptions{})),
		"spec.clusterIPs", "provided IP is already allocated")
	refused(ptrErr(svcs.Create(ctx, svc("np4", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.Ports[0].NodePort = 30001
	}), metav1.CreateOptions{})), "spec.ports[0].nodePort", "provided port is already allocated")
	again := mustCreate(svc("auto2", nil))
	if again.Spec.ClusterIP == auto.Spec.ClusterIP {
		t.Errorf("address %s handed out twice", again.Spec.ClusterIP)
	}
}

// ptrErr drops the object of a (object, error) pair.
func ptrErr[T any](_ T, err error) error { return err }

// dialRefused reports whether a TCP dial to addr is refused at once.
func dialRefused(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("dial %s: connected", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("dial %s: want connection refused, got %w", addr, err)
	}
	return nil
}

// httpGet fetches url and returns the body.
func httpGet(url string, host string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	if host != "" {
		req.Host = host
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b), err
}

// twoTiers is the book's guestbook-style application on the process
// runtime: MariaDB behind the service hpe-mysql, and a web tier of three
// replicas that reaches it through HPE_MYSQL_SERVICE_HOST/_PORT and
// through its DNS name, published on NodePort 30001. A replica is unready
// while its file DIR/unready-POD exists.
const twoTiers = `
apiVersion: v1
kind: Service
metadata: {name: hpe-mysql, labels: {app: hpe-mysql}}
spec:
  selector: {app: hpe-mysql}
  ports: [{name: mysql, port: 3306}]
---
apiVersion: v1
kind: Pod
metadata: {name: mysql, labels: {app: hpe-mysql}}
spec:
  runtimeClassName: process
  containers:
  - name: mariadb
    image: mariadb
    command: ["sh", "-c", "d=$(mktemp -d) && mariadb-install-db --no-defaults --datadir=$d/data --skip-test-db >$d/install.log 2>&1 && exec mariadbd --no-defaults --datadir=$d/data --socket=$d/sock --pid-file=$d/pid --bind-address=$POD_IP --port=3306 --user=root --skip-grant-tables --skip-name-resolve"]
    ports: [{name: mysql, containerPort: 3306}]
    readinessProbe: {tcpSocket: {port: mysql}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http, nodePort: 30001}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      runtimeClassName: process
      containers:
      - name: web
        image: web
        command: ["python3", "-c", "$(WEB_PY)"]
        env:
        - {name: WEB_PY, value: %q}
        - {name: STATE_DIR, value: %q}
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          exec: {command: ["sh", "-c", "test ! -e $STATE_DIR/unready-$POD_NAME"]}
          periodSeconds: 1
`

// webTier answers GET / with its pod's name and what MariaDB says when
// asked through the service's variables and through its DNS name.
const webTier = `
import http.server, os, subprocess
def ask(host, port):
    r = subprocess.run(["mysql", "-h", host, "-P", port, "-N", "-B", "-e", "select concat('db says ', 6*7)"], capture_output=True, text=True, timeout=10)
    return (r.stdout or r.stderr).strip()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/db":
            body = "env: %s\ndns: %s\n" % (ask(os.environ["HPE_MYSQL_SERVICE_HOST"], os.environ["HPE_MYSQL_SERVICE_PORT"]), ask("hpe-mysql", "3306"))
        else:
            body = "pod " + os.environ["POD_NAME"] + "\n"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body.encode())
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((os.environ["POD_IP"], 8080), H).serve_forever()
`

// TestServicesTwoTiers is acceptance 1 and 2 of services: the web tier
// reaches the database by its variables and its DNS name, the NodePort
// serves the page, the ClusterIP spreads requests over every replica,
// kubectl shows services and endpoints as users expect; a replica that
// turns unready leaves the endpoints and gets no more connections, scaling
// up adds endpoints, and with no endpoints left connections are refused
// at once.
func TestServicesTwoTiers(t *testing.T) {
	requireCommands(t, "mariadbd", "mariadb-install-db", "mysql", "python3")
	s := StartUp(t)
	state := t.TempDir()
	path := filepath.Join(t.TempDir(), "app.yaml")
	if err := writeFile(path, fmt.Sprintf(twoTiers, webTier, state)); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	rolloutStatus(t, s, "web")
	ctx := context.Background()
	web, err := s.Client.CoreV1().Services("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hpe, err := s.Client.CoreV1().Services("default").Get(ctx, "hpe-mysql", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clusterURL := "http://" + net.JoinHostPort(web.Spec.ClusterIP, "80")

	// The page, through the NodePort: the web tier asked the database
	// both ways.
	eventually(t, 60*time.Second, func() error {
		body, err := httpGet("http://127.0.0.1:30001/db", "")
		if err != nil {
			return err
		}
		if want := "env: db says 42\ndns: db says 42\n"; body != want {
			return fmt.Errorf("page %q, want %q", body, want)
		}
		return nil
	})

	// kubectl shows what users expect.
	out := s.MustKubectl("get", "svc")
	for _, want := range [][]string{
		{"hpe-mysql", "ClusterIP", hpe.Spec.ClusterIP, "<none>", "3306/TCP"},
		{"web", "NodePort", web.Spec.ClusterIP, "<none>", "80:30001/TCP"},
		{"kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP"},
	} {
		if !hasRow(out, want...) {
			t.Errorf("kubectl get svc lacks a row %v:\n%s", want, out)
		}
	}
	pods := map[string]string{} // IP -> name
	for _, name := range runningOf(t, s, "web") {
		p, err := s.Client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pods[p.Status.PodIP] = name
	}
	eventually(t, 10*time.Second, func() error {
		out := s.MustKubectl("get", "endpoints", "web")
		for ip := range pods {
			if !strings.Contains(out, ip+":8080") {
				return fmt.Errorf("kubectl get endpoints web lacks %s:8080:\n%s", ip, out)
			}
		}
		return nil
	})

	// Repeated requests through the cluster IP reach every replica.
	reached := func(n int) map[string]int {
		t.Helper()
		seen := map[string]int{}
		for range n {
			body, err := httpGet(clusterURL+"/", "")
			if err != nil {
				t.Fatalf("through the cluster IP: %v", err)
			}
			seen[strings.TrimSpace(strings.TrimPrefix(body, "pod "))]++
		}
		return seen
	}
	if seen := reached(12); len(seen) != 3 {
		t.Fatalf("12 requests reached %v, want all 3 replicas", seen)
	}

	// One replica turns unready: it leaves the endpoints, then gets no
	// more requests.
	var victim string
	for _, name := range pods {
		victim = name
		break
	}
	if err := writeFile(filepath.Join(state, "unready-"+victim), ""); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	eventually(t, 10*time.Second, func() error {
		ready, notReady := endpointCounts(t, s, "web")
		if ready != 2 || notReady != 1 {
			return fmt.Errorf("web endpoints: %d ready, %d not ready", ready, notReady)
		}
		return nil
	})
	t.Logf("unready replica left the endpoints %s after it was marked (probe period 1s)", time.Since(began).Round(time.Millisecond))
	if seen := reached(20); seen[victim] > 0 || len(seen) != 2 {
		t.Errorf("after %s turned unready, requests reached %v\nslices:\n%s", victim, seen, s.MustKubectl("get", "endpointslices", "-o", "yaml"))
	}

	// Scaling up adds endpoints.
	s.MustKubectl("scale", "deployment/web", "--replicas=4")
	eventually(t, 30*time.Second, func() error {
		if ready, _ := endpointCounts(t, s, "web"); ready != 3 {
			return fmt.Errorf("web has %d ready endpoints, want 3", ready)
		}
		return nil
	})

	// With no endpoints left, connections are refused at once.
	s.MustKubectl("scale", "deployment/web", "--replicas=0")
	eventually(t, 30*time.Second, func() error {
		if ready, notReady := endpointCounts(t, s, "web"); ready+notReady != 0 {
			return fmt.Errorf("web still has %d endpoints", ready+notReady)
		}
		return dialRefused(net.JoinHostPort(web.Spec.ClusterIP, "80"))
	})
	if err := dialRefused("127.0.0.1:30001"); err != nil {
		t.Errorf("node port: %v", err)
	}
}

// endpointCounts counts a service's ready and not-ready endpoints in its
// EndpointSlices, which the agents' proxies and DNS follow.
func endpointCounts(t *testing.T, s *Server, name string) (ready, notReady int) {
	t.Helper()
	list, err := s.Client.DiscoveryV1().EndpointSlices("default").List(context.Background(),
		metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + name})
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range list.Items {
		for _, ep := range sl.Endpoints {
			if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
				ready++
			} else {
				notReady++
			}
		}
	}
	return ready, notReady
}

// hasRow reports whether a table kubectl printed has a row of exactly
// these cells (leading cells; later columns such as AGE are not compared).
func hasRow(table string, cells ...string) bool {
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) >= len(cells) && slices.Equal(f[:len(cells)], cells) {
			return true
		}
	}
	return false
}

// requireCommands skips without the given programs, except in CI, whose
// .ci/run installs them.
func requireCommands(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (.ci/run installs it): %v", n, err)
			}
			t.Skipf("%s is missing: %v", n, err)
		}
	}
}
