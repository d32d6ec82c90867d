package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestQuotaCells(t *testing.T) {
	list := func(kv ...string) corev1.ResourceList {
		out := corev1.ResourceList{}
		for i := 0; i < len(kv); i += 2 {
			out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
		}
		return out
	}
	tests := []struct {
		name string
		gr   schema.GroupResource
		obj  runtime.Object
		want []interface{}
	}{
		{
			name: "requests and limits",
			gr:   schema.GroupResource{Resource: "resourcequotas"},
			obj: &corev1.ResourceQuota{
				ObjectMeta: objMeta("compute", 3*time.Hour),
				Status: corev1.ResourceQuotaStatus{
					Hard: list("requests.cpu", "1", "pods", "10", "limits.memory", "4Gi", "limits.cpu", "2", "requests.memory", "2Gi"),
					Used: list("requests.cpu", "500m", "pods", "3", "limits.cpu", "1", "requests.memory", "1Gi"),
				},
			},
			want: []interface{}{"compute", "pods: 3/10, requests.cpu: 500m/1, requests.memory: 1Gi/2Gi", "limits.cpu: 1/2, limits.memory: 0/4Gi", "3h"},
		},
		{
			name: "nothing enforced yet",
			gr:   schema.GroupResource{Resource: "resourcequotas"},
			obj:  &corev1.ResourceQuota{ObjectMeta: objMeta("new", time.Second)},
			want: []interface{}{"new", "", "", "1s"},
		},
		{
			name: "limit range",
			gr:   schema.GroupResource{Resource: "limitranges"},
			obj:  &corev1.LimitRange{ObjectMeta: objMeta("defaults", 26*time.Hour)},
			want: []interface{}{"defaults", "2025-05-31T10:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, tt.gr, tt.obj, tt.want)
		})
	}
}
