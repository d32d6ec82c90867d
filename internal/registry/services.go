package registry

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/internal/alloc"
	"github.com/marina-orchestrator/marina/internal/servicemap"
)

// ServiceAllocator hands services their cluster IPs and node ports while
// they are created, updated and deleted, as Kubernetes' service storage
// does. What is taken is not stored apart: the allocator fills itself from
// the stored services the first time it is used, so the services are the
// persisted record, and an address or port is free again once its service
// is deleted.
//
// It assumes one API server writes services (Marina runs one); several
// servers over one etcd would each keep their own view.
type ServiceAllocator struct {
	IPs       *alloc.IPRange
	NodePorts *alloc.PortRange

	mu     sync.Mutex
	loaded bool
	// list reads every stored service; set when the store is built.
	list func(ctx context.Context) ([]corev1.Service, error)
}

// NewServiceAllocator allocates from the service CIDR and node port range.
func NewServiceAllocator(cidr netip.Prefix, firstNodePort, lastNodePort int) (*ServiceAllocator, error) {
	ips, err := alloc.NewIPRange(cidr)
	if err != nil {
		return nil, fmt.Errorf("service CIDR: %w", err)
	}
	ports, err := alloc.NewPortRange(firstNodePort, lastNodePort)
	if err != nil {
		return nil, fmt.Errorf("node port range: %w", err)
	}
	return &ServiceAllocator{IPs: ips, NodePorts: ports}, nil
}

// ensureLoaded marks what the stored services hold, once.
func (a *ServiceAllocator) ensureLoaded(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loaded {
		return nil
	}
	if a.list == nil {
		return errors.New("service allocator: no service storage")
	}
	svcs, err := a.list(ctx)
	if err != nil {
		return fmt.Errorf("read services to restore allocations: %w", err)
	}
	for i := range svcs {
		for _, ip := range servicemap.ClusterIPs(&svcs[i]) {
			_ = a.IPs.Allocate(ip) // one outside the range (the CIDR changed) is kept, unmanaged
		}
		for _, p := range nodePortsOf(&svcs[i]) {
			_ = a.NodePorts.Allocate(p)
		}
	}
	a.loaded = true
	return nil
}

// txn records what one request took, so that a failed or dry-run request
// gives it back, and what it frees, which is given back only once the
// request is stored.
type txn struct {
	a            *ServiceAllocator
	ips          []netip.Addr
	ports        []int
	releaseIPs   []netip.Addr
	releasePorts []int
}

func (t *txn) revert() {
	for _, ip := range t.ips {
		t.a.IPs.Release(ip)
	}
	for _, p := range t.ports {
		t.a.NodePorts.Release(p)
	}
	t.ips, t.ports = nil, nil
}

func (t *txn) commit() {
	for _, ip := range t.releaseIPs {
		t.a.IPs.Release(ip)
	}
	for _, p := range t.releasePorts {
		t.a.NodePorts.Release(p)
	}
}

// finish turns the transaction into the store's finish hook.
func (t *txn) finish(dryRun bool) genericregistry.FinishFunc {
	return func(_ context.Context, success bool) {
		if !success || dryRun {
			t.revert()
			return
		}
		t.commit()
	}
}

// hooks installs the allocator on the services store: allocate before a
// create or update is stored (undone if it fails), release after a delete.
func (a *ServiceAllocator) hooks(s *genericregistry.Store) {
	a.list = func(ctx context.Context) ([]corev1.Service, error) {
		obj, err := s.List(genericapirequest.WithNamespace(ctx, metav1.NamespaceAll), &metainternalversion.ListOptions{})
		if err != nil {
			return nil, err
		}
		return obj.(*corev1.ServiceList).Items, nil
	}
	s.BeginCreate = func(ctx context.Context, obj runtime.Object, opts *metav1.CreateOptions) (genericregistry.FinishFunc, error) {
		if err := a.ensureLoaded(ctx); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		svc := obj.(*corev1.Service)
		t := &txn{a: a}
		if err := t.allocate(svc, nil); err != nil {
			t.revert()
			return nil, err
		}
		return t.finish(len(opts.DryRun) > 0), nil
	}
	s.BeginUpdate = func(ctx context.Context, obj, old runtime.Object, opts *metav1.UpdateOptions) (genericregistry.FinishFunc, error) {
		if err := a.ensureLoaded(ctx); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
		t := &txn{a: a}
		if err := t.allocate(svc, oldSvc); err != nil {
			t.revert()
			return nil, err
		}
		return t.finish(len(opts.DryRun) > 0), nil
	}
	s.AfterDelete = func(obj runtime.Object, opts *metav1.DeleteOptions) {
		if opts != nil && len(opts.DryRun) > 0 {
			return
		}
		svc := obj.(*corev1.Service)
		for _, ip := range servicemap.ClusterIPs(svc) {
			a.IPs.Release(ip)
		}
		for _, p := range nodePortsOf(svc) {
			a.NodePorts.Release(p)
		}
	}
}

