package defaults

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// TestListsDefaultEveryItem checks, for every type with defaults, that its
// List type is registered too and defaults each item exactly as the item
// alone would be.
func TestListsDefaultEveryItem(t *testing.T) {
	s := newScheme(t)
	cases := []struct {
		name string
		item runtime.Object
		list func(items ...runtime.Object) runtime.Object
	}{
		{"Pod", &corev1.Pod{}, listOf(func(i []corev1.Pod) runtime.Object { return &corev1.PodList{Items: i} })},
		{"PodTemplate", &corev1.PodTemplate{}, listOf(func(i []corev1.PodTemplate) runtime.Object { return &corev1.PodTemplateList{Items: i} })},
		{"ReplicationController", &corev1.ReplicationController{}, listOf(func(i []corev1.ReplicationController) runtime.Object {
			return &corev1.ReplicationControllerList{Items: i}
		})},
		{"Service", &corev1.Service{}, listOf(func(i []corev1.Service) runtime.Object { return &corev1.ServiceList{Items: i} })},
		{"Endpoints", &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{Ports: []corev1.EndpointPort{{Port: 1}}}}},
			listOf(func(i []corev1.Endpoints) runtime.Object { return &corev1.EndpointsList{Items: i} })},
		{"Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}}, listOf(func(i []corev1.Namespace) runtime.Object { return &corev1.NamespaceList{Items: i} })},
		{"Node", &corev1.Node{Status: corev1.NodeStatus{Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}},
			listOf(func(i []corev1.Node) runtime.Object { return &corev1.NodeList{Items: i} })},
		{"Secret", &corev1.Secret{}, listOf(func(i []corev1.Secret) runtime.Object { return &corev1.SecretList{Items: i} })},
		{"ConfigMap", &corev1.ConfigMap{}, listOf(func(i []corev1.ConfigMap) runtime.Object { return &corev1.ConfigMapList{Items: i} })},
		{"PersistentVolume", &corev1.PersistentVolume{}, listOf(func(i []corev1.PersistentVolume) runtime.Object { return &corev1.PersistentVolumeList{Items: i} })},
		{"PersistentVolumeClaim", &corev1.PersistentVolumeClaim{}, listOf(func(i []corev1.PersistentVolumeClaim) runtime.Object {
			return &corev1.PersistentVolumeClaimList{Items: i}
		})},
		{"LimitRange", &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer}}}},
			listOf(func(i []corev1.LimitRange) runtime.Object { return &corev1.LimitRangeList{Items: i} })},
		{"ResourceQuota", &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.0001")}}},
			listOf(func(i []corev1.ResourceQuota) runtime.Object { return &corev1.ResourceQuotaList{Items: i} })},
		{"Deployment", &appsv1.Deployment{}, listOf(func(i []appsv1.Deployment) runtime.Object { return &appsv1.DeploymentList{Items: i} })},
		{"ReplicaSet", &appsv1.ReplicaSet{}, listOf(func(i []appsv1.ReplicaSet) runtime.Object { return &appsv1.ReplicaSetList{Items: i} })},
		{"StatefulSet", &appsv1.StatefulSet{}, listOf(func(i []appsv1.StatefulSet) runtime.Object { return &appsv1.StatefulSetList{Items: i} })},
		{"DaemonSet", &appsv1.DaemonSet{}, listOf(func(i []appsv1.DaemonSet) runtime.Object { return &appsv1.DaemonSetList{Items: i} })},
		{"Job", &batchv1.Job{}, listOf(func(i []batchv1.Job) runtime.Object { return &batchv1.JobList{Items: i} })},
		{"CronJob", &batchv1.CronJob{}, listOf(func(i []batchv1.CronJob) runtime.Object { return &batchv1.CronJobList{Items: i} })},
		{"HorizontalPodAutoscaler/v2", &autoscalingv2.HorizontalPodAutoscaler{}, listOf(func(i []autoscalingv2.HorizontalPodAutoscaler) runtime.Object {
			return &autoscalingv2.HorizontalPodAutoscalerList{Items: i}
		})},
		{"HorizontalPodAutoscaler/v1", &autoscalingv1.HorizontalPodAutoscaler{}, listOf(func(i []autoscalingv1.HorizontalPodAutoscaler) runtime.Object {
			return &autoscalingv1.HorizontalPodAutoscalerList{Items: i}
		})},
		{"NetworkPolicy", &networkingv1.NetworkPolicy{}, listOf(func(i []networkingv1.NetworkPolicy) runtime.Object { return &networkingv1.NetworkPolicyList{Items: i} })},
		{"IngressClass", &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{Parameters: &networkingv1.IngressClassParametersReference{}}},
			listOf(func(i []networkingv1.IngressClass) runtime.Object { return &networkingv1.IngressClassList{Items: i} })},
		{"EndpointSlice", &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{{}}},
			listOf(func(i []discoveryv1.EndpointSlice) runtime.Object { return &discoveryv1.EndpointSliceList{Items: i} })},
		{"PriorityClass", &schedulingv1.PriorityClass{}, listOf(func(i []schedulingv1.PriorityClass) runtime.Object { return &schedulingv1.PriorityClassList{Items: i} })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.item.DeepCopyObject()
			s.Default(want)
			// reflect, not Semantic: the latter calls nil and empty maps equal.
			if reflect.DeepEqual(want, tc.item) {
				t.Fatalf("the %s defaulter changed nothing; pick an item it defaults", tc.name)
			}

			list := tc.list(tc.item.DeepCopyObject(), tc.item.DeepCopyObject())
			s.Default(list)
			wantList := tc.list(want, want)
			if !apiequality.Semantic.DeepEqual(list, wantList) {
				t.Errorf("defaulted list:\n%#v\nwant:\n%#v", list, wantList)
			}
		})
	}
}

