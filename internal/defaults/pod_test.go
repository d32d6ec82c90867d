package defaults

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestDefaultImagePullPolicy(t *testing.T) {
	cases := []struct {
		name  string
		image string
		want  corev1.PullPolicy
	}{
		{"no tag means latest", "nginx", corev1.PullAlways},
		{"explicit latest", "nginx:latest", corev1.PullAlways},
		{"pinned tag", "nginx:1.2", corev1.PullIfNotPresent},
		{"registry with port and no tag", "registry.example.com:5000/team/app", corev1.PullAlways},
		{"registry with port and tag", "registry.example.com:5000/team/app:v1", corev1.PullIfNotPresent},
		{"digest only", "nginx@" + digest, corev1.PullIfNotPresent},
		{"latest tag with digest", "nginx:latest@" + digest, corev1.PullAlways},
		{"unparsable reference", "Not A Valid Image", corev1.PullIfNotPresent},
		{"empty image", "", corev1.PullIfNotPresent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := DefaultImagePullPolicy(tc.image); got != tc.want {
				t.Errorf("DefaultImagePullPolicy(%q) = %s, want %s", tc.image, got, tc.want)
			}
		})
	}
}

func podWith(spec corev1.PodSpec) *corev1.Pod {
	return &corev1.Pod{Spec: spec}
}

