package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validPod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: meta("web"), Spec: validPodSpec()}
}

// richPod exercises most optional pod features with valid values.
func richPod() *corev1.Pod {
	pod := validPod()
	pod.Labels = map[string]string{"app": "web", "tier": "frontend"}
	pod.Annotations = map[string]string{"example.com/owner": "team-a"}
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(q("1Gi"))}}},
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"},
			Items:                []corev1.KeyToPath{{Key: "app.yaml", Path: "conf/app.yaml", Mode: ptr(int32(0o644))}},
		}}},
		{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "web-creds", DefaultMode: ptr(int32(0o400))}}},
		{Name: "claim", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "web-data"}}},
		{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
			{Path: "cpu", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "app", Resource: "limits.cpu"}},
		}}}},
		{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr(int64(3600))}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
		}}}},
	}
	pod.Spec.ServiceAccountName = "web"
	c := &pod.Spec.Containers[0]
	c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}, {ContainerPort: 9090}}
	c.Env = []corev1.EnvVar{
		{Name: "MODE", Value: "prod"},
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
		{Name: "TEAM", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['tier']"}}},
		{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "web-creds"}, Key: "password"}}},
		{Name: "MEM", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory"}}},
	}
	c.EnvFrom = []corev1.EnvFromSource{{Prefix: "CFG_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}}
	c.Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: q("100m"), corev1.ResourceMemory: q("128Mi"), "example.com/gpu": q("1")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: q("500m"), corev1.ResourceMemory: q("256Mi"), "example.com/gpu": q("1")},
	}
	c.VolumeMounts = []corev1.VolumeMount{
		{Name: "data", MountPath: "/data"},
		{Name: "config", MountPath: "/etc/web", ReadOnly: true},
		{Name: "claim", MountPath: "/var/lib/web", SubPath: "web"},
	}
	c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}, PeriodSeconds: 10}
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}}
	c.StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, FailureThreshold: 30}
	c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
	c.SecurityContext = &corev1.SecurityContext{RunAsUser: ptr(int64(1000)), AllowPrivilegeEscalation: ptr(false),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	pod.Spec.InitContainers = []corev1.Container{
		validContainer("init"),
		{Name: "proxy", Image: "proxy:2", RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways),
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9000}}}},
	}
	pod.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
	pod.Spec.Tolerations = []corev1.Toleration{
		{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "web", Effect: corev1.TaintEffectNoSchedule},
		{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
		{Operator: corev1.TolerationOpExists},
	}
	pod.Spec.Affinity = &corev1.Affinity{
		NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}},
		}}}},
		PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 50, PodAffinityTerm: corev1.PodAffinityTerm{LabelSelector: appSelector(), TopologyKey: "kubernetes.io/hostname"},
		}}},
	}
	pod.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone",
		WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: appSelector(), MinDomains: ptr(int32(2))}}
	pod.Spec.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"10.0.0.10"}, Searches: []string{"svc.cluster.local", "_tcp.example.com"},
		Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr("2")}}}
	pod.Spec.HostAliases = []corev1.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"db.local"}}}
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr(int64(2000)), Sysctls: []corev1.Sysctl{{Name: "net.ipv4.ip_local_port_range", Value: "1024 65535"}}}
	pod.Spec.TerminationGracePeriodSeconds = ptr(int64(60))
	pod.Spec.ActiveDeadlineSeconds = ptr(int64(3600))
	pod.Spec.Hostname = "web-0"
	pod.Spec.Subdomain = "web"
	pod.Spec.PriorityClassName = "high"
	pod.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/ready"}}
	return pod
}

