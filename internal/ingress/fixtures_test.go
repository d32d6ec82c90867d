package ingress

import (
	"github.com/marina-orchestrator/marina/internal/api"

	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Builders for the API objects the tests feed to buildTable and Sync.

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ingress returns an Ingress of class marina in ns, created age seconds
// after epoch.
func ingress(ns, name string, age int, rules ...networkingv1.IngressRule) *networkingv1.Ingress {
	class := ClassName
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:         ns,
			Name:              name,
			CreationTimestamp: metav1.NewTime(epoch.Add(time.Duration(age) * time.Second)),
		},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: rules},
	}
}

func withDefault(ing *networkingv1.Ingress, svc string) *networkingv1.Ingress {
	ing.Spec.DefaultBackend = svcBackend(svc, 80)
	return ing
}

func withClass(ing *networkingv1.Ingress, class *string, annotation string) *networkingv1.Ingress {
	ing.Spec.IngressClassName = class
	if annotation != "" {
		ing.Annotations = map[string]string{api.LegacyIngressClassAnnotation: annotation}
	}
	return ing
}

func withTLS(ing *networkingv1.Ingress, secret string, hosts ...string) *networkingv1.Ingress {
	ing.Spec.TLS = append(ing.Spec.TLS, networkingv1.IngressTLS{Hosts: hosts, SecretName: secret})
	return ing
}

func rule(host string, paths ...networkingv1.HTTPIngressPath) networkingv1.IngressRule {
	return networkingv1.IngressRule{
		Host:             host,
		IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}},
	}
}

func ingressPath(t networkingv1.PathType, path, svc string) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{Path: path, PathType: &t, Backend: *svcBackend(svc, 80)}
}

func prefix(path, svc string) networkingv1.HTTPIngressPath {
	return ingressPath(networkingv1.PathTypePrefix, path, svc)
}

func exact(path, svc string) networkingv1.HTTPIngressPath {
	return ingressPath(networkingv1.PathTypeExact, path, svc)
}

func svcBackend(svc string, port int32) *networkingv1.IngressBackend {
	return &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
		Name: svc, Port: networkingv1.ServiceBackendPort{Number: port},
	}}
}

func newClass(name, controller string, isDefault bool) *networkingv1.IngressClass {
	c := &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       networkingv1.IngressClassSpec{Controller: controller},
	}
	if isDefault {
		c.Annotations = map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}
	}
	return c
}

// service returns a ClusterIP Service with one TCP port 80 named "http".
func service(ns, name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP},
		}},
	}
}

// endpoint is one address of an EndpointSlice; ready nil leaves the
// condition unset.
type endpoint struct {
	ip    string
	ready *bool
}

// endpointSlice returns an IPv4 slice of Service svc with one port.
func endpointSlice(ns, name, svc, portName string, port int32, eps ...endpoint) *discoveryv1.EndpointSlice {
	tcp := corev1.ProtocolTCP
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns,
			Name:      name,
			Labels:    map[string]string{discoveryv1.LabelServiceName: svc},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port, Protocol: &tcp}},
	}
	for _, ep := range eps {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{ep.ip},
			Conditions: discoveryv1.EndpointConditions{Ready: ep.ready},
		})
	}
	return s
}

func ptr[T any](v T) *T { return &v }
