package agent

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// apiServiceName is the service whose variables every pod gets, even with
// enableServiceLinks false: the API server's, in the default namespace.
const apiServiceName = "kubernetes"

// serviceEnv returns the variables the kubelet gives a pod for the
// services it can see: those of its own namespace (unless
// enableServiceLinks is false) and default/kubernetes. For a service
// "redis-master" with port 6379 named "redis":
//
//	REDIS_MASTER_SERVICE_HOST=10.43.0.11
//	REDIS_MASTER_SERVICE_PORT=6379
//	REDIS_MASTER_SERVICE_PORT_REDIS=6379
//	REDIS_MASTER_PORT=tcp://10.43.0.11:6379
//	REDIS_MASTER_PORT_6379_TCP=tcp://10.43.0.11:6379
//	REDIS_MASTER_PORT_6379_TCP_PROTO=tcp
//	REDIS_MASTER_PORT_6379_TCP_PORT=6379
//	REDIS_MASTER_PORT_6379_TCP_ADDR=10.43.0.11
//
// Services without a cluster IP (headless, ExternalName) have none. A
// service of the pod's namespace named like the API service wins over it.
func serviceEnv(pod *corev1.Pod, services []*corev1.Service) [][2]string {
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	byName := map[string]*corev1.Service{}
	for _, svc := range services {
		ip := svc.Spec.ClusterIP
		if ip == "" || ip == corev1.ClusterIPNone {
			continue
		}
		switch {
		case svc.Namespace == pod.Namespace && links:
			byName[svc.Name] = svc
		case svc.Namespace == "default" && svc.Name == apiServiceName:
			if _, ok := byName[svc.Name]; !ok {
				byName[svc.Name] = svc
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	var out [][2]string
	for _, n := range names {
		out = append(out, serviceVars(byName[n])...)
	}
	return out
}

func serviceVars(svc *corev1.Service) [][2]string {
	prefix := envName(svc.Name)
	ip := svc.Spec.ClusterIP
	out := [][2]string{{prefix + "_SERVICE_HOST", ip}}
	if len(svc.Spec.Ports) == 0 {
		return out
	}
	out = append(out, [2]string{prefix + "_SERVICE_PORT", strconv.Itoa(int(svc.Spec.Ports[0].Port))})
	for _, p := range svc.Spec.Ports {
		if p.Name != "" {
			out = append(out, [2]string{prefix + "_SERVICE_PORT_" + envName(p.Name), strconv.Itoa(int(p.Port))})
		}
	}
	for i, p := range svc.Spec.Ports {
		proto := string(p.Protocol)
		if proto == "" {
			proto = string(corev1.ProtocolTCP)
		}
		port := strconv.Itoa(int(p.Port))
		url := strings.ToLower(proto) + "://" + hostPort(ip, port)
		if i == 0 {
			out = append(out, [2]string{prefix + "_PORT", url})
		}
		pp := prefix + "_PORT_" + port + "_" + strings.ToUpper(proto)
		out = append(out,
			[2]string{pp, url},
			[2]string{pp + "_PROTO", strings.ToLower(proto)},
			[2]string{pp + "_PORT", port},
			[2]string{pp + "_ADDR", ip})
	}
	return out
}

// envName is a name as an environment variable: upper case, with dashes
// as underscores.
func envName(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
}

func hostPort(ip, port string) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]:" + port
	}
	return ip + ":" + port
}