// allocate fills in svc's cluster IP and node ports (old is the stored
// service on update, nil on create): values the service already holds are
// kept (also when a client's update leaves them out, as Kubernetes
// does), requested ones are taken or refused with a field error, missing
// ones are taken from the ranges, and what the service no longer needs is
// released once the update is stored.
func (t *txn) allocate(svc, old *corev1.Service) error {
	errs := t.allocateIPs(svc, old)
	errs = append(errs, t.allocatePorts(svc, old)...)
	if len(errs) > 0 {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name, errs)
	}
	return nil
}

func (t *txn) allocateIPs(svc, old *corev1.Service) field.ErrorList {
	spec := &svc.Spec
	var oldIPs []netip.Addr
	if old != nil {
		oldIPs = servicemap.ClusterIPs(old)
	}
	if spec.Type == corev1.ServiceTypeExternalName {
		// An ExternalName service has no address: one the service had
		// is dropped (if the client sent it back) and released.
		if old != nil && spec.ClusterIP == old.Spec.ClusterIP {
			spec.ClusterIP, spec.ClusterIPs, spec.IPFamilies, spec.IPFamilyPolicy = "", nil, nil, nil
		}
		t.releaseIPs = oldIPs
		return nil
	}
	// An update that leaves the address out keeps the stored one.
	if old != nil && old.Spec.Type != corev1.ServiceTypeExternalName && spec.ClusterIP == "" && len(spec.ClusterIPs) == 0 {
		spec.ClusterIP, spec.ClusterIPs = old.Spec.ClusterIP, old.Spec.ClusterIPs
		if len(spec.IPFamilies) == 0 {
			spec.IPFamilies = old.Spec.IPFamilies
		}
		if spec.IPFamilyPolicy == nil {
			spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
		}
	}
	if spec.ClusterIP == "" && len(spec.ClusterIPs) > 0 {
		spec.ClusterIP = spec.ClusterIPs[0]
	}
	ipsPath := field.NewPath("spec", "clusterIPs")
	family := corev1.IPv4Protocol
	if t.a.IPs.CIDR().Addr().Is6() {
		family = corev1.IPv6Protocol
	}
	if pol := spec.IPFamilyPolicy; pol != nil && *pol == corev1.IPFamilyPolicyRequireDualStack {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "ipFamilyPolicy"), *pol, "this cluster is not configured for dual-stack services")}
	}
	for i, f := range spec.IPFamilies {
		if f != family {
			return field.ErrorList{field.Invalid(field.NewPath("spec", "ipFamilies").Index(i), f, fmt.Sprintf("not configured on this cluster (its service CIDR is %s)", t.a.IPs.CIDR()))}
		}
	}
	if spec.IPFamilyPolicy == nil || *spec.IPFamilyPolicy == corev1.IPFamilyPolicyPreferDualStack {
		spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicySingleStack)
	}
	spec.IPFamilies = []corev1.IPFamily{family}
	if spec.ClusterIP == corev1.ClusterIPNone {
		spec.ClusterIPs = []string{corev1.ClusterIPNone}
		t.releaseIPs = oldIPs
		return nil
	}
	if spec.ClusterIP != "" {
		ip, err := netip.ParseAddr(spec.ClusterIP)
		if err != nil {
			return nil // validation names the bad address
		}
		spec.ClusterIPs = []string{spec.ClusterIP}
		if len(oldIPs) > 0 && oldIPs[0] == ip {
			return nil // already the service's
		}
		if err := t.a.IPs.Allocate(ip); err != nil {
			msg := fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", ip)
			if errors.Is(err, alloc.ErrNotInRange) {
				msg = fmt.Sprintf("failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", ip, ip, t.a.IPs.CIDR())
			}
			return field.ErrorList{field.Invalid(ipsPath, spec.ClusterIPs, msg)}
		}
		t.ips = append(t.ips, ip)
		t.releaseIPs = oldIPs
		return nil
	}
	ip, err := t.a.IPs.AllocateNext()
	if err != nil {
		return field.ErrorList{field.InternalError(ipsPath, fmt.Errorf("failed to allocate a service IP from %s: %w", t.a.IPs.CIDR(), err))}
	}
	t.ips = append(t.ips, ip)
	t.releaseIPs = oldIPs
	spec.ClusterIP, spec.ClusterIPs = ip.String(), []string{ip.String()}
	return nil
}

