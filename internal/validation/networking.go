package validation

import (
	"net"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	// legacyIngressClassAnnotation predates spec.ingressClassName.
	legacyIngressClassAnnotation = "kubernetes.io/ingress.class"
	maxIngressClassControllerLen = 250
)

// Sequences an Exact or Prefix path may not contain: proxies normalise them
// differently, which would let requests bypass path-based routing.
var invalidIngressPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
var invalidIngressPathSuffixes = []string{"/..", "/."}

// ValidateIngress validates a networking/v1 Ingress on create.
func ValidateIngress(ing *networkingv1.Ingress) field.ErrorList {
	specPath := field.NewPath("spec")
	spec := &ing.Spec
	allErrs := validateObjectMeta(&ing.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))

	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		allErrs = append(allErrs, field.Invalid(specPath, spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		allErrs = append(allErrs, validateIngressBackend(spec.DefaultBackend, specPath.Child("defaultBackend"))...)
	}
	for i, rule := range spec.Rules {
		p := specPath.Child("rules").Index(i)
		if rule.Host != "" {
			allErrs = append(allErrs, validateIngressHost(rule.Host, p.Child("host"))...)
		}
		if rule.HTTP == nil {
			continue
		}
		pathsPath := p.Child("http", "paths")
		if len(rule.HTTP.Paths) == 0 {
			allErrs = append(allErrs, field.Required(pathsPath, ""))
		}
		for j := range rule.HTTP.Paths {
			allErrs = append(allErrs, validateIngressPath(&rule.HTTP.Paths[j], pathsPath.Index(j))...)
		}
	}
	for i, tls := range spec.TLS {
		p := specPath.Child("tls").Index(i)
		for j, host := range tls.Hosts {
			allErrs = append(allErrs, validateIngressHost(host, p.Child("hosts").Index(j))...)
		}
		if tls.SecretName != "" {
			allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, tls.SecretName, p.Child("secretName"))...)
		}
	}
	if cls := spec.IngressClassName; cls != nil {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, *cls, specPath.Child("ingressClassName"))...)
		// Two sources of truth must agree, or controllers would disagree
		// about who serves the Ingress.
		if ann, ok := ing.Annotations[legacyIngressClassAnnotation]; ok && ann != *cls {
			allErrs = append(allErrs, field.Invalid(field.NewPath("metadata", "annotations").Key(legacyIngressClassAnnotation), ann,
				"must match `ingressClassName` when both are specified"))
		}
	}
	return allErrs
}

// validateIngressHost accepts a DNS name, optionally with a leading "*."
// wildcard label; IP addresses are not host names.
func validateIngressHost(host string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if net.ParseIP(host) != nil {
		return field.ErrorList{field.Invalid(fldPath, host, "must be a DNS name, not an IP address")}
	}
	msgs := validation.IsDNS1123Subdomain(host)
	if strings.Contains(host, "*") {
		msgs = validation.IsWildcardDNS1123Subdomain(host)
	}
	for _, msg := range msgs {
		allErrs = append(allErrs, field.Invalid(fldPath, host, msg))
	}
	return allErrs
}

func validateIngressPath(path *networkingv1.HTTPIngressPath, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	pathPath := fldPath.Child("path")
	if path.PathType == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("pathType"), "pathType must be specified"))
	} else {
		switch *path.PathType {
		case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
			if !strings.HasPrefix(path.Path, "/") {
				allErrs = append(allErrs, field.Invalid(pathPath, path.Path, "must be an absolute path"))
			}
			for _, seq := range invalidIngressPathSequences {
				if strings.Contains(path.Path, seq) {
					allErrs = append(allErrs, field.Invalid(pathPath, path.Path, "must not contain '"+seq+"'"))
				}
			}
			for _, suf := range invalidIngressPathSuffixes {
				if strings.HasSuffix(path.Path, suf) {
					allErrs = append(allErrs, field.Invalid(pathPath, path.Path, "cannot end with '"+suf+"'"))
				}
			}
		case networkingv1.PathTypeImplementationSpecific:
			if path.Path != "" && !strings.HasPrefix(path.Path, "/") {
				allErrs = append(allErrs, field.Invalid(pathPath, path.Path, "must be an absolute path"))
			}
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("pathType"), *path.PathType, []networkingv1.PathType{
				networkingv1.PathTypeExact, networkingv1.PathTypeImplementationSpecific, networkingv1.PathTypePrefix}))
		}
	}
	allErrs = append(allErrs, validateIngressBackend(&path.Backend, fldPath.Child("backend"))...)
	return allErrs
}

