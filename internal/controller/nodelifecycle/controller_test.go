package nodelifecycle

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestHealthy(t *testing.T) {
	now := time.Unix(10_000, 0)
	grace := 15 * time.Second
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))}}
	lease := func(ago time.Duration) *coordinationv1.Lease {
		rt := metav1.NewMicroTime(now.Add(-ago))
		return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &rt}}
	}
	newNode := &corev1.Node{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(now.Add(-5 * time.Second))}}
	tests := []struct {
		name  string
		node  *corev1.Node
		lease *coordinationv1.Lease
		want  bool
	}{
		{"fresh lease", node, lease(3 * time.Second), true},
		{"lease at the grace period", node, lease(grace), true},
		{"stale lease", node, lease(grace + time.Second), false},
		{"no lease, old node", node, nil, false},
		{"no lease yet, new node", newNode, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := healthy(tc.node, tc.lease, now, grace); got != tc.want {
				t.Errorf("healthy = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvictAt(t *testing.T) {
	added := metav1.NewTime(time.Unix(1000, 0))
	taint := &corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}
	secs := func(n int64) *int64 { return &n }
	tol := func(key string, op corev1.TolerationOperator, s *int64) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: op, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: s}
	}
	tests := []struct {
		name        string
		tolerations []corev1.Toleration
		wantAfter   time.Duration
		wantEvicted bool
	}{
		{"no toleration: the default", nil, 15 * time.Second, true},
		{"own toleration seconds", []corev1.Toleration{tol(corev1.TaintNodeUnreachable, corev1.TolerationOpExists, secs(60))}, 60 * time.Second, true},
		{"the longest matching toleration", []corev1.Toleration{
			tol(corev1.TaintNodeUnreachable, corev1.TolerationOpExists, secs(5)),
			tol("", corev1.TolerationOpExists, secs(90)),
		}, 90 * time.Second, true},
		{"tolerates forever", []corev1.Toleration{tol(corev1.TaintNodeUnreachable, corev1.TolerationOpExists, nil)}, 0, false},
		{"another taint's toleration does not count", []corev1.Toleration{tol("dedicated", corev1.TolerationOpExists, nil)}, 15 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: tc.tolerations}}
			at, evicted := evictAt(pod, taint, 15)
			if evicted != tc.wantEvicted {
				t.Fatalf("evicted = %v, want %v", evicted, tc.wantEvicted)
			}
			if evicted && !at.Equal(added.Add(tc.wantAfter)) {
				t.Errorf("evicted at %v, want %v after the taint", at.Sub(added.Time), tc.wantAfter)
			}
		})
	}
}