// listOf turns a constructor taking typed items into one taking objects.
func listOf[T any](build func([]T) runtime.Object) func(items ...runtime.Object) runtime.Object {
	return func(items ...runtime.Object) runtime.Object {
		typed := make([]T, len(items))
		for i, item := range items {
			typed[i] = *any(item).(*T)
		}
		return build(typed)
	}
}

// TestExplicitValuesAreNeverOverwritten defaults objects in which every
// defaulted field already has a non-default value and expects no change.
func TestExplicitValuesAreNeverOverwritten(t *testing.T) {
	spec := fullySetPodSpec()
	cases := []struct {
		name string
		obj  runtime.Object
	}{
		{"Pod", &corev1.Pod{
			Spec:   *spec.DeepCopy(),
			Status: corev1.PodStatus{Phase: corev1.PodRunning},
		}},
		{"Deployment", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](0),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromInt32(1)),
			}},
			RevisionHistoryLimit:    ptr.To[int32](0),
			ProgressDeadlineSeconds: ptr.To[int32](30),
			Template:                corev1.PodTemplateSpec{Spec: *spec.DeepCopy()},
		}}},
		{"StatefulSet", &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To[int32](0),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType, RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{
				Partition: ptr.To[int32](2), MaxUnavailable: ptr.To(intstr.FromString("50%")),
			}},
			RevisionHistoryLimit: ptr.To[int32](1),
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
			},
			Template: corev1.PodTemplateSpec{Spec: *spec.DeepCopy()},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				Spec:   corev1.PersistentVolumeClaimSpec{VolumeMode: ptr.To(corev1.PersistentVolumeBlock)},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound},
			}},
		}}},
		{"DaemonSet", &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{
				MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromInt32(1)),
			}},
			RevisionHistoryLimit: ptr.To[int32](1),
			Template:             corev1.PodTemplateSpec{Spec: *spec.DeepCopy()},
		}}},
		{"Job", &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
			Spec: batchv1.JobSpec{
				Parallelism: ptr.To[int32](0), Completions: ptr.To[int32](0), BackoffLimit: ptr.To[int32](0),
				CompletionMode: ptr.To(batchv1.IndexedCompletion), Suspend: ptr.To(true), ManualSelector: ptr.To(true),
				PodReplacementPolicy: ptr.To(batchv1.Failed),
				Template:             corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"c": "d"}}, Spec: *spec.DeepCopy()},
			},
		}},
		{"Service", &corev1.Service{Spec: corev1.ServiceSpec{
			Type:                          corev1.ServiceTypeLoadBalancer,
			SessionAffinity:               corev1.ServiceAffinityClientIP,
			SessionAffinityConfig:         &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](5)}},
			Ports:                         []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolSCTP}},
			ExternalTrafficPolicy:         corev1.ServiceExternalTrafficPolicyLocal,
			InternalTrafficPolicy:         ptr.To(corev1.ServiceInternalTrafficPolicyLocal),
			AllocateLoadBalancerNodePorts: ptr.To(false),
		}}},
		{"HorizontalPodAutoscaler", &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			MinReplicas: ptr.To[int32](0),
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "qps"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("10"))},
			}}},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: ptr.To[int32](5), SelectPolicy: ptr.To(autoscalingv2.MinChangePolicySelect),
					Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 1}},
				},
				ScaleDown: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: ptr.To[int32](5), SelectPolicy: ptr.To(autoscalingv2.MinChangePolicySelect),
					Policies: []autoscalingv2.HPAScalingPolicy{},
				},
			},
		}}},
		{"PersistentVolume", &corev1.PersistentVolume{
			Spec: corev1.PersistentVolumeSpec{
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRecycle,
				VolumeMode:                    ptr.To(corev1.PersistentVolumeBlock),
			},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable},
		}},
		{"EndpointSlice", &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{{Name: ptr.To("p"), Protocol: ptr.To(corev1.ProtocolUDP)}}}},
	}
	s := newScheme(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.obj.DeepCopyObject()
			s.Default(got)
			if !apiequality.Semantic.DeepEqual(got, tc.obj) {
				t.Errorf("defaulting changed explicit values:\ngot:  %#v\nwant: %#v", got, tc.obj)
			}
		})
	}
}

