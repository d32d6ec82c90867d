package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	listersdiscoveryv1 "k8s.io/client-go/listers/discovery/v1"
	listersnetworkingv1 "k8s.io/client-go/listers/networking/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/dns"
	"github.com/marina-orchestrator/marina/internal/ingress"
	"github.com/marina-orchestrator/marina/internal/proxy"
	"github.com/marina-orchestrator/marina/internal/servicemap"
	"github.com/marina-orchestrator/marina/internal/vip"
)

// network is the node's share of services: the cluster IPs on a device
// of the node (as root), the service proxy, the cluster DNS and the
// ingress proxy. One set of informers feeds them all, and every change
// resyncs them together from the caches (never by polling): the three
// compute what they serve from the complete lists and swap it in at once.
type network struct {
	a         *Agent
	log       *slog.Logger
	services  listerscorev1.ServiceLister
	slices    listersdiscoveryv1.EndpointSliceLister
	ingresses listersnetworkingv1.IngressLister
	classes   listersnetworkingv1.IngressClassLister
	secrets   listerscorev1.SecretLister
	synced    []cache.InformerSynced
	kick      chan struct{}

	device  *vip.Device // nil when the agent is not root
	proxy   *proxy.Proxy
	dns     *dns.Server
	ingress *ingress.Proxy
	// node is the node's resolv.conf, the upstream of the cluster DNS
	// and what pods with dnsPolicy Default get.
	node resolvConf

	// dnsServing is the address the cluster DNS listens on, once the
	// DNS service is known; lastErr is the last sync's problems.
	dnsServing netip.Addr
	lastErr    string
}

// resolvConf is a parsed resolv.conf.
type resolvConf struct {
	nameservers, searches, options []string
}

func newNetwork(a *Agent, f informers.SharedInformerFactory) (*network, error) {
	n := &network{a: a, log: a.log.With("part", "network"), kick: make(chan struct{}, 1)}
	svcs, eps := f.Core().V1().Services(), f.Discovery().V1().EndpointSlices()
	ings, classes, secrets := f.Networking().V1().Ingresses(), f.Networking().V1().IngressClasses(), f.Core().V1().Secrets()
	n.services, n.slices, n.ingresses, n.classes, n.secrets = svcs.Lister(), eps.Lister(), ings.Lister(), classes.Lister(), secrets.Lister()
	kick := func(any) { n.resync() }
	for _, inf := range []cache.SharedIndexInformer{svcs.Informer(), eps.Informer(), ings.Informer(), classes.Informer()} {
		if _, err := inf.AddEventHandler(handleAll(kick)); err != nil {
			return nil, err
		}
		n.synced = append(n.synced, inf.HasSynced)
	}
	// Only TLS secrets matter to the ingress proxy.
	if _, err := secrets.Informer().AddEventHandler(handleAll(func(obj any) {
		if s, ok := obj.(*corev1.Secret); ok && s.Type == corev1.SecretTypeTLS {
			n.resync()
		}
	})); err != nil {
		return nil, err
	}
	n.synced = append(n.synced, secrets.Informer().HasSynced)

	ns, searches, options, err := dns.ReadResolvConf(a.cfg.ResolvConf)
	if err != nil {
		n.log.Warn("the node's resolv.conf cannot be read: names outside the cluster will not resolve", "path", a.cfg.ResolvConf, "err", err)
	}
	n.node = resolvConf{nameservers: ns, searches: searches, options: options}
	var upstreams []string
	for _, s := range ns {
		upstreams = append(upstreams, net.JoinHostPort(s, "53"))
	}
	n.dns = dns.New(dns.Config{Domain: a.cfg.ClusterDomain, Upstreams: upstreams, Logger: n.log})
	n.proxy = proxy.New(proxy.Config{
		NodeIPs: nodeIPs(),
		Skip:    isDNSService,
		Logger:  n.log,
	})
	if a.cfg.IngressHTTPPort != 0 || a.cfg.IngressHTTPSPort != 0 {
		n.ingress = ingress.New(ingress.Config{
			HTTPAddr:  portAddr(a.cfg.IngressHTTPPort),
			HTTPSAddr: portAddr(a.cfg.IngressHTTPSPort),
			Logger:    n.log,
		})
	}
	if os.Geteuid() == 0 {
		ca, err := os.ReadFile(a.cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read the cluster's CA: %w", err)
		}
		if n.device, err = vip.Open(vip.DeviceName(ca), n.log); err != nil {
			return nil, fmt.Errorf("service address device: %w", err)
		}
	} else {
		n.log.Info("not root: cluster IPs are not put on a device of the node; use a loopback --service-cidr on the server (127.0.0.0/8), and process pods only will reach them")
	}
	return n, nil
}

