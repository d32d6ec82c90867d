package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func validQuota() *corev1.ResourceQuota {
	return &corev1.ResourceQuota{
		ObjectMeta: meta("compute"),
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourcePods:            q("20"),
			corev1.ResourceRequestsCPU:     q("4"),
			corev1.ResourceLimitsMemory:    q("16Gi"),
			"count/deployments.apps":       q("10"),
			"requests.example.com/gpu":     q("2"),
			corev1.ResourceRequestsStorage: q("100Gi"),
		}},
	}
}

func TestValidateResourceQuota(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.ResourceQuota)
		want   []want
	}{
		{name: "valid", mutate: func(*corev1.ResourceQuota) {}},
		{name: "scoped quota", mutate: func(rq *corev1.ResourceQuota) {
			rq.Spec.Hard = corev1.ResourceList{corev1.ResourcePods: q("5"), corev1.ResourceCPU: q("2")}
			rq.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotTerminating}
			rq.Spec.ScopeSelector = &corev1.ScopeSelector{MatchExpressions: []corev1.ScopedResourceSelectorRequirement{
				{ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpIn, Values: []string{"high"}},
			}}
		}},
		{name: "unknown unqualified resource", mutate: func(rq *corev1.ResourceQuota) { rq.Spec.Hard["widgets"] = q("1") },
			want: []want{errInvalid("spec.hard[widgets]")}},
		{name: "negative and fractional values", mutate: func(rq *corev1.ResourceQuota) {
			rq.Spec.Hard[corev1.ResourceRequestsCPU] = q("-1")
			rq.Spec.Hard[corev1.ResourcePods] = q("2.5")
		}, want: []want{errInvalid("spec.hard[requests.cpu]"), errInvalid("spec.hard[pods]")}},
		{name: "scope not valid for resource", mutate: func(rq *corev1.ResourceQuota) {
			rq.Spec.Hard = corev1.ResourceList{corev1.ResourceCPU: q("1")}
			rq.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}
		}, want: []want{errInvalid("spec.scopes")}},
		{name: "conflicting and unknown scopes", mutate: func(rq *corev1.ResourceQuota) {
			rq.Spec.Hard = corev1.ResourceList{corev1.ResourcePods: q("1")}
			rq.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating, "Sometimes"}
		}, want: []want{errInvalid("spec.scopes"), errInvalid("spec.scopes")}},
		{name: "scope selector operators", mutate: func(rq *corev1.ResourceQuota) {
			rq.Spec.Hard = corev1.ResourceList{corev1.ResourcePods: q("1")}
			rq.Spec.ScopeSelector = &corev1.ScopeSelector{MatchExpressions: []corev1.ScopedResourceSelectorRequirement{
				{ScopeName: corev1.ResourceQuotaScopeBestEffort, Operator: corev1.ScopeSelectorOpIn, Values: []string{"x"}},
				{ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpNotIn},
			}}
		}, want: []want{errInvalid("spec.scopeSelector.matchExpressions[0].operator"), errRequired("spec.scopeSelector.matchExpressions[1].values")}},
		{name: "status is checked too", mutate: func(rq *corev1.ResourceQuota) {
			rq.Status.Used = corev1.ResourceList{corev1.ResourcePods: q("-1")}
		}, want: []want{errInvalid("status.used[pods]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rq := validQuota()
			tc.mutate(rq)
			expectErrors(t, ValidateResourceQuota(rq), tc.want...)
		})
	}
}

func TestValidateResourceQuotaUpdate(t *testing.T) {
	mk := func() *corev1.ResourceQuota {
		rq := validQuota()
		rq.Spec.Hard = corev1.ResourceList{corev1.ResourcePods: q("10")}
		rq.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}
		return rq
	}
	old, rq := mk(), mk()
	rq.ObjectMeta = withRV(rq.ObjectMeta)
	rq.Spec.Hard[corev1.ResourcePods] = q("20")
	expectErrors(t, ValidateResourceQuotaUpdate(rq, old))

	rq.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotTerminating}
	expectErrors(t, ValidateResourceQuotaUpdate(rq, old), errInvalid("spec.scopes"))
}