func TestValidatePod(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []want
	}{
		{name: "minimal pod is valid", mutate: func(*corev1.Pod) {}},
		{name: "empty defaulted enums are accepted", mutate: func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Spec.DNSPolicy = "", ""
		}},
		{name: "bad name", mutate: func(p *corev1.Pod) { p.Name = "Bad_Name" },
			want: []want{errInvalid("metadata.name")}},
		{name: "missing name", mutate: func(p *corev1.Pod) { p.Name = "" },
			want: []want{errRequired("metadata.name")}},
		{name: "missing namespace", mutate: func(p *corev1.Pod) { p.Namespace = "" },
			want: []want{errRequired("metadata.namespace")}},
		{name: "invalid label value", mutate: func(p *corev1.Pod) { p.Labels = map[string]string{"app": "not valid!"} },
			want: []want{errInvalid("metadata.labels")}},
		{name: "unqualified custom finalizer", mutate: func(p *corev1.Pod) { p.Finalizers = []string{"cleanup"} },
			want: []want{errInvalid("metadata.finalizers[0]")}},
		{name: "no containers", mutate: func(p *corev1.Pod) { p.Spec.Containers = nil },
			want: []want{errRequired("spec.containers")}},
		{name: "container name not a DNS label", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Name = "App_1" },
			want: []want{errInvalid("spec.containers[0].name")}},
		{name: "missing container name", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Name = "" },
			want: []want{errRequired("spec.containers[0].name")}},
		{name: "duplicate container names", mutate: func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, validContainer("app"))
		}, want: []want{errDuplicate("spec.containers[1].name")}},
		{name: "init container name clashes with container", mutate: func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{validContainer("app")}
		}, want: []want{errDuplicate("spec.initContainers[0].name")}},
		{name: "missing image", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" },
			want: []want{errRequired("spec.containers[0].image")}},
		{name: "image with surrounding whitespace", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Image = " nginx " },
			want: []want{errInvalid("spec.containers[0].image")}},
		{name: "container port out of range", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 70000}}
		}, want: []want{errInvalid("spec.containers[0].ports[0].containerPort")}},
		{name: "container port missing", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http"}}
		}, want: []want{errRequired("spec.containers[0].ports[0].containerPort")}},
		{name: "unsupported protocol and bad port name", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http_1", ContainerPort: 80, Protocol: "ICMP"}}
		}, want: []want{errInvalid("spec.containers[0].ports[0].name"), errNotSupported("spec.containers[0].ports[0].protocol")}},
		{name: "duplicate port names", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80}, {Name: "http", ContainerPort: 81}}
		}, want: []want{errDuplicate("spec.containers[0].ports[1].name")}},
		{name: "host port conflict across containers", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
			c := validContainer("sidecar")
			c.Ports = []corev1.ContainerPort{{ContainerPort: 81, HostPort: 8080, Protocol: corev1.ProtocolTCP}}
			p.Spec.Containers = append(p.Spec.Containers, c)
		}, want: []want{errDuplicate("spec.containers[1].ports[0].hostPort")}},
		{name: "host network requires hostPort to equal containerPort", mutate: func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}}
		}, want: []want{errInvalid("spec.containers[0].ports[0].hostPort")}},
		{name: "env var without name and with '='", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Value: "x"}, {Name: "A=B"}}
		}, want: []want{errRequired("spec.containers[0].env[0].name"), errInvalid("spec.containers[0].env[1].name")}},
		{name: "env value and valueFrom together", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "x", ValueFrom: &corev1.EnvVarSource{
				ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "k"}}}}
		}, want: []want{errInvalid("spec.containers[0].env[0].valueFrom")}},
		{name: "env fieldRef to unsupported field", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.containers"}}}}
		}, want: []want{errNotSupported("spec.containers[0].env[0].valueFrom.fieldRef.fieldPath")}},
		{name: "envFrom without source", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{Prefix: "X_"}}
		}, want: []want{errInvalid("spec.containers[0].envFrom[0]")}},
		{name: "negative resource request", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: q("-1")}
		}, want: []want{errInvalid("spec.containers[0].resources.requests[cpu]")}},
		{name: "request above limit", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceMemory: q("2Gi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: q("1Gi")},
			}
		}, want: []want{errInvalid("spec.containers[0].resources.requests[memory]")}},
		{name: "unknown unqualified resource", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"gpu": q("1")}
		}, want: []want{errInvalid("spec.containers[0].resources.limits[gpu]")}},
		{name: "extended resource request without limit", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"example.com/gpu": q("1")}
		}, want: []want{errRequired("spec.containers[0].resources.limits[example.com/gpu]")}},
		{name: "hugepages need cpu or memory", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"hugepages-2Mi": q("4Mi")}
		}, want: []want{errForbidden("spec.containers[0].resources")}},
		{name: "duplicate volume names", mutate: func(p *corev1.Pod) {
			v := corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
			p.Spec.Volumes = []corev1.Volume{v, v}
		}, want: []want{errDuplicate("spec.volumes[1].name")}},
		{name: "volume without source", mutate: func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data"}}
		}, want: []want{errRequired("spec.volumes[0]")}},
		{name: "volume with two sources", mutate: func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				EmptyDir: &corev1.EmptyDirVolumeSource{}, HostPath: &corev1.HostPathVolumeSource{Path: "/tmp"}}}}
		}, want: []want{errForbidden("spec.volumes[0].hostPath")}},
		{name: "secret volume without secret name", mutate: func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{DefaultMode: ptr(int32(0o1000))}}}}
		}, want: []want{errRequired("spec.volumes[0].secret.secretName"), errInvalid("spec.volumes[0].secret.defaultMode")}},
		{name: "configMap item path escaping the volume", mutate: func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "c", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Items: []corev1.KeyToPath{{Key: "k", Path: "../etc/passwd"}}}}}}
		}, want: []want{errInvalid("spec.volumes[0].configMap.items[0].path"), errInvalid("spec.volumes[0].configMap.items[0].path")}},
		{name: "negative emptyDir size", mutate: func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(q("-1Gi"))}}}}
		}, want: []want{errForbidden("spec.volumes[0].emptyDir.sizeLimit")}},
		{name: "mount of unknown volume", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "missing", MountPath: "/data"}}
		}, want: []want{errNotFound("spec.containers[0].volumeMounts[0].name")}},
		{name: "two mounts at one path", mutate: func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "d", MountPath: "/data"}, {Name: "d", MountPath: "/data"}}
		}, want: []want{errInvalid("spec.containers[0].volumeMounts[1].mountPath")}},
		{name: "unsupported restart and dns policies", mutate: func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Spec.DNSPolicy = "Sometimes", "Google"
		}, want: []want{errNotSupported("spec.restartPolicy"), errNotSupported("spec.dnsPolicy")}},
		{name: "dnsPolicy None needs dnsConfig", mutate: func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSNone },
			want: []want{errRequired("spec.dnsConfig")}},
		{name: "probe without handler", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{PeriodSeconds: 5}
		}, want: []want{errRequired("spec.containers[0].livenessProbe")}},
		{name: "probe with two handlers and bad threshold", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				Exec: &corev1.ExecAction{Command: []string{"true"}}, HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}, SuccessThreshold: 2}
		}, want: []want{errForbidden("spec.containers[0].livenessProbe.httpGet"), errInvalid("spec.containers[0].livenessProbe.successThreshold")}},
		{name: "readiness probe with grace period and negative timeout", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
				TimeoutSeconds: -1, TerminationGracePeriodSeconds: ptr(int64(10))}
		}, want: []want{errInvalid("spec.containers[0].readinessProbe.timeoutSeconds"), errInvalid("spec.containers[0].readinessProbe.terminationGracePeriodSeconds")}},
		{name: "plain init container with probe and lifecycle", mutate: func(p *corev1.Pod) {
			c := validContainer("init")
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
			c.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
			p.Spec.InitContainers = []corev1.Container{c}
		}, want: []want{errForbidden("spec.initContainers[0].livenessProbe"), errForbidden("spec.initContainers[0].lifecycle")}},
		{name: "sleep longer than grace period", mutate: func(p *corev1.Pod) {
			p.Spec.TerminationGracePeriodSeconds = ptr(int64(10))
			p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 20}}}
		}, want: []want{errInvalid("spec.containers[0].lifecycle.preStop.sleep.seconds")}},
		{name: "activeDeadlineSeconds must be positive", mutate: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(0)) },
			want: []want{errInvalid("spec.activeDeadlineSeconds")}},
		{name: "toleration with empty key must use Exists", mutate: func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpEqual, Value: "x"}}
		}, want: []want{errInvalid("spec.tolerations[0].operator")}},
		{name: "tolerationSeconds needs NoExecute", mutate: func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule, TolerationSeconds: ptr(int64(1))}}
		}, want: []want{errInvalid("spec.tolerations[0].effect")}},
		{name: "invalid node selector", mutate: func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"bad key!": "v"} },
			want: []want{errInvalid("spec.nodeSelector")}},
		{name: "node affinity without terms", mutate: func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}}}
		}, want: []want{errRequired("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")}},
		{name: "pod affinity term without topology key and bad weight", mutate: func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
				{Weight: 101, PodAffinityTerm: corev1.PodAffinityTerm{LabelSelector: appSelector()}}}}}
		}, want: []want{
			errInvalid("spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight"),
			errRequired("spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey"),
		}},
		{name: "topology spread with zero skew", mutate: func(p *corev1.Pod) {
			p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 0, TopologyKey: "zone", WhenUnsatisfiable: corev1.ScheduleAnyway}}
		}, want: []want{errInvalid("spec.topologySpreadConstraints[0].maxSkew")}},
		{name: "ephemeral containers cannot be set on create", mutate: func(p *corev1.Pod) {
			p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox"}}}
		}, want: []want{errForbidden("spec.ephemeralContainers")}},
		{name: "user namespace with host network", mutate: func(p *corev1.Pod) {
			p.Spec.HostUsers = ptr(false)
			p.Spec.HostNetwork = true
		}, want: []want{errForbidden("spec.hostNetwork")}},
		{name: "hostname and node name must be DNS names", mutate: func(p *corev1.Pod) {
			p.Spec.Hostname = "web.0"
			p.Spec.NodeName = "Node_1"
		}, want: []want{errInvalid("spec.hostname"), errInvalid("spec.nodeName")}},
		{name: "nodeName with scheduling gates", mutate: func(p *corev1.Pod) {
			p.Spec.NodeName = "node-1"
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/gate"}}
		}, want: []want{errForbidden("spec.nodeName")}},
		{name: "projected token without service account", mutate: func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "t", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}}}
		}, want: []want{errForbidden("spec.volumes[0].projected.sources[0].serviceAccountToken")}},
		{name: "mirror pod annotation needs a node", mutate: func(p *corev1.Pod) {
			p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "x"}
		}, want: []want{errInvalid("metadata.annotations[kubernetes.io/config.mirror]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := validPod()
			tc.mutate(pod)
			expectErrors(t, ValidatePod(pod), tc.want...)
		})
	}
}

