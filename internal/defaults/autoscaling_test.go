package defaults

import (
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

func TestHorizontalPodAutoscalerDefaults(t *testing.T) {
	memoryMetric := autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceMemory,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("1Gi"))},
		},
	}
	runDefaultingCases(t, []defaultingCase{
		{
			name: "empty autoscaler targets 80% CPU",
			in:   &autoscalingv2.HorizontalPodAutoscaler{},
			check: on(func(t *testing.T, h *autoscalingv2.HorizontalPodAutoscaler) {
				eq(t, "minReplicas", h.Spec.MinReplicas, ptr.To[int32](1))
				eq(t, "metrics", h.Spec.Metrics, []autoscalingv2.MetricSpec{{
					Type: autoscalingv2.ResourceMetricSourceType,
					Resource: &autoscalingv2.ResourceMetricSource{
						Name:   corev1.ResourceCPU,
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](80)},
					},
				}})
				eq(t, "behavior", h.Spec.Behavior, (*autoscalingv2.HorizontalPodAutoscalerBehavior)(nil))
			}),
		},
		{
			name: "explicit metrics and min replicas are kept",
			in: &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				MinReplicas: ptr.To[int32](3),
				Metrics:     []autoscalingv2.MetricSpec{memoryMetric},
			}},
			check: on(func(t *testing.T, h *autoscalingv2.HorizontalPodAutoscaler) {
				eq(t, "minReplicas", h.Spec.MinReplicas, ptr.To[int32](3))
				eq(t, "metrics", h.Spec.Metrics, []autoscalingv2.MetricSpec{memoryMetric})
			}),
		},
		{
			name: "partial behavior is completed in both directions",
			in: &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
					ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)},
				},
			}},
			check: on(func(t *testing.T, h *autoscalingv2.HorizontalPodAutoscaler) {
				eq(t, "behavior", h.Spec.Behavior, &autoscalingv2.HorizontalPodAutoscalerBehavior{
					ScaleUp: &autoscalingv2.HPAScalingRules{
						StabilizationWindowSeconds: ptr.To[int32](0),
						SelectPolicy:               ptr.To(autoscalingv2.MaxChangePolicySelect),
						Policies: []autoscalingv2.HPAScalingPolicy{
							{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
							{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
						},
					},
					ScaleDown: &autoscalingv2.HPAScalingRules{
						StabilizationWindowSeconds: ptr.To[int32](60),
						SelectPolicy:               ptr.To(autoscalingv2.MaxChangePolicySelect),
						Policies: []autoscalingv2.HPAScalingPolicy{
							{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
						},
					},
				})
			}),
		},
		{
			name: "scaling rules the user set are kept",
			in: &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
					SelectPolicy: ptr.To(autoscalingv2.DisabledPolicySelect),
					Policies:     []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}},
					Tolerance:    ptr.To(resource.MustParse("50m")),
				}},
			}},
			check: on(func(t *testing.T, h *autoscalingv2.HorizontalPodAutoscaler) {
				up := h.Spec.Behavior.ScaleUp
				eq(t, "scaleUp.selectPolicy", up.SelectPolicy, ptr.To(autoscalingv2.DisabledPolicySelect))
				eq(t, "scaleUp.policies", up.Policies, []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}})
				eq(t, "scaleUp.tolerance", up.Tolerance, ptr.To(resource.MustParse("50m")))
				eq(t, "scaleUp.stabilizationWindowSeconds", up.StabilizationWindowSeconds, ptr.To[int32](0))
				eq(t, "scaleDown.stabilizationWindowSeconds", h.Spec.Behavior.ScaleDown.StabilizationWindowSeconds, (*int32)(nil))
			}),
		},
		{
			name: "autoscaling/v1 autoscaler gets min replicas only",
			in:   &autoscalingv1.HorizontalPodAutoscaler{},
			check: on(func(t *testing.T, h *autoscalingv1.HorizontalPodAutoscaler) {
				eq(t, "minReplicas", h.Spec.MinReplicas, ptr.To[int32](1))
				eq(t, "targetCPUUtilizationPercentage", h.Spec.TargetCPUUtilizationPercentage, (*int32)(nil))
			}),
		},
	})
}