func TestPodDefaults(t *testing.T) {
	runDefaultingCases(t, []defaultingCase{
		{
			name: "empty pod gets pod-wide defaults",
			in:   &corev1.Pod{},
			check: on(func(t *testing.T, p *corev1.Pod) {
				eq(t, "restartPolicy", p.Spec.RestartPolicy, corev1.RestartPolicyAlways)
				eq(t, "dnsPolicy", p.Spec.DNSPolicy, corev1.DNSClusterFirst)
				eq(t, "terminationGracePeriodSeconds", p.Spec.TerminationGracePeriodSeconds, ptr.To[int64](30))
				eq(t, "schedulerName", p.Spec.SchedulerName, "default-scheduler")
				eq(t, "securityContext", p.Spec.SecurityContext, &corev1.PodSecurityContext{})
				eq(t, "enableServiceLinks", p.Spec.EnableServiceLinks, ptr.To(true))
				eq(t, "status.phase", p.Status.Phase, corev1.PodPhase(""))
			}),
		},
		{
			name: "image without tag is always pulled, tagged image if not present",
			in: podWith(corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
				Containers: []corev1.Container{
					{Name: "a", Image: "nginx"},
					{Name: "b", Image: "nginx:1.2"},
					{Name: "c", Image: "nginx:1.2", ImagePullPolicy: corev1.PullNever},
				},
				EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox:1.36"}}},
			}),
			check: on(func(t *testing.T, p *corev1.Pod) {
				eq(t, "initContainers[0].imagePullPolicy", p.Spec.InitContainers[0].ImagePullPolicy, corev1.PullAlways)
				eq(t, "containers[0].imagePullPolicy", p.Spec.Containers[0].ImagePullPolicy, corev1.PullAlways)
				eq(t, "containers[1].imagePullPolicy", p.Spec.Containers[1].ImagePullPolicy, corev1.PullIfNotPresent)
				eq(t, "containers[2].imagePullPolicy", p.Spec.Containers[2].ImagePullPolicy, corev1.PullNever)
				eq(t, "ephemeralContainers[0].imagePullPolicy", p.Spec.EphemeralContainers[0].ImagePullPolicy, corev1.PullIfNotPresent)
			}),
		},
		{
			name: "container fields, ports, env and probes",
			in: podWith(corev1.PodSpec{Containers: []corev1.Container{{
				Name:  "app",
				Image: "app:1",
				Ports: []corev1.ContainerPort{{ContainerPort: 80}, {ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
				Env: []corev1.EnvVar{
					{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
					{Name: "FROM_FILE", ValueFrom: &corev1.EnvVarSource{FileKeyRef: &corev1.FileKeySelector{VolumeName: "v", Path: "p", Key: "k"}}},
				},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080)}}},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9090}},
					PeriodSeconds: 5,
				},
				StartupProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}},
				Lifecycle: &corev1.Lifecycle{
					PreStop: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/quit", Port: intstr.FromInt32(8080)}},
				},
			}}}),
			check: on(func(t *testing.T, p *corev1.Pod) {
				c := p.Spec.Containers[0]
				eq(t, "terminationMessagePath", c.TerminationMessagePath, "/dev/termination-log")
				eq(t, "terminationMessagePolicy", c.TerminationMessagePolicy, corev1.TerminationMessageReadFile)
				eq(t, "ports[0].protocol", c.Ports[0].Protocol, corev1.ProtocolTCP)
				eq(t, "ports[1].protocol", c.Ports[1].Protocol, corev1.ProtocolUDP)
				eq(t, "env[0].valueFrom.fieldRef.apiVersion", c.Env[0].ValueFrom.FieldRef.APIVersion, "v1")
				eq(t, "env[1].valueFrom.fileKeyRef.optional", c.Env[1].ValueFrom.FileKeyRef.Optional, ptr.To(false))
				eq(t, "livenessProbe", *c.LivenessProbe, corev1.Probe{
					ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
						Path: "/", Port: intstr.FromInt32(8080), Scheme: corev1.URISchemeHTTP,
					}},
					TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
				})
				eq(t, "readinessProbe.periodSeconds", c.ReadinessProbe.PeriodSeconds, int32(5))
				eq(t, "readinessProbe.grpc.service", c.ReadinessProbe.GRPC.Service, ptr.To(""))
				eq(t, "startupProbe.failureThreshold", c.StartupProbe.FailureThreshold, int32(3))
				eq(t, "lifecycle.preStop.httpGet.scheme", c.Lifecycle.PreStop.HTTPGet.Scheme, corev1.URISchemeHTTP)
				eq(t, "lifecycle.preStop.httpGet.path", c.Lifecycle.PreStop.HTTPGet.Path, "/quit")
			}),
		},
		{
			name: "volumes",
			in: podWith(corev1.PodSpec{Volumes: []corev1.Volume{
				{Name: "scratch"},
				{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
				{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{DefaultMode: ptr.To[int32](0400)}}},
				{Name: "downward", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
					Items: []corev1.DownwardAPIVolumeFile{{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}},
				}}},
				{Name: "projected", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "ns", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
				}}}},
				{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}},
				{Name: "empty", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "eph", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{}}}},
				{Name: "rbd", VolumeSource: corev1.VolumeSource{RBD: &corev1.RBDVolumeSource{RadosUser: "me"}}},
				{Name: "iscsi", VolumeSource: corev1.VolumeSource{ISCSI: &corev1.ISCSIVolumeSource{}}},
				{Name: "image", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{Reference: "artifact:v1"}}},
			}}),
			check: on(func(t *testing.T, p *corev1.Pod) {
				v := p.Spec.Volumes
				eq(t, "scratch", v[0].VolumeSource, corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}})
				eq(t, "configMap.defaultMode", v[1].ConfigMap.DefaultMode, ptr.To[int32](0644))
				eq(t, "secret.defaultMode", v[2].Secret.DefaultMode, ptr.To[int32](0400))
				eq(t, "downwardAPI.defaultMode", v[3].DownwardAPI.DefaultMode, ptr.To[int32](0644))
				eq(t, "downwardAPI.items[0].fieldRef.apiVersion", v[3].DownwardAPI.Items[0].FieldRef.APIVersion, "v1")
				eq(t, "projected.defaultMode", v[4].Projected.DefaultMode, ptr.To[int32](0644))
				eq(t, "projected.serviceAccountToken.expirationSeconds", v[4].Projected.Sources[0].ServiceAccountToken.ExpirationSeconds, ptr.To[int64](3600))
				eq(t, "projected.downwardAPI.fieldRef.apiVersion", v[4].Projected.Sources[1].DownwardAPI.Items[0].FieldRef.APIVersion, "v1")
				eq(t, "hostPath.type", v[5].HostPath.Type, ptr.To(corev1.HostPathUnset))
				eq(t, "emptyDir", v[6].EmptyDir, &corev1.EmptyDirVolumeSource{})
				eq(t, "ephemeral.volumeMode", v[7].Ephemeral.VolumeClaimTemplate.Spec.VolumeMode, ptr.To(corev1.PersistentVolumeFilesystem))
				eq(t, "rbd", *v[8].RBD, corev1.RBDVolumeSource{RBDPool: "rbd", RadosUser: "me", Keyring: "/etc/ceph/keyring"})
				eq(t, "iscsi.iscsiInterface", v[9].ISCSI.ISCSIInterface, "default")
				eq(t, "image.pullPolicy", v[10].Image.PullPolicy, corev1.PullIfNotPresent)
			}),
		},
		{
			name: "requests default to limits for containers and init containers",
			in: podWith(corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "init", Image: "i:1", Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
				}}},
				Containers: []corev1.Container{{Name: "app", Image: "a:1", Resources: corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")},
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
				}}},
			}),
			check: on(func(t *testing.T, p *corev1.Pod) {
				eq(t, "initContainers[0].resources.requests", p.Spec.InitContainers[0].Resources.Requests,
					corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")})
				eq(t, "containers[0].resources.requests", p.Spec.Containers[0].Resources.Requests, corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("500m"),
					corev1.ResourceMemory: resource.MustParse("1Gi"),
				})
			}),
		},
		{
			name: "quantities are rounded up to milli precision",
			in: podWith(corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "a:1", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.0001")},
			}}}}),
			check: on(func(t *testing.T, p *corev1.Pod) {
				got := p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]
				if got.String() != "1m" {
					t.Errorf("cpu request = %s, want 1m", got.String())
				}
			}),
		},
		{
			name: "host networking makes container ports host ports",
			in: podWith(corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{
				Name: "app", Image: "a:1", Ports: []corev1.ContainerPort{{ContainerPort: 8080}, {ContainerPort: 9090, HostPort: 9090}},
			}}}),
			check: on(func(t *testing.T, p *corev1.Pod) {
				eq(t, "ports[0].hostPort", p.Spec.Containers[0].Ports[0].HostPort, int32(8080))
				eq(t, "ports[1].hostPort", p.Spec.Containers[0].Ports[1].HostPort, int32(9090))
			}),
		},
		{
			name: "pod-level requests default from containers and pod limits",
			in: podWith(corev1.PodSpec{
				Resources: &corev1.ResourceRequirements{Limits: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("2"),
					corev1.ResourceMemory: resource.MustParse("2Gi"),
				}},
				Containers: []corev1.Container{
					{Name: "a", Image: "a:1", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("300m")}}},
					{Name: "b", Image: "b:1", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m")}}},
				},
			}),
			check: on(func(t *testing.T, p *corev1.Pod) {
				eq(t, "spec.resources.requests", p.Spec.Resources.Requests, corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("500m"),
					corev1.ResourceMemory: resource.MustParse("2Gi"),
				})
			}),
		},
		{
			name: "values the user set are kept",
			in: podWith(corev1.PodSpec{
				RestartPolicy:                 corev1.RestartPolicyNever,
				DNSPolicy:                     corev1.DNSDefault,
				TerminationGracePeriodSeconds: ptr.To[int64](0),
				SchedulerName:                 "custom",
				SecurityContext:               &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)},
				EnableServiceLinks:            ptr.To(false),
				Containers: []corev1.Container{{
					Name: "app", Image: "app", ImagePullPolicy: corev1.PullIfNotPresent,
					TerminationMessagePath: "/tmp/log", TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
				}},
			}),
			check: on(func(t *testing.T, p *corev1.Pod) {
				eq(t, "restartPolicy", p.Spec.RestartPolicy, corev1.RestartPolicyNever)
				eq(t, "dnsPolicy", p.Spec.DNSPolicy, corev1.DNSDefault)
				eq(t, "terminationGracePeriodSeconds", p.Spec.TerminationGracePeriodSeconds, ptr.To[int64](0))
				eq(t, "schedulerName", p.Spec.SchedulerName, "custom")
				eq(t, "securityContext", p.Spec.SecurityContext, &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)})
				eq(t, "enableServiceLinks", p.Spec.EnableServiceLinks, ptr.To(false))
				c := p.Spec.Containers[0]
				eq(t, "imagePullPolicy", c.ImagePullPolicy, corev1.PullIfNotPresent)
				eq(t, "terminationMessagePath", c.TerminationMessagePath, "/tmp/log")
				eq(t, "terminationMessagePolicy", c.TerminationMessagePolicy, corev1.TerminationMessageFallbackToLogsOnError)
			}),
		},
	})
}

