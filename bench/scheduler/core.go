package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/marina-orchestrator/marina/internal/agent"
	"github.com/marina-orchestrator/marina/internal/hollownode"
	"github.com/marina-orchestrator/marina/internal/scheduler"
	schedcache "github.com/marina-orchestrator/marina/internal/scheduler/cache"
	"github.com/marina-orchestrator/marina/internal/scheduler/config"
)

// measureCore places s.pods pods on s.nodes nodes with the scheduler's
// cache and default profile, one at a time as the scheduling loop does
// (snapshot update, filter, score, assume), and returns pods per second.
func measureCore(s size, w string) (float64, error) {
	profile, err := config.Default().Profile()
	if err != nil {
		return 0, err
	}
	c := schedcache.New()
	for i := range s.nodes {
		name := fmt.Sprintf("hollow-%05d", i)
		labels := agent.NodeLabels(name, []string{"process"})
		for k, v := range zoneLabels(i) {
			labels[k] = v
		}
		c.AddNode(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
			Status: corev1.NodeStatus{Capacity: hollownode.DefaultCapacity(), Allocatable: hollownode.DefaultCapacity(),
				Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}})
	}
	alg := &scheduler.Algorithm{Profile: profile, Rand: rand.New(rand.NewPCG(1, 2))}
	snap := schedcache.NewSnapshot()
	pods := make([]*corev1.Pod, s.pods)
	for i := range pods {
		pods[i] = benchPod(w, i)
		pods[i].UID = types.UID(pods[i].Name)
	}
	ctx := context.Background()
	t0 := time.Now()
	for _, p := range pods {
		c.UpdateSnapshot(snap)
		res, err := alg.Schedule(ctx, p, &snap.Snapshot)
		if err != nil {
			return 0, fmt.Errorf("pod %s: %w", p.Name, err)
		}
		if err := c.Assume(p, res.Node); err != nil {
			return 0, err
		}
	}
	return float64(s.pods) / time.Since(t0).Seconds(), nil
}