func TestValidatePodRichSpecIsValid(t *testing.T) {
	expectErrors(t, ValidatePod(richPod()))
}

func TestValidatePodSpecForTemplates(t *testing.T) {
	// Outside a pod, images are not trimmed-checked and generic ephemeral
	// volumes need no pod name.
	spec := validPodSpec()
	spec.Containers[0].Image = " padded "
	spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{
		VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q("1Gi")}},
		}},
	}}}}
	expectErrors(t, ValidatePodSpec(&spec, nil, field.NewPath("spec")))

	spec.Volumes[0].Ephemeral.VolumeClaimTemplate.Name = "not-allowed"
	spec.Volumes[0].Ephemeral.VolumeClaimTemplate.Spec.AccessModes = nil
	expectErrors(t, ValidatePodSpec(&spec, nil, field.NewPath("spec")),
		errForbidden("spec.volumes[0].ephemeral.volumeClaimTemplate.metadata.name"),
		errRequired("spec.volumes[0].ephemeral.volumeClaimTemplate.spec.accessModes"))
}

func TestValidatePodTemplateSpec(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.PodTemplateSpec)
		want   []want
	}{
		{name: "valid template", mutate: func(*corev1.PodTemplateSpec) {}},
		{name: "invalid template label", mutate: func(p *corev1.PodTemplateSpec) { p.Labels = map[string]string{"app": "-x-"} },
			want: []want{errInvalid("template.metadata.labels")}},
		{name: "ephemeral containers are not allowed", mutate: func(p *corev1.PodTemplateSpec) {
			p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox"}}}
		}, want: []want{errForbidden("template.spec.ephemeralContainers")}},
		{name: "container errors carry the template path", mutate: func(p *corev1.PodTemplateSpec) { p.Spec.Containers[0].Image = "" },
			want: []want{errRequired("template.spec.containers[0].image")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := validTemplate(appLabels)
			tc.mutate(&tmpl)
			expectErrors(t, ValidatePodTemplateSpec(&tmpl, field.NewPath("template")), tc.want...)
		})
	}
}