// TestPodTemplatesShareSpecDefaults checks that every workload's pod
// template gets the pod spec defaults but none of the pod-only ones.
func TestPodTemplatesShareSpecDefaults(t *testing.T) {
	limited := corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "nginx",
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
	}}}}
	checkTemplate := func(t *testing.T, spec corev1.PodSpec) {
		t.Helper()
		eq(t, "restartPolicy", spec.RestartPolicy, corev1.RestartPolicyAlways)
		eq(t, "schedulerName", spec.SchedulerName, "default-scheduler")
		eq(t, "containers[0].imagePullPolicy", spec.Containers[0].ImagePullPolicy, corev1.PullAlways)
		eq(t, "containers[0].resources.requests", spec.Containers[0].Resources.Requests, corev1.ResourceList(nil))
		eq(t, "enableServiceLinks", spec.EnableServiceLinks, (*bool)(nil))
	}
	runDefaultingCases(t, []defaultingCase{
		{
			name:  "PodTemplate",
			in:    &corev1.PodTemplate{Template: limited},
			check: on(func(t *testing.T, o *corev1.PodTemplate) { checkTemplate(t, o.Template.Spec) }),
		},
		{
			name:  "ReplicationController",
			in:    &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Template: limited.DeepCopy()}},
			check: on(func(t *testing.T, o *corev1.ReplicationController) { checkTemplate(t, o.Spec.Template.Spec) }),
		},
		{
			name:  "Deployment",
			in:    &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: limited}},
			check: on(func(t *testing.T, o *appsv1.Deployment) { checkTemplate(t, o.Spec.Template.Spec) }),
		},
		{
			name:  "ReplicaSet",
			in:    &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Template: limited}},
			check: on(func(t *testing.T, o *appsv1.ReplicaSet) { checkTemplate(t, o.Spec.Template.Spec) }),
		},
		{
			name:  "StatefulSet",
			in:    &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: limited}},
			check: on(func(t *testing.T, o *appsv1.StatefulSet) { checkTemplate(t, o.Spec.Template.Spec) }),
		},
		{
			name:  "DaemonSet",
			in:    &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: limited}},
			check: on(func(t *testing.T, o *appsv1.DaemonSet) { checkTemplate(t, o.Spec.Template.Spec) }),
		},
	})
}