// portAddr is ":port", or "" (off) for 0.
func portAddr(port int) string {
	if port == 0 {
		return ""
	}
	return ":" + strconv.Itoa(port)
}

// nodeIPs are the node's own addresses, where LoadBalancer services
// listen.
func nodeIPs() []netip.Addr {
	ip, err := netip.ParseAddr(internalIP())
	if err != nil {
		return nil
	}
	return []netip.Addr{ip}
}

func isDNSService(svc *corev1.Service) bool {
	return svc.Namespace == api.DNSServiceNamespace && svc.Name == api.DNSServiceName
}

// resync asks for a sync; requests while one is pending merge.
func (n *network) resync() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// run serves until ctx ends.
func (n *network) run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), n.synced...) {
		return
	}
	if n.ingress != nil {
		if err := n.ingress.Start(); err != nil {
			n.log.Error("the ingress proxy cannot listen; Ingresses are not served on this node", "err", err)
			n.ingress = nil
		} else {
			n.log.Info("ingress proxy listening", "http", n.ingress.HTTPAddr(), "https", n.ingress.HTTPSAddr())
		}
	}
	defer n.close()
	n.resync()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.kick:
			n.sync()
		}
	}
}

func (n *network) close() {
	_ = n.proxy.Close()
	_ = n.dns.Close()
	if n.ingress != nil {
		_ = n.ingress.Close()
	}
}