func validLimitRange() *corev1.LimitRange {
	return &corev1.LimitRange{
		ObjectMeta: meta("limits"),
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{
			{
				Type:                 corev1.LimitTypeContainer,
				Min:                  corev1.ResourceList{corev1.ResourceCPU: q("50m")},
				Max:                  corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("4Gi")},
				Default:              corev1.ResourceList{corev1.ResourceCPU: q("500m")},
				DefaultRequest:       corev1.ResourceList{corev1.ResourceCPU: q("100m")},
				MaxLimitRequestRatio: corev1.ResourceList{corev1.ResourceCPU: q("10")},
			},
			{Type: corev1.LimitTypePod, Max: corev1.ResourceList{corev1.ResourceMemory: q("8Gi")}},
			{Type: corev1.LimitTypePersistentVolumeClaim, Max: corev1.ResourceList{corev1.ResourceStorage: q("50Gi")}},
		}},
	}
}

func TestValidateLimitRange(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.LimitRange)
		want   []want
	}{
		{name: "valid", mutate: func(*corev1.LimitRange) {}},
		{name: "min above max", mutate: func(lr *corev1.LimitRange) { lr.Spec.Limits[0].Min[corev1.ResourceCPU] = q("3") },
			want: []want{errInvalid("spec.limits[0].min[cpu]"), errInvalid("spec.limits[0].defaultRequest[cpu]"), errInvalid("spec.limits[0].default[cpu]"),
				errInvalid("spec.limits[0].maxLimitRequestRatio[cpu]")}},
		{name: "default above max", mutate: func(lr *corev1.LimitRange) { lr.Spec.Limits[0].Default[corev1.ResourceCPU] = q("4") },
			want: []want{errInvalid("spec.limits[0].default[cpu]")}},
		{name: "ratio below one", mutate: func(lr *corev1.LimitRange) { lr.Spec.Limits[0].MaxLimitRequestRatio[corev1.ResourceCPU] = q("500m") },
			want: []want{errInvalid("spec.limits[0].maxLimitRequestRatio[cpu]")}},
		{name: "duplicate type", mutate: func(lr *corev1.LimitRange) {
			lr.Spec.Limits = append(lr.Spec.Limits, corev1.LimitRangeItem{Type: corev1.LimitTypePod})
		}, want: []want{errDuplicate("spec.limits[3].type")}},
		{name: "unknown type", mutate: func(lr *corev1.LimitRange) { lr.Spec.Limits[1].Type = "Node" },
			want: []want{errInvalid("spec.limits[1].type")}},
		{name: "pod limits have no defaults", mutate: func(lr *corev1.LimitRange) {
			lr.Spec.Limits[1].Default = corev1.ResourceList{corev1.ResourceMemory: q("1Gi")}
		}, want: []want{errForbidden("spec.limits[1].default")}},
		{name: "PVC limits need storage bounds", mutate: func(lr *corev1.LimitRange) { lr.Spec.Limits[2].Max = nil },
			want: []want{errRequired("spec.limits[2]")}},
		{name: "container limit on a non-container resource", mutate: func(lr *corev1.LimitRange) {
			lr.Spec.Limits[0].Max[corev1.ResourceStorage] = q("1Gi")
		}, want: []want{errInvalid("spec.limits[0].max[storage]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lr := validLimitRange()
			tc.mutate(lr)
			expectErrors(t, ValidateLimitRange(lr), tc.want...)
		})
	}
}

func TestValidateLimitRangeUpdate(t *testing.T) {
	old, lr := validLimitRange(), validLimitRange()
	lr.ObjectMeta = withRV(lr.ObjectMeta)
	lr.Spec.Limits = lr.Spec.Limits[:1]
	expectErrors(t, ValidateLimitRangeUpdate(lr, old))

	lr.Spec.Limits[0].Type = ""
	expectErrors(t, ValidateLimitRangeUpdate(lr, old), errRequired("spec.limits[0].type"))
}
