package printers

import (
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestIngressCells(t *testing.T) {
	gr := schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}
	rules := func(hosts ...string) []networkingv1.IngressRule {
		out := make([]networkingv1.IngressRule, len(hosts))
		for i, h := range hosts {
			out[i] = networkingv1.IngressRule{Host: h}
		}
		return out
	}
	tests := []struct {
		name string
		ing  *networkingv1.Ingress
		want []interface{}
	}{
		{
			name: "class, hosts, address and TLS",
			ing: &networkingv1.Ingress{
				ObjectMeta: objMeta("shop", 4*time.Hour),
				Spec: networkingv1.IngressSpec{
					IngressClassName: ptr("nginx"),
					Rules:            rules("shop.example.com", "api.example.com"),
					TLS:              []networkingv1.IngressTLS{{Hosts: []string{"shop.example.com"}}},
				},
				Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{
					Ingress: []networkingv1.IngressLoadBalancerIngress{{IP: "203.0.113.20"}, {Hostname: "a.lb.example.net"}},
				}},
			},
			want: []interface{}{"shop", "nginx", "shop.example.com,api.example.com", "203.0.113.20,a.lb.example.net", "80, 443", "4h"},
		},
		{
			name: "default backend only",
			ing:  &networkingv1.Ingress{ObjectMeta: objMeta("catchall", time.Minute)},
			want: []interface{}{"catchall", "<none>", "*", "", "80", "60s"},
		},
		{
			name: "many hosts",
			ing: &networkingv1.Ingress{
				ObjectMeta: objMeta("many", time.Minute),
				Spec:       networkingv1.IngressSpec{Rules: rules("a.example", "b.example", "c.example", "d.example", "e.example")},
			},
			want: []interface{}{"many", "<none>", "a.example,b.example,c.example + 2 more...", "", "80", "60s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.ing, tt.want)
		})
	}
}

func TestIngressClassCells(t *testing.T) {
	gr := schema.GroupResource{Group: "networking.k8s.io", Resource: "ingressclasses"}
	tests := []struct {
		name string
		ic   *networkingv1.IngressClass
		want []interface{}
	}{
		{
			name: "with parameters",
			ic: &networkingv1.IngressClass{
				ObjectMeta: objMeta("external-lb", time.Hour),
				Spec: networkingv1.IngressClassSpec{
					Controller: "example.com/ingress-controller",
					Parameters: &networkingv1.IngressClassParametersReference{APIGroup: ptr("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb"},
				},
			},
			want: []interface{}{"external-lb", "example.com/ingress-controller", "IngressParameters.k8s.example.com/external-lb", "60m"},
		},
		{
			name: "core-group parameters",
			ic: &networkingv1.IngressClass{
				ObjectMeta: objMeta("nginx", time.Hour),
				Spec: networkingv1.IngressClassSpec{
					Controller: "k8s.io/ingress-nginx",
					Parameters: &networkingv1.IngressClassParametersReference{Kind: "ConfigMap", Name: "nginx-config"},
				},
			},
			want: []interface{}{"nginx", "k8s.io/ingress-nginx", "ConfigMap/nginx-config", "60m"},
		},
		{
			name: "without parameters",
			ic: &networkingv1.IngressClass{
				ObjectMeta: objMeta("plain", time.Hour),
				Spec:       networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"},
			},
			want: []interface{}{"plain", "k8s.io/ingress-nginx", "<none>", "60m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.ic, tt.want)
		})
	}
}
