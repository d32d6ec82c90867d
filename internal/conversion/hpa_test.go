package conversion

import (
	"encoding/json"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var (
	transitionTime = metav1.NewTime(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	selector       = &metav1.LabelSelector{MatchLabels: map[string]string{"queue": "jobs"}}
	target         = autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"}
	ingressRef     = autoscalingv2.CrossVersionObjectReference{Kind: "Ingress", Name: "main", APIVersion: "networking.k8s.io/v1"}
)

func q(s string) *resource.Quantity { return ptr.To(resource.MustParse(s)) }

func cpuTarget(percent int32) autoscalingv2.MetricSpec { return cpuUtilizationMetric(percent) }

// everyMetricKind is a v2 metric list using every source and target kind
// that v2 validation accepts, with the CPU utilization target last: that is
// where conversion from v1 puts it back.
func everyMetricKind() []autoscalingv2.MetricSpec {
	return []autoscalingv2.MetricSpec{
		{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "qps", Selector: selector},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("100")},
		}},
		{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: ingressRef,
			Metric:          autoscalingv2.MetricIdentifier{Name: "requests"},
			Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: q("2k")},
		}},
		{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
			DescribedObject: ingressRef,
			Metric:          autoscalingv2.MetricIdentifier{Name: "latency"},
			Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("30m")},
		}},
		{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth", Selector: selector},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: q("50")},
		}},
		{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth_per_pod"},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("5")},
		}},
		{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceMemory,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("512Mi")},
		}},
		{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			// A CPU target that is not a utilization cannot go into
			// targetCPUUtilizationPercentage and must survive in the
			// annotation.
			Name:   corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("500m")},
		}},
		{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
			Name:      corev1.ResourceCPU,
			Container: "app",
			Target:    autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](60)},
		}},
		cpuTarget(75),
	}
}

func everyMetricStatusKind() []autoscalingv2.MetricStatus {
	return []autoscalingv2.MetricStatus{
		{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
			Name:    corev1.ResourceCPU,
			Current: autoscalingv2.MetricValueStatus{AverageValue: q("350m"), AverageUtilization: ptr.To[int32](70)},
		}},
		{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{
			Metric:  autoscalingv2.MetricIdentifier{Name: "qps", Selector: selector},
			Current: autoscalingv2.MetricValueStatus{AverageValue: q("80")},
		}},
		{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricStatus{
			DescribedObject: ingressRef,
			Metric:          autoscalingv2.MetricIdentifier{Name: "requests"},
			Current:         autoscalingv2.MetricValueStatus{Value: q("1500"), AverageValue: q("500")},
		}},
		{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricStatus{
			Metric:  autoscalingv2.MetricIdentifier{Name: "queue_depth"},
			Current: autoscalingv2.MetricValueStatus{Value: q("40"), AverageValue: q("4")},
		}},
		{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricStatus{
			Name:      corev1.ResourceMemory,
			Container: "app",
			Current:   autoscalingv2.MetricValueStatus{AverageValue: q("300Mi"), AverageUtilization: ptr.To[int32](55)},
		}},
	}
}

func fullBehavior() *autoscalingv2.HorizontalPodAutoscalerBehavior {
	return &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleUp: &autoscalingv2.HPAScalingRules{
			StabilizationWindowSeconds: ptr.To[int32](0),
			SelectPolicy:               ptr.To(autoscalingv2.MaxChangePolicySelect),
			Policies: []autoscalingv2.HPAScalingPolicy{
				{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
				{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
			},
			Tolerance: q("50m"),
		},
		ScaleDown: &autoscalingv2.HPAScalingRules{
			StabilizationWindowSeconds: ptr.To[int32](300),
			SelectPolicy:               ptr.To(autoscalingv2.DisabledPolicySelect),
		},
	}
}

func v2HPA(mutate func(*autoscalingv2.HorizontalPodAutoscaler)) *autoscalingv2.HorizontalPodAutoscaler {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "default", ResourceVersion: "42", Generation: 3,
			Labels:      map[string]string{"app": "web"},
			Annotations: map[string]string{"team": "a"},
		},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: target,
			MinReplicas:    ptr.To[int32](2),
			MaxReplicas:    10,
			Metrics:        []autoscalingv2.MetricSpec{cpuTarget(50)},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: ptr.To[int64](3),
			LastScaleTime:      &transitionTime,
			CurrentReplicas:    3,
			DesiredReplicas:    4,
		},
	}
	if mutate != nil {
		mutate(hpa)
	}
	return hpa
}

