package endpoints

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/controller/podcontrol"
)

// group is the endpoints of the pods whose service ports resolve to the
// same container ports. One group becomes one or more EndpointSlices, all
// with the group's ports.
type group struct {
	// Ports are the resolved ports, in the service's port order.
	Ports []discoveryv1.EndpointPort
	// Endpoints are sorted by address, then pod name.
	Endpoints []discoveryv1.Endpoint
}

// desired returns what a service with a selector should publish, given
// the pods its selector matches: the subsets of its Endpoints object and
// the groups of its EndpointSlices. It does no I/O.
//
// The two differ where Kubernetes' two controllers differ: a terminating
// pod is left out of Endpoints (unless publishNotReadyAddresses) but stays
// in its slice as not ready, serving while it is still ready, and
// terminating; a pod that resolves none of the ports gets an endpoint in
// a slice without ports but no Endpoints address.
func desired(svc *corev1.Service, pods []*corev1.Pod) ([]corev1.EndpointSubset, []group) {
	return desiredSubsets(svc, pods), desiredGroups(svc, pods)
}

// desiredSubsets is the Endpoints half of desired: one address per pod
// and resolved port, packed into subsets of pods that share the same
// ports (see repack).
func desiredSubsets(svc *corev1.Service, pods []*corev1.Pod) []corev1.EndpointSubset {
	var entries []subsetEntry
	for _, pod := range pods {
		if !inEndpoints(pod, svc.Spec.PublishNotReadyAddresses) {
			continue
		}
		ip := podIPv4(pod)
		if ip == "" {
			continue
		}
		addr := corev1.EndpointAddress{IP: ip, TargetRef: podRef(pod)}
		if pod.Spec.NodeName != "" {
			addr.NodeName = ptr.To(pod.Spec.NodeName)
		}
		if setHostname(pod, svc) {
			addr.Hostname = pod.Spec.Hostname
		}
		ready := svc.Spec.PublishNotReadyAddresses || podReady(pod)
		if len(svc.Spec.Ports) == 0 {
			// Only a headless service may have no ports; its pods are
			// published for DNS alone.
			if svc.Spec.ClusterIP == corev1.ClusterIPNone {
				entries = append(entries, subsetEntry{addr: addr, ready: ready})
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			port, ok := findPort(pod, sp)
			if !ok {
				continue
			}
			entries = append(entries, subsetEntry{addr: addr, ready: ready, port: &corev1.EndpointPort{
				Name: sp.Name, Port: port, Protocol: protocol(sp.Protocol), AppProtocol: sp.AppProtocol,
			}})
		}
	}
	return repack(entries)
}

// desiredGroups is the EndpointSlice half of desired: an IPv4 endpoint
// per pod, grouped by the pod's resolved ports.
func desiredGroups(svc *corev1.Service, pods []*corev1.Pod) []group {
	byPorts := map[string]*group{}
	for _, pod := range pods {
		if !inEndpoints(pod, true) {
			continue
		}
		ip := podIPv4(pod)
		if ip == "" {
			continue
		}
		ports := endpointPorts(svc, pod)
		k := portsKey(ports)
		g := byPorts[k]
		if g == nil {
			g = &group{Ports: ports}
			byPorts[k] = g
		}
		g.Endpoints = append(g.Endpoints, podEndpoint(pod, svc, ip))
	}
	out := make([]group, 0, len(byPorts))
	for _, k := range slices.Sorted(maps.Keys(byPorts)) {
		g := byPorts[k]
		slices.SortFunc(g.Endpoints, compareEndpoints)
		out = append(out, *g)
	}
	return out
}

// podEndpoint is pod's endpoint in the service's slices. Ready means the
// service may send it new connections: the pod is ready and not
// terminating, or the service publishes unready addresses. Serving is
// the pod's readiness alone, so that a terminating pod can drain.
func podEndpoint(pod *corev1.Pod, svc *corev1.Service, ip string) discoveryv1.Endpoint {
	serving := podReady(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || serving && !terminating
	ep := discoveryv1.Endpoint{
		Addresses: []string{ip},
		Conditions: discoveryv1.EndpointConditions{
			Ready: ptr.To(ready), Serving: ptr.To(serving), Terminating: ptr.To(terminating),
		},
		TargetRef: podRef(pod),
	}
	if pod.Spec.NodeName != "" {
		ep.NodeName = ptr.To(pod.Spec.NodeName)
	}
	if setHostname(pod, svc) {
		ep.Hostname = ptr.To(pod.Spec.Hostname)
	}
	return ep
}

// endpointPorts resolves the service's ports for pod; a port the pod does
// not have (a named targetPort no container declares) is left out.
func endpointPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	ports := []discoveryv1.EndpointPort{}
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		port, ok := findPort(pod, sp)
		if !ok {
			continue
		}
		ports = append(ports, discoveryv1.EndpointPort{
			Name: ptr.To(sp.Name), Port: ptr.To(port), Protocol: ptr.To(protocol(sp.Protocol)), AppProtocol: sp.AppProtocol,
		})
	}
	return ports
}

