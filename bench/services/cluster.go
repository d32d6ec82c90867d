package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/pki"
	"github.com/marina-orchestrator/marina/internal/vip"
)

const (
	namespace = "bench"
	app       = "bench-web"
	webSvc    = "web" // port 80 to the backends' 8080
	replicas  = 2
)

// pod is a ready backend.
type pod struct{ name, ip string }

// cluster is a `marina up` with the backends running behind the Service
// web, and the services whose names the DNS serves.
type cluster struct {
	m       *benchutil.Marina
	client  kubernetes.Interface
	timeout time.Duration
	// readyDir holds the backends' notready-POD flags.
	readyDir string

	pods      []pod
	clusterIP string // of web
	dnsAddr   string // the cluster DNS, ip:53
	// names are the DNS services' fully qualified names, with ips their
	// cluster IPs.
	names, ips []string
}

// startCluster runs `marina up` and creates the workload. It returns the
// cluster also with an error once marina has started, so that the caller
// can take it down.
func startCluster(ctx context.Context, bin, backend, readyDir string, cfg config, log *slog.Logger) (*cluster, error) {
	m, err := benchutil.Up(bin, "--runtimes", "process", "--agent-port", "0",
		"--ingress-http-port", "0", "--ingress-https-port", "0", "--service-cidr", cfg.serviceCIDR)
	if err != nil {
		return nil, err
	}
	c := &cluster{m: m, client: kubernetes.NewForConfigOrDie(m.Config), timeout: cfg.timeout, readyDir: readyDir}
	return c, c.setUp(ctx, backend, cfg, log)
}

func (c *cluster) setUp(ctx context.Context, backend string, cfg config, log *slog.Logger) error {
	if err := benchutil.Poll(ctx, 100*time.Millisecond, c.timeout, func() (bool, error) {
		nodes, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		return err == nil && len(nodes.Items) == 1 && nodeReady(&nodes.Items[0]), nil
	}); err != nil {
		return fmt.Errorf("node not ready: %w", err)
	}
	dns, err := c.client.CoreV1().Services(api.DNSServiceNamespace).Get(ctx, api.DNSServiceName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("the cluster DNS service: %w", err)
	}
	c.dnsAddr = net.JoinHostPort(dns.Spec.ClusterIP, "53")
	if other := otherHolder(dns.Spec.ClusterIP, c.deviceName()); other != "" {
		return fmt.Errorf("device %s holds the DNS address %s too: another cluster uses the service network %s, and its DNS and proxy would share the load; choose another -service-cidr",
			other, dns.Spec.ClusterIP, cfg.serviceCIDR)
	}

	if _, err := c.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	if _, err := c.client.AppsV1().Deployments(namespace).Create(ctx, c.deployment(backend), metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create deployment: %w", err)
	}
	svc, err := c.client.CoreV1().Services(namespace).Create(ctx, service(webSvc, map[string]string{"app": app}), metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create service: %w", err)
	}
	c.clusterIP = svc.Spec.ClusterIP
	if err := c.waitPods(ctx); err != nil {
		return err
	}
	log.Info("backends ready", "pods", c.pods, "clusterIP", c.clusterIP)
	if err := c.waitServed(ctx); err != nil {
		return err
	}

	// Services without endpoints: the DNS answers with their cluster IPs.
	for i := range cfg.services {
		name := fmt.Sprintf("svc-%d", i)
		s, err := c.client.CoreV1().Services(namespace).Create(ctx, service(name, map[string]string{"app": "none"}), metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create service %s: %w", name, err)
		}
		c.names = append(c.names, fqdn(name))
		c.ips = append(c.ips, s.Spec.ClusterIP)
	}
	for i, name := range c.names {
		if err := benchutil.Poll(ctx, 10*time.Millisecond, c.timeout, func() (bool, error) {
			ip, _ := resolve(c.dnsAddr, name, time.Second)
			return ip == c.ips[i], nil
		}); err != nil {
			return fmt.Errorf("%s does not resolve to %s at %s: %w", name, c.ips[i], c.dnsAddr, err)
		}
	}
	log.Info("service names resolve", "services", cfg.services, "dns", c.dnsAddr)
	return nil
}

