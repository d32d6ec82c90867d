package validation

import (
	"fmt"
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The node port range Marina allocates from, Kubernetes' default
// --service-node-port-range.
const (
	minNodePort = 30000
	maxNodePort = 32767
	// maxClientIPAffinitySeconds is one day, Kubernetes' upper bound for
	// ClientIP session affinity.
	maxClientIPAffinitySeconds = 86400
)

var supportedServiceTypes = []corev1.ServiceType{
	corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort,
}

// serviceType returns the effective type: the API defaults an empty type to
// ClusterIP.
func serviceType(svc *corev1.Service) corev1.ServiceType {
	if svc.Spec.Type == "" {
		return corev1.ServiceTypeClusterIP
	}
	return svc.Spec.Type
}

// isHeadless reports a service with clusterIP None: DNS returns the pod IPs
// directly and there is no virtual IP to proxy ports on.
func isHeadless(svc *corev1.Service) bool {
	if len(svc.Spec.ClusterIPs) > 0 {
		return len(svc.Spec.ClusterIPs) == 1 && svc.Spec.ClusterIPs[0] == corev1.ClusterIPNone
	}
	return svc.Spec.ClusterIP == corev1.ClusterIPNone
}

// ValidateService validates a Service on create.
//
// Service names are DNS-1123 labels: the name becomes a DNS label under the
// namespace's cluster domain. (Kubernetes historically required DNS-1035
// labels, which may not start with a digit; the RelaxedServiceNameValidation
// change accepts RFC 1123 labels, as Marina does.)
func ValidateService(svc *corev1.Service) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &svc.Spec
	typ := serviceType(svc)
	allErrs := validateObjectMeta(&svc.ObjectMeta, true, nameIsDNSLabel, field.NewPath("metadata"))

	switch typ {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName:
	default:
		allErrs = append(allErrs, field.NotSupported(specPath.Child("type"), spec.Type, supportedServiceTypes))
	}

	if len(spec.Ports) == 0 && !isHeadless(svc) && typ != corev1.ServiceTypeExternalName {
		allErrs = append(allErrs, field.Required(specPath.Child("ports"), ""))
	}
	switch typ {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if isHeadless(svc) {
			allErrs = append(allErrs, field.Invalid(specPath.Child("clusterIP"), spec.ClusterIP, fmt.Sprintf("may not be set to 'None' for %s services", typ)))
		}
	case corev1.ServiceTypeExternalName:
		// An ExternalName service is only a DNS CNAME: it has no virtual IP.
		if spec.ClusterIP != "" {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("clusterIP"), "may not be set for ExternalName services"))
		} else if len(spec.ClusterIPs) > 0 {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("clusterIPs"), "may not be set for ExternalName services"))
		}
		if len(spec.IPFamilies) > 0 {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("ipFamilies"), "may not be set for ExternalName services"))
		}
		if spec.IPFamilyPolicy != nil {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("ipFamilyPolicy"), "may not be set for ExternalName services"))
		}
		// The CNAME may carry a trailing dot to mark it fully qualified.
		if cname := strings.TrimSuffix(spec.ExternalName, "."); cname == "" {
			allErrs = append(allErrs, field.Required(specPath.Child("externalName"), ""))
		} else {
			allErrs = append(allErrs, validateDNS1123Subdomain(cname, specPath.Child("externalName"))...)
		}
	}

	allErrs = append(allErrs, validateServicePorts(svc, typ, specPath.Child("ports"))...)
	allErrs = append(allErrs, validateLabels(spec.Selector, specPath.Child("selector"))...)

	switch spec.SessionAffinity {
	case "", corev1.ServiceAffinityNone:
		if spec.SessionAffinityConfig != nil {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("sessionAffinityConfig"), "must not be set when session affinity is None"))
		}
	case corev1.ServiceAffinityClientIP:
		if cfg := spec.SessionAffinityConfig; cfg != nil && cfg.ClientIP != nil && cfg.ClientIP.TimeoutSeconds != nil {
			if t := *cfg.ClientIP.TimeoutSeconds; t <= 0 || t > maxClientIPAffinitySeconds {
				allErrs = append(allErrs, field.Invalid(specPath.Child("sessionAffinityConfig", "clientIP", "timeoutSeconds"), t,
					fmt.Sprintf("must be greater than 0 and less than %d", maxClientIPAffinitySeconds)))
			}
		}
	default:
		allErrs = append(allErrs, field.NotSupported(specPath.Child("sessionAffinity"), spec.SessionAffinity,
			[]corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}))
	}

	if typ != corev1.ServiceTypeExternalName {
		allErrs = append(allErrs, validateClusterIPs(svc, specPath)...)
	}
	for i, ip := range spec.ExternalIPs {
		p := specPath.Child("externalIPs").Index(i)
		if errs := validation.IsValidIP(p, ip); len(errs) > 0 {
			allErrs = append(allErrs, errs...)
		} else {
			allErrs = append(allErrs, validateNonSpecialIP(ip, p)...)
		}
	}

	const lbOnly = "may only be used when `type` is 'LoadBalancer'"
	if len(spec.LoadBalancerSourceRanges) > 0 {
		p := specPath.Child("loadBalancerSourceRanges")
		if typ != corev1.ServiceTypeLoadBalancer {
			allErrs = append(allErrs, field.Forbidden(p, lbOnly))
		}
		for i, r := range spec.LoadBalancerSourceRanges {
			// Historically these may be space-padded.
			allErrs = append(allErrs, validation.IsValidCIDR(p.Index(i), strings.TrimSpace(r))...)
		}
	}
	if spec.AllocateLoadBalancerNodePorts != nil && typ != corev1.ServiceTypeLoadBalancer {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("allocateLoadBalancerNodePorts"), lbOnly))
	}
	if spec.LoadBalancerClass != nil {
		if typ != corev1.ServiceTypeLoadBalancer {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("loadBalancerClass"), lbOnly))
		} else {
			allErrs = append(allErrs, validateQualifiedName(*spec.LoadBalancerClass, specPath.Child("loadBalancerClass"))...)
		}
	}
	if spec.LoadBalancerIP != "" && typ == corev1.ServiceTypeLoadBalancer {
		allErrs = append(allErrs, validation.IsValidIP(specPath.Child("loadBalancerIP"), spec.LoadBalancerIP)...)
	}

	externallyAccessible := typ == corev1.ServiceTypeLoadBalancer || typ == corev1.ServiceTypeNodePort ||
		(typ == corev1.ServiceTypeClusterIP && len(spec.ExternalIPs) > 0)
	switch {
	case spec.ExternalTrafficPolicy == "":
	case !externallyAccessible:
		allErrs = append(allErrs, field.Invalid(specPath.Child("externalTrafficPolicy"), spec.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
	case spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster && spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal:
		allErrs = append(allErrs, field.NotSupported(specPath.Child("externalTrafficPolicy"), spec.ExternalTrafficPolicy,
			[]corev1.ServiceExternalTrafficPolicy{corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal}))
	}
	// The health check port tells the cloud load balancer which nodes hold
	// local endpoints, which only matters for LoadBalancer + Local.
	if spec.HealthCheckNodePort != 0 {
		if !needsHealthCheck(svc) {
			allErrs = append(allErrs, field.Invalid(specPath.Child("healthCheckNodePort"), spec.HealthCheckNodePort,
				"may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
		} else {
			allErrs = append(allErrs, validatePortNumber(spec.HealthCheckNodePort, specPath.Child("healthCheckNodePort"))...)
		}
	}
	if itp := spec.InternalTrafficPolicy; itp != nil && *itp != corev1.ServiceInternalTrafficPolicyCluster && *itp != corev1.ServiceInternalTrafficPolicyLocal {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("internalTrafficPolicy"), *itp,
			[]corev1.ServiceInternalTrafficPolicy{corev1.ServiceInternalTrafficPolicyCluster, corev1.ServiceInternalTrafficPolicyLocal}))
	}
	if td := spec.TrafficDistribution; td != nil {
		switch *td {
		case corev1.ServiceTrafficDistributionPreferClose, corev1.ServiceTrafficDistributionPreferSameZone, corev1.ServiceTrafficDistributionPreferSameNode:
		default:
			allErrs = append(allErrs, field.NotSupported(specPath.Child("trafficDistribution"), *td, []string{
				corev1.ServiceTrafficDistributionPreferClose, corev1.ServiceTrafficDistributionPreferSameNode, corev1.ServiceTrafficDistributionPreferSameZone}))
		}
	}
	return allErrs
}

func needsHealthCheck(svc *corev1.Service) bool {
	return serviceType(svc) == corev1.ServiceTypeLoadBalancer && svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

func validateServicePorts(svc *corev1.Service, typ corev1.ServiceType, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	names := sets.New[string]()
	ports := sets.New[string]()
	nodePorts := sets.New[string]()
	multi := len(svc.Spec.Ports) > 1
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		p := fldPath.Index(i)
		// With several ports, endpoints and SRV records tell them apart by
		// name.
		if sp.Name == "" {
			if multi {
				allErrs = append(allErrs, field.Required(p.Child("name"), ""))
			}
		} else {
			allErrs = append(allErrs, validateDNS1123Label(sp.Name, p.Child("name"))...)
			if names.Has(sp.Name) {
				allErrs = append(allErrs, field.Duplicate(p.Child("name"), sp.Name))
			}
			names.Insert(sp.Name)
		}
		allErrs = append(allErrs, validatePortNumber(sp.Port, p.Child("port"))...)
		allErrs = append(allErrs, validateProtocol(sp.Protocol, p.Child("protocol"))...)
		// An unset targetPort defaults to the port.
		if sp.TargetPort != (intstr.IntOrString{}) {
			allErrs = append(allErrs, validatePortNumOrName(sp.TargetPort, p.Child("targetPort"))...)
		}
		if sp.AppProtocol != nil {
			allErrs = append(allErrs, validateQualifiedName(*sp.AppProtocol, p.Child("appProtocol"))...)
		}
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		if key := fmt.Sprintf("%s/%d", proto, sp.Port); ports.Has(key) {
			allErrs = append(allErrs, field.Duplicate(p, key))
		} else {
			ports.Insert(key)
		}
		if sp.NodePort == 0 {
			continue
		}
		np := p.Child("nodePort")
		if typ == corev1.ServiceTypeClusterIP {
			allErrs = append(allErrs, field.Forbidden(np, "may not be used when `type` is 'ClusterIP'"))
			continue
		}
		if sp.NodePort < minNodePort || sp.NodePort > maxNodePort {
			allErrs = append(allErrs, field.Invalid(np, sp.NodePort,
				fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", minNodePort, maxNodePort)))
		}
		if key := fmt.Sprintf("%s/%d", proto, sp.NodePort); nodePorts.Has(key) {
			allErrs = append(allErrs, field.Duplicate(np, sp.NodePort))
		} else {
			nodePorts.Insert(key)
		}
	}
	return allErrs
}

// validateClusterIPs checks clusterIP, clusterIPs, ipFamilies and
// ipFamilyPolicy together: at most one address per family, matching the
// declared families.
func validateClusterIPs(svc *corev1.Service, specPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	spec := &svc.Spec
	ipPath := specPath.Child("clusterIP")
	ipsPath := specPath.Child("clusterIPs")

	if spec.ClusterIP != "" && spec.ClusterIP != corev1.ClusterIPNone {
		allErrs = append(allErrs, validation.IsValidIP(ipPath, spec.ClusterIP)...)
	}
	if len(spec.ClusterIPs) > 0 && spec.ClusterIP != "" && spec.ClusterIPs[0] != spec.ClusterIP {
		allErrs = append(allErrs, field.Invalid(ipsPath, spec.ClusterIPs, "first value must match `clusterIP`"))
	}
	if len(spec.ClusterIPs) > 2 {
		allErrs = append(allErrs, field.Invalid(ipsPath, spec.ClusterIPs, "may only hold up to 2 values"))
	}
	var realIPs []string
	for i, ip := range spec.ClusterIPs {
		switch {
		case ip == corev1.ClusterIPNone:
			if i != 0 || len(spec.ClusterIPs) != 1 {
				allErrs = append(allErrs, field.Invalid(ipsPath.Index(i), ip, "'None' must be the first and only value"))
			}
		case ip == "":
			allErrs = append(allErrs, field.Invalid(ipsPath.Index(i), ip, "must be empty when all clusterIPs are empty"))
		default:
			realIPs = append(realIPs, ip)
		}
	}
	if len(realIPs) == len(spec.ClusterIPs) {
		allErrs = append(allErrs, validateDualStackIPs(realIPs, ipsPath)...)
	}

	famPath := specPath.Child("ipFamilies")
	seen := sets.New[corev1.IPFamily]()
	for i, f := range spec.IPFamilies {
		switch f {
		case corev1.IPv4Protocol, corev1.IPv6Protocol:
		default:
			allErrs = append(allErrs, field.NotSupported(famPath.Index(i), f, []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}))
		}
		if seen.Has(f) {
			allErrs = append(allErrs, field.Duplicate(famPath.Index(i), f))
		}
		seen.Insert(f)
	}
	if len(spec.IPFamilies) > 2 {
		allErrs = append(allErrs, field.Invalid(famPath, spec.IPFamilies, "may specify no more than one IP for each IP family, i.e max two entries"))
	}
	if !isHeadless(svc) {
		for i, ip := range spec.ClusterIPs {
			if i >= len(spec.IPFamilies) || net.ParseIP(ip) == nil {
				continue
			}
			want := spec.IPFamilies[i]
			if (want == corev1.IPv4Protocol && isIPv6(ip)) || (want == corev1.IPv6Protocol && !isIPv6(ip)) {
				allErrs = append(allErrs, field.Invalid(ipsPath.Index(i), ip, fmt.Sprintf("expected an %s value as indicated by `ipFamilies[%d]`", want, i)))
			}
		}
	}

	if pol := spec.IPFamilyPolicy; pol != nil {
		p := specPath.Child("ipFamilyPolicy")
		switch *pol {
		case corev1.IPFamilyPolicySingleStack:
			if len(spec.ClusterIPs) > 1 {
				allErrs = append(allErrs, field.Invalid(p, *pol, "must be 'RequireDualStack' or 'PreferDualStack' when multiple 'clusterIPs' are specified"))
			}
			if len(spec.IPFamilies) > 1 {
				allErrs = append(allErrs, field.Invalid(p, *pol, "must be 'RequireDualStack' or 'PreferDualStack' when multiple 'ipFamilies' are specified"))
			}
		case corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack:
		default:
			allErrs = append(allErrs, field.NotSupported(p, *pol, []corev1.IPFamilyPolicy{
				corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack, corev1.IPFamilyPolicySingleStack}))
		}
	}
	return allErrs
}

// validateNonSpecialIP rejects addresses that can never be a service or
// endpoint address: unspecified, loopback and link-local.
func validateNonSpecialIP(s string, fldPath *field.Path) field.ErrorList {
	return checkSpecialIP(s, fldPath, false)
}

func checkSpecialIP(s string, fldPath *field.Path, allowLoopback bool) field.ErrorList {
	ip := net.ParseIP(s)
	if ip == nil {
		return field.ErrorList{field.Invalid(fldPath, s, "must be a valid IP address")}
	}
	var allErrs field.ErrorList
	if ip.IsUnspecified() {
		allErrs = append(allErrs, field.Invalid(fldPath, s, fmt.Sprintf("may not be unspecified (%v)", s)))
	}
	if ip.IsLoopback() && !allowLoopback {
		allErrs = append(allErrs, field.Invalid(fldPath, s, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		allErrs = append(allErrs, field.Invalid(fldPath, s, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		allErrs = append(allErrs, field.Invalid(fldPath, s, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return allErrs
}

// validateEndpointIP is validateNonSpecialIP without the loopback rule:
// Marina's process pods each have their own address in 127.0.0.0/8 (see
// docs/architecture.md, Networking), so their endpoints are loopback
// addresses, which the node's service proxy reaches.
func validateEndpointIP(s string, fldPath *field.Path) field.ErrorList {
	return checkSpecialIP(s, fldPath, true)
}

// ValidateServiceUpdate validates an update of a Service. Allocated cluster
// IPs cannot change (clients and kube-proxy rules hold on to them), except
// when the service changes to or from ExternalName, which has none.
func ValidateServiceUpdate(svc, old *corev1.Service) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMetaUpdate(&svc.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))

	if serviceType(svc) != corev1.ServiceTypeExternalName && serviceType(old) != corev1.ServiceTypeExternalName &&
		!(isHeadless(svc) && isHeadless(old)) {
		if old.Spec.ClusterIP != "" {
			allErrs = append(allErrs, immutable(svc.Spec.ClusterIP, old.Spec.ClusterIP, specPath.Child("clusterIP"))...)
		}
		allErrs = append(allErrs, validateClusterIPsUpdate(svc, old, specPath)...)
	}
	if serviceType(svc) == corev1.ServiceTypeLoadBalancer && serviceType(old) == corev1.ServiceTypeLoadBalancer {
		allErrs = append(allErrs, immutable(svc.Spec.LoadBalancerClass, old.Spec.LoadBalancerClass, specPath.Child("loadBalancerClass"))...)
	}
	if needsHealthCheck(svc) && needsHealthCheck(old) && old.Spec.HealthCheckNodePort != 0 {
		allErrs = append(allErrs, immutable(svc.Spec.HealthCheckNodePort, old.Spec.HealthCheckNodePort, specPath.Child("healthCheckNodePort"))...)
	}
	return append(allErrs, ValidateService(svc)...)
}

// effectiveClusterIPs returns clusterIPs, or the legacy single clusterIP
// when only that is set (clients written before dual stack send only it).
func effectiveClusterIPs(svc *corev1.Service) []string {
	if len(svc.Spec.ClusterIPs) > 0 {
		return svc.Spec.ClusterIPs
	}
	if svc.Spec.ClusterIP != "" {
		return []string{svc.Spec.ClusterIP}
	}
	return nil
}

// validateClusterIPsUpdate allows adding a secondary IP (upgrading to dual
// stack) or dropping it (downgrading, which requires SingleStack), but never
// changing an IP that is already allocated. The primary family likewise
// stays.
func validateClusterIPsUpdate(svc, old *corev1.Service, specPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	ipsPath := specPath.Child("clusterIPs")
	newIPs, oldIPs := effectiveClusterIPs(svc), effectiveClusterIPs(old)
	for i := 0; i < len(newIPs) && i < len(oldIPs); i++ {
		if newIPs[i] != oldIPs[i] {
			allErrs = append(allErrs, field.Invalid(ipsPath.Index(i), newIPs, "may not change once set"))
		}
	}
	if len(oldIPs) > len(newIPs) {
		if len(newIPs) == 0 {
			allErrs = append(allErrs, field.Invalid(ipsPath.Index(0), newIPs, "primary clusterIP can not be unset"))
		} else if pol := svc.Spec.IPFamilyPolicy; pol == nil || *pol != corev1.IPFamilyPolicySingleStack {
			allErrs = append(allErrs, field.Invalid(specPath.Child("ipFamilyPolicy"), pol, "must be set to 'SingleStack' when releasing the secondary clusterIP"))
		}
	}
	if len(svc.Spec.IPFamilies) > 0 && len(old.Spec.IPFamilies) > 0 && svc.Spec.IPFamilies[0] != old.Spec.IPFamilies[0] {
		allErrs = append(allErrs, field.Invalid(specPath.Child("ipFamilies").Index(0), svc.Spec.IPFamilies, "may not change once set"))
	}
	return allErrs
}

// ValidateEndpoints validates an Endpoints object (create and update share
// the rules; see ValidateEndpointsUpdate).
func ValidateEndpoints(ep *corev1.Endpoints) field.ErrorList {
	allErrs := validateObjectMeta(&ep.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	subsetsPath := field.NewPath("subsets")
	for i := range ep.Subsets {
		ss := &ep.Subsets[i]
		p := subsetsPath.Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			allErrs = append(allErrs, field.Required(p, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j := range ss.Addresses {
			allErrs = append(allErrs, validateEndpointAddress(&ss.Addresses[j], p.Child("addresses").Index(j))...)
		}
		for j := range ss.NotReadyAddresses {
			allErrs = append(allErrs, validateEndpointAddress(&ss.NotReadyAddresses[j], p.Child("notReadyAddresses").Index(j))...)
		}
		for j, port := range ss.Ports {
			pp := p.Child("ports").Index(j)
			if port.Name == "" {
				if len(ss.Ports) > 1 {
					allErrs = append(allErrs, field.Required(pp.Child("name"), ""))
				}
			} else {
				allErrs = append(allErrs, validateDNS1123Label(port.Name, pp.Child("name"))...)
			}
			allErrs = append(allErrs, validatePortNumber(port.Port, pp.Child("port"))...)
			allErrs = append(allErrs, validateProtocol(port.Protocol, pp.Child("protocol"))...)
			if port.AppProtocol != nil {
				allErrs = append(allErrs, validateQualifiedName(*port.AppProtocol, pp.Child("appProtocol"))...)
			}
		}
	}
	return allErrs
}

func validateEndpointAddress(addr *corev1.EndpointAddress, fldPath *field.Path) field.ErrorList {
	allErrs := validation.IsValidIP(fldPath.Child("ip"), addr.IP)
	if len(allErrs) == 0 {
		allErrs = append(allErrs, validateEndpointIP(addr.IP, fldPath.Child("ip"))...)
	}
	if addr.Hostname != "" {
		allErrs = append(allErrs, validateDNS1123Label(addr.Hostname, fldPath.Child("hostname"))...)
	}
	if addr.NodeName != nil {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *addr.NodeName, fldPath.Child("nodeName"))...)
	}
	return allErrs
}

// ValidateEndpointsUpdate validates an update of an Endpoints object. Node
// names of addresses may change (IPs get reused across nodes).
func ValidateEndpointsUpdate(ep, old *corev1.Endpoints) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&ep.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateEndpoints(ep)...)
}