// sync serves what the caches hold now.
func (n *network) sync() {
	svcs, err1 := n.services.List(labels.Everything())
	eps, err2 := n.slices.List(labels.Everything())
	ings, err3 := n.ingresses.List(labels.Everything())
	classes, err4 := n.classes.List(labels.Everything())
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		n.report(err)
		return
	}
	var errs []error
	dnsIP := findDNSIP(svcs)
	if n.device != nil {
		if err := n.device.Sync(clusterIPs(svcs)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := n.proxy.Sync(svcs, eps); err != nil {
		errs = append(errs, err)
	}
	n.dns.Sync(svcs, eps)
	if dnsIP.IsValid() && dnsIP != n.dnsServing {
		addr := netip.AddrPortFrom(dnsIP, 53).String()
		if err := n.dns.Listen(addr); err != nil {
			errs = append(errs, fmt.Errorf("cluster DNS on %s: %w", addr, err))
		} else {
			n.dnsServing = dnsIP
			n.log.Info("cluster DNS listening", "addr", addr, "domain", n.a.cfg.ClusterDomain)
		}
	}
	if n.ingress != nil {
		secret := func(ns, name string) (*corev1.Secret, error) { return n.secrets.Secrets(ns).Get(name) }
		if err := n.ingress.Sync(ings, classes, svcs, eps, secret); err != nil {
			errs = append(errs, err)
		}
	}
	n.report(errors.Join(errs...))
}

// report logs a sync's problems once, not again while they stay the same.
func (n *network) report(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if msg == n.lastErr {
		return
	}
	n.lastErr = msg
	if err != nil {
		n.log.Warn("services are not all served", "err", err)
	} else {
		n.log.Info("services are all served again")
	}
}

// findDNSIP returns the cluster DNS service's address.
func findDNSIP(svcs []*corev1.Service) netip.Addr {
	for _, s := range svcs {
		if isDNSService(s) {
			ip, _ := netip.ParseAddr(s.Spec.ClusterIP)
			return ip
		}
	}
	return netip.Addr{}
}

// clusterIPs are the addresses the node must hold for the services.
func clusterIPs(svcs []*corev1.Service) []netip.Addr {
	var out []netip.Addr
	for _, s := range svcs {
		out = append(out, servicemap.ClusterIPs(s)...)
	}
	return out
}

// podServices lists the services a pod's environment is built from.
func (n *network) podServices(pod *corev1.Pod) [][2]string {
	own, _ := n.services.Services(pod.Namespace).List(labels.Everything())
	if svc, err := n.services.Services("default").Get(apiServiceName); err == nil {
		own = append(own, svc)
	}
	return serviceEnv(pod, own)
}

// podResolvConf is the resolv.conf of a pod, as the kubelet writes it for
// the pod's dnsPolicy. The cluster DNS's address is read from the cache
// here, not from the last sync, so a pod started first thing still gets
// it.
func (n *network) podResolvConf(pod *corev1.Pod) []byte {
	var dnsIP netip.Addr
	if svc, err := n.services.Services(api.DNSServiceNamespace).Get(api.DNSServiceName); err == nil {
		dnsIP, _ = netip.ParseAddr(svc.Spec.ClusterIP)
	}
	rc := podDNS(pod, dnsIP, n.a.cfg.ClusterDomain, n.node)
	return dns.PodResolvConf(rc.nameservers, rc.searches, rc.options)
}

// podDNS applies a pod's dnsPolicy and dnsConfig as the kubelet does:
// ClusterFirst (the default) names the cluster DNS with the Kubernetes
// search path and ndots:5, then the node's searches; Default is the
// node's file; None is dnsConfig alone. dnsConfig's nameservers and
// searches are appended, its options override by name. Without a cluster
// DNS, ClusterFirst falls back to Default.
func podDNS(pod *corev1.Pod, clusterDNS netip.Addr, domain string, node resolvConf) resolvConf {
	var rc resolvConf
	policy := pod.Spec.DNSPolicy
	if policy == "" {
		policy = corev1.DNSClusterFirst
	}
	if policy == corev1.DNSClusterFirst && pod.Spec.HostNetwork {
		policy = corev1.DNSDefault
	}
	if (policy == corev1.DNSClusterFirst || policy == corev1.DNSClusterFirstWithHostNet) && !clusterDNS.IsValid() {
		policy = corev1.DNSDefault
	}
	switch policy {
	case corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet:
		rc.nameservers = []string{clusterDNS.String()}
		rc.searches = append(dns.ClusterSearch(pod.Namespace, domain), node.searches...)
		rc.options = []string{"ndots:5"}
	case corev1.DNSDefault:
		rc = resolvConf{nameservers: slices.Clone(node.nameservers), searches: slices.Clone(node.searches), options: slices.Clone(node.options)}
	}
	if c := pod.Spec.DNSConfig; c != nil {
		for _, s := range c.Nameservers {
			if !slices.Contains(rc.nameservers, s) {
				rc.nameservers = append(rc.nameservers, s)
			}
		}
		for _, s := range c.Searches {
			if !slices.Contains(rc.searches, s) {
				rc.searches = append(rc.searches, s)
			}
		}
		for _, o := range c.Options {
			opt := o.Name
			if o.Value != nil {
				opt += ":" + *o.Value
			}
			rc.options = slices.DeleteFunc(rc.options, func(s string) bool {
				name, _, _ := strings.Cut(s, ":")
				return name == o.Name
			})
			rc.options = append(rc.options, opt)
		}
	}
	return rc
}

// writeResolvConf writes the pod's resolv.conf into its directory and
// returns where it is.
func (m *podManager) writeResolvConf(pod *corev1.Pod) (string, error) {
	path := filepath.Join(m.podDir(string(pod.UID)), "resolv.conf")
	content := m.net.podResolvConf(pod)
	if old, err := os.ReadFile(path); err == nil && string(old) == string(content) {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}