func TestValidatePodUpdate(t *testing.T) {
	base := func() *corev1.Pod {
		p := validPod()
		p.Spec.ActiveDeadlineSeconds = ptr(int64(100))
		p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
		p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/gate"}}
		return p
	}
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []want
	}{
		{name: "no change", mutate: func(*corev1.Pod) {}},
		{name: "image change is allowed", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "registry.example.com/app:2.0" }},
		{name: "labels may change", mutate: func(p *corev1.Pod) { p.Labels = map[string]string{"version": "2"} }},
		{name: "adding a toleration and lowering the deadline", mutate: func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "other", Operator: corev1.TolerationOpExists})
			p.Spec.ActiveDeadlineSeconds = ptr(int64(50))
		}},
		{name: "removing a scheduling gate and adding a node selector while gated", mutate: func(p *corev1.Pod) {
			p.Spec.SchedulingGates = nil
			p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
		}},
		{name: "restartPolicy change is forbidden", mutate: func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever },
			want: []want{errForbidden("spec")}},
		{name: "adding a container is forbidden", mutate: func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, validContainer("sidecar"))
		}, want: []want{errForbidden("spec.containers")}},
		{name: "raising activeDeadlineSeconds", mutate: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(200)) },
			want: []want{errInvalid("spec.activeDeadlineSeconds")}},
		{name: "removing activeDeadlineSeconds", mutate: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = nil },
			want: []want{errInvalid("spec.activeDeadlineSeconds")}},
		{name: "removing a toleration", mutate: func(p *corev1.Pod) { p.Spec.Tolerations = nil },
			want: []want{errForbidden("spec.tolerations")}},
		{name: "adding a scheduling gate", mutate: func(p *corev1.Pod) {
			p.Spec.SchedulingGates = append(p.Spec.SchedulingGates, corev1.PodSchedulingGate{Name: "example.com/new"})
		}, want: []want{errForbidden("spec.schedulingGates[1].name")}},
		{name: "renaming", mutate: func(p *corev1.Pod) { p.Name = "other" },
			want: []want{errInvalid("metadata.name")}},
		{name: "missing resourceVersion", mutate: func(p *corev1.Pod) { p.ResourceVersion = "" },
			want: []want{errInvalid("metadata.resourceVersion")}},
		{name: "new spec is validated too", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" },
			want: []want{errRequired("spec.containers[0].image")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := base()
			pod := base()
			pod.ObjectMeta = withRV(pod.ObjectMeta)
			tc.mutate(pod)
			expectErrors(t, ValidatePodUpdate(pod, old), tc.want...)
		})
	}

	t.Run("message names the mutable fields and the change", func(t *testing.T) {
		old := base()
		pod := base()
		pod.ObjectMeta = withRV(pod.ObjectMeta)
		pod.Spec.Containers[0].WorkingDir = "/srv"
		errs := ValidatePodUpdate(pod, old)
		expectDetail(t, errs, "spec", "pod updates may not change fields other than `spec.containers[*].image`")
		expectDetail(t, errs, "spec", "spec.containers[0].workingDir")
	})
}

