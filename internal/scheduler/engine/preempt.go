package engine

import (
	"context"
	"errors"
	"math/rand/v2"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler"
	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	"github.com/marina-orchestrator/marina/internal/scheduler/preemption"
)

// preemptor evicts lower-priority pods to make room for a pod that fits
// nowhere.
type preemptor struct {
	ev *preemption.Evaluator
}

func newPreemptor(profile *scheduler.Profile) *preemptor {
	return &preemptor{ev: &preemption.Evaluator{Profile: profile, Rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}}
}

// run looks for victims and, when it finds them, evicts them gracefully
// (each with its own grace period) with a Preempted event naming the
// preemptor. It returns the node the pod is nominated to, or a note for
// the FailedScheduling message saying why preemption does not help.
func (p *preemptor) run(ctx context.Context, e *Engine, pod *corev1.Pod, snap *framework.Snapshot, fitErr *scheduler.FitError) (nominated, note string) {
	res, err := p.ev.Preempt(ctx, pod, snap, fitErr)
	var unhelpful *preemption.UnhelpfulError
	switch {
	case errors.As(err, &unhelpful):
		return "", unhelpful.Error()
	case err != nil:
		e.log.Error("preemption", "pod", klogRef(pod), "err", err)
		return "", ""
	}
	for _, victim := range res.Victims {
		e.recorder.Eventf(victim, corev1.EventTypeNormal, "Preempted", "Preempted by %s/%s on node %s", pod.Namespace, pod.Name, res.NodeName)
		e.submit(ctx, func(ctx context.Context) {
			uid := victim.UID
			err := e.client.CoreV1().Pods(victim.Namespace).Delete(ctx, victim.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				e.log.Warn("evicting preemption victim", "victim", klogRef(victim), "preemptor", klogRef(pod), "err", err)
			}
		})
	}
	if len(res.Victims) > 0 {
		e.log.Info("preempting", "pod", klogRef(pod), "node", res.NodeName, "victims", len(res.Victims))
		e.recorder.Eventf(pod, corev1.EventTypeNormal, "Preempting", "Evicting %d lower-priority pod(s) on node %s", len(res.Victims), res.NodeName)
	}
	return res.NodeName, ""
}