// findPort resolves a service port's targetPort on pod: a number is the
// port itself (unset: the service port); a name is looked up among the
// ports of the pod's containers and sidecars with the same protocol.
func findPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, bool) {
	tp := sp.TargetPort
	if tp.Type == intstr.Int || tp.StrVal == "" {
		if tp.Type == intstr.Int && tp.IntVal != 0 {
			return tp.IntVal, true
		}
		return sp.Port, true
	}
	find := func(containers []corev1.Container, sidecarsOnly bool) (int32, bool) {
		for _, c := range containers {
			if sidecarsOnly && (c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
				continue
			}
			for _, p := range c.Ports {
				if p.Name == tp.StrVal && protocol(p.Protocol) == protocol(sp.Protocol) {
					return p.ContainerPort, true
				}
			}
		}
		return 0, false
	}
	if port, ok := find(pod.Spec.Containers, false); ok {
		return port, true
	}
	return find(pod.Spec.InitContainers, true)
}

// inEndpoints reports whether pod belongs in a service's endpoints at
// all: it has an address, has not finished (Succeeded or Failed), and is
// not being deleted unless includeTerminating.
func inEndpoints(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	return includeTerminating || pod.DeletionTimestamp == nil
}

// podReady reports whether pod's Ready condition is True.
func podReady(pod *corev1.Pod) bool {
	ok, _ := podcontrol.Ready(pod)
	return ok
}

// podIPv4 returns pod's IPv4 address in canonical form, or "".
func podIPv4(pod *corev1.Pod) string {
	ips := pod.Status.PodIPs
	if len(ips) == 0 {
		ips = []corev1.PodIP{{IP: pod.Status.PodIP}}
	}
	for _, ip := range ips {
		if a, err := netip.ParseAddr(ip.IP); err == nil && a.Is4() {
			return a.String()
		}
	}
	return ""
}

// setHostname reports whether pod's endpoint carries its hostname: the
// pod names one and its subdomain is this service (the pod's DNS name is
// then <hostname>.<service>.<namespace>.svc).
func setHostname(pod *corev1.Pod, svc *corev1.Service) bool {
	return pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace
}

func podRef(pod *corev1.Pod) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID}
}

// protocol is p, or TCP, its default.
func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// portsKey identifies a set of resolved ports, whatever their order.
func portsKey(ports []discoveryv1.EndpointPort) string {
	keys := make([]string, len(ports))
	for i, p := range ports {
		keys[i] = strings.Join([]string{ptr.Deref(p.Name, ""), strconv.Itoa(int(ptr.Deref(p.Port, 0))),
			string(protocol(ptr.Deref(p.Protocol, ""))), ptr.Deref(p.AppProtocol, "")}, "/")
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

// endpointKey identifies an endpoint across syncs, as Kubernetes' hash
// does: its pod, addresses and hostname. Everything else about it (its
// conditions, its node) is an update of the same endpoint.
func endpointKey(ep *discoveryv1.Endpoint) string {
	var b strings.Builder
	if ep.TargetRef != nil {
		b.WriteString(ep.TargetRef.Namespace + "/" + ep.TargetRef.Name)
	}
	b.WriteString("|" + strings.Join(slices.Sorted(slices.Values(ep.Addresses)), ","))
	b.WriteString("|" + ptr.Deref(ep.Hostname, ""))
	return b.String()
}

// compareEndpoints orders endpoints by first address, then pod name.
func compareEndpoints(a, b discoveryv1.Endpoint) int {
	first := func(ep discoveryv1.Endpoint) string {
		if len(ep.Addresses) == 0 {
			return ""
		}
		return ep.Addresses[0]
	}
	name := func(ep discoveryv1.Endpoint) string {
		if ep.TargetRef == nil {
			return ""
		}
		return ep.TargetRef.Name
	}
	return cmp.Or(compareIPs(first(a), first(b)), cmp.Compare(name(a), name(b)))
}

// compareIPs orders addresses numerically; what does not parse sorts
// after, as text.
func compareIPs(a, b string) int {
	pa, errA := netip.ParseAddr(a)
	pb, errB := netip.ParseAddr(b)
	switch {
	case errA == nil && errB == nil:
		return pa.Compare(pb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return cmp.Compare(a, b)
}
