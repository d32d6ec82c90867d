package conversion

import (
	"encoding/json"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// Annotations in which an autoscaling/v1 HorizontalPodAutoscaler carries
// what only autoscaling/v2 can express. The keys and the JSON in them are
// those of kube-apiserver, so v1 clients that read them keep working.
const (
	// MetricSpecsAnnotation holds the spec metrics other than the CPU
	// utilization target, as a JSON list of autoscaling/v1 MetricSpec.
	MetricSpecsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
	// MetricStatusesAnnotation holds all current metrics, as a JSON list of
	// autoscaling/v1 MetricStatus.
	MetricStatusesAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
	// ConditionsAnnotation holds the status conditions, as a JSON list of
	// autoscaling/v1 HorizontalPodAutoscalerCondition.
	ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
	// BehaviorAnnotation holds spec.behavior as JSON.
	BehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior"
)

// defaultCPUUtilization is the target autoscaling/v1 always implied when it
// had no explicit one; v2 states it.
const defaultCPUUtilization int32 = 80

var roundTripAnnotations = []string{
	MetricSpecsAnnotation, MetricStatusesAnnotation, ConditionsAnnotation, BehaviorAnnotation,
}

// ConvertHPAV2ToV1 converts a stored autoscaling/v2 HorizontalPodAutoscaler
// to autoscaling/v1. The first CPU utilization target becomes
// targetCPUUtilizationPercentage and the first current CPU utilization
// becomes currentCPUUtilizationPercentage; other metrics, the current
// metrics, the conditions and the behavior go into annotations. in is not
// modified and out shares no memory with it.
func ConvertHPAV2ToV1(in *autoscalingv2.HorizontalPodAutoscaler, out *autoscalingv1.HorizontalPodAutoscaler) error {
	in = in.DeepCopy()
	res := autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: in.ObjectMeta,
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
			MinReplicas:    in.Spec.MinReplicas,
			MaxReplicas:    in.Spec.MaxReplicas,
		},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{
			ObservedGeneration: in.Status.ObservedGeneration,
			LastScaleTime:      in.Status.LastScaleTime,
			CurrentReplicas:    in.Status.CurrentReplicas,
			DesiredReplicas:    in.Status.DesiredReplicas,
		},
	}
	// Annotations from an earlier conversion must not survive next to the
	// ones computed now; they would be stale.
	res.Annotations = withoutRoundTripAnnotations(res.Annotations)

	var otherMetrics []autoscalingv1.MetricSpec
	for i := range in.Spec.Metrics {
		m := &in.Spec.Metrics[i]
		if res.Spec.TargetCPUUtilizationPercentage == nil && isCPUUtilizationTarget(m) {
			res.Spec.TargetCPUUtilizationPercentage = m.Resource.Target.AverageUtilization
			continue
		}
		otherMetrics = append(otherMetrics, metricSpecToV1(m))
	}

	for i := range in.Status.CurrentMetrics {
		m := &in.Status.CurrentMetrics[i]
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil &&
			m.Resource.Name == corev1.ResourceCPU && m.Resource.Current.AverageUtilization != nil {
			res.Status.CurrentCPUUtilizationPercentage = m.Resource.Current.AverageUtilization
			break
		}
	}

	annotate := func(key string, value any) error {
		data, err := json.Marshal(value)
		if err != nil {
			return err
		}
		if res.Annotations == nil {
			res.Annotations = map[string]string{}
		}
		res.Annotations[key] = string(data)
		return nil
	}
	if len(otherMetrics) > 0 {
		if err := annotate(MetricSpecsAnnotation, otherMetrics); err != nil {
			return err
		}
	}
	// The current metrics are saved even when they include the CPU
	// utilization, because the raw values are lost in the v1 field; only a
	// lone CPU utilization, which the field holds exactly, needs no copy.
	if len(in.Status.CurrentMetrics) > 0 && !isOnlyCPUUtilizationStatus(in.Status.CurrentMetrics) {
		statuses := make([]autoscalingv1.MetricStatus, len(in.Status.CurrentMetrics))
		for i := range in.Status.CurrentMetrics {
			statuses[i] = metricStatusToV1(&in.Status.CurrentMetrics[i])
		}
		if err := annotate(MetricStatusesAnnotation, statuses); err != nil {
			return err
		}
	}
	if len(in.Status.Conditions) > 0 {
		conditions := make([]autoscalingv1.HorizontalPodAutoscalerCondition, len(in.Status.Conditions))
		for i, c := range in.Status.Conditions {
			conditions[i] = autoscalingv1.HorizontalPodAutoscalerCondition{
				Type:               autoscalingv1.HorizontalPodAutoscalerConditionType(c.Type),
				Status:             c.Status,
				LastTransitionTime: c.LastTransitionTime,
				Reason:             c.Reason,
				Message:            c.Message,
				ObservedGeneration: c.ObservedGeneration,
			}
		}
		if err := annotate(ConditionsAnnotation, conditions); err != nil {
			return err
		}
	}
	if in.Spec.Behavior != nil {
		// Kubernetes writes its internal type here, whose JSON keys are the
		// Go field names; v2's camelCase keys decode into either, since
		// encoding/json matches keys case-insensitively.
		if err := annotate(BehaviorAnnotation, in.Spec.Behavior); err != nil {
			return err
		}
	}

	*out = res
	return nil
}

