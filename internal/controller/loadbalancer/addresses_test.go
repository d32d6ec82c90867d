package loadbalancer

import (
	"github.com/marina-orchestrator/marina/internal/api"

	"encoding/json"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// node is a node in the given Ready state with addresses given as
// type=address pairs ("InternalIP", "10.0.0.1", ...).
func node(name string, ready corev1.ConditionStatus, addrs ...string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if ready != "" {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}
	}
	for i := 0; i+1 < len(addrs); i += 2 {
		n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeAddressType(addrs[i]), Address: addrs[i+1]})
	}
	return n
}

func TestNodeIPs(t *testing.T) {
	cordoned := node("n", corev1.ConditionTrue, "InternalIP", "10.0.0.1")
	cordoned.Spec.Unschedulable = true
	excluded := node("n", corev1.ConditionTrue, "InternalIP", "10.0.0.1")
	excluded.Labels = map[string]string{corev1.LabelNodeExcludeBalancers: ""}
	tests := []struct {
		name string
		node *corev1.Node
		want []string
	}{
		{"ready: its InternalIP", node("n", corev1.ConditionTrue, "Hostname", "n", "InternalIP", "10.0.0.1"), []string{"10.0.0.1"}},
		{"InternalIP before ExternalIP", node("n", corev1.ConditionTrue, "ExternalIP", "203.0.113.5", "InternalIP", "10.0.0.1"), []string{"10.0.0.1"}},
		{"ExternalIP without InternalIP", node("n", corev1.ConditionTrue, "ExternalIP", "203.0.113.5"), []string{"203.0.113.5"}},
		{"dual stack: both, IPv4 first", node("n", corev1.ConditionTrue, "InternalIP", "fd00::1", "InternalIP", "10.0.0.1"), []string{"10.0.0.1", "fd00::1"}},
		{"not ready", node("n", corev1.ConditionFalse, "InternalIP", "10.0.0.1"), nil},
		{"readiness unknown", node("n", corev1.ConditionUnknown, "InternalIP", "10.0.0.1"), nil},
		{"no Ready condition yet", node("n", "", "InternalIP", "10.0.0.1"), nil},
		{"cordoned nodes still run the proxy", cordoned, []string{"10.0.0.1"}},
		{"excluded from load balancers", excluded, nil},
		{"no address", node("n", corev1.ConditionTrue, "Hostname", "n"), nil},
		{"unparseable address skipped", node("n", corev1.ConditionTrue, "InternalIP", "nonsense", "InternalIP", "10.0.0.1"), []string{"10.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same(t, "addresses", tt.want, nodeIPs(tt.node))
		})
	}
}

func TestLBIPs(t *testing.T) {
	nodes := []*corev1.Node{
		node("a", corev1.ConditionTrue, "InternalIP", "10.0.0.10"),
		node("b", corev1.ConditionTrue, "InternalIP", "fd00::2"),
		node("c", corev1.ConditionTrue, "InternalIP", "10.0.0.9"),
		node("d", corev1.ConditionFalse, "InternalIP", "10.0.0.1"),
		node("e", corev1.ConditionTrue, "InternalIP", "10.0.0.9"), // the same address twice
	}
	same(t, "addresses", []string{"10.0.0.9", "10.0.0.10", "fd00::2"}, lbIPs(nodes))
	same(t, "no nodes", []string(nil), lbIPs(nil))
}

func TestServiceIngress(t *testing.T) {
	ports := []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}, {Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}}
	status := []corev1.PortStatus{{Port: 80, Protocol: corev1.ProtocolTCP}, {Port: 53, Protocol: corev1.ProtocolUDP}}
	vip := func(ip string) corev1.LoadBalancerIngress {
		return corev1.LoadBalancerIngress{IP: ip, IPMode: ptr.To(corev1.LoadBalancerIPModeVIP), Ports: status}
	}
	ips := []string{"10.0.0.1", "10.0.0.2", "fd00::1"}
	tests := []struct {
		name     string
		families []corev1.IPFamily
		ips      []string
		want     []corev1.LoadBalancerIngress
	}{
		{"every address when the service names no family", nil, ips, []corev1.LoadBalancerIngress{vip("10.0.0.1"), vip("10.0.0.2"), vip("fd00::1")}},
		{"IPv4 service", []corev1.IPFamily{corev1.IPv4Protocol}, ips, []corev1.LoadBalancerIngress{vip("10.0.0.1"), vip("10.0.0.2")}},
		{"IPv6 service", []corev1.IPFamily{corev1.IPv6Protocol}, ips, []corev1.LoadBalancerIngress{vip("fd00::1")}},
		{"no nodes: no ingress", []corev1.IPFamily{corev1.IPv4Protocol}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: ports, IPFamilies: tt.families}}
			same(t, "ingress", tt.want, serviceIngress(svc, tt.ips))
		})
	}
	same(t, "ingress of an Ingress", []networkingv1.IngressLoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "fd00::1"}}, ingressIngress([]string{"10.0.0.1", "fd00::1"}))
}

func ingressClass(name, controller string, isDefault bool) *networkingv1.IngressClass {
	c := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.IngressClassSpec{Controller: controller}}
	if isDefault {
		c.Annotations = map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}
	}
	return c
}

func ingress(name string, class *string, annotations map[string]string) *networkingv1.Ingress {
	return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Annotations: annotations},
		Spec: networkingv1.IngressSpec{IngressClassName: class}}
}

func TestOurs(t *testing.T) {
	marina := ingressClass("marina", api.IngressController, false)
	marinaDefault := ingressClass("marina", api.IngressController, true)
	nginxDefault := ingressClass("nginx", "k8s.io/ingress-nginx", true)
	tests := []struct {
		name    string
		ing     *networkingv1.Ingress
		classes []*networkingv1.IngressClass
		want    bool
	}{
		{"class marina", ingress("i", ptr.To("marina"), nil), nil, true},
		{"another class", ingress("i", ptr.To("nginx"), nil), []*networkingv1.IngressClass{marinaDefault}, false},
		{"no class, marina is the default", ingress("i", nil, nil), []*networkingv1.IngressClass{marinaDefault}, true},
		{"empty class, marina is the default", ingress("i", ptr.To(""), nil), []*networkingv1.IngressClass{marinaDefault}, true},
		{"no class, marina is not the default", ingress("i", nil, nil), []*networkingv1.IngressClass{marina}, false},
		{"no class, another default", ingress("i", nil, nil), []*networkingv1.IngressClass{marina, nginxDefault}, false},
		{"no class, no classes", ingress("i", nil, nil), nil, false},
		{"legacy annotation", ingress("i", nil, map[string]string{api.LegacyIngressClassAnnotation: "marina"}), nil, true},
		{"legacy annotation of another class", ingress("i", nil, map[string]string{api.LegacyIngressClassAnnotation: "nginx"}), []*networkingv1.IngressClass{marinaDefault}, false},
		{"another class of Marina's controller", ingress("i", ptr.To("internal"), nil),
			[]*networkingv1.IngressClass{ingressClass("internal", api.IngressController, false)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ours(tt.ing, tt.classes); got != tt.want {
				t.Errorf("ours = %v, want %v", got, tt.want)
			}
		})
	}
}

// same fails t unless got is deeply equal to want, showing both as JSON.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		w, _ := json.MarshalIndent(want, "", "  ")
		g, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