// wantsNodePorts reports whether a service of this shape gets node ports.
func wantsNodePorts(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

// wantsHealthCheckPort: LoadBalancers that keep traffic on the node
// (externalTrafficPolicy Local) get a health check node port.
func wantsHealthCheckPort(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

func (t *txn) allocatePorts(svc, old *corev1.Service) field.ErrorList {
	held := map[int]bool{} // node ports the stored service holds
	if old != nil {
		for _, p := range nodePortsOf(old) {
			held[p] = true
		}
	}
	kept := map[int]bool{}
	var errs field.ErrorList
	take := func(port int32, path *field.Path) bool {
		p := int(port)
		if held[p] || kept[p] {
			kept[p] = true
			return true
		}
		if err := t.a.NodePorts.Allocate(p); err != nil {
			msg := "provided port is already allocated"
			if errors.Is(err, alloc.ErrNotInRange) {
				msg = "provided port is not in the valid range. The range of valid ports is " + t.a.NodePorts.String()
			}
			errs = append(errs, field.Invalid(path, port, msg))
			return false
		}
		t.ports = append(t.ports, p)
		kept[p] = true
		return true
	}
	next := func(path *field.Path) int32 {
		p, err := t.a.NodePorts.AllocateNext()
		if err != nil {
			errs = append(errs, field.InternalError(path, fmt.Errorf("failed to allocate a node port from %s: %w", t.a.NodePorts, err)))
			return 0
		}
		t.ports = append(t.ports, p)
		kept[p] = true
		return int32(p)
	}
	portsPath := field.NewPath("spec", "ports")
	if wantsNodePorts(svc) {
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			path := portsPath.Index(i).Child("nodePort")
			if sp.NodePort == 0 && old != nil {
				// An update that leaves a port's node port out keeps it.
				for _, op := range old.Spec.Ports {
					if op.Port == sp.Port && op.Protocol == sp.Protocol && op.NodePort != 0 {
						sp.NodePort = op.NodePort
					}
				}
			}
			if sp.NodePort == 0 {
				// One node port serves a port number over TCP and UDP
				// alike when the service lists it for both.
				for j := range i {
					if op := svc.Spec.Ports[j]; op.Port == sp.Port && op.NodePort != 0 && op.Protocol != sp.Protocol {
						sp.NodePort = op.NodePort
					}
				}
			}
			if sp.NodePort != 0 {
				take(sp.NodePort, path)
				continue
			}
			sp.NodePort = next(path)
		}
	} else {
		// Node ports left over from the old type are dropped.
		for i := range svc.Spec.Ports {
			if held[int(svc.Spec.Ports[i].NodePort)] {
				svc.Spec.Ports[i].NodePort = 0
			}
		}
	}
	if wantsHealthCheckPort(svc) {
		path := field.NewPath("spec", "healthCheckNodePort")
		if svc.Spec.HealthCheckNodePort == 0 && old != nil {
			svc.Spec.HealthCheckNodePort = old.Spec.HealthCheckNodePort
		}
		if svc.Spec.HealthCheckNodePort != 0 {
			take(svc.Spec.HealthCheckNodePort, path)
		} else {
			svc.Spec.HealthCheckNodePort = next(path)
		}
	} else if held[int(svc.Spec.HealthCheckNodePort)] {
		svc.Spec.HealthCheckNodePort = 0
	}
	for p := range held {
		if !kept[p] {
			t.releasePorts = append(t.releasePorts, p)
		}
	}
	return errs
}

// nodePortsOf returns the node ports a service holds (each once).
func nodePortsOf(svc *corev1.Service) []int {
	seen := map[int]bool{}
	var out []int
	add := func(p int32) {
		if p != 0 && !seen[int(p)] {
			seen[int(p)] = true
			out = append(out, int(p))
		}
	}
	for _, p := range svc.Spec.Ports {
		add(p.NodePort)
	}
	add(svc.Spec.HealthCheckNodePort)
	return out
}

// prepareServiceUpdate drops what only the old type of a service meant,
// when the update carried it over unchanged, as Kubernetes does: a user
// changing a NodePort service to ClusterIP does not have to clear its
// externalTrafficPolicy too. (Node ports and cluster IPs are dropped by
// the allocator, which also releases them.)
func prepareServiceUpdate(obj, old runtime.Object) {
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	if svc.Spec.Type == oldSvc.Spec.Type {
		return
	}
	spec, oldSpec := &svc.Spec, &oldSvc.Spec
	external := spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer ||
		(spec.Type == corev1.ServiceTypeClusterIP && len(spec.ExternalIPs) > 0)
	if !external && spec.ExternalTrafficPolicy == oldSpec.ExternalTrafficPolicy {
		spec.ExternalTrafficPolicy = ""
	}
	if spec.Type != corev1.ServiceTypeLoadBalancer {
		if ptr.Equal(spec.AllocateLoadBalancerNodePorts, oldSpec.AllocateLoadBalancerNodePorts) {
			spec.AllocateLoadBalancerNodePorts = nil
		}
		if ptr.Equal(spec.LoadBalancerClass, oldSpec.LoadBalancerClass) {
			spec.LoadBalancerClass = nil
		}
	}
	if spec.Type == corev1.ServiceTypeExternalName && ptr.Equal(spec.InternalTrafficPolicy, oldSpec.InternalTrafficPolicy) {
		spec.InternalTrafficPolicy = nil
	}
}