// ConvertHPAV1ToV2 converts an autoscaling/v1 HorizontalPodAutoscaler to
// the stored autoscaling/v2 form, restoring what the annotations written by
// ConvertHPAV2ToV1 carry and dropping those annotations. An annotation that
// does not parse is ignored, as in Kubernetes, rather than making the
// object unusable. in is not modified and out shares no memory with it.
//
// The CPU utilization target, when present, comes after the metrics from
// the annotation, so a v2 object whose CPU target was not last comes back
// with its metrics reordered, as it does from kube-apiserver.
func ConvertHPAV1ToV2(in *autoscalingv1.HorizontalPodAutoscaler, out *autoscalingv2.HorizontalPodAutoscaler) error {
	in = in.DeepCopy()
	res := autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: in.ObjectMeta,
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
			MinReplicas:    in.Spec.MinReplicas,
			MaxReplicas:    in.Spec.MaxReplicas,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: in.Status.ObservedGeneration,
			LastScaleTime:      in.Status.LastScaleTime,
			CurrentReplicas:    in.Status.CurrentReplicas,
			DesiredReplicas:    in.Status.DesiredReplicas,
		},
	}
	annotations := in.Annotations

	var otherMetrics []autoscalingv1.MetricSpec
	if parseAnnotation(annotations, MetricSpecsAnnotation, &otherMetrics) {
		for i := range otherMetrics {
			res.Spec.Metrics = append(res.Spec.Metrics, metricSpecFromV1(&otherMetrics[i]))
		}
	}
	if in.Spec.TargetCPUUtilizationPercentage != nil {
		res.Spec.Metrics = append(res.Spec.Metrics, cpuUtilizationMetric(*in.Spec.TargetCPUUtilizationPercentage))
	}
	// Without a target, v1 always meant 80% CPU. It is made explicit here
	// rather than by v2 defaulting because only here is it known whether
	// the annotation carried other metrics.
	if len(res.Spec.Metrics) == 0 {
		res.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilizationMetric(defaultCPUUtilization)}
	}

	var behavior autoscalingv2.HorizontalPodAutoscalerBehavior
	if parseAnnotation(annotations, BehaviorAnnotation, &behavior) && behavior != (autoscalingv2.HorizontalPodAutoscalerBehavior{}) {
		res.Spec.Behavior = &behavior
	}

	var statuses []autoscalingv1.MetricStatus
	if parseAnnotation(annotations, MetricStatusesAnnotation, &statuses) {
		// The annotation has every current metric, with more detail than
		// the v1 field.
		res.Status.CurrentMetrics = make([]autoscalingv2.MetricStatus, len(statuses))
		for i := range statuses {
			res.Status.CurrentMetrics[i] = metricStatusFromV1(&statuses[i])
		}
	} else if cpu := in.Status.CurrentCPUUtilizationPercentage; cpu != nil {
		res.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{
				Name:    corev1.ResourceCPU,
				Current: autoscalingv2.MetricValueStatus{AverageUtilization: cpu},
			},
		}}
	}

	var conditions []autoscalingv1.HorizontalPodAutoscalerCondition
	if parseAnnotation(annotations, ConditionsAnnotation, &conditions) {
		res.Status.Conditions = make([]autoscalingv2.HorizontalPodAutoscalerCondition, len(conditions))
		for i, c := range conditions {
			res.Status.Conditions[i] = autoscalingv2.HorizontalPodAutoscalerCondition{
				Type:               autoscalingv2.HorizontalPodAutoscalerConditionType(c.Type),
				Status:             c.Status,
				LastTransitionTime: c.LastTransitionTime,
				Reason:             c.Reason,
				Message:            c.Message,
				ObservedGeneration: c.ObservedGeneration,
			}
		}
	}

	res.Annotations = withoutRoundTripAnnotations(annotations)
	*out = res
	return nil
}

// isCPUUtilizationTarget reports whether m is exactly what
// targetCPUUtilizationPercentage expresses, so that moving it into that
// field loses nothing.
func isCPUUtilizationTarget(m *autoscalingv2.MetricSpec) bool {
	if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil || m.Resource.Name != corev1.ResourceCPU {
		return false
	}
	t := m.Resource.Target
	return t.Type == autoscalingv2.UtilizationMetricType && t.AverageUtilization != nil && t.Value == nil && t.AverageValue == nil
}

// isOnlyCPUUtilizationStatus reports whether the current metrics are a
// single CPU utilization, which currentCPUUtilizationPercentage holds
// exactly.
func isOnlyCPUUtilizationStatus(metrics []autoscalingv2.MetricStatus) bool {
	if len(metrics) != 1 {
		return false
	}
	m := metrics[0]
	return m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil &&
		m.Resource.Name == corev1.ResourceCPU && m.Resource.Current.AverageUtilization != nil &&
		m.Resource.Current.Value == nil && m.Resource.Current.AverageValue == nil
}

func cpuUtilizationMetric(percent int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{
				Type:               autoscalingv2.UtilizationMetricType,
				AverageUtilization: ptr.To(percent),
			},
		},
	}
}

// parseAnnotation decodes the JSON in annotations[key] into into and
// reports whether there was any to decode.
func parseAnnotation(annotations map[string]string, key string, into any) bool {
	data, ok := annotations[key]
	if !ok {
		return false
	}
	return json.Unmarshal([]byte(data), into) == nil
}

// withoutRoundTripAnnotations returns annotations without the keys this
// conversion owns, copying the map only when it has to change it. An
// object whose only annotations were those gets none.
func withoutRoundTripAnnotations(annotations map[string]string) map[string]string {
	found := false
	for _, key := range roundTripAnnotations {
		if _, ok := annotations[key]; ok {
			found = true
			break
		}
	}
	if !found {
		return annotations
	}
	out := make(map[string]string, len(annotations))
	for k, v := range annotations {
		out[k] = v
	}
	for _, key := range roundTripAnnotations {
		delete(out, key)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