func v1HPA(mutate func(*autoscalingv1.HorizontalPodAutoscaler)) *autoscalingv1.HorizontalPodAutoscaler {
	hpa := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "default", ResourceVersion: "42",
			Labels:      map[string]string{"app": "web"},
			Annotations: map[string]string{"team": "a"},
		},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef:                 autoscalingv1.CrossVersionObjectReference(target),
			MinReplicas:                    ptr.To[int32](1),
			MaxReplicas:                    5,
			TargetCPUUtilizationPercentage: ptr.To[int32](70),
		},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{
			ObservedGeneration:              ptr.To[int64](1),
			LastScaleTime:                   &transitionTime,
			CurrentReplicas:                 2,
			DesiredReplicas:                 3,
			CurrentCPUUtilizationPercentage: ptr.To[int32](40),
		},
	}
	if mutate != nil {
		mutate(hpa)
	}
	return hpa
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestHPARoundTripFromV2(t *testing.T) {
	cases := []struct {
		name string
		in   *autoscalingv2.HorizontalPodAutoscaler
	}{
		{"cpu utilization target only", v2HPA(nil)},
		{"lone current cpu utilization", v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricStatus{
					Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](30)},
				},
			}}
		})},
		{"every metric kind with behavior and conditions", v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = everyMetricKind()
			h.Spec.Behavior = fullBehavior()
			h.Status.CurrentMetrics = everyMetricStatusKind()
			h.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{
				{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, LastTransitionTime: transitionTime, Reason: "ReadyForNewScale", Message: "ok"},
				{Type: autoscalingv2.ScalingLimited, Status: corev1.ConditionFalse, LastTransitionTime: transitionTime, Reason: "DesiredWithinRange", ObservedGeneration: ptr.To[int64](3)},
			}
		})},
		{"no cpu target", v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = everyMetricKind()[:2]
		})},
		{"behavior in one direction only", v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)},
			}
		})},
		{"no annotations and empty status", v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Annotations = nil
			h.Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
		})},
	}
	s := newScheme(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v1 := convert[autoscalingv1.HorizontalPodAutoscaler](t, s, tc.in)
			back := convert[autoscalingv2.HorizontalPodAutoscaler](t, s, v1)
			expectEqual(t, "v2 -> v1 -> v2", back, tc.in)
		})
	}
}

func TestHPARoundTripFromV1(t *testing.T) {
	// What a v1 client sees of an autoscaler created through v2 with more
	// than v1 can express, built from the v1 types the way Kubernetes
	// writes it.
	otherMetrics := []autoscalingv1.MetricSpec{
		{Type: autoscalingv1.PodsMetricSourceType, Pods: &autoscalingv1.PodsMetricSource{
			MetricName: "qps", TargetAverageValue: resource.MustParse("100"), Selector: selector,
		}},
		{Type: autoscalingv1.ObjectMetricSourceType, Object: &autoscalingv1.ObjectMetricSource{
			Target: autoscalingv1.CrossVersionObjectReference(ingressRef), MetricName: "latency", AverageValue: q("30m"),
		}},
		{Type: autoscalingv1.ExternalMetricSourceType, External: &autoscalingv1.ExternalMetricSource{
			MetricName: "queue_depth", TargetValue: q("50"),
		}},
		{Type: autoscalingv1.ResourceMetricSourceType, Resource: &autoscalingv1.ResourceMetricSource{
			Name: corev1.ResourceMemory, TargetAverageValue: q("512Mi"),
		}},
	}
	currentMetrics := []autoscalingv1.MetricStatus{
		{Type: autoscalingv1.ResourceMetricSourceType, Resource: &autoscalingv1.ResourceMetricStatus{
			Name: corev1.ResourceCPU, CurrentAverageUtilization: ptr.To[int32](40), CurrentAverageValue: resource.MustParse("200m"),
		}},
		{Type: autoscalingv1.ExternalMetricSourceType, External: &autoscalingv1.ExternalMetricStatus{
			MetricName: "queue_depth", CurrentValue: resource.MustParse("12"),
		}},
	}
	conditions := []autoscalingv1.HorizontalPodAutoscalerCondition{
		{Type: autoscalingv1.ScalingActive, Status: corev1.ConditionTrue, LastTransitionTime: transitionTime, Reason: "ValidMetricFound"},
	}

	cases := []struct {
		name string
		in   *autoscalingv1.HorizontalPodAutoscaler
	}{
		{"cpu target and current cpu", v1HPA(nil)},
		{"no status", v1HPA(func(h *autoscalingv1.HorizontalPodAutoscaler) {
			h.Status = autoscalingv1.HorizontalPodAutoscalerStatus{}
		})},
		{"annotations carrying v2-only fields", v1HPA(func(h *autoscalingv1.HorizontalPodAutoscaler) {
			h.Annotations[MetricSpecsAnnotation] = mustJSON(t, otherMetrics)
			h.Annotations[MetricStatusesAnnotation] = mustJSON(t, currentMetrics)
			h.Annotations[ConditionsAnnotation] = mustJSON(t, conditions)
			h.Annotations[BehaviorAnnotation] = mustJSON(t, fullBehavior())
		})},
		{"annotated metrics without a cpu target", v1HPA(func(h *autoscalingv1.HorizontalPodAutoscaler) {
			h.Spec.TargetCPUUtilizationPercentage = nil
			h.Annotations[MetricSpecsAnnotation] = mustJSON(t, otherMetrics)
		})},
	}
	s := newScheme(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v2 := convert[autoscalingv2.HorizontalPodAutoscaler](t, s, tc.in)
			back := convert[autoscalingv1.HorizontalPodAutoscaler](t, s, v2)
			expectEqual(t, "v1 -> v2 -> v1", back, tc.in)
		})
	}
}