func (c *cluster) deployment(backend string) *appsv1.Deployment {
	fieldEnv := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	ctr := corev1.Container{
		Name:    "web",
		Image:   "local",
		Command: []string{backend},
		Env:     []corev1.EnvVar{fieldEnv("POD_IP", "status.podIP"), fieldEnv("POD_NAME", "metadata.name"), {Name: "READY_DIR", Value: c.readyDir}},
		Ports:   []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}},
			PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1,
		},
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: app},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
				Spec: corev1.PodSpec{RuntimeClassName: ptr.To("process"), TerminationGracePeriodSeconds: ptr.To[int64](1),
					Containers: []corev1.Container{ctr}},
			},
		},
	}
}

// service is a ClusterIP service, port 80 to 8080 of the pods selected.
func service(name string, selector map[string]string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Selector: selector,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
		},
	}
}

func fqdn(svc string) string { return svc + "." + namespace + ".svc.cluster.local." }

// waitPods waits for the backends to be ready and records them.
func (c *cluster) waitPods(ctx context.Context) error {
	err := benchutil.Poll(ctx, 50*time.Millisecond, c.timeout, func() (bool, error) {
		list, err := c.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return false, err
		}
		c.pods = c.pods[:0]
		for _, p := range list.Items {
			if podReady(&p) && p.Status.PodIP != "" {
				c.pods = append(c.pods, pod{p.Name, p.Status.PodIP})
			}
		}
		return len(c.pods) == replicas, nil
	})
	if err != nil {
		return fmt.Errorf("backends not ready: %w", err)
	}
	slices.SortFunc(c.pods, func(a, b pod) int { return strings.Compare(a.name, b.name) })
	return nil
}

// waitServed waits until both backends have answered through the
// ClusterIP.
func (c *cluster) waitServed(ctx context.Context) error {
	seen := map[string]bool{}
	err := benchutil.Poll(ctx, 10*time.Millisecond, c.timeout, func() (bool, error) {
		if who, err := c.whoAnswers(); err == nil {
			seen[who] = true
		}
		return len(seen) == replicas, nil
	})
	if err != nil {
		return fmt.Errorf("the backends do not all answer at %s:80 (is the endpoints controller running?): %w", c.clusterIP, err)
	}
	return nil
}

// oneShot makes each request on a new connection, so that the L4 proxy
// balances each.
var oneShot = &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// whoAnswers is the pod that answers a request to the ClusterIP.
func (c *cluster) whoAnswers() (string, error) {
	resp, err := oneShot.Get("http://" + c.clusterIP + "/")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %s", resp.Status)
	}
	who, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "hello from ")
	if !ok {
		return "", fmt.Errorf("unexpected body %q", b)
	}
	return who, nil
}

// cpu meters the marina process: the API server, the controllers and the
// node agent with its service proxy and DNS (the pods run in processes of
// their own).
func (c *cluster) cpu() cpuMeter { return processCPU(c.m.Cmd.Process.Pid) }

// deviceName is the network device holding this cluster's IPs.
func (c *cluster) deviceName() string {
	ca, err := os.ReadFile(filepath.Join(c.m.Dir, pki.CACert))
	if err != nil {
		return ""
	}
	return vip.DeviceName(ca)
}

func deviceExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

// otherHolder is a device other than ours that holds ip (another
// cluster's on this machine), or "".
func otherHolder(ip, device string) string {
	ifs, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, ifc := range ifs {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.String() == ip && ifc.Name != device {
				return ifc.Name
			}
		}
	}
	return ""
}

// teardown deletes the workload, stops marina, kills what it may have
// left running of the benchmark's binaries and removes the device of its
// cluster IPs. The data directory stays when keep is set.
func (c *cluster) teardown(log *slog.Logger, keep bool, bins ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fg := metav1.DeletePropagationForeground
	// The pods' processes end with their pods; if the API server is gone
	// already (interrupted), the search by binary below ends them.
	if err := c.client.AppsV1().Deployments(namespace).Delete(ctx, app, metav1.DeleteOptions{PropagationPolicy: &fg}); err == nil {
		_ = benchutil.Poll(ctx, 100*time.Millisecond, 30*time.Second, func() (bool, error) {
			list, err := c.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
			return err == nil && len(list.Items) == 0, err
		})
	}
	device := c.deviceName()
	c.m.Stop()
	if n := killByExe(bins...); n > 0 {
		log.Warn("killed processes left running after marina stopped", "count", n)
	}
	if device != "" {
		if link, err := netlink.LinkByName(device); err == nil {
			if err := netlink.LinkDel(link); err != nil {
				log.Warn("cannot remove the cluster IPs' device", "device", device, "err", err)
			}
		}
	}
	if keep {
		log.Info("marina's data directory is kept", "dir", c.m.Dir)
		return
	}
	os.RemoveAll(c.m.Dir)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