func TestValidatePodStatusUpdate(t *testing.T) {
	base := func() *corev1.Pod {
		p := validPod()
		p.Spec.RestartPolicy = corev1.RestartPolicyNever
		p.Spec.NodeName = "node-1"
		p.Status.QOSClass = corev1.PodQOSBestEffort
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}}}
		return p
	}
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []want
	}{
		{name: "valid status update", mutate: func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.HostIP = "10.0.0.1"
			p.Status.HostIPs = []corev1.HostIP{{IP: "10.0.0.1"}, {IP: "fd00::1"}}
			p.Status.PodIPs = []corev1.PodIP{{IP: "10.244.0.5"}, {IP: "fd00:10:244::5"}}
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}, {Type: "example.com/custom", Status: corev1.ConditionTrue}}
		}},
		{name: "node name cannot change through status", mutate: func(p *corev1.Pod) { p.Spec.NodeName = "node-2" },
			want: []want{errForbidden("spec.nodeName")}},
		{name: "invalid pod IP", mutate: func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.300"}} },
			want: []want{errInvalid("status.podIPs[0]")}},
		{name: "two IPs of one family", mutate: func(p *corev1.Pod) {
			p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}
		}, want: []want{errInvalid("status.podIPs")}},
		{name: "hostIPs must start with hostIP", mutate: func(p *corev1.Pod) {
			p.Status.HostIP = "10.0.0.1"
			p.Status.HostIPs = []corev1.HostIP{{IP: "10.0.0.2"}}
		}, want: []want{errInvalid("status.hostIPs[0].ip")}},
		{name: "terminated container cannot run again with restartPolicy Never", mutate: func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
		}, want: []want{errForbidden("status.containerStatuses[0].state")}},
		{name: "QoS class is immutable", mutate: func(p *corev1.Pod) { p.Status.QOSClass = corev1.PodQOSGuaranteed },
			want: []want{errInvalid("status.qosClass")}},
		{name: "custom condition type must be a qualified name", mutate: func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: "not a name", Status: corev1.ConditionTrue}}
		}, want: []want{errInvalid("status.conditions[0].type")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := base()
			pod := base()
			pod.ObjectMeta = withRV(pod.ObjectMeta)
			tc.mutate(pod)
			expectErrors(t, ValidatePodStatusUpdate(pod, old), tc.want...)
		})
	}
}

func TestValidatePodBinding(t *testing.T) {
	cases := []struct {
		name   string
		target corev1.ObjectReference
		want   []want
	}{
		{name: "valid binding", target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}},
		{name: "kind may be omitted", target: corev1.ObjectReference{Name: "node-1"}},
		{name: "binding to something else", target: corev1.ObjectReference{Kind: "Pod", Name: "x"},
			want: []want{errNotSupported("target.kind")}},
		{name: "missing node name", target: corev1.ObjectReference{Kind: "Node"},
			want: []want{errRequired("target.name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Target: tc.target}
			expectErrors(t, ValidatePodBinding(b), tc.want...)
		})
	}
}