func TestHPAV2ToV1(t *testing.T) {
	s := newScheme(t)
	t.Run("cpu utilization becomes the v1 fields", func(t *testing.T) {
		in := v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Status.CurrentMetrics = everyMetricStatusKind()[:1]
		})
		got := convert[autoscalingv1.HorizontalPodAutoscaler](t, s, in)
		expectEqual(t, "spec", got.Spec, autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef:                 autoscalingv1.CrossVersionObjectReference(target),
			MinReplicas:                    ptr.To[int32](2),
			MaxReplicas:                    10,
			TargetCPUUtilizationPercentage: ptr.To[int32](50),
		})
		expectEqual(t, "currentCPUUtilizationPercentage", got.Status.CurrentCPUUtilizationPercentage, ptr.To[int32](70))
		// The raw CPU value has no v1 field, so the status is kept whole.
		if _, ok := got.Annotations[MetricStatusesAnnotation]; !ok {
			t.Errorf("missing %s annotation", MetricStatusesAnnotation)
		}
		if _, ok := got.Annotations[MetricSpecsAnnotation]; ok {
			t.Errorf("unexpected %s annotation: the only metric fits the v1 field", MetricSpecsAnnotation)
		}
		expectEqual(t, "team annotation", got.Annotations["team"], "a")
	})
	t.Run("other metrics go into the annotation as v1 metric specs", func(t *testing.T) {
		in := v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{everyMetricKind()[0], cpuTarget(60)}
		})
		got := convert[autoscalingv1.HorizontalPodAutoscaler](t, s, in)
		expectEqual(t, "targetCPUUtilizationPercentage", got.Spec.TargetCPUUtilizationPercentage, ptr.To[int32](60))
		var metrics []autoscalingv1.MetricSpec
		if err := json.Unmarshal([]byte(got.Annotations[MetricSpecsAnnotation]), &metrics); err != nil {
			t.Fatalf("annotation: %v", err)
		}
		expectEqual(t, "annotated metrics", metrics, []autoscalingv1.MetricSpec{{
			Type: autoscalingv1.PodsMetricSourceType,
			Pods: &autoscalingv1.PodsMetricSource{MetricName: "qps", TargetAverageValue: resource.MustParse("100"), Selector: selector},
		}})
	})
	t.Run("stale round-trip annotations are replaced", func(t *testing.T) {
		in := v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Annotations[MetricSpecsAnnotation] = "stale"
			h.Annotations[ConditionsAnnotation] = "stale"
		})
		got := convert[autoscalingv1.HorizontalPodAutoscaler](t, s, in)
		expectEqual(t, "annotations", got.Annotations, map[string]string{"team": "a"})
	})
}

