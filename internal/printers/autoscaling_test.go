package printers

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestHPACells(t *testing.T) {
	gr := schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}
	qty := func(s string) *resource.Quantity { q := resource.MustParse(s); return &q }
	cpu := autoscalingv2.MetricSpec{
		Type:     autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(50))}},
	}
	cpuStatus := autoscalingv2.MetricStatus{
		Type:     autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(int32(30)), AverageValue: qty("150m")}},
	}
	memory := autoscalingv2.MetricSpec{
		Type:     autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qty("512Mi")}},
	}
	pods := autoscalingv2.MetricSpec{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "qps"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qty("100")}},
	}
	external := autoscalingv2.MetricSpec{
		Type:     autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "queue"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qty("30")}},
	}
	object := autoscalingv2.MetricSpec{
		Type:   autoscalingv2.ObjectMetricSourceType,
		Object: &autoscalingv2.ObjectMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "hits"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: qty("2k")}},
	}
	sidecarCPU := autoscalingv2.MetricSpec{
		Type:              autoscalingv2.ContainerResourceMetricSourceType,
		ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: corev1.ResourceCPU, Container: "app", Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType}},
	}
	hpa := func(metrics []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) *autoscalingv2.HorizontalPodAutoscaler {
		return &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: objMeta("web", 6*time.Hour),
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    ptr(int32(2)),
				MaxReplicas:    10,
				Metrics:        metrics,
			},
			Status: autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, CurrentMetrics: statuses},
		}
	}
	row := func(targets string) []interface{} {
		return []interface{}{"web", "Deployment/web", targets, "2", int64(10), int64(3), "6h"}
	}
	tests := []struct {
		name string
		hpa  *autoscalingv2.HorizontalPodAutoscaler
		want []interface{}
	}{
		{"cpu utilization", hpa([]autoscalingv2.MetricSpec{cpu}, []autoscalingv2.MetricStatus{cpuStatus}), row("cpu: 30%/50%")},
		{"no metrics reported yet", hpa([]autoscalingv2.MetricSpec{cpu}, nil), row("cpu: <unknown>/50%")},
		{"no metrics", hpa(nil, nil), row("<none>")},
		{"average value", hpa([]autoscalingv2.MetricSpec{memory}, []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceMemory, Current: autoscalingv2.MetricValueStatus{AverageValue: qty("256Mi")}},
		}}), row("memory: 256Mi/512Mi")},
		{"pods metric", hpa([]autoscalingv2.MetricSpec{pods}, []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{Current: autoscalingv2.MetricValueStatus{AverageValue: qty("80")}},
		}}), row("80/100")},
		{"external average", hpa([]autoscalingv2.MetricSpec{external}, nil), row("<unknown>/30 (avg)")},
		{"object value", hpa([]autoscalingv2.MetricSpec{object}, []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricStatus{Current: autoscalingv2.MetricValueStatus{Value: qty("1500")}},
		}}), row("1500/2k")},
		{"container resource without target", hpa([]autoscalingv2.MetricSpec{sidecarCPU}, nil), row("cpu: <unknown>/<auto>")},
		{"malformed spec", hpa([]autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType}}, nil), row("<unknown type>")},
		{"more than two", hpa([]autoscalingv2.MetricSpec{cpu, memory, pods}, []autoscalingv2.MetricStatus{cpuStatus}), row("cpu: 30%/50%, memory: <unknown>/512Mi + 1 more...")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, gr, tt.hpa, tt.want)
		})
	}

	t.Run("min replicas unset", func(t *testing.T) {
		h := hpa(nil, nil)
		h.Spec.MinReplicas = nil
		checkCells(t, gr, h, []interface{}{"web", "Deployment/web", "<none>", "<unset>", int64(10), int64(3), "6h"})
	})
}
