package defaults

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// DefaultCPUUtilization is the CPU utilization target, in percent, of a
// HorizontalPodAutoscaler that names no metric.
const DefaultCPUUtilization int32 = 80

// SetHorizontalPodAutoscalerDefaults applies the defaults of an
// autoscaling/v2 HorizontalPodAutoscaler: at least one replica, an 80% CPU
// target when no metric is given, and complete scaling rules once a
// behavior is given.
func SetHorizontalPodAutoscalerDefaults(hpa *autoscalingv2.HorizontalPodAutoscaler) {
	spec := &hpa.Spec
	if spec.MinReplicas == nil {
		spec.MinReplicas = ptr.To[int32](1)
	}
	if len(spec.Metrics) == 0 {
		spec.Metrics = []autoscalingv2.MetricSpec{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU,
				Target: autoscalingv2.MetricTarget{
					Type:               autoscalingv2.UtilizationMetricType,
					AverageUtilization: ptr.To(DefaultCPUUtilization),
				},
			},
		}}
	}
	// Without a behavior the controller applies these same rules itself;
	// once the user gives one direction, both are written out so the
	// object shows what will happen.
	if spec.Behavior != nil {
		spec.Behavior.ScaleUp = mergeScalingRules(spec.Behavior.ScaleUp, defaultScaleUpRules())
		spec.Behavior.ScaleDown = mergeScalingRules(spec.Behavior.ScaleDown, defaultScaleDownRules())
	}
}

// SetHorizontalPodAutoscalerV1Defaults applies the defaults of an
// autoscaling/v1 HorizontalPodAutoscaler. The CPU target default is not
// applied here but in conversion to v2, where the metrics kept in
// annotations are visible.
func SetHorizontalPodAutoscalerV1Defaults(hpa *autoscalingv1.HorizontalPodAutoscaler) {
	if hpa.Spec.MinReplicas == nil {
		hpa.Spec.MinReplicas = ptr.To[int32](1)
	}
}

// defaultScaleUpRules: scale up at once (no stabilization) by the larger of
// 4 pods or 100% every 15 seconds.
func defaultScaleUpRules() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr.To[int32](0),
		SelectPolicy:               ptr.To(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// defaultScaleDownRules: down to minReplicas, at most 100% every 15
// seconds. The stabilization window stays unset because its default comes
// from the controller manager's command line.
func defaultScaleDownRules() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		SelectPolicy: ptr.To(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// mergeScalingRules returns defaults with every field that set sets
// replaced by its value.
func mergeScalingRules(set, defaults *autoscalingv2.HPAScalingRules) *autoscalingv2.HPAScalingRules {
	if set == nil {
		return defaults
	}
	if set.StabilizationWindowSeconds != nil {
		defaults.StabilizationWindowSeconds = set.StabilizationWindowSeconds
	}
	if set.SelectPolicy != nil {
		defaults.SelectPolicy = set.SelectPolicy
	}
	if set.Policies != nil {
		defaults.Policies = set.Policies
	}
	if set.Tolerance != nil {
		defaults.Tolerance = set.Tolerance
	}
	return defaults
}