func TestHPAV1ToV2(t *testing.T) {
	s := newScheme(t)
	t.Run("no target means the implied 80% cpu", func(t *testing.T) {
		in := v1HPA(func(h *autoscalingv1.HorizontalPodAutoscaler) { h.Spec.TargetCPUUtilizationPercentage = nil })
		got := convert[autoscalingv2.HorizontalPodAutoscaler](t, s, in)
		expectEqual(t, "metrics", got.Spec.Metrics, []autoscalingv2.MetricSpec{cpuTarget(80)})
	})
	t.Run("cpu fields become resource metrics", func(t *testing.T) {
		got := convert[autoscalingv2.HorizontalPodAutoscaler](t, s, v1HPA(nil))
		expectEqual(t, "metrics", got.Spec.Metrics, []autoscalingv2.MetricSpec{cpuTarget(70)})
		expectEqual(t, "currentMetrics", got.Status.CurrentMetrics, []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{
				Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](40)},
			},
		}})
		expectEqual(t, "annotations", got.Annotations, map[string]string{"team": "a"})
	})
	t.Run("an object metric with an average value has no target value", func(t *testing.T) {
		in := v1HPA(func(h *autoscalingv1.HorizontalPodAutoscaler) {
			h.Spec.TargetCPUUtilizationPercentage = nil
			h.Annotations = map[string]string{MetricSpecsAnnotation: mustJSON(t, []autoscalingv1.MetricSpec{{
				Type: autoscalingv1.ObjectMetricSourceType,
				Object: &autoscalingv1.ObjectMetricSource{
					Target: autoscalingv1.CrossVersionObjectReference(ingressRef), MetricName: "latency", AverageValue: q("30m"),
				},
			}})}
		})
		got := convert[autoscalingv2.HorizontalPodAutoscaler](t, s, in)
		expectEqual(t, "object target", got.Spec.Metrics[0].Object.Target, autoscalingv2.MetricTarget{
			Type: autoscalingv2.AverageValueMetricType, AverageValue: q("30m"),
		})
		expectEqual(t, "annotations", got.Annotations, map[string]string(nil))
	})
	t.Run("unparsable annotations are ignored and dropped", func(t *testing.T) {
		in := v1HPA(func(h *autoscalingv1.HorizontalPodAutoscaler) {
			h.Annotations[MetricSpecsAnnotation] = "{not json"
			h.Annotations[BehaviorAnnotation] = "[]"
			h.Annotations[ConditionsAnnotation] = "42"
		})
		got := convert[autoscalingv2.HorizontalPodAutoscaler](t, s, in)
		expectEqual(t, "metrics", got.Spec.Metrics, []autoscalingv2.MetricSpec{cpuTarget(70)})
		expectEqual(t, "behavior", got.Spec.Behavior, (*autoscalingv2.HorizontalPodAutoscalerBehavior)(nil))
		expectEqual(t, "conditions", got.Status.Conditions, []autoscalingv2.HorizontalPodAutoscalerCondition(nil))
		expectEqual(t, "annotations", got.Annotations, map[string]string{"team": "a"})
	})
	t.Run("behavior annotation in Kubernetes' own key spelling", func(t *testing.T) {
		// kube-apiserver marshals its internal type, whose JSON keys are
		// the Go field names.
		in := v1HPA(func(h *autoscalingv1.HorizontalPodAutoscaler) {
			h.Annotations[BehaviorAnnotation] = `{"ScaleUp":{"StabilizationWindowSeconds":30,"SelectPolicy":"Min","Policies":[{"Type":"Pods","Value":2,"PeriodSeconds":60}]}}`
		})
		got := convert[autoscalingv2.HorizontalPodAutoscaler](t, s, in)
		expectEqual(t, "behavior", got.Spec.Behavior, &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleUp: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: ptr.To[int32](30),
				SelectPolicy:               ptr.To(autoscalingv2.MinChangePolicySelect),
				Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 2, PeriodSeconds: 60}},
			},
		})
	})
}

func TestHPAListConversion(t *testing.T) {
	s := newScheme(t)
	in := &autoscalingv2.HorizontalPodAutoscalerList{
		ListMeta: metav1.ListMeta{ResourceVersion: "7", Continue: "next"},
		Items: []autoscalingv2.HorizontalPodAutoscaler{
			*v2HPA(nil),
			*v2HPA(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Name = "api"; h.Spec.Metrics = everyMetricKind() }),
		},
	}
	v1 := convert[autoscalingv1.HorizontalPodAutoscalerList](t, s, in)
	expectEqual(t, "list metadata", v1.ListMeta, in.ListMeta)
	if len(v1.Items) != 2 || v1.Items[1].Name != "api" || *v1.Items[1].Spec.TargetCPUUtilizationPercentage != 75 {
		t.Fatalf("items not converted: %#v", v1.Items)
	}
	back := convert[autoscalingv2.HorizontalPodAutoscalerList](t, s, v1)
	expectEqual(t, "v2 list -> v1 -> v2", back, in)

	empty := convert[autoscalingv1.HorizontalPodAutoscalerList](t, s, &autoscalingv2.HorizontalPodAutoscalerList{})
	expectEqual(t, "empty list", empty, &autoscalingv1.HorizontalPodAutoscalerList{})
}

// TestHPAConvertToVersion goes through the scheme the way the API server
// does when it serves a stored v2 object to a v1 client.
func TestHPAConvertToVersion(t *testing.T) {
	s := newScheme(t)
	obj, err := s.ConvertToVersion(v2HPA(nil), autoscalingv1.SchemeGroupVersion)
	if err != nil {
		t.Fatalf("ConvertToVersion: %v", err)
	}
	v1, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if !ok {
		t.Fatalf("got %T, want *autoscalingv1.HorizontalPodAutoscaler", obj)
	}
	expectEqual(t, "kind", v1.GroupVersionKind(), autoscalingv1.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"))
	expectEqual(t, "targetCPUUtilizationPercentage", v1.Spec.TargetCPUUtilizationPercentage, ptr.To[int32](50))
}
