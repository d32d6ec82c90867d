package validation

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Size limits that keep an EndpointSlice well below etcd's object size.
const (
	maxSliceEndpoints      = 1000
	maxEndpointAddresses   = 100
	maxSlicePorts          = 20000
	maxTopologyLabels      = 16
	maxEndpointHintEntries = 8
)

var supportedAddressTypes = []discoveryv1.AddressType{discoveryv1.AddressTypeFQDN, discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}

// ValidateEndpointSlice validates a discovery/v1 EndpointSlice on create.
func ValidateEndpointSlice(es *discoveryv1.EndpointSlice) field.ErrorList {
	allErrs := validateObjectMeta(&es.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))

	typePath := field.NewPath("addressType")
	switch es.AddressType {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6, discoveryv1.AddressTypeFQDN:
	case "":
		allErrs = append(allErrs, field.Required(typePath, ""))
	default:
		allErrs = append(allErrs, field.NotSupported(typePath, es.AddressType, supportedAddressTypes))
	}

	epsPath := field.NewPath("endpoints")
	if len(es.Endpoints) > maxSliceEndpoints {
		allErrs = append(allErrs, field.TooMany(epsPath, len(es.Endpoints), maxSliceEndpoints))
	}
	for i := range es.Endpoints {
		allErrs = append(allErrs, validateSliceEndpoint(&es.Endpoints[i], es.AddressType, epsPath.Index(i))...)
	}

	portsPath := field.NewPath("ports")
	if len(es.Ports) > maxSlicePorts {
		allErrs = append(allErrs, field.TooMany(portsPath, len(es.Ports), maxSlicePorts))
	}
	names := sets.New[string]()
	for i, port := range es.Ports {
		p := portsPath.Index(i)
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if name != "" {
			allErrs = append(allErrs, validateDNS1123Label(name, p.Child("name"))...)
		}
		// Consumers look ports up by name; the unnamed port counts too.
		if names.Has(name) {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), name))
		}
		names.Insert(name)
		if port.Protocol != nil {
			allErrs = append(allErrs, validateProtocol(*port.Protocol, p.Child("protocol"))...)
		}
		if port.Port != nil {
			allErrs = append(allErrs, validatePortNumber(*port.Port, p.Child("port"))...)
		}
		if port.AppProtocol != nil {
			allErrs = append(allErrs, validateQualifiedName(*port.AppProtocol, p.Child("appProtocol"))...)
		}
	}
	return allErrs
}

func validateSliceEndpoint(ep *discoveryv1.Endpoint, addrType discoveryv1.AddressType, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	addrPath := fldPath.Child("addresses")
	switch {
	case len(ep.Addresses) == 0:
		allErrs = append(allErrs, field.Required(addrPath, "must contain at least 1 address"))
	case len(ep.Addresses) > maxEndpointAddresses:
		allErrs = append(allErrs, field.TooMany(addrPath, len(ep.Addresses), maxEndpointAddresses))
	}
	for i, addr := range ep.Addresses {
		p := addrPath.Index(i)
		switch addrType {
		case discoveryv1.AddressTypeIPv4:
			if errs := validation.IsValidIP(p, addr); len(errs) > 0 {
				allErrs = append(allErrs, errs...)
			} else if isIPv6(addr) {
				allErrs = append(allErrs, field.Invalid(p, addr, "must be a valid IPv4 address"))
			} else {
				allErrs = append(allErrs, validateEndpointIP(addr, p)...)
			}
		case discoveryv1.AddressTypeIPv6:
			if errs := validation.IsValidIP(p, addr); len(errs) > 0 {
				allErrs = append(allErrs, errs...)
			} else if !isIPv6(addr) {
				allErrs = append(allErrs, field.Invalid(p, addr, "must be a valid IPv6 address"))
			} else {
				allErrs = append(allErrs, validateEndpointIP(addr, p)...)
			}
		case discoveryv1.AddressTypeFQDN:
			allErrs = append(allErrs, validation.IsFullyQualifiedDomainName(p, addr)...)
		}
	}
	if ep.NodeName != nil {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *ep.NodeName, fldPath.Child("nodeName"))...)
	}
	if ep.Hostname != nil {
		allErrs = append(allErrs, validateDNS1123Label(*ep.Hostname, fldPath.Child("hostname"))...)
	}
	topoPath := fldPath.Child("deprecatedTopology")
	if len(ep.DeprecatedTopology) > maxTopologyLabels {
		allErrs = append(allErrs, field.TooMany(topoPath, len(ep.DeprecatedTopology), maxTopologyLabels))
	}
	allErrs = append(allErrs, validateLabels(ep.DeprecatedTopology, topoPath)...)
	// The zone has its own field in v1; keeping it in the map too would
	// leave two sources of truth.
	if _, ok := ep.DeprecatedTopology[corev1.LabelTopologyZone]; ok {
		allErrs = append(allErrs, field.Invalid(topoPath.Key(corev1.LabelTopologyZone), ep.DeprecatedTopology[corev1.LabelTopologyZone], "use the `zone` field instead"))
	}
	if ep.Zone != nil {
		allErrs = append(allErrs, validateLabelValue(*ep.Zone, fldPath.Child("zone"))...)
	}
	if h := ep.Hints; h != nil {
		hp := fldPath.Child("hints")
		if len(h.ForZones) > maxEndpointHintEntries {
			allErrs = append(allErrs, field.TooMany(hp.Child("forZones"), len(h.ForZones), maxEndpointHintEntries))
		}
		zones := sets.New[string]()
		for i, z := range h.ForZones {
			zp := hp.Child("forZones").Index(i).Child("name")
			allErrs = append(allErrs, validateLabelValue(z.Name, zp)...)
			if zones.Has(z.Name) {
				allErrs = append(allErrs, field.Duplicate(zp, z.Name))
			}
			zones.Insert(z.Name)
		}
		if len(h.ForNodes) > maxEndpointHintEntries {
			allErrs = append(allErrs, field.TooMany(hp.Child("forNodes"), len(h.ForNodes), maxEndpointHintEntries))
		}
		nodes := sets.New[string]()
		for i, n := range h.ForNodes {
			np := hp.Child("forNodes").Index(i).Child("name")
			allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, n.Name, np)...)
			if nodes.Has(n.Name) {
				allErrs = append(allErrs, field.Duplicate(np, n.Name))
			}
			nodes.Insert(n.Name)
		}
	}
	return allErrs
}

// ValidateEndpointSliceUpdate validates an update of an EndpointSlice. The
// address type is immutable: consumers index slices by it.
func ValidateEndpointSliceUpdate(es, old *discoveryv1.EndpointSlice) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&es.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateEndpointSlice(es)...)
	allErrs = append(allErrs, immutable(es.AddressType, old.AddressType, field.NewPath("addressType"))...)
	return allErrs
}