// fullySetPodSpec returns a pod spec in which every field that has a
// default is set to something else.
func fullySetPodSpec() corev1.PodSpec {
	probe := &corev1.Probe{
		ProbeHandler:   corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(1), Scheme: corev1.URISchemeHTTPS}},
		TimeoutSeconds: 2, PeriodSeconds: 3, SuccessThreshold: 1, FailureThreshold: 5,
	}
	container := corev1.Container{
		Name: "app", Image: "app", ImagePullPolicy: corev1.PullNever,
		TerminationMessagePath: "/tmp/t", TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		Ports: []corev1.ContainerPort{{ContainerPort: 1, Protocol: corev1.ProtocolUDP}},
		Env:   []corev1.EnvVar{{Name: "N", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v2", FieldPath: "x"}}}},
		Resources: corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
		},
		LivenessProbe: probe, ReadinessProbe: probe.DeepCopy(), StartupProbe: probe.DeepCopy(),
	}
	return corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyOnFailure, DNSPolicy: corev1.DNSNone,
		TerminationGracePeriodSeconds: ptr.To[int64](1), SchedulerName: "mine",
		SecurityContext: &corev1.PodSecurityContext{}, EnableServiceLinks: ptr.To(false),
		Containers: []corev1.Container{container}, InitContainers: []corev1.Container{*container.DeepCopy()},
		Volumes: []corev1.Volume{
			{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{DefaultMode: ptr.To[int32](0400)}}},
			{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/", Type: ptr.To(corev1.HostPathDirectory)}}},
		},
	}
}

// TestTypesWithoutDefaultsAreLeftAlone checks the types Kubernetes does
// not default pass through scheme.Default unchanged.
func TestTypesWithoutDefaultsAreLeftAlone(t *testing.T) {
	s := newScheme(t)
	for _, obj := range []runtime.Object{
		&coordinationv1.Lease{},
		&nodev1.RuntimeClass{Handler: "runc"},
		&appsv1.ControllerRevision{},
		&corev1.ServiceAccount{},
		&corev1.Event{},
		&eventsv1.Event{},
		&networkingv1.Ingress{Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/"}}}},
		}}}},
	} {
		got := obj.DeepCopyObject()
		s.Default(got)
		if !apiequality.Semantic.DeepEqual(got, obj) {
			t.Errorf("%T changed by defaulting:\n%#v", obj, got)
		}
	}
}