// validateIngressBackend requires exactly one of a Service port or a typed
// resource reference.
func validateIngressBackend(b *networkingv1.IngressBackend, fldPath *field.Path) field.ErrorList {
	switch {
	case b.Service != nil && b.Resource != nil:
		return field.ErrorList{field.Invalid(fldPath, "", "cannot set both resource and service backends")}
	case b.Service == nil && b.Resource == nil:
		return field.ErrorList{field.Invalid(fldPath, "", "one backend must be specified")}
	case b.Resource != nil:
		p := fldPath.Child("resource")
		allErrs := requiredFields(p, "kind", b.Resource.Kind, "name", b.Resource.Name)
		if g := b.Resource.APIGroup; g != nil && *g != "" {
			allErrs = append(allErrs, validateDNS1123Subdomain(*g, p.Child("apiGroup"))...)
		}
		return allErrs
	}
	p := fldPath.Child("service")
	var allErrs field.ErrorList
	if b.Service.Name == "" {
		allErrs = append(allErrs, field.Required(p.Child("name"), ""))
	} else {
		allErrs = append(allErrs, validateNameWith(nameIsDNSLabel, b.Service.Name, p.Child("name"))...)
	}
	port := b.Service.Port
	portPath := p.Child("port")
	switch {
	case port.Name != "" && port.Number != 0:
		allErrs = append(allErrs, field.Invalid(portPath, port, "cannot set both port name & port number"))
	case port.Name != "":
		for _, msg := range validation.IsValidPortName(port.Name) {
			allErrs = append(allErrs, field.Invalid(portPath.Child("name"), port.Name, msg))
		}
	case port.Number != 0:
		allErrs = append(allErrs, validatePortNumber(port.Number, portPath.Child("number"))...)
	default:
		allErrs = append(allErrs, field.Invalid(portPath, port, "port name or number is required"))
	}
	return allErrs
}

// ValidateIngressUpdate validates an update of an Ingress; every spec field
// may change.
func ValidateIngressUpdate(ing, old *networkingv1.Ingress) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&ing.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateIngress(ing)...)
}

// ValidateIngressClass validates an IngressClass on create.
func ValidateIngressClass(ic *networkingv1.IngressClass) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMeta(&ic.ObjectMeta, false, nameIsDNSSubdomain, field.NewPath("metadata"))

	ctrlPath := specPath.Child("controller")
	switch {
	case ic.Spec.Controller == "":
		allErrs = append(allErrs, field.Required(ctrlPath, ""))
	case len(ic.Spec.Controller) > maxIngressClassControllerLen:
		allErrs = append(allErrs, field.TooLong(ctrlPath, ic.Spec.Controller, maxIngressClassControllerLen))
	default:
		// Controllers identify themselves as "example.com/ingress-nginx".
		allErrs = append(allErrs, validation.IsDomainPrefixedPath(ctrlPath, ic.Spec.Controller)...)
	}

	if params := ic.Spec.Parameters; params != nil {
		p := specPath.Child("parameters")
		allErrs = append(allErrs, requiredFields(p, "kind", params.Kind, "name", params.Name)...)
		if params.Kind != "" {
			allErrs = append(allErrs, validateNameWith(nameIsPathSegment, params.Kind, p.Child("kind"))...)
		}
		if params.Name != "" {
			allErrs = append(allErrs, validateNameWith(nameIsPathSegment, params.Name, p.Child("name"))...)
		}
		if g := params.APIGroup; g != nil && *g != "" {
			allErrs = append(allErrs, validateDNS1123Subdomain(*g, p.Child("apiGroup"))...)
		}
		// An unset scope defaults to Cluster.
		scope := networkingv1.IngressClassParametersReferenceScopeCluster
		if params.Scope != nil {
			scope = *params.Scope
		}
		switch scope {
		case networkingv1.IngressClassParametersReferenceScopeCluster:
			if params.Namespace != nil {
				allErrs = append(allErrs, field.Forbidden(p.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
			}
		case networkingv1.IngressClassParametersReferenceScopeNamespace:
			if params.Namespace == nil || *params.Namespace == "" {
				allErrs = append(allErrs, field.Required(p.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
			} else {
				allErrs = append(allErrs, validateNameWith(nameIsDNSLabel, *params.Namespace, p.Child("namespace"))...)
			}
		default:
			allErrs = append(allErrs, field.NotSupported(p.Child("scope"), scope, []string{
				networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace}))
		}
	}
	return allErrs
}

// ValidateIngressClassUpdate validates an update of an IngressClass. The
// controller is immutable: Ingresses were already claimed by it.
func ValidateIngressClassUpdate(ic, old *networkingv1.IngressClass) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&ic.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateIngressClass(ic)...)
	allErrs = append(allErrs, immutable(ic.Spec.Controller, old.Spec.Controller, field.NewPath("spec", "controller"))...)
	return allErrs
}
