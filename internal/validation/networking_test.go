package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

func serviceBackend(name string, port int32) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: port}}}
}

func validIngress() *networkingv1.Ingress {
	return &networkingv1.Ingress{
		ObjectMeta: meta("web"),
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr("nginx"),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{"web.example.com", "*.example.com"}, SecretName: "web-tls"}},
			Rules: []networkingv1.IngressRule{{
				Host: "web.example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{
					{Path: "/", PathType: ptr(networkingv1.PathTypePrefix), Backend: serviceBackend("web", 80)},
					{Path: "/api", PathType: ptr(networkingv1.PathTypeExact), Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: "api", Port: networkingv1.ServiceBackendPort{Name: "http"}}}},
					{PathType: ptr(networkingv1.PathTypeImplementationSpecific), Backend: networkingv1.IngressBackend{
						Resource: &corev1.TypedLocalObjectReference{APIGroup: ptr("storage.example.com"), Kind: "Bucket", Name: "assets"}}},
				}}},
			}},
		},
	}
}

func TestValidateIngress(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*networkingv1.Ingress)
		want   []want
	}{
		{name: "valid", mutate: func(*networkingv1.Ingress) {}},
		{name: "default backend only", mutate: func(i *networkingv1.Ingress) {
			i.Spec.Rules = nil
			i.Spec.DefaultBackend = ptr(serviceBackend("web", 8080))
		}},
		{name: "no rules and no default backend", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules = nil },
			want: []want{errInvalid("spec")}},
		{name: "path type required", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules[0].HTTP.Paths[0].PathType = nil },
			want: []want{errRequired("spec.rules[0].http.paths[0].pathType")}},
		{name: "relative prefix path", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "app" },
			want: []want{errInvalid("spec.rules[0].http.paths[0].path")}},
		{name: "path with a traversal", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a/../b" },
			want: []want{errInvalid("spec.rules[0].http.paths[0].path")}},
		{name: "unknown path type", mutate: func(i *networkingv1.Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].PathType = ptr(networkingv1.PathType("Regex"))
		}, want: []want{errNotSupported("spec.rules[0].http.paths[0].pathType")}},
		{name: "paths required", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules[0].HTTP.Paths = nil },
			want: []want{errRequired("spec.rules[0].http.paths")}},
		{name: "IP address as host", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "10.0.0.1" },
			want: []want{errInvalid("spec.rules[0].host")}},
		{name: "bad wildcard host", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "web.*.example.com" },
			want: []want{errInvalid("spec.rules[0].host")}},
		{name: "backend with both service and resource", mutate: func(i *networkingv1.Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend.Resource = &corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "b"}
		}, want: []want{errInvalid("spec.rules[0].http.paths[0].backend")}},
		{name: "backend with neither", mutate: func(i *networkingv1.Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend = networkingv1.IngressBackend{}
		}, want: []want{errInvalid("spec.rules[0].http.paths[0].backend")}},
		{name: "service port both named and numbered", mutate: func(i *networkingv1.Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Name = "http"
		}, want: []want{errInvalid("spec.rules[0].http.paths[0].backend.service.port")}},
		{name: "service port missing", mutate: func(i *networkingv1.Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = networkingv1.ServiceBackendPort{}
		}, want: []want{errInvalid("spec.rules[0].http.paths[0].backend.service.port")}},
		{name: "service port out of range and bad service name", mutate: func(i *networkingv1.Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend = serviceBackend("Web_Svc", 70000)
		}, want: []want{errInvalid("spec.rules[0].http.paths[0].backend.service.name"), errInvalid("spec.rules[0].http.paths[0].backend.service.port.number")}},
		{name: "bad TLS secret name", mutate: func(i *networkingv1.Ingress) { i.Spec.TLS[0].SecretName = "Web TLS" },
			want: []want{errInvalid("spec.tls[0].secretName")}},
		{name: "class annotation disagrees with field", mutate: func(i *networkingv1.Ingress) {
			i.Annotations = map[string]string{"kubernetes.io/ingress.class": "traefik"}
		}, want: []want{errInvalid("metadata.annotations[kubernetes.io/ingress.class]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			i := validIngress()
			tc.mutate(i)
			expectErrors(t, ValidateIngress(i), tc.want...)
		})
	}
}

func TestValidateIngressUpdate(t *testing.T) {
	old, i := validIngress(), validIngress()
	i.ObjectMeta = withRV(i.ObjectMeta)
	i.Spec.IngressClassName = ptr("traefik")
	i.Spec.Rules[0].Host = "www.example.com"
	expectErrors(t, ValidateIngressUpdate(i, old))

	i.Spec.Rules[0].Host = "www..example.com"
	expectErrors(t, ValidateIngressUpdate(i, old), errInvalid("spec.rules[0].host"))
}

func validIngressClass() *networkingv1.IngressClass {
	return &networkingv1.IngressClass{
		ObjectMeta: clusterMeta("nginx"),
		Spec: networkingv1.IngressClassSpec{
			Controller: "k8s.io/ingress-nginx",
			Parameters: &networkingv1.IngressClassParametersReference{
				APIGroup: ptr("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb",
				Scope: ptr(networkingv1.IngressClassParametersReferenceScopeNamespace), Namespace: ptr("ingress"),
			},
		},
	}
}

func TestValidateIngressClass(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*networkingv1.IngressClass)
		want   []want
	}{
		{name: "valid", mutate: func(*networkingv1.IngressClass) {}},
		{name: "cluster-scoped parameters by default", mutate: func(c *networkingv1.IngressClass) {
			c.Spec.Parameters.Scope, c.Spec.Parameters.Namespace = nil, nil
		}},
		{name: "controller required", mutate: func(c *networkingv1.IngressClass) { c.Spec.Controller = "" },
			want: []want{errRequired("spec.controller")}},
		{name: "controller must be domain-prefixed", mutate: func(c *networkingv1.IngressClass) { c.Spec.Controller = "nginx" },
			want: []want{errInvalid("spec.controller")}},
		{name: "namespace scope without namespace", mutate: func(c *networkingv1.IngressClass) { c.Spec.Parameters.Namespace = nil },
			want: []want{errRequired("spec.parameters.namespace")}},
		{name: "cluster scope with namespace", mutate: func(c *networkingv1.IngressClass) {
			c.Spec.Parameters.Scope = ptr(networkingv1.IngressClassParametersReferenceScopeCluster)
		}, want: []want{errForbidden("spec.parameters.namespace")}},
		{name: "unknown scope and missing kind", mutate: func(c *networkingv1.IngressClass) {
			c.Spec.Parameters.Scope = ptr("Global")
			c.Spec.Parameters.Kind = ""
		}, want: []want{errNotSupported("spec.parameters.scope"), errRequired("spec.parameters.kind")}},
		{name: "namespaced by mistake", mutate: func(c *networkingv1.IngressClass) { c.Namespace = "default" },
			want: []want{errForbidden("metadata.namespace")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validIngressClass()
			tc.mutate(c)
			expectErrors(t, ValidateIngressClass(c), tc.want...)
		})
	}
}

func TestValidateIngressClassUpdate(t *testing.T) {
	old, c := validIngressClass(), validIngressClass()
	c.ObjectMeta = withRV(c.ObjectMeta)
	c.Spec.Parameters.Name = "internal-lb"
	expectErrors(t, ValidateIngressClassUpdate(c, old))

	c.Spec.Controller = "example.com/other"
	expectErrors(t, ValidateIngressClassUpdate(c, old), errInvalid("spec.controller"))
}
