package validation

import (
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

func validHPA() *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: meta("web"),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr(int32(2)),
			MaxReplicas:    10,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(70))}}},
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "requests_per_second"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(q("100"))}}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth", Selector: appSelector()},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: ptr(q("30"))}}},
			},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(300)),
					Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 50, PeriodSeconds: 60}}},
			},
		},
	}
}

func TestValidateHorizontalPodAutoscaler(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*autoscalingv2.HorizontalPodAutoscaler)
		want   []want
	}{
		{name: "valid", mutate: func(*autoscalingv2.HorizontalPodAutoscaler) {}},
		{name: "minimal", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.MinReplicas, h.Spec.Metrics, h.Spec.Behavior = nil, nil, nil
		}},
		{name: "scale target kind and name required", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{}
		}, want: []want{errRequired("spec.scaleTargetRef.kind"), errRequired("spec.scaleTargetRef.name")}},
		{name: "scale target name with a slash", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "a/b" },
			want: []want{errInvalid("spec.scaleTargetRef.name")}},
		{name: "minReplicas zero", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr(int32(0)) },
			want: []want{errInvalid("spec.minReplicas")}},
		{name: "maxReplicas below minReplicas", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 1 },
			want: []want{errInvalid("spec.maxReplicas")}},
		{name: "maxReplicas zero", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 0 },
			want: []want{errInvalid("spec.maxReplicas")}},
		{name: "metric without type", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Type = "" },
			want: []want{errRequired("spec.metrics[0].type")}},
		{name: "metric type without its source", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Type = autoscalingv2.ObjectMetricSourceType
		}, want: []want{errRequired("spec.metrics[0].object"), errForbidden("spec.metrics[0].resource")}},
		{name: "unknown metric type", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Type = "Magic" },
			want: []want{errNotSupported("spec.metrics[0].type")}},
		{name: "pods metric with a utilization target", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[1].Pods.Target = autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(50))}
		}, want: []want{errNotSupported("spec.metrics[1].pods.target.type")}},
		{name: "utilization target without a value", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Resource.Target.AverageUtilization = nil
		}, want: []want{errRequired("spec.metrics[0].resource.target.averageUtilization")}},
		{name: "external metric without a name", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[2].External.Metric.Name = ""
		}, want: []want{errRequired("spec.metrics[2].external.metric.name")}},
		{name: "behavior limits", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior.ScaleDown.StabilizationWindowSeconds = ptr(int32(4000))
			h.Spec.Behavior.ScaleDown.Policies[0] = autoscalingv2.HPAScalingPolicy{Type: "Nodes", Value: 0, PeriodSeconds: 3600}
		}, want: []want{
			errInvalid("spec.behavior.scaleDown.stabilizationWindowSeconds"),
			errNotSupported("spec.behavior.scaleDown.policies[0].type"),
			errInvalid("spec.behavior.scaleDown.policies[0].value"),
			errInvalid("spec.behavior.scaleDown.policies[0].periodSeconds"),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := validHPA()
			tc.mutate(h)
			expectErrors(t, ValidateHorizontalPodAutoscaler(h), tc.want...)
		})
	}
}

func TestValidateHorizontalPodAutoscalerUpdate(t *testing.T) {
	old, h := validHPA(), validHPA()
	h.ObjectMeta = withRV(h.ObjectMeta)
	h.Spec.MaxReplicas = 20
	h.Spec.ScaleTargetRef.Name = "web-v2"
	expectErrors(t, ValidateHorizontalPodAutoscalerUpdate(h, old))

	h.Spec.MinReplicas = ptr(int32(30))
	expectErrors(t, ValidateHorizontalPodAutoscalerUpdate(h, old), errInvalid("spec.maxReplicas"))
}
