package agent

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestServiceEnv(t *testing.T) {
	svc := func(ns, name, ip string, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
	}
	services := []*corev1.Service{
		svc("shop", "hpe-mysql", "10.43.0.20", corev1.ServicePort{Name: "mysql", Port: 3306, Protocol: corev1.ProtocolTCP}),
		svc("shop", "dns", "10.43.0.21",
			corev1.ServicePort{Name: "dns-udp", Port: 53, Protocol: corev1.ProtocolUDP},
			corev1.ServicePort{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP}),
		svc("shop", "headless", corev1.ClusterIPNone, corev1.ServicePort{Port: 80}),
		svc("other", "elsewhere", "10.43.0.22", corev1.ServicePort{Port: 80}),
		svc("default", "kubernetes", "10.43.0.1", corev1.ServicePort{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP}),
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	got := map[string]string{}
	for _, kv := range serviceEnv(pod, services) {
		got[kv[0]] = kv[1]
	}
	want := map[string]string{
		"HPE_MYSQL_SERVICE_HOST":        "10.43.0.20",
		"HPE_MYSQL_SERVICE_PORT":        "3306",
		"HPE_MYSQL_SERVICE_PORT_MYSQL":  "3306",
		"HPE_MYSQL_PORT":                "tcp://10.43.0.20:3306",
		"HPE_MYSQL_PORT_3306_TCP":       "tcp://10.43.0.20:3306",
		"HPE_MYSQL_PORT_3306_TCP_PROTO": "tcp",
		"HPE_MYSQL_PORT_3306_TCP_PORT":  "3306",
		"HPE_MYSQL_PORT_3306_TCP_ADDR":  "10.43.0.20",
		"DNS_SERVICE_HOST":              "10.43.0.21",
		"DNS_SERVICE_PORT":              "53",
		"DNS_SERVICE_PORT_DNS_UDP":      "53",
		"DNS_SERVICE_PORT_DNS_TCP":      "53",
		"DNS_PORT":                      "udp://10.43.0.21:53",
		"DNS_PORT_53_UDP":               "udp://10.43.0.21:53",
		"DNS_PORT_53_UDP_PROTO":         "udp",
		"DNS_PORT_53_UDP_PORT":          "53",
		"DNS_PORT_53_UDP_ADDR":          "10.43.0.21",
		"DNS_PORT_53_TCP":               "tcp://10.43.0.21:53",
		"DNS_PORT_53_TCP_PROTO":         "tcp",
		"DNS_PORT_53_TCP_PORT":          "53",
		"DNS_PORT_53_TCP_ADDR":          "10.43.0.21",
		"KUBERNETES_SERVICE_HOST":       "10.43.0.1",
		"KUBERNETES_SERVICE_PORT":       "443",
		"KUBERNETES_SERVICE_PORT_HTTPS": "443",
		"KUBERNETES_PORT":               "tcp://10.43.0.1:443",
		"KUBERNETES_PORT_443_TCP":       "tcp://10.43.0.1:443",
		"KUBERNETES_PORT_443_TCP_PROTO": "tcp",
		"KUBERNETES_PORT_443_TCP_PORT":  "443",
		"KUBERNETES_PORT_443_TCP_ADDR":  "10.43.0.1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("serviceEnv:\n got %v\nwant %v", got, want)
	}

	// enableServiceLinks false leaves only the API service's.
	off := false
	pod.Spec.EnableServiceLinks = &off
	got = map[string]string{}
	for _, kv := range serviceEnv(pod, services) {
		got[kv[0]] = kv[1]
	}
	if len(got) != 8 || got["KUBERNETES_SERVICE_HOST"] != "10.43.0.1" {
		t.Errorf("with enableServiceLinks false: %v", got)
	}
}

func TestServiceEnvIsOverriddenByContainerEnv(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}
	c := &corev1.Container{Env: []corev1.EnvVar{
		{Name: "DB_SERVICE_PORT", Value: "1"},
		{Name: "URL", Value: "mysql://$(DB_SERVICE_HOST):$(DB_SERVICE_PORT)"},
	}}
	env, err := containerEnv(pod, c, envContext{services: [][2]string{{"DB_SERVICE_HOST", "10.43.0.9"}, {"DB_SERVICE_PORT", "3306"}}},
		func(string, string, string) (map[string]string, bool, error) { return nil, false, nil })
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	if got["DB_SERVICE_PORT"] != "1" || got["URL"] != "mysql://10.43.0.9:1" {
		t.Errorf("env %v", env)
	}
}
